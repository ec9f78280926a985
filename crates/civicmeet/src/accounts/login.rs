//! `GET /login`, `POST /login`, `POST /logout`: the password login of
//! local accounts.
//!
//! Every failed login gets the same page, status and (about the same)
//! time: an unknown name, a wrong password, a disabled, locked or
//! password-less account all run one argon2id verification and show one
//! message. So the page reveals neither whether an account exists nor
//! whether it is locked; the lock itself is recorded in the audit log.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use civicmeet_store::{Account, AuditAction};
use maud::html;
use serde::Deserialize;

use super::lockout::{self, Failure};
use super::session::{self, MaybeSignedIn};
use super::texts::tx;
use super::{next, password};
use crate::audit;
use crate::web::{Page, PageContext, PageError, csrf, layout};

/// The longest login name looked up.
pub const MAX_LOGIN_LEN: usize = 64;

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The form, with the failure message when `failed`.
fn render(
    state: &crate::state::AppState,
    ctx: &PageContext,
    next_path: &str,
    login: &str,
    failed: bool,
) -> maud::Markup {
    let lang = ctx.lang;
    let title = tx(lang, "login.title");
    let oidc_href = format!(
        "/login/oidc/start?next={}",
        url::form_urlencoded::byte_serialize(next_path.as_bytes()).collect::<String>()
    );
    let body = html! {
        h1 { (title) }
        @if failed {
            div class="error-summary" role="alert" id="login-error" tabindex="-1" {
                p { (tx(lang, "login.failed")) }
            }
        }
        form method="post" action="/login" {
            (csrf::hidden_field(&ctx.csrf))
            input type="hidden" name="next" value=(next_path);
            div class="field" {
                label for="login" { (tx(lang, "login.name")) }
                input type="text" id="login" name="login" value=(login) required
                    autocomplete="username" autocapitalize="none" spellcheck="false"
                    maxlength=(MAX_LOGIN_LEN)
                    aria-describedby=[failed.then_some("login-error")];
            }
            div class="field" {
                label for="password" { (tx(lang, "login.password")) }
                input type="password" id="password" name="password" required
                    autocomplete="current-password" maxlength=(password::MAX_LEN)
                    aria-describedby=[failed.then_some("login-error")];
            }
            button type="submit" { (tx(lang, "login.submit")) }
        }
        @if state.accounts.oidc.is_some() {
            p { (tx(lang, "login.or")) }
            p { a class="button" href=(oidc_href) { (tx(lang, "login.oidc")) } }
        }
        p class="hint" { (tx(lang, "login.citizen")) }
    };
    layout::render(ctx, Page::new(title, body))
}

/// `GET /login`
pub async fn page(
    State(state): State<crate::state::AppState>,
    ctx: PageContext,
    Query(query): Query<LoginQuery>,
) -> maud::Markup {
    let next_path = next::or_default(query.next.as_deref());
    render(&state, &ctx, next_path, "", false)
}

