//! `/admin/accounts`: the admin creates local accounts (login name,
//! display name, role, initial password), edits name and role, sets a new
//! password, and disables or enables an account. Accounts made by an
//! OpenID Connect login are listed too; their name and role follow the
//! provider's claims at each login.
//!
//! Every change is audited. Bad input re-renders the form (422) and
//! changes nothing. An admin cannot disable or demote their own account,
//! so the last admin cannot lock everyone out by accident (the admin
//! credential stays as the break-glass login anyway).

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use civicmeet_store::{Account, AccountRole, AuditAction, NewAccount, StoreError};
use maud::{Markup, html};

use super::form_parts::Fields;
use crate::accounts::{lockout, password};
use crate::audit;
use crate::staff::guard::Identity;
use crate::state::AppState;
use crate::web::form::{FormErrors, error_summary};
use crate::web::{Lang, Page, PageContext, PageError, csrf, layout};

/// The longest display name.
const MAX_NAME_CHARS: usize = 100;

fn at(lang: Lang, key: &'static str) -> &'static str {
    let (de, en) = match key {
        "title" => ("Konten", "Accounts"),
        "new" => ("Neues Konto", "New account"),
        "name" => ("Angezeigter Name", "Display name"),
        "login" => ("Anmeldename", "Login name"),
        "login.hint" => (
            "Kleinbuchstaben, Ziffern und . _ @ -; höchstens 64 Zeichen.",
            "Lower-case letters, digits and . _ @ -; at most 64 characters.",
        ),
        "role" => ("Rolle", "Role"),
        "role.admin" => ("Verwaltung (admin)", "Administrator (admin)"),
        "role.staff" => ("Sachbearbeitung (staff)", "Case worker (staff)"),
        "password" => ("Passwort", "Password"),
        "password.new" => (
            "Neues Passwort (leer: unverändert)",
            "New password (empty: unchanged)",
        ),
        "password.hint" => ("Mindestens 12 Zeichen.", "At least 12 characters."),
        "active" => ("Konto aktiv", "Account active"),
        "kind" => ("Art", "Kind"),
        "kind.local" => ("lokal", "local"),
        "kind.oidc" => ("Organisation (OIDC)", "organisation (OIDC)"),
        "status" => ("Status", "Status"),
        "status.active" => ("aktiv", "active"),
        "status.disabled" => ("gesperrt", "disabled"),
        "status.locked" => ("vorübergehend gesperrt", "temporarily locked"),
        "save" => ("Speichern", "Save"),
        "edit" => ("Bearbeiten", "Edit"),
        "back" => ("Zurück zur Verwaltung", "Back to the administration"),
        "none" => ("Noch keine Konten.", "No accounts yet."),
        "error.name" => (
            "Bitte einen Namen angeben (höchstens 100 Zeichen).",
            "Please enter a name (at most 100 characters).",
        ),
        "error.login" => (
            "Bitte einen gültigen Anmeldenamen angeben.",
            "Please enter a valid login name.",
        ),
        "error.login_taken" => (
            "Dieser Anmeldename ist vergeben.",
            "This login name is taken.",
        ),
        "error.role" => ("Bitte eine Rolle wählen.", "Please choose a role."),
        "error.password" => (
            "Das Passwort braucht 12 bis 256 Zeichen.",
            "The password needs 12 to 256 characters.",
        ),
        "error.self" => (
            "Das eigene Konto kann nicht gesperrt oder herabgestuft werden.",
            "You cannot disable or demote your own account.",
        ),
        _ => (key, key),
    };
    lang.pick(de, en)
}

fn valid_login(login: &str) -> bool {
    (1..=64).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".-_@".contains(&b))
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && !name.chars().any(char::is_control)
}

fn role_field(fields: &Fields, errors: &mut FormErrors) -> Option<AccountRole> {
    let role = fields.get("role").parse().ok();
    if role.is_none() {
        errors.add("role", "error.role");
    }
    role
}

