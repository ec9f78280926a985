//! Staff accounts: who may log in, with which role, and the state of
//! their failed attempts.
//!
//! The store keeps records only. Hashing passwords (argon2id) and the
//! lockout rule (how many failures lock, for how long) are the server's;
//! here a hash is an opaque PHC string and the lockout state is three
//! numbers written back as the server computed them.

use crate::backend::with_pool;
use crate::text_enum::text_enum;
use crate::{Store, StoreError};

text_enum! {
    /// An account's role. The server maps it onto its permission table.
    pub enum AccountRole {
        Admin = "admin",
        Staff = "staff",
    }
}

/// Where an OpenID Connect account comes from: the provider and its
/// stable id of the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcIdentity {
    pub issuer: String,
    pub subject: String,
}

/// What the admin (or a first OIDC login) enters for a new account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// Lowercase login name; `None` for OIDC-only accounts.
    pub login: Option<String>,
    pub display_name: String,
    pub role: AccountRole,
    /// An argon2id PHC string; `None`: no password login.
    pub password_hash: Option<String>,
    pub oidc: Option<OidcIdentity>,
}

/// The failed-attempt counters of an account, as the lockout rule reads
/// and writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginState {
    pub failed_attempts: i32,
    pub lock_count: i32,
    pub locked_until: Option<i64>,
}

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub login: Option<String>,
    pub display_name: String,
    pub role: AccountRole,
    pub password_hash: Option<String>,
    pub oidc: Option<OidcIdentity>,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub login_state: LoginState,
}

impl Account {
    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    id: i64,
    login: Option<String>,
    display_name: String,
    role: String,
    password_hash: Option<String>,
    oidc_issuer: Option<String>,
    oidc_subject: Option<String>,
    created_at: i64,
    disabled_at: Option<i64>,
    failed_attempts: i32,
    lock_count: i32,
    locked_until: Option<i64>,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;
    fn try_from(row: AccountRow) -> Result<Account, StoreError> {
        let role = row
            .role
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("role of account {}", row.id)))?;
        let oidc = match (row.oidc_issuer, row.oidc_subject) {
            (Some(issuer), Some(subject)) => Some(OidcIdentity { issuer, subject }),
            _ => None,
        };
        Ok(Account {
            id: row.id,
            login: row.login,
            display_name: row.display_name,
            role,
            password_hash: row.password_hash,
            oidc,
            created_at: row.created_at,
            disabled_at: row.disabled_at,
            login_state: LoginState {
                failed_attempts: row.failed_attempts,
                lock_count: row.lock_count,
                locked_until: row.locked_until,
            },
        })
    }
}

pub(crate) const ACCOUNT_COLUMNS: &str = "id, login, display_name, role, password_hash, \
    oidc_issuer, oidc_subject, created_at, disabled_at, failed_attempts, lock_count, locked_until";

impl Store {
    /// Creates an account. Fails with [`StoreError::AlreadyExists`] when the
    /// login name or the OIDC identity is taken.
    pub async fn create_account(
        &self,
        account: &NewAccount,
        now: i64,
    ) -> Result<Account, StoreError> {
        let (issuer, subject) = match &account.oidc {
            Some(o) => (Some(o.issuer.as_str()), Some(o.subject.as_str())),
            None => (None, None),
        };
        let (id,): (i64,) = with_pool!(self, pool => {
            sqlx::query_as(
                "INSERT INTO accounts (login, display_name, role, password_hash, oidc_issuer, \
                 oidc_subject, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(account.login.as_deref())
            .bind(&account.display_name)
            .bind(account.role.as_str())
            .bind(account.password_hash.as_deref())
            .bind(issuer)
            .bind(subject)
            .bind(now)
            .fetch_one(pool)
            .await
        })?;
        self.account(id).await?.ok_or(StoreError::NotFound)
    }

    /// Every account, by display name.
    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY display_name, id");
        let rows: Vec<AccountRow> = with_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await
        })?;
        rows.into_iter().map(Account::try_from).collect()
    }

    pub async fn account(&self, id: i64) -> Result<Option<Account>, StoreError> {
        self.account_where("id = $1", Bind::Id(id)).await
    }

    /// The account with this (lowercase) login name.
    pub async fn account_by_login(&self, login: &str) -> Result<Option<Account>, StoreError> {
        self.account_where("login = $1", Bind::Text(login)).await
    }

    /// The account an OpenID Connect identity logged in as before.
    pub async fn account_by_oidc(
        &self,
        identity: &OidcIdentity,
    ) -> Result<Option<Account>, StoreError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE oidc_issuer = $1 AND oidc_subject = $2"
        );
        let row: Option<AccountRow> = with_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(&identity.issuer)
                .bind(&identity.subject)
                .fetch_optional(pool)
                .await
        })?;
        row.map(Account::try_from).transpose()
    }

    async fn account_where(
        &self,
        condition: &'static str,
        value: Bind<'_>,
    ) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE {condition}");
        let row: Option<AccountRow> = with_pool!(self, pool => {
            let query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            let query = match value {
                Bind::Id(id) => query.bind(id),
                Bind::Text(text) => query.bind(text),
            };
            query.fetch_optional(pool).await
        })?;
        row.map(Account::try_from).transpose()
    }

    /// Changes the name and the role. [`StoreError::NotFound`] for an
    /// unknown id.
    pub async fn update_account(
        &self,
        id: i64,
        display_name: &str,
        role: AccountRole,
    ) -> Result<(), StoreError> {
        let changed = with_pool!(self, pool => {
            sqlx::query("UPDATE accounts SET display_name = $1, role = $2 WHERE id = $3")
                .bind(display_name)
                .bind(role.as_str())
                .bind(id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Sets (or with `None` removes) the password hash, and clears the
    /// failed attempts: a new password is a fresh start.
    pub async fn set_password_hash(&self, id: i64, hash: Option<&str>) -> Result<(), StoreError> {
        let changed = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE accounts SET password_hash = $1, failed_attempts = 0, lock_count = 0, \
                 locked_until = NULL WHERE id = $2",
            )
            .bind(hash)
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Disables the account at `at` (and ends its sessions), or with
    /// `None` enables it again.
    pub async fn set_account_disabled(&self, id: i64, at: Option<i64>) -> Result<(), StoreError> {
        let changed = with_pool!(self, pool => {
            sqlx::query("UPDATE accounts SET disabled_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        if at.is_some() {
            self.delete_sessions_of(id).await?;
        }
        Ok(())
    }

    /// Writes the failed-attempt counters the lockout rule computed.
    pub async fn set_login_state(&self, id: i64, state: LoginState) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "UPDATE accounts SET failed_attempts = $1, lock_count = $2, locked_until = $3 \
                 WHERE id = $4",
            )
            .bind(state.failed_attempts)
            .bind(state.lock_count)
            .bind(state.locked_until)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }
}

/// One bound value of a lookup by a single column.
enum Bind<'a> {
    Id(i64),
    Text(&'a str),
}
