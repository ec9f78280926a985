//! The audit log: who did what to whom, when (issue 4, part 9).
//!
//! Entries are short records: an actor label, an action from a fixed
//! list, the meeting and subject they concern, and a short outcome. They
//! never hold passwords, tokens, media or chat content; callers pass
//! labels, not payloads, and long texts are clipped here. Old entries are
//! removed by [`Store::prune_audit`] after the configured retention.

use crate::backend::with_pool;
use crate::text_enum::text_enum;
use crate::{Store, StoreError};

/// The longest actor, meeting, subject or detail text kept.
pub const MAX_TEXT_CHARS: usize = 200;

text_enum! {
    /// What happened.
    pub enum AuditAction {
        Login = "login",
        LoginFailed = "login_failed",
        AccountLocked = "account_locked",
        Logout = "logout",
        AccountCreated = "account_created",
        AccountUpdated = "account_updated",
        RoleChanged = "role_changed",
        PasswordChanged = "password_changed",
        AccountDisabled = "account_disabled",
        AccountEnabled = "account_enabled",
        PinFailed = "pin_failed",
        PinAccepted = "pin_accepted",
        Admitted = "admitted",
        Rejected = "rejected",
        Removed = "removed",
        SentToWaitingRoom = "sent_to_waiting_room",
        Muted = "muted",
        MeetingLocked = "meeting_locked",
        MeetingUnlocked = "meeting_unlocked",
        MeetingEnded = "meeting_ended",
        /// A participant's browser took its seat back after its socket
        /// dropped (never the resume secret).
        Resumed = "resumed",
        /// A host called a room system into the meeting (the target's
        /// host part only, never its user part).
        DialOut = "dial_out",
    }
}

/// An entry to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// When, in seconds since the Unix epoch.
    pub at: i64,
    /// Who: `kind:id label` (see the server's `audit` module).
    pub actor: String,
    pub action: AuditAction,
    /// The meeting it happened in, if any.
    pub meeting: Option<String>,
    /// Whom or what it was done to (an account, a participant label).
    pub subject: Option<String>,
    /// A short outcome ("wrong password", "role staff -> admin").
    pub detail: Option<String>,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: AuditAction,
    pub meeting: Option<String>,
    pub subject: Option<String>,
    pub detail: Option<String>,
}

/// Which entries to read: newest first, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only entries with a smaller id (the last id of the previous page).
    pub before_id: Option<i64>,
    /// Only entries of this meeting.
    pub meeting: Option<String>,
    pub limit: u32,
}

impl Default for AuditQuery {
    fn default() -> Self {
        AuditQuery {
            before_id: None,
            meeting: None,
            limit: 50,
        }
    }
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    actor: String,
    action: String,
    meeting: Option<String>,
    subject: Option<String>,
    detail: Option<String>,
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_TEXT_CHARS).collect()
}

impl Store {
    /// Appends an entry.
    pub async fn record_audit(&self, entry: &NewAuditEntry) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO audit_log (at, actor, action, meeting, subject, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(entry.at)
            .bind(clip(&entry.actor))
            .bind(entry.action.as_str())
            .bind(entry.meeting.as_deref().map(clip))
            .bind(entry.subject.as_deref().map(clip))
            .bind(entry.detail.as_deref().map(clip))
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Entries as `query` asks, newest first (at most 500 per page).
    pub async fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = i64::from(query.limit.min(500));
        let rows: Vec<AuditRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, at, actor, action, meeting, subject, detail FROM audit_log \
                 WHERE ($1 IS NULL OR id < $1) AND ($2 IS NULL OR meeting = $2) \
                 ORDER BY id DESC LIMIT $3",
            )
            .bind(query.before_id)
            .bind(query.meeting.as_deref())
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|row| {
                let action = row.action.parse().map_err(|_| {
                    StoreError::Corrupt(format!("action of audit entry {}", row.id))
                })?;
                Ok(AuditEntry {
                    id: row.id,
                    at: row.at,
                    actor: row.actor,
                    action,
                    meeting: row.meeting,
                    subject: row.subject,
                    detail: row.detail,
                })
            })
            .collect()
    }

    /// Deletes entries older than `before`; returns how many.
    pub async fn prune_audit(&self, before: i64) -> Result<u64, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query("DELETE FROM audit_log WHERE at < $1")
                .bind(before)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?)
    }
}