fn field_error(lang: Lang, errors: &FormErrors, name: &str) -> Option<&'static str> {
    errors.for_field(name).map(|key| at(lang, key))
}

/// Errors are collected as keys of [`at`]; the summary needs the texts.
fn translated(lang: Lang, errors: &FormErrors) -> FormErrors {
    let mut out = FormErrors::default();
    for e in &errors.0 {
        out.add(e.field, at(lang, e.message));
    }
    out
}

fn input(
    lang: Lang,
    kind: &str,
    name: &'static str,
    label: &str,
    value: &str,
    hint: Option<&str>,
    errors: &FormErrors,
) -> Markup {
    // Password fields here always set a new password.
    let autocomplete = if kind == "password" {
        "new-password"
    } else {
        "off"
    };
    let error = field_error(lang, errors, name);
    let hint_id = format!("{name}-hint");
    let error_id = format!("{name}-error");
    let described = super::form_parts::described_by(
        hint.map(|_| hint_id.as_str()),
        error.map(|_| error_id.as_str()),
    );
    html! {
        div class="field" {
            label for=(name) { (label) }
            @if let Some(hint) = hint { p class="hint" id=(hint_id) { (hint) } }
            @if let Some(message) = error { p class="field-error" id=(error_id) { (message) } }
            input type=(kind) id=(name) name=(name) value=(value) autocomplete=(autocomplete)
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[(!described.is_empty()).then_some(described.as_str())];
        }
    }
}

fn role_select(lang: Lang, value: &str, errors: &FormErrors) -> Markup {
    let error = field_error(lang, errors, "role");
    html! {
        div class="field" {
            label for="role" { (at(lang, "role")) }
            @if let Some(message) = error { p class="field-error" id="role-error" { (message) } }
            select id="role" name="role" aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| "role-error")] {
                option value="staff" selected[value != "admin"] { (at(lang, "role.staff")) }
                option value="admin" selected[value == "admin"] { (at(lang, "role.admin")) }
            }
        }
    }
}

/// `GET /admin/accounts`
pub async fn list(State(state): State<AppState>, ctx: PageContext) -> Result<Markup, PageError> {
    let lang = ctx.lang;
    let now = state.accounts.clock.now();
    let accounts = state.store.accounts().await?;
    let title = at(lang, "title");
    let status = |a: &Account| {
        if a.is_disabled() {
            at(lang, "status.disabled")
        } else if lockout::is_locked(&a.login_state, now) {
            at(lang, "status.locked")
        } else {
            at(lang, "status.active")
        }
    };
    let body = html! {
        h1 { (title) }
        p { a href="/admin/accounts/new" { (at(lang, "new")) } }
        @if accounts.is_empty() { p { (at(lang, "none")) } } @else {
            table {
                thead { tr {
                    th scope="col" { (at(lang, "name")) }
                    th scope="col" { (at(lang, "login")) }
                    th scope="col" { (at(lang, "role")) }
                    th scope="col" { (at(lang, "kind")) }
                    th scope="col" { (at(lang, "status")) }
                } }
                tbody { @for a in &accounts { tr {
                    td { a href={ "/admin/accounts/" (a.id) } { (a.display_name) } }
                    td { (a.login.as_deref().unwrap_or("–")) }
                    td { (a.role.as_str()) }
                    td { (if a.oidc.is_some() { at(lang, "kind.oidc") } else { at(lang, "kind.local") }) }
                    td { (status(a)) }
                } } }
            }
        }
        p { a href="/admin" { (at(lang, "back")) } }
    };
    Ok(layout::render(&ctx, Page::new(title, body)))
}

