//! The mail outbox: queue, lease, retry, give up, staff retry.

use civicmeet_store::{LEASE_SECS, MailStatus, NewMail, StoreError};

use crate::fixtures::T0;
use crate::harness::{TestDb, both_backends};

both_backends!(
    mails_are_retried_until_sent_or_given_up,
    a_leased_mail_is_not_handed_out_twice
);

fn mail(n: u32) -> NewMail {
    NewMail {
        appointment_id: None,
        recipient: format!("citizen{n}@example.org"),
        kind: "confirm".into(),
        subject: format!("Bitte bestätigen {n}"),
        body_eml: format!("Subject: Bitte bestätigen {n}\r\n\r\nHallo\r\n"),
    }
}

async fn mails_are_retried_until_sent_or_given_up(db: &TestDb) {
    let store = &db.store;
    let first = store.enqueue_mail(&mail(1), T0).await.unwrap();
    let second = store.enqueue_mail(&mail(2), T0 + 1).await.unwrap();
    assert_eq!(store.due_mails(T0 - 1, 10).await.unwrap(), []);

    let due = store.due_mails(T0 + 1, 10).await.unwrap();
    assert_eq!(
        due.iter().map(|m| m.id).collect::<Vec<_>>(),
        [first, second]
    );
    assert_eq!(due[0].body_eml, mail(1).body_eml);
    assert_eq!(due[0].status, MailStatus::Pending);

    // The first goes out; the second fails and is retried a minute later.
    store.mark_sent(first, T0 + 2).await.unwrap();
    store
        .mark_failed(second, "421 try again later", Some(T0 + 60))
        .await
        .unwrap();
    let failed = store.failed_mails().await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id, second);
    assert_eq!(failed[0].attempts, 1);
    assert_eq!(failed[0].status, MailStatus::Pending);
    assert_eq!(failed[0].last_error.as_deref(), Some("421 try again later"));
    assert_eq!(store.due_mails(T0 + 59, 10).await.unwrap(), []);
    assert_eq!(store.due_mails(T0 + 60, 10).await.unwrap().len(), 1);

    // Then the sender gives up; staff see it and put it back.
    store
        .mark_failed(second, &"x".repeat(5000), None)
        .await
        .unwrap();
    let failed = store.failed_mails().await.unwrap();
    assert_eq!(failed[0].status, MailStatus::Failed);
    assert_eq!(failed[0].attempts, 2);
    assert_eq!(failed[0].last_error.as_ref().map(String::len), Some(1000));
    assert_eq!(store.due_mails(T0 + 10_000, 10).await.unwrap(), []);
    store.retry_mail(second, T0 + 10_000).await.unwrap();
    let due = store.due_mails(T0 + 10_000, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    store.mark_sent(second, T0 + 10_001).await.unwrap();
    assert_eq!(store.failed_mails().await.unwrap(), []);

    let sent = store.mail(second).await.unwrap().unwrap();
    assert_eq!(sent.status, MailStatus::Sent);
    assert_eq!(sent.sent_at, Some(T0 + 10_001));
    assert_eq!(sent.last_error, None);
    // A sent mail cannot be failed afterwards; unknown ids are refused.
    assert!(matches!(
        store.mark_failed(second, "late", None).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.mark_sent(second + 1000, T0).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.retry_mail(first, T0).await,
        Err(StoreError::NotFound)
    ));
}

async fn a_leased_mail_is_not_handed_out_twice(db: &TestDb) {
    let store = &db.store;
    for n in 0..5 {
        store.enqueue_mail(&mail(n), T0).await.unwrap();
    }
    // Two senders at once never get the same mail. (On PostgreSQL the one
    // that waited for the other's row locks skips those rows and may come
    // back with fewer, even none: a later call picks up the rest.)
    let (a, b) = tokio::join!(store.due_mails(T0, 3), store.due_mails(T0, 3));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.iter().all(|m| b.iter().all(|n| n.id != m.id)));
    let rest = store.due_mails(T0, 10).await.unwrap();
    let mut ids: Vec<i64> = a.iter().chain(&b).chain(&rest).map(|m| m.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), a.len() + b.len() + rest.len(), "no mail twice");
    assert_eq!(ids.len(), 5, "every mail handed out once");
    assert_eq!(store.due_mails(T0 + LEASE_SECS - 1, 10).await.unwrap(), []);
    // Nobody reported back: after the lease they come due again.
    assert_eq!(store.due_mails(T0 + LEASE_SECS, 10).await.unwrap().len(), 5);
}
