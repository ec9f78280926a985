//! The store against a real SQLite file in a temporary folder.

use civicmeet_store::{MeetingKind, MeetingRecord, Store, StoreError};

const ID: &str = "0123456789abcdef0123456789abcdef";

#[tokio::test]
async fn creates_the_folder_and_the_file_on_first_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("civicmeet.db");
    let store = Store::open(&path).await.unwrap();
    assert!(path.exists());
    assert_eq!(store.meeting(ID).await.unwrap(), None);
}

#[tokio::test]
async fn meetings_persist_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("civicmeet.db");
    let store = Store::open(&path).await.unwrap();
    store.create_meeting(ID, 1_700_000_000).await.unwrap();
    store.close().await;
    drop(store);

    let reopened = Store::open(&path).await.unwrap();
    let meeting: MeetingRecord = reopened.meeting(ID).await.unwrap().unwrap();
    assert_eq!(
        (meeting.id.as_str(), meeting.created_at),
        (ID, 1_700_000_000)
    );
    assert_eq!(meeting.kind, MeetingKind::Open);
    assert!(meeting.waiting_room, "the waiting room is on by default");
}

#[tokio::test]
async fn a_taken_id_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("civicmeet.db")).await.unwrap();
    store.create_meeting(ID, 1).await.unwrap();
    assert!(matches!(
        store.create_meeting(ID, 2).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(store.meeting(ID).await.unwrap().unwrap().created_at, 1);
}

#[tokio::test]
async fn an_unknown_id_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("civicmeet.db")).await.unwrap();
    store.create_meeting(ID, 1).await.unwrap();
    assert_eq!(
        store
            .meeting("ffffffffffffffffffffffffffffffff")
            .await
            .unwrap(),
        None
    );
}
