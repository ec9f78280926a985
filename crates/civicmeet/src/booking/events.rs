//! Booking events for webhooks (BK-7): what happened to an appointment,
//! queued as a delivery for every active webhook that subscribed to it
//! (an empty event list means all). Signing and sending is the webhook
//! worker's job (`api::webhooks`); this only fills the outbox.
//!
//! The payload holds ids and times, never the citizen's name or address.

use civicmeet_store::{Appointment, Store, StoreError};
use serde_json::json;

/// What happened.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    /// A hold was made (not yet confirmed).
    Booked(&'a Appointment),
    Confirmed(&'a Appointment),
    Cancelled(&'a Appointment),
    /// `old` was cancelled in favour of `new`.
    Rescheduled {
        old: &'a Appointment,
        new: &'a Appointment,
    },
}

impl Event<'_> {
    /// The event's name in webhook subscriptions and deliveries.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Booked(_) => "booked",
            Event::Confirmed(_) => "confirmed",
            Event::Cancelled(_) => "cancelled",
            Event::Rescheduled { .. } => "rescheduled",
        }
    }

    fn payload(&self, now: i64) -> serde_json::Value {
        // Times as RFC 3339 in UTC, as documented in the OpenAPI document's
        // `WebhookBody` (api/openapi.json).
        let appointment = |a: &Appointment| {
            json!({
                "id": a.id,
                "service_id": a.service_id,
                "staff_id": a.staff_id,
                "start": rfc3339(a.starts_at),
                "end": rfc3339(a.ends_at),
                "status": a.status.as_str(),
            })
        };
        let mut body = json!({ "event": self.name(), "occurred_at": rfc3339(now) });
        match self {
            Event::Booked(a) | Event::Confirmed(a) | Event::Cancelled(a) => {
                body["appointment"] = appointment(a);
            }
            Event::Rescheduled { old, new } => {
                body["appointment"] = appointment(new);
                body["previous"] = appointment(old);
            }
        }
        body
    }
}

fn rfc3339(seconds: i64) -> String {
    crate::api::appointments::rfc3339(seconds)
}

/// Queues the event for every subscribed webhook. A failure is logged and
/// swallowed: the citizen's booking must not fail because of a webhook.
pub async fn emit(store: &Store, event: Event<'_>, now: i64) {
    if let Err(e) = try_emit(store, &event, now).await {
        tracing::error!(event = event.name(), error = %e, "cannot queue webhook deliveries");
    }
}

async fn try_emit(store: &Store, event: &Event<'_>, now: i64) -> Result<(), StoreError> {
    let payload = event.payload(now).to_string();
    for hook in store.webhooks().await? {
        let wanted = hook.events.is_empty() || hook.events.iter().any(|e| e == event.name());
        if hook.active && wanted {
            store
                .enqueue_delivery(hook.id, event.name(), &payload, now)
                .await?;
        }
    }
    Ok(())
}
