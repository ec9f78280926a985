//! The crate's errors: one enum for starting the server, one for talking
//! to it. Everything Janus sends is untrusted input; a reply that does not
//! parse or does not fit the request becomes an [`ApiError`], never a
//! panic.

use std::path::PathBuf;
use std::time::Duration;

/// Why [`crate::JanusServer::start`] failed.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(
        "the Janus binary {binary} is missing: install the Debian package `janus` \
         (`cargo xtask test` installs it before running the tests)"
    )]
    NotInstalled { binary: PathBuf },
    #[error(
        "the Janus {kind} {path} is missing: install the Debian package `janus` \
         (`cargo xtask test` installs it before running the tests)"
    )]
    MissingModule { kind: &'static str, path: PathBuf },
    #[error("cannot prepare the Janus config folder: {0}")]
    Setup(std::io::Error),
    #[error("cannot start {binary}: {source}")]
    Spawn {
        binary: PathBuf,
        source: std::io::Error,
    },
    #[error("Janus exited during start-up ({status}); its log ends with:\n{log_tail}")]
    Exited { status: String, log_tail: String },
    #[error("Janus did not answer GET /janus/info within {0:?}; its log ends with:\n{1}")]
    NotReady(Duration, String),
}

/// Why a request to the Janus API failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("cannot connect to Janus: {0}")]
    Connect(std::io::Error),
    #[error("HTTP exchange with Janus failed: {0}")]
    Http(#[from] hyper::Error),
    #[error("Janus answered HTTP {0}")]
    Status(u16),
    #[error("Janus's answer exceeds {0} bytes")]
    TooLarge(usize),
    #[error("malformed message from Janus: {0}")]
    Malformed(String),
    /// Janus's own error reply (`"janus": "error"`), e.g. 458 no such session.
    #[error("Janus error {code}: {reason}")]
    Janus { code: i64, reason: String },
    /// The VideoRoom plugin refused a request (`error_code`), e.g. 426 no
    /// such room.
    #[error("VideoRoom error {code}: {reason}")]
    VideoRoom { code: i64, reason: String },
    #[error("unexpected reply to {request}: {got}")]
    Unexpected { request: &'static str, got: String },
    #[error("no reply to {request} within {after:?}")]
    Timeout {
        request: &'static str,
        after: Duration,
    },
    /// The session's event poller has stopped (the session was destroyed,
    /// timed out, or Janus went away): no more events can arrive.
    #[error("the Janus session is closed")]
    SessionClosed,
}
