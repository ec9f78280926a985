//! Background work of the booking side, one tokio task ticking every
//! [`TICK`]: expire unconfirmed holds, drop expired tokens, send due mails
//! from the outbox, queue reminders; and, every minute, end expired login
//! sessions and prune the audit log past its retention ([`accounts`]). Each tick reads the clock once and
//! passes that `now` down, so every step of a tick agrees on the time.
//!
//! Each step logs its own failure and the tick goes on: a broken SMTP
//! relay must not stop holds from expiring.

pub mod accounts;
mod outbox;
mod reminders;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use civicmeet_store::Store;

use crate::booking::BookingRuntime;
use crate::config::Config;

pub use outbox::mailer;

/// How often the jobs run.
pub const TICK: Duration = Duration::from_secs(2);
/// Reminders look at every appointment of the next hours, so they run
/// every this many ticks (a minute) rather than every tick.
const REMINDER_EVERY: u64 = 30;

/// Starts the task. It runs until aborted.
pub fn spawn(
    store: Store,
    config: &Config,
    runtime: Arc<BookingRuntime>,
) -> tokio::task::JoinHandle<()> {
    let mailer = outbox::mailer(config);
    let retention = accounts::Retention::new(config);
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        for n in 0u64.. {
            interval.tick().await;
            let now = Utc::now();
            let every_minute = n % REMINDER_EVERY == 0;
            run(&store, &mailer, &runtime, now, every_minute).await;
            if every_minute {
                accounts::tick(&store, &retention, now.timestamp()).await;
            }
        }
    })
}

/// One round of every job at `now`.
pub async fn tick(
    store: &Store,
    mailer: &civicmeet_mail::Mailer,
    runtime: &BookingRuntime,
    now: chrono::DateTime<Utc>,
) {
    run(store, mailer, runtime, now, true).await;
}

async fn run(
    store: &Store,
    mailer: &civicmeet_mail::Mailer,
    runtime: &BookingRuntime,
    now: chrono::DateTime<Utc>,
    with_reminders: bool,
) {
    match store.expire_holds(now.timestamp()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(holds = n, "expired unconfirmed holds"),
        Err(e) => tracing::error!(error = %e, "cannot expire holds"),
    }
    if let Err(e) = store.delete_expired_tokens(now.timestamp()).await {
        tracing::error!(error = %e, "cannot delete expired tokens");
    }
    if with_reminders && let Err(e) = reminders::enqueue_due(store, runtime, now).await {
        tracing::error!(error = %e, "cannot queue reminders");
    }
    if let Err(e) = outbox::send_due(store, mailer, runtime, now).await {
        tracing::error!(error = %e, "cannot read the mail outbox");
    }
}
