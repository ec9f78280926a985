//! Security headers on every response.
//!
//! The CSP allows only our own origin (no inline script or style, no third
//! parties: see SOV in PRODUCT.md); `blob:` media is for local previews.
//! HSTS only when we serve TLS ourselves: sent over plain HTTP it would
//! be ignored, and behind a TLS proxy the proxy sets it.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; connect-src 'self'; \
    img-src 'self' data: blob:; media-src 'self' blob:; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'; form-action 'self'";

pub const PERMISSIONS_POLICY: &str = "camera=(self), microphone=(self), display-capture=(self)";

/// A year; browsers then refuse plain HTTP to this host for that long.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

pub async fn add_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    if state.tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    response
}
