//! Meetings: the id is the capability in the meeting link.

use crate::backend::with_pool;
use crate::{Store, StoreError};

/// A stored meeting.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MeetingRecord {
    /// The meeting id as the server formats it.
    pub id: String,
    /// When it was created, in seconds since the Unix epoch.
    pub created_at: i64,
}

impl Store {
    /// Stores a new meeting. Fails with [`StoreError::AlreadyExists`] when
    /// the id is taken.
    pub async fn create_meeting(&self, id: &str, created_at: i64) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO meetings (id, created_at) VALUES ($1, $2)")
                .bind(id)
                .bind(created_at)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// The meeting with this id, if there is one.
    pub async fn meeting(&self, id: &str) -> Result<Option<MeetingRecord>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT id, created_at FROM meetings WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        })?)
    }
}
