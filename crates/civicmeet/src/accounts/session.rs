//! Who a request comes from: the session cookie of a logged-in account.
//!
//! The cookie holds a random 256-bit token (the store keeps only its
//! SHA-256); it is HttpOnly, SameSite=Lax, and Secure under TLS. A
//! session ends after `accounts.session_idle_minutes` without a request,
//! `accounts.session_max_hours` after the login, when the account is
//! disabled, or at logout. The role is read from the account on every
//! request, so a role change applies at once.
//!
//! For the meeting side: [`MaybeSignedIn`] extracts the logged-in account
//! (or `None`) on any route, e.g. to mark a waiting participant as
//! "verified by login".

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use civicmeet_store::AccountRole;

use crate::access::Role;
use crate::state::AppState;
use crate::web::context::cookie;

/// The cookie's name.
pub const COOKIE: &str = "session";

/// A logged-in staff account, as the request's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub account_id: i64,
    /// The account's display name (personal data: never log it).
    pub display_name: String,
    /// [`Role::Admin`] or [`Role::Staff`].
    pub role: Role,
    /// The session's token, for logout.
    pub(crate) token: String,
}

impl SignedIn {
    /// The audit log's label for this account.
    pub fn actor(&self) -> String {
        crate::audit::account_actor(self.account_id, &self.display_name)
    }
}

/// The permission-table role of an account role.
pub fn role_of(role: AccountRole) -> Role {
    match role {
        AccountRole::Admin => Role::Admin,
        AccountRole::Staff => Role::Staff,
    }
}

/// The account whose valid session cookie `headers` carry, if any. A
/// storage error counts as "not logged in" (and is logged).
pub async fn signed_in(state: &AppState, headers: &HeaderMap) -> Option<SignedIn> {
    let token = cookie(headers, COOKIE)?;
    let accounts = &state.accounts;
    let now = accounts.clock.now();
    match state
        .store
        .session_account(&token, now, now - accounts.idle_secs)
        .await
    {
        Ok(Some(account)) => Some(SignedIn {
            account_id: account.id,
            display_name: account.display_name,
            role: role_of(account.role),
            token,
        }),
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a session");
            None
        }
    }
}

/// Extractor: the logged-in account, or `None`. Never rejects.
#[derive(Debug, Clone)]
pub struct MaybeSignedIn(pub Option<SignedIn>);

impl FromRequestParts<AppState> for MaybeSignedIn {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // The staff middleware may have looked it up already.
        if let Some(found) = parts.extensions.get::<SignedIn>() {
            return Ok(MaybeSignedIn(Some(found.clone())));
        }
        Ok(MaybeSignedIn(signed_in(state, &parts.headers).await))
    }
}

/// The `Set-Cookie` value that starts a session.
pub fn set_cookie(token: &str, max_age: i64, tls: bool) -> HeaderValue {
    let secure = if tls { "; Secure" } else { "" };
    // The token is base64url: always a valid header value.
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("session=; Path=/; Max-Age=0"))
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(tls: bool) -> HeaderValue {
    if tls {
        HeaderValue::from_static("session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure")
    } else {
        HeaderValue::from_static("session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
    }
}

/// Adds a `Set-Cookie` header.
pub fn add_set_cookie(headers: &mut HeaderMap, value: HeaderValue) {
    headers.append(header::SET_COOKIE, value);
}
