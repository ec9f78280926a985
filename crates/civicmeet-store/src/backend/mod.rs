//! The two database backends behind [`crate::Store`], and the one macro
//! that lets every query be written once for both.
//!
//! The queries in the domain modules use `$1`-style placeholders, which both
//! PostgreSQL and sqlx's SQLite driver understand, and only SQL that both
//! dialects share. `with_pool!` expands a query body once per backend, so
//! each copy is type-checked against its own driver. What differs lives
//! here: how a pool is opened, the migrations, and how a writing
//! transaction starts ([`WritePool::begin_write`]).

pub(crate) mod postgres;
pub(crate) mod sqlite;

use sqlx::{Database, Transaction};

/// The open pool of one backend.
#[derive(Debug, Clone)]
pub(crate) enum Backend {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Starts a transaction that is going to write, so that concurrent writers
/// queue up instead of failing.
pub(crate) trait WritePool {
    type Db: Database;
    async fn begin_write(&self) -> Result<Transaction<'static, Self::Db>, sqlx::Error>;
}

/// `with_pool!(store, pool => body)` evaluates `body` with `pool` bound to
/// the store's `SqlitePool` or `PgPool`. The body is expanded for each.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::backend::Backend::Sqlite($pool) => $body,
            $crate::backend::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;
