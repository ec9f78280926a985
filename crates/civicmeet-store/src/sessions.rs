//! Login sessions of staff accounts.
//!
//! The browser holds a random 256-bit token in a cookie; only its SHA-256
//! is stored, so a leaked database or backup logs nobody in. A session
//! ends at its absolute `expires_at`, after being idle too long (the
//! caller says what "too long" means by the `seen_after` cut-off), when
//! its account is disabled, or at logout.

use crate::accounts::{ACCOUNT_COLUMNS, Account, AccountRow};
use crate::backend::with_pool;
use crate::{Store, StoreError, random};

/// A session token is 43 base64url characters; reject anything else
/// before hashing it.
fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Store {
    /// Starts a session for the account, ending at `expires_at`; returns
    /// the token. This is the only time the token exists on the server.
    pub async fn create_session(
        &self,
        account_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<String, StoreError> {
        let token = random::secret()?;
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (hash, account_id, created_at, expires_at, last_seen_at) \
                 VALUES ($1, $2, $3, $4, $3)",
            )
            .bind(random::secret_hash(&token))
            .bind(account_id)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(token)
    }

    /// The account a session token belongs to, if the session is still
    /// valid at `now` (not past its end, seen after `seen_after`, account
    /// enabled); marks it seen at `now`. `None` for anything else, without
    /// telling why.
    pub async fn session_account(
        &self,
        token: &str,
        now: i64,
        seen_after: i64,
    ) -> Result<Option<Account>, StoreError> {
        if !well_formed(token) {
            return Ok(None);
        }
        let hash = random::secret_hash(token);
        let columns = ACCOUNT_COLUMNS
            .split(", ")
            .map(|c| format!("a.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns} FROM sessions s JOIN accounts a ON a.id = s.account_id \
             WHERE s.hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 \
             AND a.disabled_at IS NULL"
        );
        let row: Option<AccountRow> = with_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(&hash)
                .bind(now)
                .bind(seen_after)
                .fetch_optional(pool)
                .await
        })?;
        let Some(row) = row else { return Ok(None) };
        with_pool!(self, pool => {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE hash = $2 AND last_seen_at < $1")
                .bind(now)
                .bind(&hash)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Account::try_from(row).map(Some)
    }

    /// Ends one session (logout). Unknown tokens are fine.
    pub async fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        if !well_formed(token) {
            return Ok(());
        }
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE hash = $1")
                .bind(random::secret_hash(token))
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Ends every session of an account (disabled, role changed).
    pub async fn delete_sessions_of(&self, account_id: i64) -> Result<u64, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                .bind(account_id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?)
    }

    /// Deletes sessions past their end at `now` or not seen since
    /// `seen_after`; returns how many.
    pub async fn delete_expired_sessions(
        &self,
        now: i64,
        seen_after: i64,
    ) -> Result<u64, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
                .bind(now)
                .bind(seen_after)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?)
    }
}
