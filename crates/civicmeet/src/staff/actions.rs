//! What staff do to appointments, shared by the dashboard's forms and the
//! REST API: cancel one (the citizen gets a cancellation mail with a
//! METHOD:CANCEL .ics and a link to book the service again through the
//! outbox, webhooks hear `cancelled`),
//! cancel a whole day of an office (the same for each), mark no-show or
//! done.
//!
//! The appointment changes first; the mail and the webhook are queued
//! afterwards. A mail that cannot be rendered (a stored address that no
//! longer parses) is logged and counted, never silently dropped, and does
//! not undo the cancellation.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use civicmeet_mail::{Citizen, Locale, MailKind, Office as MailOffice, Sender};
use civicmeet_store::{Appointment, NewMail, StoreError, TokenPurpose};

use crate::api::error::ApiError;
use crate::api::hours::{self, stored_zone};
use crate::booking::events::{self, Event};
use crate::state::AppState;

/// The outcome of a bulk cancellation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct BulkOutcome {
    pub cancelled: usize,
    /// Cancellation mails queued (one per cancelled appointment, unless
    /// one could not be written).
    pub mails_queued: usize,
}

/// Cancels one held or confirmed appointment and notifies.
pub async fn cancel(state: &AppState, id: &str) -> Result<(Appointment, bool), ApiError> {
    let now = hours::now();
    let appointment = match state.store.cancel_appointment(id, now).await {
        Ok(a) => a,
        Err(StoreError::NotFound) => {
            return Err(ApiError::NotFound {
                what: "appointment",
            });
        }
        Err(e) => return Err(e.into()),
    };
    // The links in the citizen's mails stop working; rebooking stays open.
    state
        .store
        .revoke_tokens(
            id,
            &[
                TokenPurpose::Confirm,
                TokenPurpose::Join,
                TokenPurpose::Cancel,
                TokenPurpose::Host,
            ],
        )
        .await?;
    let mailed = queue_cancellation_mail(state, &appointment, now).await?;
    events::emit(&state.store, Event::Cancelled(&appointment), now).await;
    state.deliveries.wake();
    tracing::info!(appointment = short(id), "appointment cancelled by staff");
    Ok((appointment, mailed))
}

/// The longest run of days one bulk cancellation may cover.
pub const MAX_BULK_DAYS: u32 = 366;

