//! Capability tokens: the secrets in confirm, join, cancel, rebook, host
//! and .ics feed links.
//!
//! A token is 256 random bits, base64url without padding (43 characters),
//! handed out once by [`Store::issue_token`]. Only its SHA-256 is stored,
//! so a leaked database or backup opens no link. A token is bound to one
//! purpose: a cancel link cannot be used to join.

use crate::backend::with_pool;
use crate::text_enum::text_enum;
use crate::{Store, StoreError, random};

text_enum! {
    /// What a token lets its holder do.
    pub enum TokenPurpose {
        /// Confirm a held appointment (double opt-in).
        Confirm = "confirm",
        /// Join the appointment's meeting as the citizen.
        Join = "join",
        Cancel = "cancel",
        Rebook = "rebook",
        /// Join the appointment's meeting as its host.
        Host = "host",
        /// Read a staff member's appointments as an .ics feed.
        IcsFeed = "ics_feed",
    }
}

/// Whom a token is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSubject {
    Appointment(String),
    Staff(i64),
}

/// What a valid token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    pub subject: TokenSubject,
    pub purpose: TokenPurpose,
    pub expires_at: i64,
}

impl Store {
    /// Creates a token for `subject` and `purpose`, valid until
    /// `expires_at`, and returns it. This is the only time the token itself
    /// exists on the server. Fails with [`StoreError::UnknownReference`]
    /// for an unknown appointment or staff member.
    pub async fn issue_token(
        &self,
        purpose: TokenPurpose,
        subject: &TokenSubject,
        expires_at: i64,
    ) -> Result<String, StoreError> {
        let token = random::secret()?;
        let (appointment_id, staff_id) = match subject {
            TokenSubject::Appointment(id) => (Some(id.as_str()), None),
            TokenSubject::Staff(id) => (None, Some(*id)),
        };
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO tokens (hash, appointment_id, staff_id, purpose, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(random::secret_hash(&token))
            .bind(appointment_id)
            .bind(staff_id)
            .bind(purpose.as_str())
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(token)
    }

    /// What `token` grants for `purpose` at `now`; `None` if it is unknown,
    /// for another purpose, or expired. The three are not told apart, so a
    /// prober learns nothing.
    pub async fn resolve_token(
        &self,
        token: &str,
        purpose: TokenPurpose,
        now: i64,
    ) -> Result<Option<TokenGrant>, StoreError> {
        // No real token is that long; do not hash arbitrary input sizes.
        if token.len() > 128 {
            return Ok(None);
        }
        let row: Option<(Option<String>, Option<i64>, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT appointment_id, staff_id, expires_at FROM tokens \
                 WHERE hash = $1 AND purpose = $2 AND expires_at > $3",
            )
            .bind(random::secret_hash(token))
            .bind(purpose.as_str())
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row.and_then(|(appointment_id, staff_id, expires_at)| {
            let subject = match (appointment_id, staff_id) {
                (Some(id), None) => TokenSubject::Appointment(id),
                (None, Some(id)) => TokenSubject::Staff(id),
                // The schema's CHECK makes this unreachable.
                _ => return None,
            };
            Some(TokenGrant {
                subject,
                purpose,
                expires_at,
            })
        }))
    }

    /// Invalidates every token of the appointment for these purposes (e.g.
    /// the old cancel and rebook links after a rebooking). Returns how many.
    pub async fn revoke_tokens(
        &self,
        appointment_id: &str,
        purposes: &[TokenPurpose],
    ) -> Result<u64, StoreError> {
        let mut revoked = 0;
        for purpose in purposes {
            revoked += with_pool!(self, pool => {
                sqlx::query("DELETE FROM tokens WHERE appointment_id = $1 AND purpose = $2")
                    .bind(appointment_id)
                    .bind(purpose.as_str())
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected())
            })?;
        }
        Ok(revoked)
    }

    /// Invalidates every token of the staff member for `purpose` (e.g. the
    /// old .ics feed link when a new one is issued). Returns how many.
    pub async fn revoke_staff_tokens(
        &self,
        staff_id: i64,
        purpose: TokenPurpose,
    ) -> Result<u64, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query("DELETE FROM tokens WHERE staff_id = $1 AND purpose = $2")
                .bind(staff_id)
                .bind(purpose.as_str())
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?)
    }

    /// Deletes tokens that expired at or before `now`; returns how many.
    pub async fn delete_expired_tokens(&self, now: i64) -> Result<u64, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query("DELETE FROM tokens WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?)
    }
}
