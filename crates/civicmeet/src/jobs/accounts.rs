//! Housekeeping of staff accounts: delete login sessions past their end
//! or idle too long, and audit entries older than `audit.retention_days`.

use civicmeet_store::Store;

use crate::config::Config;

/// How long sessions and audit entries are kept, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub session_idle_secs: i64,
    pub audit_secs: i64,
}

impl Retention {
    pub fn new(config: &Config) -> Retention {
        Retention {
            session_idle_secs: i64::from(config.accounts.session_idle_minutes) * 60,
            audit_secs: i64::from(config.audit.retention_days) * 24 * 3600,
        }
    }
}

/// One round at `now` (seconds since the epoch).
pub async fn tick(store: &Store, retention: &Retention, now: i64) {
    if let Err(e) = store
        .delete_expired_sessions(now, now - retention.session_idle_secs)
        .await
    {
        tracing::error!(error = %e, "cannot delete expired sessions");
    }
    match store.prune_audit(now - retention.audit_secs).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(entries = n, "pruned the audit log"),
        Err(e) => tracing::error!(error = %e, "cannot prune the audit log"),
    }
}
