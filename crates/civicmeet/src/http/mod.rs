//! The web server: pages, assets, the meetings API and the signalling
//! socket. This is the only module (and civicmeet the only crate) that
//! knows axum.
//!
//! Routes:
//! - `GET /` start page, `GET /m/{id}` meeting page, `GET /assets/{*path}`
//! - `POST /meetings` (form, 303), `POST /api/meetings` (201 JSON),
//!   `GET /api/meetings/{id}`, `GET /api/meetings/{id}/ws` (WebSocket)
//! - `GET /health`
//!
//! Every response carries the security headers (`security`); requests
//! with unsafe methods from other sites are refused (`origin`); with
//! `http.tls` the server speaks TLS itself (`tls`).

pub mod assets;
pub mod error;
pub mod meetings;
pub mod origin;
pub mod security;
pub mod tls;

use axum::Router;
use axum::extract::Request;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::signalling;
use crate::state::AppState;
use error::HttpError;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(assets::index))
        .route("/health", get(health))
        .route("/assets/{*path}", get(assets::asset))
        .route("/m/{id}", get(meetings::page))
        .route("/meetings", post(meetings::create_from_form))
        .route("/api/meetings", post(meetings::create_from_api))
        .route("/api/meetings/{id}", get(meetings::get))
        .route("/api/meetings/{id}/ws", get(signalling::websocket))
        .merge(crate::api::router(&state))
        .merge(crate::staff::router(&state))
        .merge(crate::accounts::router())
        .merge(crate::booking::router())
        .fallback(not_found)
        // Inside the page context, so that a refused form gets its page.
        .layer(from_fn_with_state(state.clone(), origin::refuse_cross_site))
        // Language, CSRF cookie and error pages of the server-rendered pages.
        .layer(from_fn_with_state(
            state.clone(),
            crate::web::context::attach,
        ))
        .layer(from_fn_with_state(state.clone(), security::add_headers))
        .with_state(state)
}

async fn health() -> &'static str {
    "ok"
}

/// Unknown routes: JSON under `/api/`, the not-found page elsewhere.
async fn not_found(request: Request) -> Response {
    if request.uri().path().starts_with("/api/") {
        HttpError::NotFound.into_response()
    } else {
        assets::not_found_page()
    }
}