/// Cancels every active appointment of the office on `days` local days
/// from `date` (only `staff_id`'s, if given), with a mail and a webhook
/// call for each. One day is a closed day; many are a closed office.
pub async fn cancel_day(
    state: &AppState,
    office_id: i64,
    date: NaiveDate,
    days: u32,
    staff_id: Option<i64>,
) -> Result<BulkOutcome, ApiError> {
    let office = state
        .store
        .office(office_id)
        .await?
        .ok_or(ApiError::NotFound { what: "office" })?;
    let tz = stored_zone(&office.time_zone);
    let (from, to) = days_bounds(tz, date, days);
    let now = hours::now();
    let mut outcome = BulkOutcome::default();
    for appointment in state
        .store
        .active_appointments_in_office(office_id, from, to, now)
        .await?
    {
        if staff_id.is_some_and(|s| s != appointment.staff_id) {
            continue;
        }
        match cancel(state, &appointment.id).await {
            Ok((_, mailed)) => {
                outcome.cancelled += 1;
                outcome.mails_queued += usize::from(mailed);
            }
            // Cancelled or expired meanwhile by someone else: nothing to do.
            Err(ApiError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    tracing::info!(
        office = office_id,
        cancelled = outcome.cancelled,
        "day cancelled in bulk"
    );
    Ok(outcome)
}

/// Marks a confirmed appointment as a no-show.
pub async fn no_show(state: &AppState, id: &str) -> Result<Appointment, ApiError> {
    finish(state.store.mark_no_show(id, hours::now()).await)
}

/// Marks a confirmed appointment as done.
pub async fn done(state: &AppState, id: &str) -> Result<Appointment, ApiError> {
    finish(state.store.mark_done(id, hours::now()).await)
}

fn finish(result: Result<Appointment, StoreError>) -> Result<Appointment, ApiError> {
    match result {
        Ok(a) => Ok(a),
        Err(StoreError::NotFound) => Err(ApiError::NotFound {
            what: "appointment",
        }),
        Err(e) => Err(e.into()),
    }
}

/// `[start, end)` of `days` local days from `date` (at least one).
pub fn days_bounds(tz: Tz, date: NaiveDate, days: u32) -> (i64, i64) {
    let last = date + chrono::Duration::days(i64::from(days.clamp(1, MAX_BULK_DAYS)) - 1);
    (day_bounds(tz, date).0, day_bounds(tz, last).1)
}

/// `[start, end)` of a local date in seconds; days of 23 or 25 hours
/// around DST switches come out right because both ends are resolved in
/// the zone.
pub fn day_bounds(tz: Tz, date: NaiveDate) -> (i64, i64) {
    let start_of = |d: NaiveDate| -> i64 {
        let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        tz.from_local_datetime(&midnight)
            .earliest()
            // No zone skips a whole hour at midnight and the one after it.
            .or_else(|| {
                tz.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map_or(0, |t| t.timestamp())
    };
    let next = date.succ_opt().unwrap_or(date);
    (start_of(date), start_of(next))
}

/// The installation's sender, the same the citizen pages use.
pub fn sender(state: &AppState) -> Sender {
    state.booking.sender.clone()
}

/// Renders the cancellation mail and puts it in the outbox. Returns
/// whether a mail was queued.
async fn queue_cancellation_mail(
    state: &AppState,
    appointment: &Appointment,
    now: i64,
) -> Result<bool, ApiError> {
    let Some(service) = state.store.service(appointment.service_id).await? else {
        return Ok(false);
    };
    let office = state.store.office(service.office_id).await?;
    let (office_name, tz) = office.map_or_else(
        || (String::from("civicmeet"), chrono_tz::Europe::Berlin),
        |o| (o.name, stored_zone(&o.time_zone)),
    );
    let sender = sender(state);
    let at = |secs: i64| -> DateTime<Tz> {
        DateTime::<Utc>::from_timestamp(secs, 0)
            .unwrap_or_default()
            .with_timezone(&tz)
    };
    let mail_appointment = civicmeet_mail::Appointment {
        id: appointment.id.clone(),
        sequence: u32::try_from(appointment.sequence).unwrap_or(0),
        start: at(appointment.starts_at),
        end: at(appointment.ends_at),
        service: service.name,
        office: MailOffice {
            name: office_name,
            address: String::new(),
            email: sender.email.clone(),
        },
        citizen: Citizen {
            name: appointment.citizen_name.clone(),
            email: appointment.citizen_email.clone(),
            locale: Locale::from_tag(&appointment.locale),
        },
        documents: service.documents,
    };
    let now_utc = DateTime::<Utc>::from_timestamp(now, 0).unwrap_or_default();
    // The service's public booking page: no token needed, and it works
    // whatever the reason for the cancellation was.
    let kind = MailKind::Cancelled {
        rebook_url: Some(format!(
            "{}/book/services/{}",
            state.public_url, appointment.service_id
        )),
    };
    let rendered = match civicmeet_mail::render(&kind, &mail_appointment, &sender, now_utc) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(
                appointment = short(&appointment.id),
                error = %e,
                "cancellation mail cannot be written"
            );
            return Ok(false);
        }
    };
    state
        .store
        .enqueue_mail(
            &NewMail {
                appointment_id: Some(appointment.id.clone()),
                recipient: appointment.citizen_email.clone(),
                kind: kind.name().to_string(),
                subject: rendered.subject,
                body_eml: rendered.eml,
            },
            now,
        )
        .await?;
    Ok(true)
}

/// The first 8 characters of an id, for logs.
pub fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_around_dst_switches() {
        let berlin = chrono_tz::Europe::Berlin;
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        let (a, b) = day_bounds(berlin, day(2026, 3, 29));
        assert_eq!(b - a, 23 * 3600);
        let (a, b) = day_bounds(berlin, day(2026, 10, 25));
        assert_eq!(b - a, 25 * 3600);
        let (a, b) = day_bounds(berlin, day(2026, 6, 1));
        assert_eq!(b - a, 24 * 3600);
    }
}
