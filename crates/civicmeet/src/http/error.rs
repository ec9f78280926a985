//! The HTTP layer's one error type, rendered as a JSON error body:
//! `{"error": {"code": "...", "message": "..."}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("no meeting has this id")]
    MeetingNotFound,
    #[error("not found")]
    NotFound,
    /// The request body was not acceptable; the text says why.
    #[error("{0}")]
    BadRequest(String),
    /// The request clashes with what is stored (a SIP alias in use).
    #[error("{0}")]
    Conflict(String),
    /// A browser sent this from another site (see `http::origin`).
    #[error("cross-site request refused: send it from civicmeet's own pages")]
    CrossSite,
    /// Something on the server failed. The detail is logged, not shown.
    #[error("internal error")]
    Internal(String),
}

impl HttpError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            HttpError::MeetingNotFound => (StatusCode::NOT_FOUND, "meeting_not_found"),
            HttpError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            HttpError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            HttpError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            HttpError::CrossSite => (StatusCode::FORBIDDEN, "cross_site"),
            HttpError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<civicmeet_store::StoreError> for HttpError {
    fn from(e: civicmeet_store::StoreError) -> Self {
        match e {
            civicmeet_store::StoreError::AliasTaken => {
                HttpError::Conflict("another meeting has this sip_alias".into())
            }
            e => HttpError::Internal(e.to_string()),
        }
    }
}

impl From<crate::meeting_id::RandomError> for HttpError {
    fn from(e: crate::meeting_id::RandomError) -> Self {
        HttpError::Internal(e.to_string())
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        if let HttpError::Internal(detail) = &self {
            tracing::error!(error = %detail, "request failed");
        }
        let (status, code) = self.status_and_code();
        let body = json!({ "error": { "code": code, "message": self.to_string() } });
        (status, Json(body)).into_response()
    }
}
