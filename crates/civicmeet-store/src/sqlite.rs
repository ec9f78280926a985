//! The SQLite backend: one file, WAL journal, migrations from
//! `migrations/sqlite` compiled into the binary.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use crate::{MeetingRecord, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Debug, Clone)]
pub(crate) struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub(crate) async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
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
            // Writers wait for each other instead of failing at once.
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    pub(crate) async fn create_meeting(&self, id: &str, created_at: i64) -> Result<(), StoreError> {
        let result = sqlx::query("INSERT INTO meetings (id, created_at) VALUES (?, ?)")
            .bind(id)
            .bind(created_at)
            .execute(&self.pool)
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::AlreadyExists)
            }
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) async fn meeting(&self, id: &str) -> Result<Option<MeetingRecord>, StoreError> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT id, created_at FROM meetings WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id, created_at)| MeetingRecord { id, created_at }))
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}
