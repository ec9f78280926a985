//! The store's one error type.

use std::path::PathBuf;

/// Why a storage call failed. Messages never contain row data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data folder {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("cannot migrate the database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("a record with this id already exists")]
    AlreadyExists,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}
