//! Moves JSON to and from the Janus HTTP transport: one HTTP/1.1 request
//! per TCP connection, on loopback.
//!
//! A connection per request keeps this simple and correct under
//! concurrency: a long poll holds its connection for up to 30 seconds while
//! other requests of the same session must go through, and a loopback
//! connect costs microseconds. This module knows nothing of the Janus
//! protocol; `wire` parses what it returns.

use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::error::ApiError;

/// The largest answer read. Janus's largest are SDPs and batches of long
/// poll events, a few kilobytes each.
const MAX_ANSWER: usize = 4 * 1024 * 1024;

/// Where the Janus API of one server listens.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    addr: SocketAddr,
}

impl Endpoint {
    pub(crate) fn new(addr: SocketAddr) -> Endpoint {
        Endpoint { addr }
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// POSTs `body` (JSON) to `path`; returns the answer's body.
    pub(crate) async fn post(&self, path: &str, body: Vec<u8>) -> Result<Bytes, ApiError> {
        self.exchange(Method::POST, path, body).await
    }

    /// GETs `path`. Janus answers 404 with an empty body for a session that
    /// is gone, which the caller sees as `Status(404)`.
    pub(crate) async fn get(&self, path: &str) -> Result<Bytes, ApiError> {
        self.exchange(Method::GET, path, Vec::new()).await
    }

    async fn exchange(&self, method: Method, path: &str, body: Vec<u8>) -> Result<Bytes, ApiError> {
        let stream = TcpStream::connect(self.addr)
            .await
            .map_err(ApiError::Connect)?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        // The connection task ends when the exchange is done or dropped.
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("Janus HTTP connection ended: {e}");
            }
        });
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, self.addr.to_string())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            // The parts are a method constant, a path this crate formats
            // from numbers, and fixed header names: always a valid request.
            .map_err(|e| ApiError::Malformed(format!("cannot build request: {e}")))?;
        let response = sender.send_request(request).await?;
        let status = response.status();
        let body = Limited::new(response.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map_err(|e| match e.downcast::<hyper::Error>() {
                Ok(e) => ApiError::Http(*e),
                Err(_) => ApiError::TooLarge(MAX_ANSWER),
            })?
            .to_bytes();
        if !status.is_success() {
            return Err(ApiError::Status(status.as_u16()));
        }
        Ok(body)
    }
}

/// Runs `future` with the reply timeout.
pub(crate) async fn timed<T>(
    after: Duration,
    request: &'static str,
    future: impl Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    tokio::time::timeout(after, future)
        .await
        .map_err(|_| ApiError::Timeout { request, after })?
}
