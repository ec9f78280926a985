//! Dial-in numbers (issue 7): every meeting has one, nine digits, unique,
//! and it leads back to its meeting; a meeting older than dial-in gets one
//! when first asked, and keeps it.

use civicmeet_store::{DIAL_NUMBER_DIGITS, StoreError};

use crate::fixtures::T0;
use crate::harness::{TestDb, both_backends};

both_backends!(
    each_meeting_gets_its_own_number_that_leads_back_to_it,
    a_meeting_without_a_number_gets_one_once,
);

async fn each_meeting_gets_its_own_number_that_leads_back_to_it(db: &TestDb) {
    let store = &db.store;
    let mut numbers = std::collections::HashSet::new();
    for i in 0..50u32 {
        let id = format!("{i:032x}");
        store.create_meeting(&id, T0).await.unwrap();
        let meeting = store.meeting(&id).await.unwrap().unwrap();
        let number = meeting.dial_number.clone().expect("a number at creation");
        assert_eq!(number.len(), DIAL_NUMBER_DIGITS as usize, "{number}");
        assert!(
            number.bytes().all(|b| b.is_ascii_digit()) && !number.starts_with('0'),
            "{number}"
        );
        assert!(numbers.insert(number.clone()), "{number} given twice");
        assert_eq!(
            store.dial_number(&id).await.unwrap(),
            number,
            "asking again changes nothing"
        );
        let found = store
            .meeting_by_dial_number(&number)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, id);
    }
    assert_eq!(
        store.meeting_by_dial_number("000000000").await.unwrap(),
        None
    );
    assert!(matches!(
        store.dial_number(&format!("{:032x}", 999)).await,
        Err(StoreError::UnknownReference)
    ));
}

async fn a_meeting_without_a_number_gets_one_once(db: &TestDb) {
    let store = &db.store;
    let id = "0123456789abcdef0123456789abcdef";
    store.create_meeting(id, T0).await.unwrap();
    // As a meeting made before the migration: no number yet.
    db.execute("UPDATE meetings SET dial_number = NULL").await;
    assert_eq!(store.meeting(id).await.unwrap().unwrap().dial_number, None);

    let number = store.dial_number(id).await.unwrap();
    assert_eq!(number.len(), DIAL_NUMBER_DIGITS as usize);
    assert_eq!(store.dial_number(id).await.unwrap(), number, "kept");
    assert_eq!(
        store
            .meeting_by_dial_number(&number)
            .await
            .unwrap()
            .unwrap()
            .id,
        id
    );
}