fn new_form(ctx: &PageContext, fields: &Fields, errors: &FormErrors) -> Response {
    let lang = ctx.lang;
    let title = at(lang, "new");
    let body = html! {
        h1 { (title) }
        (error_summary(lang, &translated(lang, errors)))
        form method="post" action="/admin/accounts" novalidate {
            (csrf::hidden_field(&ctx.csrf))
            (input(lang, "text", "display_name", at(lang, "name"), &fields.get("display_name"), None, errors))
            (input(lang, "text", "login", at(lang, "login"), &fields.get("login"), Some(at(lang, "login.hint")), errors))
            (role_select(lang, &fields.get("role"), errors))
            (input(lang, "password", "password", at(lang, "password"), "", Some(at(lang, "password.hint")), errors))
            button type="submit" { (at(lang, "save")) }
        }
        p { a href="/admin/accounts" { (at(lang, "title")) } }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, layout::render(ctx, Page::new(title, body))).into_response()
}

fn fields_of(submitted: Result<Form<Fields>, FormRejection>) -> Result<Fields, PageError> {
    submitted
        .map(|Form(f)| f)
        .map_err(|_| PageError::BadRequest("invalid form"))
}

/// `GET /admin/accounts/new`
pub async fn new(ctx: PageContext) -> Response {
    new_form(&ctx, &Fields(Vec::new()), &FormErrors::default())
}

/// `POST /admin/accounts`
pub async fn create(
    State(state): State<AppState>,
    ctx: PageContext,
    identity: Identity,
    submitted: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = fields_of(submitted)?;
    ctx.check_csrf(&fields.get("csrf"))?;
    let mut errors = FormErrors::default();
    let name = fields.get("display_name").trim().to_string();
    let login = fields.get("login").trim().to_lowercase();
    let secret = fields.get("password");
    if !valid_name(&name) {
        errors.add("display_name", "error.name");
    }
    if !valid_login(&login) {
        errors.add("login", "error.login");
    }
    let role = role_field(&fields, &mut errors);
    if !(password::MIN_LEN..=password::MAX_LEN).contains(&secret.chars().count()) {
        errors.add("password", "error.password");
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        return Ok(new_form(&ctx, &fields, &errors));
    };
    let hash = password::hash_async(secret)
        .await
        .ok_or_else(|| PageError::Internal("cannot hash a password".into()))?;
    let now = state.accounts.clock.now();
    let new = NewAccount {
        login: Some(login),
        display_name: name,
        role,
        password_hash: Some(hash),
        oidc: None,
    };
    let account = match state.store.create_account(&new, now).await {
        Ok(account) => account,
        Err(StoreError::AlreadyExists) => {
            errors.add("login", "error.login_taken");
            return Ok(new_form(&ctx, &fields, &errors));
        }
        Err(e) => return Err(e.into()),
    };
    let mut entry = audit::entry(now, identity.actor(), AuditAction::AccountCreated);
    entry.subject = Some(audit::account_actor(account.id, &account.display_name));
    entry.detail = Some(format!("role {role}"));
    audit::record(&state.store, entry).await;
    Ok(Redirect::to("/admin/accounts").into_response())
}

fn edit_form(
    ctx: &PageContext,
    account: &Account,
    fields: &Fields,
    errors: &FormErrors,
) -> Response {
    let lang = ctx.lang;
    let title = account.display_name.as_str();
    let active = fields.get("active") == "yes";
    let body = html! {
        h1 { (title) }
        (error_summary(lang, &translated(lang, errors)))
        @if let Some(login) = &account.login { p { (at(lang, "login")) ": " (login) } }
        @if account.oidc.is_some() { p { (at(lang, "kind")) ": " (at(lang, "kind.oidc")) } }
        form method="post" action={ "/admin/accounts/" (account.id) } novalidate {
            (csrf::hidden_field(&ctx.csrf))
            (input(lang, "text", "display_name", at(lang, "name"), &fields.get("display_name"), None, errors))
            (role_select(lang, &fields.get("role"), errors))
            @if account.oidc.is_none() {
                (input(lang, "password", "password", at(lang, "password.new"), "", Some(at(lang, "password.hint")), errors))
            }
            div class="field checkbox" {
                @if let Some(message) = field_error(lang, errors, "active") { p class="field-error" id="active-error" { (message) } }
                input type="checkbox" id="active" name="active" value="yes" checked[active];
                label for="active" { (at(lang, "active")) }
            }
            button type="submit" { (at(lang, "save")) }
        }
        p { a href="/admin/accounts" { (at(lang, "title")) } }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, layout::render(ctx, Page::new(title, body))).into_response()
}

