//! Who may open the staff pages (`/staff`) and the admin pages
//! (`/admin`): a logged-in account whose role the permission table allows
//! the page's action, or the configured admin credential (HTTP Basic; the
//! bootstrap and break-glass login, and what scripts use).
//!
//! Without either, a browser (it accepts HTML) is sent to
//! `/login?next=<this page>`; anything else gets 401 with a Basic
//! challenge. A logged-in account whose role does not allow the action
//! gets the 403 page. The REST API (`/api/v1`) takes only the Basic
//! credential (`auth::require_admin`), so no cookie ever authorises a
//! JSON call.

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::access::{self, Action, Role};
use crate::accounts::{next, session};
use crate::state::AppState;
use crate::web::PageError;

/// Who the request comes from, once the guard let it through. Handlers
/// extract it from the request's extensions.
#[derive(Debug, Clone)]
pub enum Identity {
    Account(session::SignedIn),
    /// The configured admin credential, by its user name.
    Credential(String),
}

impl Identity {
    pub fn role(&self) -> Role {
        match self {
            Identity::Account(signed_in) => signed_in.role,
            Identity::Credential(_) => Role::Admin,
        }
    }

    /// The audit log's label.
    pub fn actor(&self) -> String {
        match self {
            Identity::Account(signed_in) => signed_in.actor(),
            Identity::Credential(username) => crate::audit::credential_actor(username),
        }
    }

    pub fn account_id(&self) -> Option<i64> {
        match self {
            Identity::Account(signed_in) => Some(signed_in.account_id),
            Identity::Credential(_) => None,
        }
    }

    pub fn signed_in(&self) -> Option<&session::SignedIn> {
        match self {
            Identity::Account(signed_in) => Some(signed_in),
            Identity::Credential(_) => None,
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Identity {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Identity>()
            .cloned()
            .ok_or_else(|| PageError::Internal("staff route without the guard".into()))
    }
}

/// The action a staff or admin request needs.
pub fn action_for(method: &Method, path: &str) -> Action {
    if path == "/admin" || path.starts_with("/admin/") {
        Action::Administer
    } else if method == Method::GET || method == Method::HEAD {
        Action::ViewDashboard
    } else {
        Action::ManageAppointments
    }
}

/// The middleware.
pub async fn require_account(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let identity = match basic {
        Some(value) if state.admin.accepts(value) => {
            Some(Identity::Credential(state.admin.username().to_string()))
        }
        Some(_) => None,
        None => session::signed_in(&state, headers)
            .await
            .map(Identity::Account),
    };
    let action = action_for(request.method(), request.uri().path());
    match identity {
        Some(identity) if access::allows(identity.role(), action) => {
            if let Identity::Account(signed_in) = &identity {
                request.extensions_mut().insert(signed_in.clone());
            }
            request.extensions_mut().insert(identity);
            next.run(request).await
        }
        Some(_) => PageError::Forbidden.into_response(),
        // On a fresh install without OpenID Connect there is no account to
        // log in with yet: the browser is asked for the admin credential
        // (HTTP Basic) instead, so the first admin can open
        // /admin/accounts and make one.
        None if basic.is_none()
            && wants_html(&request)
            && request.method() == Method::GET
            && (state.config.oidc.enabled() || has_accounts(&state).await) =>
        {
            let target = request
                .uri()
                .path_and_query()
                .map_or("/staff", |p| p.as_str());
            Redirect::to(&next::login_url(target)).into_response()
        }
        None => super::auth::unauthorized(basic.is_some(), false),
    }
}

/// Whether any staff account exists (then browsers log in at `/login`).
/// A store error counts as "yes": the login page is the safer answer.
async fn has_accounts(state: &AppState) -> bool {
    state.store.accounts().await.map_or(true, |a| !a.is_empty())
}

fn wants_html(request: &Request) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_paths_need_administer_and_staff_posts_manage() {
        assert_eq!(action_for(&Method::GET, "/admin"), Action::Administer);
        assert_eq!(
            action_for(&Method::POST, "/admin/accounts"),
            Action::Administer
        );
        assert_eq!(action_for(&Method::GET, "/staff"), Action::ViewDashboard);
        assert_eq!(
            action_for(&Method::POST, "/staff/cancel-day"),
            Action::ManageAppointments
        );
        assert_eq!(
            action_for(&Method::GET, "/administrator"),
            Action::ViewDashboard
        );
    }
}
