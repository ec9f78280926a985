//! The staff side: the dashboard (`/staff`), the admin pages (`/admin`),
//! the guard in front of them (`guard`: staff accounts or the admin
//! credential), and the admin credential of the REST API (`auth`).
//!
//! Pages are server-rendered with the shared `web` layout, German and
//! English, and work without JavaScript. What a staff action does to an
//! appointment lives in [`actions`], shared with the REST API.
//!
//! Routes (all behind `guard`: a staff account or the admin credential;
//! `/admin` needs the admin role):
//! - `GET /staff`: the dashboard
//! - `GET|POST /staff/appointments/{id}/cancel`, `POST .../no-show`,
//!   `POST .../done`, `POST .../host` (a host link to its meeting)
//! - `GET|POST /staff/cancel-day`: a day of an office (or of one person)
//! - `POST /staff/staff/{id}/feed-link`: a new .ics feed link
//! - `POST /staff/mails/{id}/retry`, `POST /staff/deliveries/{id}/retry`
//! - `/admin/...`: see [`admin`]

pub mod actions;
pub mod admin;
pub mod auth;
pub mod dashboard;
pub mod guard;
pub mod pages;
pub mod texts;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// The staff and admin pages, behind the admin credential.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/staff", get(dashboard::page))
        .route(
            "/staff/appointments/{id}/cancel",
            get(pages::cancel_page).post(pages::cancel),
        )
        .route("/staff/appointments/{id}/no-show", post(pages::no_show))
        .route("/staff/appointments/{id}/done", post(pages::done))
        .route("/staff/appointments/{id}/host", post(pages::host))
        .route(
            "/staff/cancel-day",
            get(pages::cancel_day_page).post(pages::cancel_day),
        )
        .route("/staff/staff/{id}/feed-link", post(pages::feed_link))
        .route("/staff/mails/{id}/retry", post(pages::retry_mail))
        .route("/staff/deliveries/{id}/retry", post(pages::retry_delivery))
        .merge(admin::router())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::require_account,
        ))
}
