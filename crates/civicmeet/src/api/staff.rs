//! `/api/v1/staff`: staff members with their weekly hours and exceptions
//! (days off, other hours on a date).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use civicmeet_store::{ExceptionKind, NewStaff, Staff, StaffException, WeeklyHours};
use serde::{Deserialize, Serialize};

use super::body::{self, ApiJson, Id};
use super::error::ApiError;
use super::hours::{self, HoursBody};
use crate::state::AppState;

const MAX_NAME: usize = 200;
const MAX_EMAIL: usize = 254;
const MAX_EXCEPTIONS: usize = 1000;
/// The widest date range, to read every exception of a person.
const ALL_DATES: (&str, &str) = ("0000-01-01", "9999-12-31");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffInput {
    pub office_id: i64,
    pub display_name: String,
    pub email: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub hours: Vec<HoursBody>,
    #[serde(default)]
    pub exceptions: Vec<ExceptionBody>,
}

fn yes() -> bool {
    true
}

/// `absent` from start to end (`00:00`-`24:00`: the whole day), or works
/// `hours` from start to end instead of the weekly hours.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionBody {
    pub date: String,
    pub kind: ExceptionKindBody,
    #[serde(default = "midnight")]
    pub start: String,
    #[serde(default = "end_of_day")]
    pub end: String,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExceptionKindBody {
    Absent,
    Hours,
}

fn midnight() -> String {
    "00:00".into()
}

fn end_of_day() -> String {
    "24:00".into()
}

#[derive(Debug, Serialize)]
pub struct StaffBody {
    pub id: i64,
    pub office_id: i64,
    pub display_name: String,
    pub email: String,
    pub active: bool,
    pub hours: Vec<HoursBody>,
    pub exceptions: Vec<ExceptionBody>,
}

pub struct ValidStaff {
    pub staff: NewStaff,
    pub hours: Vec<WeeklyHours>,
    pub exceptions: Vec<StaffException>,
}

impl StaffInput {
    /// Checks every field. `existing` exceptions may lie in the past (a
    /// replace sends them back); new ones may not.
    pub async fn validate(
        &self,
        state: &AppState,
        existing: &[StaffException],
    ) -> Result<ValidStaff, ApiError> {
        let display_name = body::line("display_name", &self.display_name, MAX_NAME)?;
        let email = body::line("email", &self.email, MAX_EMAIL)?;
        if !plausible_email(&email) {
            return Err(ApiError::invalid("email", "must be an e-mail address"));
        }
        let weekly = hours::to_store("hours", &self.hours)?;
        let Some(office) = state.store.office(self.office_id).await? else {
            return Err(ApiError::invalid("office_id", "no office has this id"));
        };
        if self.exceptions.len() > MAX_EXCEPTIONS {
            return Err(ApiError::invalid("exceptions", "too many exceptions"));
        }
        let today = hours::today_in(hours::stored_zone(&office.time_zone));
        let mut exceptions = Vec::new();
        for (i, e) in self.exceptions.iter().enumerate() {
            let field = format!("exceptions[{i}]");
            let date = body::date(&format!("{field}.date"), &e.date)?;
            let (start_minute, end_minute) = body::span(&field, &e.start, &e.end)?;
            let exception = StaffException {
                date: date.format("%Y-%m-%d").to_string(),
                kind: match e.kind {
                    ExceptionKindBody::Absent => ExceptionKind::Absent,
                    ExceptionKindBody::Hours => ExceptionKind::Hours,
                },
                start_minute,
                end_minute,
            };
            if date < today && !existing.contains(&exception) {
                return Err(ApiError::invalid(
                    format!("{field}.date"),
                    "must not be in the past",
                ));
            }
            exceptions.push(exception);
        }
        Ok(ValidStaff {
            staff: NewStaff {
                office_id: self.office_id,
                display_name,
                email,
                active: self.active,
            },
            hours: weekly,
            exceptions,
        })
    }
}

/// One `@` with something on both sides and no spaces: the mail crate
/// checks addresses properly when it writes a mail.
pub fn plausible_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>')
        }
        None => false,
    }
}

/// Replaces hours and exceptions of a checked staff member.
pub async fn store_details(
    state: &AppState,
    id: i64,
    valid: &ValidStaff,
    existing: &[StaffException],
) -> Result<(), ApiError> {
    state.store.set_staff_hours(id, &valid.hours).await?;
    let mut dates: Vec<&str> = existing.iter().map(|e| e.date.as_str()).collect();
    dates.dedup();
    for date in dates {
        state.store.remove_staff_exceptions(id, date).await?;
    }
    for exception in &valid.exceptions {
        state.store.add_staff_exception(id, exception).await?;
    }
    Ok(())
}

pub async fn exceptions_of(state: &AppState, id: i64) -> Result<Vec<StaffException>, ApiError> {
    Ok(state
        .store
        .staff_exceptions(id, ALL_DATES.0, ALL_DATES.1)
        .await?)
}

pub async fn load(state: &AppState, staff: Staff) -> Result<StaffBody, ApiError> {
    let weekly = state.store.staff_hours(staff.id).await?;
    let exceptions = exceptions_of(state, staff.id).await?;
    Ok(StaffBody {
        id: staff.id,
        office_id: staff.office_id,
        display_name: staff.display_name,
        email: staff.email,
        active: staff.active,
        hours: hours::from_store(&weekly),
        exceptions: exceptions
            .into_iter()
            .map(|e| ExceptionBody {
                date: e.date,
                kind: match e.kind {
                    ExceptionKind::Absent => ExceptionKindBody::Absent,
                    ExceptionKind::Hours => ExceptionKindBody::Hours,
                },
                start: body::format_minute(e.start_minute),
                end: body::format_minute(e.end_minute),
            })
            .collect(),
    })
}

pub async fn find(state: &AppState, id: i64) -> Result<Staff, ApiError> {
    state.store.staff(id).await?.ok_or(ApiError::NotFound {
        what: "staff member",
    })
}

/// `GET /api/v1/staff`
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<StaffBody>>, ApiError> {
    let mut out = Vec::new();
    for staff in state.store.staff_list(None).await? {
        out.push(load(&state, staff).await?);
    }
    Ok(Json(out))
}

/// `POST /api/v1/staff`
pub async fn create(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<StaffInput>,
) -> Result<impl IntoResponse, ApiError> {
    let valid = input.validate(&state, &[]).await?;
    let staff = state.store.create_staff(&valid.staff).await?;
    store_details(&state, staff.id, &valid, &[]).await?;
    tracing::info!(staff = staff.id, "staff member created");
    Ok((StatusCode::CREATED, Json(load(&state, staff).await?)))
}

/// `GET /api/v1/staff/{id}`
pub async fn get(State(state): State<AppState>, Id(id): Id) -> Result<Json<StaffBody>, ApiError> {
    let staff = find(&state, id).await?;
    Ok(Json(load(&state, staff).await?))
}

/// `PUT /api/v1/staff/{id}`: replaces the staff member with the body.
pub async fn replace(
    State(state): State<AppState>,
    Id(id): Id,
    ApiJson(input): ApiJson<StaffInput>,
) -> Result<Json<StaffBody>, ApiError> {
    find(&state, id).await?;
    let existing = exceptions_of(&state, id).await?;
    let valid = input.validate(&state, &existing).await?;
    state.store.update_staff(id, &valid.staff).await?;
    store_details(&state, id, &valid, &existing).await?;
    let staff = find(&state, id).await?;
    Ok(Json(load(&state, staff).await?))
}
