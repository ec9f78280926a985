//! One store per test, on either backend, and the macro that runs a test
//! body on both.

use civicmeet_store::{Store, StoreConfig};
use sqlx::Connection;

use crate::pg;

/// A store and whatever must live as long as it.
pub struct TestDb {
    pub store: Store,
    /// Where to look behind the store's back.
    raw: Raw,
    _dir: Option<tempfile::TempDir>,
}

enum Raw {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl TestDb {
    /// Runs `sql` on a connection of its own and returns the first column
    /// of every row as text: for checking what is really stored.
    pub async fn raw_texts(&self, sql: &'static str) -> Vec<String> {
        match &self.raw {
            Raw::Sqlite(path) => {
                let url = format!("sqlite://{}", path.display());
                let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
            }
            Raw::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
            }
        }
    }

    /// Runs a statement behind the store's back: for stored states the
    /// store itself no longer makes (rows from before a migration).
    pub async fn execute(&self, sql: &'static str) {
        match &self.raw {
            Raw::Sqlite(path) => {
                let url = format!("sqlite://{}", path.display());
                let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::query(sql).execute(&mut conn).await.unwrap();
            }
            Raw::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::query(sql).execute(&mut conn).await.unwrap();
            }
        }
    }
}

/// A fresh SQLite file in a temp folder.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("a temp folder");
    let path = dir.path().join("civicmeet.db");
    let config = StoreConfig {
        sqlite_path: path.clone(),
        url: None,
    };
    let store = Store::open_with(&config).await.expect("open SQLite");
    assert_eq!(store.backend_name(), "sqlite");
    TestDb {
        store,
        raw: Raw::Sqlite(path),
        _dir: Some(dir),
    }
}

/// A fresh database in this binary's throwaway PostgreSQL cluster.
pub async fn postgres() -> TestDb {
    let cluster = pg::cluster();
    let name = cluster.next_database_name();
    let mut admin = sqlx::PgConnection::connect(&cluster.url("postgres"))
        .await
        .expect("connect to the test cluster");
    // The name is ours (test_<n>), not input: safe to format in.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    admin.close().await.expect("close the admin connection");
    let url = cluster.url(&name);
    let config = StoreConfig {
        sqlite_path: "unused.db".into(),
        url: Some(url.clone()),
    };
    let store = Store::open_with(&config).await.expect("open PostgreSQL");
    assert_eq!(store.backend_name(), "postgres");
    TestDb {
        store,
        raw: Raw::Postgres(url),
        _dir: None,
    }
}

/// `both_backends!(body_fn, ...)` makes, for each `async fn body_fn(&TestDb)`
/// in scope, a module `body_fn` with the tests `sqlite` and `postgres`.
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    let db = $crate::harness::sqlite().await;
                    super::$name(&db).await;
                    db.store.close().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    let db = $crate::harness::postgres().await;
                    super::$name(&db).await;
                    db.store.close().await;
                }
            }
        )+
    };
}
pub(crate) use both_backends;