/// `POST /login`
pub async fn submit(
    State(state): State<crate::state::AppState>,
    ctx: PageContext,
    submitted: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = submitted.map_err(|_| PageError::BadRequest("invalid form"))?;
    ctx.check_csrf(&form.csrf)?;
    let next_path = next::or_default(Some(&form.next)).to_string();
    let login = form.login.trim().to_lowercase();
    let now = state.accounts.clock.now();

    let account = if login.is_empty() || login.len() > MAX_LOGIN_LEN {
        None
    } else {
        state.store.account_by_login(&login).await?
    };
    let verified = match &account {
        Some(account) => check(&state, account, form.password, now).await?,
        None => {
            // The same work as for a real account: no timing difference.
            password::verify_async(form.password, None).await;
            audit::record(&state.store, failed_entry(now, None, "unknown login name")).await;
            false
        }
    };
    let Some(account) = account.filter(|_| verified) else {
        let page = render(&state, &ctx, &next_path, &form.login, true);
        return Ok((StatusCode::UNAUTHORIZED, page).into_response());
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
    entry.detail = Some("password".into());
    audit::record(&state.store, entry).await;
    tracing::info!(account = account.id, "staff login");
    let mut response = Redirect::to(&next_path).into_response();
    session::add_set_cookie(
        response.headers_mut(),
        session::set_cookie(&token, state.accounts.max_secs, state.tls),
    );
    Ok(response)
}

/// Checks the password of an existing account, applying the lockout
/// rule; records failures. Always runs one argon2id verification.
async fn check(
    state: &crate::state::AppState,
    account: &Account,
    password_text: String,
    now: i64,
) -> Result<bool, PageError> {
    let refused = if account.is_disabled() {
        Some("account disabled")
    } else if lockout::is_locked(&account.login_state, now) {
        Some("account locked")
    } else if account.password_hash.is_none() {
        Some("no password login")
    } else {
        None
    };
    if let Some(reason) = refused {
        password::verify_async(password_text, None).await;
        audit::record(&state.store, failed_entry(now, Some(account), reason)).await;
        return Ok(false);
    }
    if password::verify_async(password_text, account.password_hash.clone()).await {
        if account.login_state != lockout::after_success() {
            state
                .store
                .set_login_state(account.id, lockout::after_success())
                .await?;
        }
        return Ok(true);
    }
    audit::record(
        &state.store,
        failed_entry(now, Some(account), "wrong password"),
    )
    .await;
    match lockout::after_failure(&state.accounts.lockout, &account.login_state, now) {
        Failure::Counted(next_state) => {
            state.store.set_login_state(account.id, next_state).await?;
        }
        Failure::Locked {
            state: next_state,
            until,
        } => {
            state.store.set_login_state(account.id, next_state).await?;
            let mut entry = audit::entry(now, audit::ANONYMOUS, AuditAction::AccountLocked);
            entry.subject = Some(audit::account_actor(account.id, &account.display_name));
            entry.detail = Some(format!("locked for {} s", until - now));
            audit::record(&state.store, entry).await;
            tracing::warn!(account = account.id, "account locked after failed logins");
        }
    }
    Ok(false)
}

/// A `login_failed` entry. The name that was typed is not recorded for
/// unknown accounts: people type passwords into the name field.
fn failed_entry(now: i64, account: Option<&Account>, reason: &str) -> audit::Entry {
    let mut entry = audit::entry(now, audit::ANONYMOUS, AuditAction::LoginFailed);
    entry.subject = account.map(|a| audit::account_actor(a.id, &a.display_name));
    entry.detail = Some(reason.into());
    entry
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: ends the session and removes the cookie.
pub async fn logout(
    State(state): State<crate::state::AppState>,
    ctx: PageContext,
    MaybeSignedIn(signed_in): MaybeSignedIn,
    submitted: Result<Form<LogoutForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = submitted.map_err(|_| PageError::BadRequest("invalid form"))?;
    ctx.check_csrf(&form.csrf)?;
    if let Some(signed_in) = signed_in {
        state.store.delete_session(&signed_in.token).await?;
        let now = state.accounts.clock.now();
        audit::record(
            &state.store,
            audit::entry(now, signed_in.actor(), AuditAction::Logout),
        )
        .await;
    }
    let mut response = Redirect::to("/login").into_response();
    session::add_set_cookie(response.headers_mut(), session::clear_cookie(state.tls));
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("static value"),
    );
    Ok(response)
}

/// The "logged in as … / log out" line for the staff and admin pages.
pub fn signed_in_bar(
    ctx: &PageContext,
    signed_in: Option<&super::session::SignedIn>,
) -> maud::Markup {
    let lang = ctx.lang;
    html! {
        @if let Some(signed_in) = signed_in {
            form class="signed-in" method="post" action="/logout" {
                (csrf::hidden_field(&ctx.csrf))
                span { (tx(lang, "signed_in_as")) " " (signed_in.display_name) " " }
                button type="submit" { (tx(lang, "logout")) }
            }
        }
    }
}
