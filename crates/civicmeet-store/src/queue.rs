//! The lease-and-retry queue shared by the mail outbox and the webhook
//! deliveries: both tables have `status` (pending, sent, failed),
//! `attempts`, `next_attempt_at`, `last_error`, `sent_at` and `created_at`,
//! and both are worked off the same way.
//!
//! [`lease_due`] hands out due rows for [`LEASE_SECS`] only: a second node
//! (or a restarted worker) does not get them meanwhile, and a worker that
//! dies mid-way does not lose them — they come due again when the lease
//! runs out.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use crate::backend::with_pool;
use crate::{Store, StoreError};

/// How long a row handed out by [`lease_due`] is not handed out again,
/// unless it is marked first.
pub const LEASE_SECS: i64 = 300;

/// Stored error texts are cut to this many characters.
const MAX_ERROR_CHARS: usize = 1000;

/// One of the two queues: its table and the columns its rows are read
/// with. Both are fixed strings, never input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Queue {
    pub table: &'static str,
    pub columns: &'static str,
}

/// A queue row type readable from either backend.
pub(crate) trait QueueRow:
    for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
    fn id(&self) -> i64;
}

pub(crate) fn clip(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}

impl Queue {
    /// Hands out up to `limit` pending rows due at `now`, oldest due first,
    /// and leases them for [`LEASE_SECS`].
    pub async fn lease_due<T: QueueRow>(
        self,
        store: &Store,
        now: i64,
        limit: i64,
    ) -> Result<Vec<T>, StoreError> {
        // The outer conditions repeat the inner ones on purpose: on
        // PostgreSQL a row another node leased meanwhile is re-checked
        // after its lock is released and then skipped.
        let (table, columns) = (self.table, self.columns);
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET next_attempt_at = $2 \
             WHERE status = 'pending' AND next_attempt_at <= $1 AND id IN ( \
               SELECT id FROM {table} WHERE status = 'pending' AND next_attempt_at <= $1 \
               ORDER BY next_attempt_at, id LIMIT $3) \
             RETURNING {columns}"
        ));
        let mut rows: Vec<T> = with_pool!(store, pool => {
            sqlx::query_as(sql)
                .bind(now)
                .bind(now + LEASE_SECS)
                .bind(limit)
                .fetch_all(pool)
                .await
        })?;
        rows.sort_by_key(T::id);
        Ok(rows)
    }

    pub async fn mark_sent(self, store: &Store, id: i64, now: i64) -> Result<(), StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET status = 'sent', sent_at = $2, last_error = NULL WHERE id = $1",
            self.table
        ));
        let affected = with_pool!(store, pool => {
            sqlx::query(sql).bind(id).bind(now).execute(pool).await.map(|r| r.rows_affected())
        })?;
        crate::catalog::found(affected)
    }

    /// Records a failed attempt. With `retry_at` the row stays pending and
    /// comes due then; without, the worker gives up and it is failed.
    /// `error` is cut to [`MAX_ERROR_CHARS`].
    pub async fn mark_failed(
        self,
        store: &Store,
        id: i64,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<(), StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET attempts = attempts + 1, last_error = $2, \
             status = CASE WHEN $3 IS NULL THEN 'failed' ELSE 'pending' END, \
             next_attempt_at = COALESCE($3, next_attempt_at) \
             WHERE id = $1 AND status <> 'sent'",
            self.table
        ));
        let affected = with_pool!(store, pool => {
            sqlx::query(sql)
                .bind(id)
                .bind(clip(error))
                .bind(retry_at)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        crate::catalog::found(affected)
    }

    /// Every unsent row that failed at least once, whether a retry is still
    /// due or the worker gave up: what staff must see. Newest first.
    pub async fn failed<T: QueueRow>(self, store: &Store) -> Result<Vec<T>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM {} \
             WHERE status = 'failed' OR (status = 'pending' AND attempts > 0) \
             ORDER BY created_at DESC, id DESC",
            self.columns, self.table
        ));
        Ok(with_pool!(store, pool => sqlx::query_as(sql).fetch_all(pool).await)?)
    }

    /// Puts a failed row back in the queue, due at `now` (a staff action).
    /// [`StoreError::NotFound`] unless it exists and failed.
    pub async fn retry(self, store: &Store, id: i64, now: i64) -> Result<(), StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET status = 'pending', next_attempt_at = $2 \
             WHERE id = $1 AND status = 'failed'",
            self.table
        ));
        let affected = with_pool!(store, pool => {
            sqlx::query(sql).bind(id).bind(now).execute(pool).await.map(|r| r.rows_affected())
        })?;
        crate::catalog::found(affected)
    }
}
