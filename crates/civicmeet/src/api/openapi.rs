//! The OpenAPI 3.1 document of `/api/v1`, hand-written in `openapi.json`
//! beside this file and embedded at build time. A test holds it against
//! the route tables in [`crate::api`].

use axum::http::header;
use axum::response::IntoResponse;

/// The document as served.
pub const DOCUMENT: &str = include_str!("openapi.json");

/// `GET /api/openapi.json`
pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
