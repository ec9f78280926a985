//! The mail outbox: every mail is stored before it is sent, so none is lost
//! when SMTP is down or the process stops, and failures stay visible to
//! staff.
//!
//! A sender loop calls [`Store::due_mails`], tries each mail, and reports
//! with [`Store::mark_sent`] or [`Store::mark_failed`]. The lease and retry
//! rules are the shared queue's (`queue.rs`), also used by webhooks.

use crate::backend::with_pool;
use crate::queue::{Queue, QueueRow};
use crate::text_enum::text_enum;
use crate::{Store, StoreError};

pub use crate::queue::LEASE_SECS;

const QUEUE: Queue = Queue {
    table: "mail_outbox",
    columns: COLUMNS,
};

text_enum! {
    /// Where an outgoing message stands.
    pub enum MailStatus {
        /// Not sent yet; due at `next_attempt_at` (possibly after failures).
        Pending = "pending",
        Sent = "sent",
        /// The sender gave up; staff can retry it.
        Failed = "failed",
    }
}

/// A mail to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub appointment_id: Option<String>,
    pub recipient: String,
    /// What kind of mail this is (`confirm`, `confirmed`, `reminder`, ...).
    pub kind: String,
    pub subject: String,
    /// The complete RFC 5322 message, ready for SMTP or an .eml file.
    pub body_eml: String,
}

/// A queued (or sent, or failed) mail.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxMail {
    pub id: i64,
    pub appointment_id: Option<String>,
    pub recipient: String,
    pub kind: String,
    pub subject: String,
    pub body_eml: String,
    #[sqlx(try_from = "String")]
    pub status: MailStatus,
    /// Failed attempts so far.
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

const COLUMNS: &str = "id, appointment_id, recipient, kind, subject, body_eml, status, attempts, \
    next_attempt_at, last_error, created_at, sent_at";

impl QueueRow for OutboxMail {
    fn id(&self) -> i64 {
        self.id
    }
}

impl Store {
    /// Queues a mail, due at once. Returns its id.
    pub async fn enqueue_mail(&self, mail: &NewMail, now: i64) -> Result<i64, StoreError> {
        let (id,): (i64,) = with_pool!(self, pool => {
            sqlx::query_as(
                "INSERT INTO mail_outbox (appointment_id, recipient, kind, subject, body_eml, \
                 status, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6) RETURNING id",
            )
            .bind(&mail.appointment_id)
            .bind(&mail.recipient)
            .bind(&mail.kind)
            .bind(&mail.subject)
            .bind(&mail.body_eml)
            .bind(now)
            .fetch_one(pool)
            .await
        })?;
        Ok(id)
    }

    /// Hands out up to `limit` pending mails due at `now`, oldest due
    /// first, and leases them for [`LEASE_SECS`] (see the module docs).
    pub async fn due_mails(&self, now: i64, limit: i64) -> Result<Vec<OutboxMail>, StoreError> {
        QUEUE.lease_due(self, now, limit).await
    }

    pub async fn mark_sent(&self, id: i64, now: i64) -> Result<(), StoreError> {
        QUEUE.mark_sent(self, id, now).await
    }

    /// Records a failed attempt. With `retry_at` the mail stays pending and
    /// comes due then; without, the sender gives up and it is `Failed`.
    /// `error` must not contain personal data (it is shown to staff); it is
    /// cut to 1000 characters.
    pub async fn mark_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<(), StoreError> {
        QUEUE.mark_failed(self, id, error, retry_at).await
    }

    /// Every unsent mail that failed at least once, whether a retry is
    /// still due or the sender gave up: what staff must see. Newest first.
    pub async fn failed_mails(&self) -> Result<Vec<OutboxMail>, StoreError> {
        QUEUE.failed(self).await
    }

    /// Puts a failed mail back in the queue, due at `now` (a staff action).
    pub async fn retry_mail(&self, id: i64, now: i64) -> Result<(), StoreError> {
        QUEUE.retry(self, id, now).await
    }

    /// Whether a mail of `kind` about the appointment was ever queued (in
    /// any status): keeps the reminder job idempotent.
    pub async fn has_mail(&self, appointment_id: &str, kind: &str) -> Result<bool, StoreError> {
        let found: Option<(i64,)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id FROM mail_outbox WHERE appointment_id = $1 AND kind = $2 LIMIT 1",
            )
            .bind(appointment_id)
            .bind(kind)
            .fetch_optional(pool)
            .await
        })?;
        Ok(found.is_some())
    }

    pub async fn mail(&self, id: i64) -> Result<Option<OutboxMail>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM mail_outbox WHERE id = $1"));
        Ok(with_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_optional(pool).await)?)
    }
}
