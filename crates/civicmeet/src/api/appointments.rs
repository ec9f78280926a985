//! `/api/v1/appointments`: list by staff member or office and day, read
//! one, cancel (with the citizen's mail and webhooks), mark no-show or
//! done; and `/api/v1/offices/{id}/cancel-day` for a whole day.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use civicmeet_store::Appointment;
use serde::{Deserialize, Serialize};

use super::body::{self, ApiJson, Id};
use super::error::ApiError;
use super::hours::{stored_zone, today_in};
use crate::staff::actions::{self, BulkOutcome, day_bounds};
use crate::state::AppState;

/// Longest listing range, in days.
const MAX_DAYS: u32 = 62;

#[derive(Debug, Serialize)]
pub struct AppointmentBody {
    pub id: String,
    pub service_id: i64,
    pub staff_id: i64,
    pub start: String,
    pub end: String,
    /// held, confirmed, cancelled, no_show or done.
    pub status: String,
    pub citizen_name: String,
    pub citizen_email: String,
    pub citizen_phone: Option<String>,
    pub locale: String,
    /// The meeting page to join as host, once the appointment has one.
    pub meeting_url: Option<String>,
}

pub fn rfc3339(seconds: i64) -> String {
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl From<Appointment> for AppointmentBody {
    fn from(a: Appointment) -> Self {
        AppointmentBody {
            start: rfc3339(a.starts_at),
            end: rfc3339(a.ends_at),
            status: a.status.to_string(),
            meeting_url: a.meeting_id.as_ref().map(|m| format!("/m/{m}")),
            id: a.id,
            service_id: a.service_id,
            staff_id: a.staff_id,
            citizen_name: a.citizen_name,
            citizen_email: a.citizen_email,
            citizen_phone: a.citizen_phone,
            locale: a.locale,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub staff_id: Option<i64>,
    pub office_id: Option<i64>,
    /// The first local day, `YYYY-MM-DD`; default today.
    pub date: Option<String>,
    /// How many days from `date`; default 1.
    pub days: Option<u32>,
}

/// A query string of type `T`, or a 422 naming the problem.
pub fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ApiError::invalid("query", e.body_text()))
}

/// `GET /api/v1/appointments?staff_id=|office_id=&date=&days=`
pub async fn list(
    State(state): State<AppState>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<AppointmentBody>>, ApiError> {
    let q = query(q)?;
    let (office_id, staff_ids) = match (q.staff_id, q.office_id) {
        (Some(staff_id), None) => {
            let staff = super::staff::find(&state, staff_id).await?;
            (staff.office_id, vec![staff_id])
        }
        (None, Some(office_id)) => {
            super::offices::find(&state, office_id).await?;
            let staff = state.store.staff_list(Some(office_id)).await?;
            (office_id, staff.into_iter().map(|s| s.id).collect())
        }
        _ => {
            return Err(ApiError::invalid(
                "query",
                "give exactly one of staff_id and office_id",
            ));
        }
    };
    let office = super::offices::find(&state, office_id).await?;
    let tz = stored_zone(&office.time_zone);
    let first = match &q.date {
        Some(d) => body::date("date", d)?,
        None => today_in(tz),
    };
    let days = q.days.unwrap_or(1);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::invalid(
            "days",
            format!("must be between 1 and {MAX_DAYS}"),
        ));
    }
    let last = first + chrono::Duration::days(i64::from(days) - 1);
    let (from, _) = day_bounds(tz, first);
    let (_, to) = day_bounds(tz, last);
    let mut out = Vec::new();
    for staff_id in staff_ids {
        out.extend(
            state
                .store
                .appointments_for_staff(staff_id, from, to)
                .await?,
        );
    }
    out.sort_by(|a, b| (a.starts_at, &a.id).cmp(&(b.starts_at, &b.id)));
    Ok(Json(out.into_iter().map(AppointmentBody::from).collect()))
}

async fn find(state: &AppState, id: &str) -> Result<Appointment, ApiError> {
    // Ids are 32 hex characters; anything else is not looked up.
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound {
            what: "appointment",
        });
    }
    state
        .store
        .appointment(id)
        .await?
        .ok_or(ApiError::NotFound {
            what: "appointment",
        })
}

/// `GET /api/v1/appointments/{id}`
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<AppointmentBody>, ApiError> {
    Ok(Json(find(&state, &id).await?.into()))
}

/// `POST /api/v1/appointments/{id}/cancel`
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<AppointmentBody>, ApiError> {
    find(&state, &id).await?;
    let (appointment, _) = actions::cancel(&state, &id).await?;
    Ok(Json(appointment.into()))
}

/// `POST /api/v1/appointments/{id}/no-show`
pub async fn no_show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<AppointmentBody>, ApiError> {
    find(&state, &id).await?;
    Ok(Json(actions::no_show(&state, &id).await?.into()))
}

/// `POST /api/v1/appointments/{id}/done`
pub async fn done(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<AppointmentBody>, ApiError> {
    find(&state, &id).await?;
    Ok(Json(actions::done(&state, &id).await?.into()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelDayInput {
    pub date: String,
    /// How many days from `date`; default 1.
    #[serde(default)]
    pub days: Option<u32>,
    /// Only this staff member's appointments.
    #[serde(default)]
    pub staff_id: Option<i64>,
}

/// `POST /api/v1/offices/{id}/cancel-day`: cancels every active
/// appointment of the office on that local day (or `days` days from it),
/// each with a mail.
pub async fn cancel_day(
    State(state): State<AppState>,
    Id(office_id): Id,
    ApiJson(input): ApiJson<CancelDayInput>,
) -> Result<Json<BulkOutcome>, ApiError> {
    let office = super::offices::find(&state, office_id).await?;
    let date = body::date("date", &input.date)?;
    if date < today_in(stored_zone(&office.time_zone)) {
        return Err(ApiError::invalid("date", "must not be in the past"));
    }
    let days = input.days.unwrap_or(1);
    if !(1..=actions::MAX_BULK_DAYS).contains(&days) {
        return Err(ApiError::invalid(
            "days",
            format!("must be between 1 and {}", actions::MAX_BULK_DAYS),
        ));
    }
    if let Some(staff_id) = input.staff_id {
        match state.store.staff(staff_id).await? {
            Some(s) if s.office_id == office_id => {}
            _ => {
                return Err(ApiError::invalid(
                    "staff_id",
                    "no staff member of this office has this id",
                ));
            }
        }
    }
    Ok(Json(
        actions::cancel_day(&state, office_id, date, days, input.staff_id).await?,
    ))
}
