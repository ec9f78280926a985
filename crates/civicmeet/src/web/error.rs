//! The error of the HTML pages: each variant is a status and a page.
//!
//! A handler returns `Result<_, PageError>` and uses `?`. The response it
//! makes carries the error as an extension; the [`context`](super::context)
//! middleware renders it as a full page in the visitor's language. (The
//! JSON API has its own error type, `http::error::HttpError`.)

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Why a page cannot be shown.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PageError {
    /// Unknown id, expired or unknown link.
    #[error("not found")]
    NotFound,
    /// A request no form of ours sends; the text is shown as it is, so it
    /// must come from a translation table, never from input.
    #[error("bad request")]
    BadRequest(&'static str),
    /// The CSRF check failed.
    #[error("forbidden")]
    Csrf,
    /// Logged in, but the role may not do this (`access::allows`).
    #[error("forbidden")]
    Forbidden,
    /// Too many requests; retry after this many seconds.
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// Something on the server failed. The detail is logged, not shown,
    /// and must not contain personal data.
    #[error("internal error")]
    Internal(String),
}

impl PageError {
    pub fn status(&self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::Csrf | PageError::Forbidden => StatusCode::FORBIDDEN,
            PageError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<civicmeet_store::StoreError> for PageError {
    fn from(e: civicmeet_store::StoreError) -> Self {
        PageError::Internal(e.to_string())
    }
}

impl From<crate::meeting_id::RandomError> for PageError {
    fn from(e: crate::meeting_id::RandomError) -> Self {
        PageError::Internal(e.to_string())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let PageError::Internal(detail) = &self {
            tracing::error!(error = %detail, "page failed");
        }
        let status = self.status();
        // A plain body in case no middleware renders it (a misrouted call).
        let mut response = (status, self.to_string()).into_response();
        if let PageError::TooManyRequests { retry_after_secs } = &self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        response.extensions_mut().insert(self);
        response
    }
}
