//! Reminders (BK-3): `booking.reminder_hours` before a confirmed
//! appointment, one mail with fresh links (the stored links are hashes, so
//! the old ones cannot be repeated; they stay valid too). Idempotent: an
//! appointment whose reminder is in the outbox gets none again, and one
//! booked inside the reminder window gets none at all.

use chrono::{DateTime, TimeDelta, Utc};
use civicmeet_mail::{Links, MailKind};
use civicmeet_store::{AppointmentStatus, Store, TokenPurpose, TokenSubject};

use crate::booking::catalog::service_rules;
use crate::booking::{BookingRuntime, LINK_GRACE, mails};

pub async fn enqueue_due(
    store: &Store,
    runtime: &BookingRuntime,
    now: DateTime<Utc>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let lead = TimeDelta::hours(i64::from(runtime.settings.reminder_hours));
    if lead.is_zero() {
        return Ok(());
    }
    let from = now.timestamp();
    let to = (now + lead).timestamp();
    for office in store.offices().await? {
        for appointment in store
            .active_appointments_in_office(office.id, from, to, from)
            .await?
        {
            let booked_early = appointment
                .confirmed_at
                .is_some_and(|at| at <= appointment.starts_at - lead.num_seconds());
            if appointment.status != AppointmentStatus::Confirmed
                || !booked_early
                || store.has_mail(&appointment.id, "reminder").await?
            {
                continue;
            }
            let Some(rules) = service_rules(store, appointment.service_id, now).await? else {
                continue;
            };
            let valid_until = appointment.ends_at + LINK_GRACE.num_seconds();
            let subject = TokenSubject::Appointment(appointment.id.clone());
            let join = store
                .issue_token(TokenPurpose::Join, &subject, valid_until)
                .await?;
            let cancel = store
                .issue_token(TokenPurpose::Cancel, &subject, valid_until)
                .await?;
            let rebook = store
                .issue_token(TokenPurpose::Rebook, &subject, valid_until)
                .await?;
            let links = Links {
                join: runtime.link(&format!("/a/{join}")),
                cancel: runtime.link(&format!("/book/cancel/{cancel}")),
                rebook: runtime.link(&format!("/book/rebook/{rebook}")),
            };
            mails::enqueue(
                store,
                &runtime.sender,
                &appointment,
                &rules,
                &MailKind::Reminder { links },
                now,
            )
            .await
            .map_err(|e| format!("{e:?}"))?;
            tracing::info!(service = rules.record.id, "reminder queued");
        }
    }
    Ok(())
}
