//! Signed webhooks (BK-7): subscriptions, the events they receive, and the
//! delivery worker.
//!
//! An event is never sent from the request that caused it: [`enqueue`]
//! writes one delivery per interested webhook into the store's outbox and
//! wakes the [`worker`], which POSTs, signs ([`sign`]) and retries with
//! back-off. A slow or dead receiver therefore never slows a booking, and
//! a restart loses nothing.
//!
//! Body: `{"event": "cancelled", "appointment": {"id", "service_id",
//! "staff_id", "start", "end", "status"}}`, times in RFC 3339 UTC. No
//! citizen data: receivers fetch details through the authenticated API.

pub mod client;
pub mod routes;
pub mod sign;
pub mod worker;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use civicmeet_store::{Appointment, Store, StoreError};
use serde::Serialize;
use tokio::sync::Notify;

/// What happened to an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Booked,
    Confirmed,
    Cancelled,
    Rescheduled,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [
        EventKind::Booked,
        EventKind::Confirmed,
        EventKind::Cancelled,
        EventKind::Rescheduled,
    ];

    /// The wire name (`X-Civicmeet-Event`, the subscription list).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Booked => "booked",
            EventKind::Confirmed => "confirmed",
            EventKind::Cancelled => "cancelled",
            EventKind::Rescheduled => "rescheduled",
        }
    }

    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Wakes the delivery worker when something was queued. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct DeliveryWaker(Arc<Notify>);

impl DeliveryWaker {
    pub fn wake(&self) {
        self.0.notify_one();
    }

    pub async fn woken(&self) {
        self.0.notified().await;
    }
}

#[derive(Serialize)]
struct Payload<'a> {
    event: &'static str,
    appointment: AppointmentRef<'a>,
}

#[derive(Serialize)]
struct AppointmentRef<'a> {
    id: &'a str,
    service_id: i64,
    staff_id: i64,
    start: String,
    end: String,
    status: &'static str,
}

fn rfc3339(seconds: i64) -> String {
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The JSON body of `kind` about `appointment`.
pub fn payload(kind: EventKind, appointment: &Appointment) -> String {
    let body = Payload {
        event: kind.as_str(),
        appointment: AppointmentRef {
            id: &appointment.id,
            service_id: appointment.service_id,
            staff_id: appointment.staff_id,
            start: rfc3339(appointment.starts_at),
            end: rfc3339(appointment.ends_at),
            status: appointment.status.as_str(),
        },
    };
    // Strings and numbers only: serializing cannot fail.
    serde_json::to_string(&body).unwrap_or_default()
}

/// Queues `kind` about `appointment` for every active webhook that wants
/// it, and wakes the worker. Returns how many deliveries were queued.
pub async fn enqueue(
    store: &Store,
    waker: &DeliveryWaker,
    kind: EventKind,
    appointment: &Appointment,
    now: i64,
) -> Result<usize, StoreError> {
    let body = payload(kind, appointment);
    let mut queued = 0;
    for webhook in store.webhooks().await? {
        if webhook.active && webhook.events.iter().any(|e| e == kind.as_str()) {
            store
                .enqueue_delivery(webhook.id, kind.as_str(), &body, now)
                .await?;
            queued += 1;
        }
    }
    if queued > 0 {
        waker.wake();
    }
    Ok(queued)
}
