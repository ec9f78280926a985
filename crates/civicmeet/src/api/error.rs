//! The REST API's one error type, rendered as
//! `{"error": {"code": "...", "message": "...", "field": "..."}}`.
//!
//! `field` names the offending input (a JSON path such as `hours[2].start`
//! or a query parameter) when there is one. Messages never echo submitted
//! values, so nothing personal ends up in logs or in a client's error list.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use civicmeet_store::StoreError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON, or not an object of the expected shape.
    #[error("{message}")]
    Malformed {
        message: String,
        field: Option<String>,
    },
    /// A value has the right type but is not acceptable (too long, in the
    /// past, an unknown time zone, a reference to a record that does not
    /// exist).
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The record named in the path does not exist.
    #[error("no {what} has this id")]
    NotFound { what: &'static str },
    /// The record exists but is not in a state that allows this action.
    #[error("{0}")]
    Conflict(String),
    #[error("the admin credential is required")]
    Unauthorized,
    /// Too many requests from this address; retry after this many seconds.
    #[error("too many requests; try again in {0} seconds")]
    TooManyRequests(u64),
    /// Something on the server failed. The detail is logged, not shown.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Malformed { .. } => (StatusCode::BAD_REQUEST, "malformed"),
            ApiError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            ApiError::Malformed { field, .. } => field.as_deref(),
            ApiError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::WrongStatus { status } => {
                ApiError::Conflict(format!("the appointment is {status}"))
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(error = %detail, "API request failed");
        }
        let (status, code) = self.status_and_code();
        let body = json!({ "error": {
            "code": code,
            "message": self.to_string(),
            "field": self.field(),
        }});
        let mut response = (status, Json(body)).into_response();
        if let ApiError::TooManyRequests(seconds) = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        response
    }
}
