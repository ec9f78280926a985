//! `GET /login/oidc/start` sends the browser to the provider;
//! `GET /login/oidc/callback` takes it back, checks everything, finds or
//! creates the account, and starts a session like a password login.
//!
//! The first login of a person creates their account (marked by issuer
//! and subject, without a password); later logins update the display name
//! and role from the claims. Claims that map to no role are refused, as
//! is a disabled account.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use civicmeet_store::{Account, AccountRole, AuditAction, NewAccount, OidcIdentity};
use maud::html;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::flow::{self, Pending};
use super::{OidcError, Provider, verify};
use crate::accounts::texts::tx;
use crate::accounts::{next, session};
use crate::audit;
use crate::state::AppState;
use crate::web::context::cookie;
use crate::web::{Page, PageContext, PageError, layout};

/// The longest display name taken from the claims.
const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

/// `GET /login/oidc/start`
pub async fn start(
    State(state): State<AppState>,
    ctx: PageContext,
    Query(query): Query<StartQuery>,
) -> Result<Response, PageError> {
    let Some(provider) = state.accounts.oidc.as_ref() else {
        return Err(PageError::NotFound);
    };
    let metadata = match provider.metadata().await {
        Ok(metadata) => metadata,
        Err(e) => return Ok(failure(&ctx, StatusCode::BAD_GATEWAY, "oidc.failed", &e)),
    };
    let pending = Pending::new(next::or_default(query.next.as_deref()))
        .ok_or_else(|| PageError::Internal("the system random number generator failed".into()))?;
    let url = flow::authorization_url(
        &metadata.authorization_endpoint,
        &provider.config,
        &provider.redirect_url,
        &pending,
    )
    .ok_or_else(|| {
        PageError::Internal("the provider's authorization endpoint is not a URL".into())
    })?;
    let mut response = Redirect::to(&url).into_response();
    let secure = if state.tls { "; Secure" } else { "" };
    let value = format!(
        "{}={}; Path=/login/oidc; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        flow::COOKIE,
        pending.to_cookie(),
        flow::COOKIE_MAX_AGE
    );
    // base64url and dots: always a valid header value.
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /login/oidc/callback`
pub async fn callback(
    State(state): State<AppState>,
    ctx: PageContext,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    let Some(provider) = state.accounts.oidc.as_ref() else {
        return Err(PageError::NotFound);
    };
    let mut response = finish(&state, provider, &ctx, &headers, query).await?;
    // The pending login is used up, whatever happened.
    let secure = if state.tls { "; Secure" } else { "" };
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{}=; Path=/login/oidc; Max-Age=0; HttpOnly; SameSite=Lax{secure}",
        flow::COOKIE
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

async fn finish(
    state: &AppState,
    provider: &Provider,
    ctx: &PageContext,
    headers: &HeaderMap,
    query: CallbackQuery,
) -> Result<Response, PageError> {
    let now = state.accounts.clock.now();
    let refuse = |reason: &str| OidcError::InvalidToken(reason.to_string());
    let pending = cookie(headers, flow::COOKIE).and_then(|c| Pending::from_cookie(&c));
    let (Some(pending), Some(code), Some(returned_state), None) =
        (pending, query.code, query.state, query.error)
    else {
        let e = refuse("no pending login, no code, or an error from the provider");
        return Ok(failure(ctx, StatusCode::BAD_REQUEST, "oidc.failed", &e));
    };
    if !pending.state_matches(&returned_state) {
        let e = refuse("state does not match");
        return Ok(failure(ctx, StatusCode::BAD_REQUEST, "oidc.failed", &e));
    }
    let claims = match id_token_claims(provider, &code, &pending).await {
        Ok(claims) => claims,
        Err(e) => return Ok(failure(ctx, StatusCode::BAD_GATEWAY, "oidc.failed", &e)),
    };
    // verify::claims made sure `sub` is a non-empty string.
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let identity = OidcIdentity {
        issuer: provider.issuer().to_string(),
        subject: subject.to_string(),
    };
    let name = display_name(&claims);
    let Some(role) =
        flow::role_from_claim(&provider.config, claims.get(&provider.config.roles_claim))
    else {
        let mut entry = audit::entry(now, audit::ANONYMOUS, AuditAction::LoginFailed);
        entry.subject = Some(format!("oidc:{} {name}", identity.subject));
        entry.detail = Some("no role in the claims".into());
        audit::record(&state.store, entry).await;
        return Ok(page(ctx, StatusCode::FORBIDDEN, "oidc.no_role"));
    };
    let account = match state.store.account_by_oidc(&identity).await? {
        Some(account) if account.is_disabled() => {
            let mut entry = audit::entry(now, audit::ANONYMOUS, AuditAction::LoginFailed);
            entry.subject = Some(audit::account_actor(account.id, &account.display_name));
            entry.detail = Some("account disabled".into());
            audit::record(&state.store, entry).await;
            return Ok(page(ctx, StatusCode::FORBIDDEN, "oidc.disabled"));
        }
        Some(account) => update(state, account, &name, role, now).await?,
        None => {
            let account = state
                .store
                .create_account(
                    &NewAccount {
                        login: None,
                        display_name: name.clone(),
                        role,
                        password_hash: None,
                        oidc: Some(identity),
                    },
                    now,
                )
                .await?;
            let mut entry = audit::entry(now, "oidc", AuditAction::AccountCreated);
            entry.subject = Some(audit::account_actor(account.id, &account.display_name));
            entry.detail = Some(format!("role {role}"));
            audit::record(&state.store, entry).await;
            account
        }
    };
    let token = state
        .store
        .create_session(account.id, now, now + state.accounts.max_secs)
        .await?;
    let mut entry = audit::entry(
        now,
        audit::account_actor(account.id, &account.display_name),
        AuditAction::Login,
    );
    entry.detail = Some("oidc".into());
    audit::record(&state.store, entry).await;
    tracing::info!(account = account.id, "staff login through OpenID Connect");
    let mut response = Redirect::to(next::or_default(Some(&pending.next))).into_response();
    session::add_set_cookie(
        response.headers_mut(),
        session::set_cookie(&token, state.accounts.max_secs, state.tls),
    );
    Ok(response)
}

/// The code exchanged and the ID token checked, with one key refresh when
/// the token names a key we have not seen (the provider rotated keys).
async fn id_token_claims(
    provider: &Provider,
    code: &str,
    pending: &Pending,
) -> Result<Map<String, Value>, OidcError> {
    if code.is_empty() || code.len() > 2048 {
        return Err(OidcError::InvalidToken("no usable code".into()));
    }
    let id_token = provider.exchange(code, &pending.verifier).await?;
    let (kid, _) = verify::key_id(&id_token)?;
    let mut keys = provider.keys(false).await?;
    if !verify::has_key(&keys, kid.as_deref()) {
        keys = provider.keys(true).await?;
    }
    verify::claims(
        &id_token,
        &keys,
        provider.issuer(),
        &provider.config.client_id,
        &pending.nonce,
    )
}

/// Updates name and role from the claims; a role change is audited.
async fn update(
    state: &AppState,
    account: Account,
    name: &str,
    role: AccountRole,
    now: i64,
) -> Result<Account, PageError> {
    if account.display_name == name && account.role == role {
        return Ok(account);
    }
    state.store.update_account(account.id, name, role).await?;
    if account.role != role {
        let mut entry = audit::entry(now, "oidc", AuditAction::RoleChanged);
        entry.subject = Some(audit::account_actor(account.id, name));
        entry.detail = Some(format!("{} -> {role}", account.role));
        audit::record(&state.store, entry).await;
    }
    Ok(Account {
        display_name: name.to_string(),
        role,
        ..account
    })
}

/// `name`, else `preferred_username`, else `email`, clipped.
fn display_name(claims: &Map<String, Value>) -> String {
    ["name", "preferred_username", "email"]
        .iter()
        .find_map(|k| {
            claims
                .get(*k)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
        })
        .unwrap_or("OpenID Connect")
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect()
}

/// A refused login: logged without claims or tokens, shown plainly.
fn failure(
    ctx: &PageContext,
    status: StatusCode,
    key: &'static str,
    error: &OidcError,
) -> Response {
    tracing::warn!(error = %error, "OpenID Connect login failed");
    page(ctx, status, key)
}

fn page(ctx: &PageContext, status: StatusCode, key: &'static str) -> Response {
    let lang = ctx.lang;
    let title = tx(lang, "oidc.failed.title");
    let body = html! {
        h1 { (title) }
        p { (tx(lang, key)) }
        p { a href="/login" { (tx(lang, "back_to_login")) } }
    };
    (status, layout::render(ctx, Page::new(title, body))).into_response()
}