/// `GET /admin/accounts/{id}`
pub async fn edit(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let account = state.store.account(id).await?.ok_or(PageError::NotFound)?;
    let mut values = vec![
        ("display_name".to_string(), account.display_name.clone()),
        ("role".to_string(), account.role.as_str().to_string()),
    ];
    if !account.is_disabled() {
        values.push(("active".into(), "yes".into()));
    }
    Ok(edit_form(
        &ctx,
        &account,
        &Fields(values),
        &FormErrors::default(),
    ))
}

/// `POST /admin/accounts/{id}`
pub async fn update(
    State(state): State<AppState>,
    ctx: PageContext,
    identity: Identity,
    Path(id): Path<i64>,
    submitted: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = fields_of(submitted)?;
    ctx.check_csrf(&fields.get("csrf"))?;
    let account = state.store.account(id).await?.ok_or(PageError::NotFound)?;
    let mut errors = FormErrors::default();
    let name = fields.get("display_name").trim().to_string();
    if !valid_name(&name) {
        errors.add("display_name", "error.name");
    }
    let role = role_field(&fields, &mut errors);
    let secret = fields.get("password");
    if account.oidc.is_none()
        && !secret.is_empty()
        && !(password::MIN_LEN..=password::MAX_LEN).contains(&secret.chars().count())
    {
        errors.add("password", "error.password");
    }
    let active = fields.get("active") == "yes";
    let own = identity.account_id() == Some(id);
    if own && (!active || role == Some(AccountRole::Staff)) {
        errors.add("active", "error.self");
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        return Ok(edit_form(&ctx, &account, &fields, &errors));
    };
    let hash = if account.oidc.is_none() && !secret.is_empty() {
        Some(
            password::hash_async(secret)
                .await
                .ok_or_else(|| PageError::Internal("cannot hash a password".into()))?,
        )
    } else {
        None
    };

    let now = state.accounts.clock.now();
    let subject = audit::account_actor(id, &name);
    let record = |action: AuditAction, detail: Option<String>| {
        let mut entry = audit::entry(now, identity.actor(), action);
        entry.subject = Some(subject.clone());
        entry.detail = detail;
        entry
    };
    state.store.update_account(id, &name, role).await?;
    if account.role != role {
        audit::record(
            &state.store,
            record(
                AuditAction::RoleChanged,
                Some(format!("{} -> {role}", account.role)),
            ),
        )
        .await;
    }
    if account.display_name != name {
        audit::record(
            &state.store,
            record(AuditAction::AccountUpdated, Some("display name".into())),
        )
        .await;
    }
    if let Some(hash) = hash {
        state.store.set_password_hash(id, Some(&hash)).await?;
        // Whoever held the old password is logged out.
        state.store.delete_sessions_of(id).await?;
        audit::record(&state.store, record(AuditAction::PasswordChanged, None)).await;
    }
    if active == account.is_disabled() {
        state
            .store
            .set_account_disabled(id, (!active).then_some(now))
            .await?;
        let action = if active {
            AuditAction::AccountEnabled
        } else {
            AuditAction::AccountDisabled
        };
        audit::record(&state.store, record(action, None)).await;
    }
    Ok(Redirect::to("/admin/accounts").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_names() {
        for good in ["erika", "e.muster", "e_m-1@amt"] {
            assert!(valid_login(good), "{good}");
        }
        for bad in ["", "Erika", "erika muster", "ä", &"a".repeat(65)] {
            assert!(!valid_login(bad), "{bad}");
        }
        assert!(!valid_name("a\u{7}b"));
    }
}
