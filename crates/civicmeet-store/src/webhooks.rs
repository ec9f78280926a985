//! Webhook subscriptions and their delivery queue.
//!
//! Deliveries work like the mail outbox ([`crate::outbox`]): queued first,
//! leased by [`Store::due_deliveries`], then marked delivered or failed.
//! Signing (HMAC with `secret`) and sending are the server's business.

use crate::backend::with_pool;
use crate::outbox::MailStatus;
use crate::queue::{Queue, QueueRow};
use crate::{Store, StoreError};

/// What an admin enters for a webhook (create and update).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub url: String,
    /// The HMAC key. Stored as is: it must be readable to sign.
    pub secret: String,
    /// The events it wants (`booked`, `confirmed`, `cancelled`, ...).
    pub events: Vec<String>,
    pub active: bool,
}

/// A stored webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub events: Vec<String>,
    pub active: bool,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct WebhookRow {
    id: i64,
    url: String,
    secret: String,
    events: String,
    active: bool,
    created_at: i64,
}

impl TryFrom<WebhookRow> for Webhook {
    type Error = StoreError;
    fn try_from(row: WebhookRow) -> Result<Webhook, StoreError> {
        let events = serde_json::from_str(&row.events)
            .map_err(|e| StoreError::Corrupt(format!("events of webhook {}: {e}", row.id)))?;
        Ok(Webhook {
            id: row.id,
            url: row.url,
            secret: row.secret,
            events,
            active: row.active,
            created_at: row.created_at,
        })
    }
}

/// One queued call of a webhook.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WebhookDelivery {
    pub id: i64,
    pub webhook_id: i64,
    pub event: String,
    /// The JSON body to send.
    pub payload: String,
    #[sqlx(try_from = "String")]
    pub status: MailStatus,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

const DELIVERIES: Queue = Queue {
    table: "webhook_deliveries",
    columns: DELIVERY_COLUMNS,
};

impl QueueRow for WebhookDelivery {
    fn id(&self) -> i64 {
        self.id
    }
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, event, payload, status, attempts, \
    next_attempt_at, last_error, created_at, sent_at";

fn events_json(webhook: &NewWebhook) -> Result<String, StoreError> {
    serde_json::to_string(&webhook.events).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    pub async fn create_webhook(
        &self,
        webhook: &NewWebhook,
        now: i64,
    ) -> Result<Webhook, StoreError> {
        let events = events_json(webhook)?;
        let row: WebhookRow = with_pool!(self, pool => {
            sqlx::query_as(
                "INSERT INTO webhooks (url, secret, events, active, created_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 RETURNING id, url, secret, events, active, created_at",
            )
            .bind(&webhook.url)
            .bind(&webhook.secret)
            .bind(&events)
            .bind(webhook.active)
            .bind(now)
            .fetch_one(pool)
            .await
        })?;
        row.try_into()
    }

    /// Fails with [`StoreError::NotFound`] for an unknown id.
    pub async fn update_webhook(&self, id: i64, webhook: &NewWebhook) -> Result<(), StoreError> {
        let events = events_json(webhook)?;
        let affected = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE webhooks SET url = $1, secret = $2, events = $3, active = $4 \
                 WHERE id = $5",
            )
            .bind(&webhook.url)
            .bind(&webhook.secret)
            .bind(&events)
            .bind(webhook.active)
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        crate::catalog::found(affected)
    }

    /// Deletes a webhook and its queued deliveries. Returns whether it existed.
    pub async fn delete_webhook(&self, id: i64) -> Result<bool, StoreError> {
        let affected = with_pool!(self, pool => {
            sqlx::query("DELETE FROM webhooks WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(affected > 0)
    }

    pub async fn webhook(&self, id: i64) -> Result<Option<Webhook>, StoreError> {
        let row: Option<WebhookRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, url, secret, events, active, created_at FROM webhooks WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
        })?;
        row.map(Webhook::try_from).transpose()
    }

    /// All webhooks, oldest first.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        let rows: Vec<WebhookRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, url, secret, events, active, created_at FROM webhooks ORDER BY id",
            )
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter().map(Webhook::try_from).collect()
    }

    /// Queues one delivery, due at once. Returns its id.
    pub async fn enqueue_delivery(
        &self,
        webhook_id: i64,
        event: &str,
        payload: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let (id,): (i64,) = with_pool!(self, pool => {
            sqlx::query_as(
                "INSERT INTO webhook_deliveries (webhook_id, event, payload, status, attempts, \
                 next_attempt_at, created_at) VALUES ($1, $2, $3, 'pending', 0, $4, $4) \
                 RETURNING id",
            )
            .bind(webhook_id)
            .bind(event)
            .bind(payload)
            .bind(now)
            .fetch_one(pool)
            .await
        })?;
        Ok(id)
    }

    /// Hands out up to `limit` due deliveries and leases them, like
    /// [`Store::due_mails`].
    pub async fn due_deliveries(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        DELIVERIES.lease_due(self, now, limit).await
    }

    pub async fn mark_delivered(&self, id: i64, now: i64) -> Result<(), StoreError> {
        DELIVERIES.mark_sent(self, id, now).await
    }

    /// Like [`Store::mark_failed`] for a delivery.
    pub async fn mark_delivery_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<(), StoreError> {
        DELIVERIES.mark_failed(self, id, error, retry_at).await
    }

    /// Undelivered deliveries that failed at least once, newest first.
    pub async fn failed_deliveries(&self) -> Result<Vec<WebhookDelivery>, StoreError> {
        DELIVERIES.failed(self).await
    }

    /// Puts a failed delivery back in the queue, due at `now` (a staff
    /// action), like [`Store::retry_mail`]. [`StoreError::NotFound`] unless
    /// it exists and failed.
    pub async fn retry_delivery(&self, id: i64, now: i64) -> Result<(), StoreError> {
        DELIVERIES.retry(self, id, now).await
    }
}
