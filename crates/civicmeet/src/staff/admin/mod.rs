//! The admin pages (`/admin`): offices, services, staff and webhooks as
//! HTML forms over the same checks as the REST API, so a form and an API
//! call refuse the same input. Bad input re-renders the form (422) with an
//! error summary and changes nothing; success goes back to `/admin`.
//!
//! Accounts and the audit log have their own pages: `/admin/accounts`
//! (list, `new`, `{id}`) in [`accounts`] and `/admin/audit` in [`audit_log`].
//!
//! Routes: `GET /admin`; for each of `offices`, `services`, `staff`,
//! `webhooks`: `GET /admin/<kind>/new`, `POST /admin/<kind>`,
//! `GET|POST /admin/<kind>/{id}`; `POST /admin/webhooks/{id}/delete`.

pub mod accounts;
pub mod audit_log;
pub mod form_parts;
pub mod offices;
pub mod services;
pub mod staff_members;
pub mod texts;
pub mod webhooks;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use maud::{Markup, html};

use crate::state::AppState;
use crate::web::{Page, PageContext, PageError, layout};
use texts::ax;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(index))
        .route("/admin/offices/new", get(offices::new))
        .route("/admin/offices", post(offices::create))
        .route(
            "/admin/offices/{id}",
            get(offices::edit).post(offices::update),
        )
        .route("/admin/services/new", get(services::new))
        .route("/admin/services", post(services::create))
        .route(
            "/admin/services/{id}",
            get(services::edit).post(services::update),
        )
        .route("/admin/staff/new", get(staff_members::new))
        .route("/admin/staff", post(staff_members::create))
        .route(
            "/admin/staff/{id}",
            get(staff_members::edit).post(staff_members::update),
        )
        .route("/admin/webhooks/new", get(webhooks::new))
        .route("/admin/webhooks", post(webhooks::create))
        .route(
            "/admin/webhooks/{id}",
            get(webhooks::edit).post(webhooks::update),
        )
        .route("/admin/webhooks/{id}/delete", post(webhooks::delete))
        .route(
            "/admin/accounts",
            get(accounts::list).post(accounts::create),
        )
        .route("/admin/accounts/new", get(accounts::new))
        .route(
            "/admin/accounts/{id}",
            get(accounts::edit).post(accounts::update),
        )
        .route("/admin/audit", get(audit_log::page))
}

/// `GET /admin`: everything, with links to edit and create.
async fn index(
    State(state): State<AppState>,
    ctx: PageContext,
    identity: crate::staff::guard::Identity,
) -> Result<Markup, PageError> {
    let lang = ctx.lang;
    let offices = state.store.offices().await?;
    let services = state.store.services(None).await?;
    let staff = state.store.staff_list(None).await?;
    let webhooks = state.store.webhooks().await?;
    let list = |kind: &str, items: Vec<(i64, String)>| {
        html! {
            @if items.is_empty() { p { (ax(lang, "none")) } } @else {
                ul { @for (id, name) in &items {
                    li { a href={ "/admin/" (kind) "/" (id) } { (name) } }
                } }
            }
        }
    };
    let title = ax(lang, "admin.title");
    let body = html! {
        (crate::accounts::login::signed_in_bar(&ctx, identity.signed_in()))
        h1 { (title) }
        p { a href="/staff" { (ax(lang, "admin.dashboard")) } }
        section aria-labelledby="accounts" {
            h2 id="accounts" { (lang.pick("Konten und Protokoll", "Accounts and audit log")) }
            ul {
                li { a href="/admin/accounts" { (lang.pick("Konten", "Accounts")) } }
                li { a href="/admin/audit" { (lang.pick("Protokoll", "Audit log")) } }
            }
        }
        section aria-labelledby="offices" {
            h2 id="offices" { (ax(lang, "offices")) }
            (list("offices", offices.into_iter().map(|o| (o.id, o.name)).collect()))
            p { a href="/admin/offices/new" { (ax(lang, "new.office")) } }
        }
        section aria-labelledby="services" {
            h2 id="services" { (ax(lang, "services")) }
            (list("services", services.into_iter().map(|s| (s.id, s.name)).collect()))
            p { a href="/admin/services/new" { (ax(lang, "new.service")) } }
        }
        section aria-labelledby="staff" {
            h2 id="staff" { (ax(lang, "staff")) }
            (list("staff", staff.into_iter().map(|s| (s.id, s.display_name)).collect()))
            p { a href="/admin/staff/new" { (ax(lang, "new.staff")) } }
        }
        section aria-labelledby="webhooks" {
            h2 id="webhooks" { (ax(lang, "webhooks")) }
            (list("webhooks", webhooks.into_iter().map(|w| (w.id, w.url)).collect()))
            p { a href="/admin/webhooks/new" { (ax(lang, "new.webhook")) } }
        }
    };
    Ok(layout::render(&ctx, Page::new(title, body)))
}
