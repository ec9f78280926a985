//! Webhooks: CRUD and the delivery queue.

use civicmeet_store::{MailStatus, NewWebhook, StoreError};

use crate::fixtures::T0;
use crate::harness::{TestDb, both_backends};

both_backends!(webhooks_round_trip_and_deliveries);

async fn webhooks_round_trip_and_deliveries(db: &TestDb) {
    let store = &db.store;
    let mut new = NewWebhook {
        url: "https://crm.amt.example/hook".into(),
        secret: "s3cret".into(),
        events: vec!["booked".into(), "cancelled".into()],
        active: true,
    };
    let hook = store.create_webhook(&new, T0).await.unwrap();
    assert_eq!(hook.events, ["booked", "cancelled"]);
    assert_eq!(store.webhook(hook.id).await.unwrap(), Some(hook.clone()));

    new.events.push("confirmed".into());
    new.active = false;
    store.update_webhook(hook.id, &new).await.unwrap();
    let updated = store.webhook(hook.id).await.unwrap().unwrap();
    assert_eq!(updated.events.len(), 3);
    assert!(!updated.active);
    assert_eq!(store.webhooks().await.unwrap(), [updated]);
    assert!(matches!(
        store.update_webhook(hook.id + 1000, &new).await,
        Err(StoreError::NotFound)
    ));

    let d = store
        .enqueue_delivery(hook.id, "booked", r#"{"id":"x"}"#, T0)
        .await
        .unwrap();
    let due = store.due_deliveries(T0, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].payload, r#"{"id":"x"}"#);
    store
        .mark_delivery_failed(d, "HTTP 503", Some(T0 + 30))
        .await
        .unwrap();
    assert_eq!(store.failed_deliveries().await.unwrap()[0].attempts, 1);
    assert_eq!(store.due_deliveries(T0 + 30, 10).await.unwrap().len(), 1);
    store.mark_delivered(d, T0 + 31).await.unwrap();
    assert_eq!(store.failed_deliveries().await.unwrap(), []);
    assert_eq!(store.due_deliveries(T0 + 10_000, 10).await.unwrap(), []);
    let d2 = store
        .enqueue_delivery(hook.id, "cancelled", "{}", T0)
        .await
        .unwrap();
    store
        .mark_delivery_failed(d2, "refused", None)
        .await
        .unwrap();
    assert_eq!(
        store.failed_deliveries().await.unwrap()[0].status,
        MailStatus::Failed
    );
    assert_eq!(store.due_deliveries(T0 + 10_000, 10).await.unwrap(), []);
    store.retry_delivery(d2, T0 + 10_000).await.unwrap();
    assert_eq!(
        store.due_deliveries(T0 + 10_000, 10).await.unwrap()[0].id,
        d2
    );
    // Only failed deliveries can be retried.
    assert!(matches!(
        store.retry_delivery(d2, T0).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.retry_delivery(d, T0).await,
        Err(StoreError::NotFound)
    ));
    store
        .mark_delivery_failed(d2, "refused again", None)
        .await
        .unwrap();

    assert!(matches!(
        store
            .enqueue_delivery(hook.id + 1000, "booked", "{}", T0)
            .await,
        Err(StoreError::UnknownReference)
    ));
    assert!(store.delete_webhook(hook.id).await.unwrap());
    assert!(!store.delete_webhook(hook.id).await.unwrap());
    assert_eq!(store.webhooks().await.unwrap(), []);
    assert_eq!(store.failed_deliveries().await.unwrap(), []);
}
