//! Dial-in numbers (issue 7): every meeting has one, nine digits, unique,
//! and it leads back to its meeting; a meeting older than dial-in gets one
//! when first asked, and keeps it. A meeting may have a SIP alias too,
//! unique, that leads back to it.

use civicmeet_store::{DIAL_NUMBER_DIGITS, NewMeeting, StoreError, valid_sip_alias};

use crate::fixtures::T0;
use crate::harness::{TestDb, both_backends};

both_backends!(
    each_meeting_gets_its_own_number_that_leads_back_to_it,
    a_meeting_without_a_number_gets_one_once,
    an_alias_leads_to_its_meeting_and_only_one_meeting_has_it,
);

async fn an_alias_leads_to_its_meeting_and_only_one_meeting_has_it(db: &TestDb) {
    let store = &db.store;
    let first = "00000000000000000000000000000a11";
    let second = "00000000000000000000000000000a12";
    let with_alias = |id: &str| NewMeeting {
        sip_alias: Some("saal-3.court".to_owned()),
        ..NewMeeting::open(id, T0)
    };
    store.create_meeting_with(&with_alias(first)).await.unwrap();
    let found = store
        .meeting_by_sip_alias("saal-3.court")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.id.as_str(), found.sip_alias.as_deref()),
        (first, Some("saal-3.court"))
    );
    assert!(found.dial_number.is_some(), "a number too");
    assert!(matches!(
        store.create_meeting_with(&with_alias(second)).await,
        Err(StoreError::AliasTaken)
    ));
    assert_eq!(store.meeting(second).await.unwrap(), None, "nothing stored");
    assert_eq!(store.meeting_by_sip_alias("saal-4").await.unwrap(), None);
    assert_eq!(
        store
            .meeting(first)
            .await
            .unwrap()
            .unwrap()
            .sip_alias
            .as_deref(),
        Some("saal-3.court")
    );
}

#[test]
fn aliases_are_lower_case_names_never_numbers() {
    for good in ["saal3", "a", "court-room.7", "r_2", &"x".repeat(64)] {
        assert!(valid_sip_alias(good), "{good}");
    }
    for bad in [
        "",
        "123456789",
        "Saal3",
        "-saal",
        ".x",
        "saal 3",
        "saal@court",
        "ümlaut",
        &"x".repeat(65),
    ] {
        assert!(!valid_sip_alias(bad), "{bad}");
    }
}

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
