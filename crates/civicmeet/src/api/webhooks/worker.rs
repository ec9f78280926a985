//! The delivery worker: takes due deliveries from the store's outbox,
//! POSTs them signed, and records the outcome. A failure is retried with
//! exponential back-off (30 s, 1 min, 2 min, ... at most an hour apart)
//! and given up after [`MAX_ATTEMPTS`]; staff see failures on the
//! dashboard and can queue one again.

use std::time::Duration;

use civicmeet_store::{Store, WebhookDelivery};

use super::{DeliveryWaker, client, sign};
use crate::api::hours::now;

/// Attempts before a delivery is marked failed for good.
pub const MAX_ATTEMPTS: i32 = 8;
/// How often the worker looks for due retries when nobody wakes it.
const POLL: Duration = Duration::from_secs(1);
/// Deliveries taken per round.
const BATCH: i64 = 20;

/// Runs until the task is aborted.
pub async fn run(store: Store, waker: DeliveryWaker) {
    loop {
        if let Err(e) = deliver_due(&store).await {
            tracing::warn!(error = %e, "webhook deliveries could not be read");
        }
        tokio::select! {
            () = waker.woken() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Sends every delivery that is due now.
pub async fn deliver_due(store: &Store) -> Result<(), civicmeet_store::StoreError> {
    loop {
        let due = store.due_deliveries(now(), BATCH).await?;
        if due.is_empty() {
            return Ok(());
        }
        for delivery in due {
            deliver(store, &delivery).await?;
        }
    }
}

async fn deliver(
    store: &Store,
    delivery: &WebhookDelivery,
) -> Result<(), civicmeet_store::StoreError> {
    let Some(webhook) = store.webhook(delivery.webhook_id).await? else {
        // Deleting a webhook deletes its deliveries; this one raced it.
        return Ok(());
    };
    if !webhook.active {
        return store
            .mark_delivery_failed(delivery.id, "the webhook is switched off", None)
            .await;
    }
    let timestamp = now();
    let headers = [
        ("x-civicmeet-event", delivery.event.clone()),
        ("x-civicmeet-delivery", delivery.id.to_string()),
        ("x-civicmeet-timestamp", timestamp.to_string()),
        (
            "x-civicmeet-signature",
            sign::signature(&webhook.secret, timestamp, &delivery.payload),
        ),
    ];
    let outcome = client::post(&webhook.url, &headers, delivery.payload.clone()).await;
    let error = match outcome {
        Ok(status) if (200..300).contains(&status) => {
            tracing::info!(
                webhook = webhook.id,
                delivery = delivery.id,
                "webhook delivered"
            );
            return store.mark_delivered(delivery.id, now()).await;
        }
        Ok(status) => format!("the receiver answered HTTP {status}"),
        Err(e) => e.to_string(),
    };
    let attempts = delivery.attempts + 1;
    let retry_at = (attempts < MAX_ATTEMPTS).then(|| now() + backoff_secs(attempts));
    tracing::warn!(
        webhook = webhook.id,
        delivery = delivery.id,
        attempts,
        error = %error,
        "webhook delivery failed"
    );
    store
        .mark_delivery_failed(delivery.id, &error, retry_at)
        .await
}

/// Seconds to wait after the `attempts`-th failure.
pub fn backoff_secs(attempts: i32) -> i64 {
    let exponent = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    (30 * 2i64.pow(exponent)).min(3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_secs(1), 30);
        assert_eq!(backoff_secs(2), 60);
        assert_eq!(backoff_secs(3), 120);
        assert_eq!(backoff_secs(8), 3600);
        assert_eq!(backoff_secs(100), 3600);
    }
}
