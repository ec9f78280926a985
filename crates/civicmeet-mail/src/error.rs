//! The one error type of this crate.
//!
//! Its `Display` never contains personal data (addresses, names) or link
//! tokens, so the server may log it as it is. What an SMTP server answered
//! can echo a recipient address, so that text is kept apart in
//! [`Error::smtp_detail`], for the staff view of the outbox, not for logs.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while rendering or sending a mail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An e-mail address that does not parse. The value is not repeated.
    #[error("invalid e-mail address in {field}")]
    InvalidAddress { field: &'static str },

    /// Input that cannot go into a mail or calendar entry (an empty name, a
    /// link that is not http(s), an end before the start, ...).
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        field: &'static str,
        reason: &'static str,
    },

    /// The message builder refused the assembled message. This is a bug in
    /// this crate, since all inputs are validated before.
    #[error("could not assemble the message: {reason}")]
    Build { reason: String },

    /// The SMTP settings cannot work (a bad CA certificate, a TLS setup
    /// failure). Retrying will not help; the configuration must change.
    #[error("SMTP configuration: {reason}")]
    SmtpConfig { reason: String },

    /// Sending over SMTP failed. `permanent` is true when the server
    /// refused with a 5xx answer: retrying the same message will fail again.
    #[error("SMTP sending failed ({kind}{})", code.map(|c| format!(", reply {c}")).unwrap_or_default())]
    Smtp {
        kind: SmtpFailure,
        code: Option<u16>,
        permanent: bool,
        /// The underlying error text. May echo addresses: never log it.
        detail: String,
    },

    /// Writing an .eml file failed. The path holds no personal data (see
    /// `transport`), so it is part of the message.
    #[error("could not write {path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// The coarse cause of an SMTP failure, for logs and for retry decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpFailure {
    /// The server answered with an error code (see `code`).
    Rejected,
    /// No connection, or the connection broke.
    Connection,
    /// The server did not answer in time.
    Timeout,
    /// The TLS handshake or certificate check failed.
    Tls,
    /// Our side refused to go on, e.g. no authentication mechanism that is
    /// allowed over this connection.
    Client,
}

impl std::fmt::Display for SmtpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SmtpFailure::Rejected => "rejected by the server",
            SmtpFailure::Connection => "connection failed",
            SmtpFailure::Timeout => "timed out",
            SmtpFailure::Tls => "TLS failed",
            SmtpFailure::Client => "refused by the client",
        })
    }
}

impl Error {
    /// True when sending the same message again cannot succeed (a 5xx
    /// answer, or a configuration error). The outbox should then stop
    /// retrying and show the mail to staff.
    pub fn is_permanent(&self) -> bool {
        match self {
            Error::Smtp { permanent, .. } => *permanent,
            Error::SmtpConfig { .. }
            | Error::InvalidAddress { .. }
            | Error::InvalidInput { .. }
            | Error::Build { .. } => true,
            Error::File { .. } => false,
        }
    }

    /// What the SMTP layer said, for the staff view of a failed mail. It
    /// may contain e-mail addresses: do not write it to logs.
    pub fn smtp_detail(&self) -> Option<&str> {
        match self {
            Error::Smtp { detail, .. } => Some(detail),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: &'static str) -> Self {
        Error::InvalidInput { field, reason }
    }
}

impl From<lettre::error::Error> for Error {
    fn from(e: lettre::error::Error) -> Self {
        Error::Build {
            reason: e.to_string(),
        }
    }
}

impl From<lettre::transport::smtp::Error> for Error {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        let kind = if e.is_timeout() {
            SmtpFailure::Timeout
        } else if e.is_tls() {
            SmtpFailure::Tls
        } else if e.is_response() || e.is_permanent() || e.is_transient() {
            SmtpFailure::Rejected
        } else if e.is_client() {
            SmtpFailure::Client
        } else {
            SmtpFailure::Connection
        };
        Error::Smtp {
            kind,
            code: e.status().map(u16::from),
            // A client-side refusal (no usable AUTH mechanism, a bad
            // address) repeats on every try until the settings change.
            permanent: e.is_permanent() || kind == SmtpFailure::Client,
            detail: e.to_string(),
        }
    }
}
