//! Persistence: the only crate that speaks SQL.
//!
//! [`Store`] is the one handle the server holds. It has two backends behind
//! the same methods: SQLite (one file in the data folder, WAL mode; the
//! default) and PostgreSQL (when several nodes share the work), chosen by
//! [`StoreConfig`]. Migrations for each are embedded in the binary and run
//! on open.
//!
//! What is stored: meetings and their links (keys hashed); the booking catalogue (offices, opening hours,
//! closing days, services, staff and their hours); appointments; capability
//! tokens (hashed); the mail and webhook outboxes; staff accounts, their
//! sessions (hashed tokens) and the audit log. The store keeps plain
//! records: the booking rules (which slots are free, time zones, DST) live
//! in `civicmeet-booking`. The one rule enforced here is the seat race:
//! [`Store::hold_slot`] never gives a slot away twice, however many callers
//! race for it, on either backend.
//!
//! What it must never do: know HTTP, WebSockets or media; read the clock
//! (every "now" is an argument); log personal data.

mod accounts;
mod appointments;
mod audit;
mod backend;
mod catalog;
mod error;
mod meetings;
mod outbox;
mod queue;
mod random;
mod sessions;
mod text_enum;
mod tokens;
mod webhooks;

use std::path::{Path, PathBuf};

use backend::Backend;

pub use accounts::{Account, AccountRole, LoginState, NewAccount, OidcIdentity};
pub use appointments::{ActiveBooking, Appointment, AppointmentStatus, HoldRequest};
pub use audit::{AuditAction, AuditEntry, AuditQuery, MAX_TEXT_CHARS, NewAuditEntry};
pub use catalog::{
    ClosingDay, ExceptionKind, NewOffice, NewService, NewStaff, Office, Service, Staff,
    StaffException, WeeklyHours,
};
pub use error::StoreError;
pub use meetings::{
    LinkRef, LinkRole, MeetingKind, MeetingLink, MeetingRecord, NewMeeting, valid_sip_alias,
};

/// Digits in a meeting's dial-in number (see [`Store::dial_number`]).
pub const DIAL_NUMBER_DIGITS: u32 = 9;
pub use outbox::{LEASE_SECS, MailStatus, NewMail, OutboxMail};
pub use tokens::{TokenGrant, TokenPurpose, TokenSubject};
pub use webhooks::{NewWebhook, Webhook, WebhookDelivery};

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// The SQLite file, used when `url` is `None`.
    pub sqlite_path: PathBuf,
    /// A `postgres://` or `postgresql://` URL (the server's `database.url`).
    /// Any other scheme is refused rather than silently ignored.
    pub url: Option<String>,
}

/// The handle to the database. Cheap to clone; clones share one pool.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
}

impl Store {
    /// Opens (creating if needed, with its folder) the SQLite database at
    /// `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        Ok(Store {
            backend: Backend::Sqlite(backend::sqlite::open(path).await?),
        })
    }

    /// Opens the database `config` names: PostgreSQL when its URL says so,
    /// else SQLite at its path. Migrates the schema either way.
    pub async fn open_with(config: &StoreConfig) -> Result<Store, StoreError> {
        match config.url.as_deref() {
            None => Store::open(&config.sqlite_path).await,
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Store {
                    backend: Backend::Postgres(backend::postgres::open(url).await?),
                })
            }
            Some(url) => Err(StoreError::UnsupportedUrl {
                // Only the scheme: the rest may hold a password.
                scheme: url
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take(20)
                    .collect(),
            }),
        }
    }

    /// Which backend this is, for logs and the health page.
    pub fn backend_name(&self) -> &'static str {
        match &self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Waits for open connections to finish and closes them. Later calls fail.
    pub async fn close(&self) {
        backend::with_pool!(self, pool => pool.close().await)
    }
}
