//! Writing the audit log (issue 4, part 9): one call, [`record`], that
//! never fails its caller. A login must not fail because the audit table
//! is briefly unwritable; the storage error is logged instead (without
//! the entry, which names people).
//!
//! Actors are labelled `kind:id label`, made by the helpers here, so the
//! log reads the same whoever writes it: `account:3 Erika Muster`,
//! `admin:admin` (the configured credential), `anonymous`, or what the
//! meeting side passes for participants. Never put passwords, tokens,
//! capability links, media or chat content into an entry.

use civicmeet_store::{NewAuditEntry, Store};

pub use civicmeet_store::{AuditAction, NewAuditEntry as Entry};

/// Appends `entry`; a storage failure is logged, not returned.
pub async fn record(store: &Store, entry: NewAuditEntry) {
    if let Err(e) = store.record_audit(&entry).await {
        tracing::error!(action = entry.action.as_str(), error = %e, "cannot write the audit log");
    }
}

/// The actor label of a staff account.
pub fn account_actor(id: i64, display_name: &str) -> String {
    format!("account:{id} {display_name}")
}

/// The actor label of the configured admin credential (HTTP Basic).
pub fn credential_actor(username: &str) -> String {
    format!("admin:{username}")
}

/// The actor of a request nobody is logged in with.
pub const ANONYMOUS: &str = "anonymous";

/// An entry at `at` by `actor`, with no meeting, subject or detail yet.
pub fn entry(at: i64, actor: impl Into<String>, action: AuditAction) -> NewAuditEntry {
    NewAuditEntry {
        at,
        actor: actor.into(),
        action,
        meeting: None,
        subject: None,
        detail: None,
    }
}
