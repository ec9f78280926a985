//! The SQLite backend: one file, WAL journal, migrations from
//! `migrations/sqlite` compiled into the binary.
//!
//! SQLite has one writer at a time. A plain `BEGIN` is deferred: it takes
//! the write lock only at the first write, and a transaction that read
//! first and then finds another writer committed in between fails with
//! SQLITE_BUSY without waiting. Writing transactions therefore start with
//! `BEGIN IMMEDIATE`, which takes the write lock up front; with the busy
//! timeout, other writers wait for it instead of failing.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Sqlite, Transaction};

use super::WritePool;
use crate::StoreError;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a writer waits for the write lock before it gives up. Booking
/// transactions take milliseconds; this only matters under heavy load.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn open(path: &Path) -> Result<SqlitePool, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .map_err(|source| StoreError::Open {
            target: path.display().to_string(),
            source,
        })?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

impl WritePool for SqlitePool {
    type Db = Sqlite;

    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}
