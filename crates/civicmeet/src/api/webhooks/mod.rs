//! Signed webhooks (BK-7): subscriptions, the events they receive, and the
//! delivery worker.
//!
//! An event is never sent from the request that caused it:
//! `booking::events::emit` writes one delivery per interested webhook
//! into the store's outbox (and the caller may wake the [`worker`]), which
//! POSTs, signs ([`sign`]) and retries with back-off. A slow or dead
//! receiver therefore never slows a booking, and a restart loses nothing.
//!
//! Body: `{"event": "cancelled", "occurred_at", "appointment": {"id",
//! "service_id", "staff_id", "start", "end", "status"}}` (a rescheduling
//! adds `previous`), times in RFC 3339 UTC. No citizen data: receivers
//! fetch details through the authenticated API.

pub mod client;
pub mod routes;
pub mod sign;
pub mod worker;

use std::sync::Arc;

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
