//! The store's one error type.

use std::path::PathBuf;

/// Why a storage call failed. Messages never contain row data or secrets
/// (no e-mail addresses, no tokens, no database passwords).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data folder {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open {target}: {source}")]
    Open { target: String, source: sqlx::Error },
    #[error(
        "unsupported database URL scheme {scheme:?}: use postgres:// or postgresql://, \
         or leave the URL out for SQLite in the data folder"
    )]
    UnsupportedUrl { scheme: String },
    #[error("cannot migrate the database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("a record with this id already exists")]
    AlreadyExists,
    /// Another meeting is dialled by this SIP alias.
    #[error("another meeting has this SIP alias")]
    AliasTaken,
    /// An update or state change named a record that does not exist.
    #[error("no such record")]
    NotFound,
    /// A new record points at another one that does not exist (an unknown
    /// office, service or staff member).
    #[error("a referenced record does not exist")]
    UnknownReference,
    /// A value is outside what the schema allows (a weekday of 9, an end
    /// before the start, a status or locale that does not exist).
    #[error("a value is out of range")]
    OutOfRange,
    /// The slot has no free seat, or the staff member is busy then.
    #[error("the slot was just taken")]
    SlotTaken,
    /// The appointment is not in a state that allows this change (confirming
    /// an expired or cancelled hold, cancelling twice).
    #[error("the appointment is {status} and cannot be changed this way")]
    WrongStatus { status: String },
    /// A stored value could not be read back (e.g. a broken JSON list).
    #[error("a stored value is malformed: {0}")]
    Corrupt(String),
    #[error("no secure random numbers available: {0}")]
    Random(getrandom::Error),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    /// Sorts constraint violations into their own variants, so callers can
    /// answer "unknown office" instead of "internal error".
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return StoreError::AlreadyExists;
            }
            if db.is_foreign_key_violation() {
                return StoreError::UnknownReference;
            }
            if db.is_check_violation() {
                return StoreError::OutOfRange;
            }
        }
        StoreError::Database(e)
    }
}
