//! The .ics feed of a staff member (BK-7): `GET /feeds/staff/<token>.ics`,
//! a plain VCALENDAR (no METHOD) of their confirmed appointments from
//! yesterday on, for a calendar app to subscribe to.
//!
//! The token is the only credential (calendar apps cannot send a login),
//! so it is a 256-bit capability stored hashed, and issuing a new one
//! revokes the old. Feeds are often synced through third-party calendar
//! clouds, so **no citizen data goes in**: no name, e-mail or phone. An
//! event names the service and links to the meeting; the staff member is
//! its attendee, the office its organizer.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use civicmeet_mail::ics::{self, Event, Party};
use civicmeet_store::{AppointmentStatus, TokenPurpose, TokenSubject};
use serde::Serialize;

use super::body::Id;
use super::error::ApiError;
use super::hours::{now, stored_zone};
use crate::staff::actions::sender;
use crate::state::AppState;

/// How far ahead the feed reaches.
const AHEAD_DAYS: i64 = 366;
/// A feed link lives until replaced; this only bounds it (ten years).
const TOKEN_LIFETIME_SECS: i64 = 10 * 366 * 24 * 3600;

/// `GET /feeds/staff/{token}.ics`
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    match render(&state, &file).await {
        Ok(Some(calendar)) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            calendar,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "not found").into_response(),
        Err(e) => e.into_response(),
    }
}

async fn render(state: &AppState, file: &str) -> Result<Option<String>, ApiError> {
    let Some(token) = file.strip_suffix(".ics") else {
        return Ok(None);
    };
    let now = now();
    let Some(grant) = state
        .store
        .resolve_token(token, TokenPurpose::IcsFeed, now)
        .await?
    else {
        return Ok(None);
    };
    let TokenSubject::Staff(staff_id) = grant.subject else {
        return Ok(None);
    };
    let Some(staff) = state.store.staff(staff_id).await? else {
        return Ok(None);
    };
    let office = state.store.office(staff.office_id).await?;
    let tz = office
        .as_ref()
        .map_or(chrono_tz::Europe::Berlin, |o| stored_zone(&o.time_zone));
    let sender = sender(state);
    let organizer = Party {
        name: office.map_or_else(|| sender.name.clone(), |o| o.name),
        email: sender.email.clone(),
    };
    let attendee = Party {
        name: staff.display_name.clone(),
        email: staff.email.clone(),
    };
    let dtstamp = DateTime::<Utc>::from_timestamp(now, 0).unwrap_or_default();
    let at = |secs: i64| {
        DateTime::<Utc>::from_timestamp(secs, 0)
            .unwrap_or_default()
            .with_timezone(&tz)
    };
    let appointments = state
        .store
        .appointments_for_staff(staff_id, now - 24 * 3600, now + AHEAD_DAYS * 24 * 3600)
        .await?;
    let mut events = Vec::new();
    for a in appointments
        .into_iter()
        .filter(|a| a.status == AppointmentStatus::Confirmed)
    {
        let service = state
            .store
            .service(a.service_id)
            .await?
            .map_or_else(|| "Termin".to_string(), |s| s.name);
        let url = a
            .meeting_id
            .as_ref()
            .map(|m| format!("{}/m/{m}", state.public_url));
        events.push(Event {
            uid: ics::uid(&a.id, &sender.host),
            sequence: u32::try_from(a.sequence).unwrap_or(0),
            dtstamp,
            start: at(a.starts_at),
            end: at(a.ends_at),
            cancelled: false,
            summary: format!("civicmeet: {service}"),
            description: url.clone().unwrap_or_default(),
            location: None,
            url,
            organizer: organizer.clone(),
            attendee: attendee.clone(),
        });
    }
    Ok(Some(ics::calendar(None, &events)))
}

#[derive(Debug, Serialize)]
pub struct FeedLink {
    pub url: String,
}

/// Issues a new feed token for the staff member, revoking the old ones.
/// Returns the absolute feed URL.
pub async fn new_link(state: &AppState, staff_id: i64) -> Result<String, ApiError> {
    state
        .store
        .revoke_staff_tokens(staff_id, TokenPurpose::IcsFeed)
        .await?;
    let token = state
        .store
        .issue_token(
            TokenPurpose::IcsFeed,
            &TokenSubject::Staff(staff_id),
            now() + TOKEN_LIFETIME_SECS,
        )
        .await?;
    tracing::info!(staff = staff_id, "new .ics feed link issued");
    Ok(format!("{}/feeds/staff/{token}.ics", state.public_url))
}

/// `POST /api/v1/staff/{id}/feed-link`: a new feed link (the old stops).
pub async fn create_link(
    State(state): State<AppState>,
    Id(staff_id): Id,
) -> Result<(StatusCode, axum::Json<FeedLink>), ApiError> {
    super::staff::find(&state, staff_id).await?;
    let url = new_link(&state, staff_id).await?;
    Ok((StatusCode::CREATED, axum::Json(FeedLink { url })))
}
