//! The PostgreSQL backend, for several nodes sharing one database.
//! Migrations from `migrations/postgres` are compiled into the binary.
//!
//! Writing transactions run at READ COMMITTED whatever the server's default
//! is: the booking lock (a row lock on the staff member, see
//! `appointments.rs`) relies on each statement seeing what the previous
//! lock holder committed, which REPEATABLE READ or SERIALIZABLE would hide
//! (or turn into serialization failures).

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use super::WritePool;
use crate::StoreError;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub(crate) async fn open(url: &str) -> Result<PgPool, StoreError> {
    // The URL may hold a password: errors name only the host and database.
    let options: PgConnectOptions = url.parse().map_err(|source| StoreError::Open {
        target: "the PostgreSQL URL".into(),
        source,
    })?;
    let target = format!(
        "PostgreSQL database {} on {}",
        options.get_database().unwrap_or("(default)"),
        options.get_host()
    );
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
        .map_err(|source| StoreError::Open { target, source })?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

impl WritePool for PgPool {
    type Db = Postgres;

    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")
            .await
    }
}
