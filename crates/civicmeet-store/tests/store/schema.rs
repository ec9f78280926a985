//! The two migration sets describe the same schema, and opening refuses
//! what it does not understand.

use civicmeet_store::{MeetingRecord, Store, StoreConfig, StoreError};

use crate::harness::{TestDb, both_backends};

both_backends!(meetings_round_trip);

async fn meetings_round_trip(db: &TestDb) {
    let store = &db.store;
    let id = "0123456789abcdef0123456789abcdef";
    store.create_meeting(id, 1_700_000_000).await.unwrap();
    assert!(matches!(
        store.create_meeting(id, 1).await,
        Err(StoreError::AlreadyExists)
    ));
    let meeting: MeetingRecord = store.meeting(id).await.unwrap().unwrap();
    assert_eq!(meeting.id, id);
    assert_eq!(meeting.created_at, 1_700_000_000);
    assert_eq!(
        store
            .meeting("ffffffffffffffffffffffffffffffff")
            .await
            .unwrap(),
        None
    );
}

/// Every `table.column` of the application's tables, sorted.
async fn columns(db: &TestDb) -> Vec<String> {
    let sql = match db.store.backend_name() {
        "sqlite" => {
            "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%' AND m.name NOT LIKE '\\_%' ESCAPE '\\'"
        }
        _ => {
            "SELECT table_name || '.' || column_name FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '\\_%' ESCAPE '\\'"
        }
    };
    let mut columns = db.raw_texts(sql).await;
    columns.sort();
    columns
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_migration_sets_make_the_same_tables_and_columns() {
    let sqlite = crate::harness::sqlite().await;
    let postgres = crate::harness::postgres().await;
    let (a, b) = (columns(&sqlite).await, columns(&postgres).await);
    assert!(a.contains(&"appointments.block_end".to_owned()), "{a:?}");
    assert_eq!(a, b);
}

#[tokio::test]
async fn other_url_schemes_are_refused_without_echoing_the_url() {
    let config = StoreConfig {
        sqlite_path: "unused.db".into(),
        url: Some("mysql://admin:hunter2@db/civicmeet".into()),
    };
    let err = Store::open_with(&config).await.unwrap_err();
    assert!(matches!(&err, StoreError::UnsupportedUrl { scheme } if scheme == "mysql"));
    assert!(!err.to_string().contains("hunter2"));
}

#[tokio::test]
async fn an_unreachable_postgres_names_no_password() {
    let config = StoreConfig {
        sqlite_path: "unused.db".into(),
        url: Some("postgres://admin:hunter2@localhost/civicmeet?host=/nonexistent".into()),
    };
    let err = Store::open_with(&config).await.unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}
