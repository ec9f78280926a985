//! Persistence: the only crate that speaks SQL.
//!
//! [`Store`] is the one handle the server holds. Today its only backend is
//! SQLite (one file, WAL mode, migrations embedded in the binary); a
//! PostgreSQL backend for several nodes joins later as another variant of
//! the private `Backend` enum, behind the same methods, so callers never
//! change.
//!
//! What it must never do: know HTTP, WebSockets or media; validate ids
//! (the server parses them before they get here); log personal data.

mod error;
mod sqlite;

use std::path::Path;

pub use error::StoreError;

/// A stored meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRecord {
    /// The meeting id as the server formats it.
    pub id: String,
    /// When it was created, in seconds since the Unix epoch.
    pub created_at: i64,
}

/// The handle to the database. Cheap to clone; clones share one pool.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(sqlite::SqliteStore),
}

impl Store {
    /// Opens (creating if needed, with its folder) the SQLite database at
    /// `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let sqlite = sqlite::SqliteStore::open(path).await?;
        Ok(Store {
            backend: Backend::Sqlite(sqlite),
        })
    }

    /// Stores a new meeting. Fails with [`StoreError::AlreadyExists`] when
    /// the id is taken.
    pub async fn create_meeting(&self, id: &str, created_at: i64) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => s.create_meeting(id, created_at).await,
        }
    }

    /// The meeting with this id, if there is one.
    pub async fn meeting(&self, id: &str) -> Result<Option<MeetingRecord>, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => s.meeting(id).await,
        }
    }

    /// Waits for open connections to finish and closes them. Later calls fail.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(s) => s.close().await,
        }
    }
}
