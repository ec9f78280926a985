//! `/api/v1/offices`: offices with their opening hours and closing days.
//!
//! Create and replace take the whole office; everything is checked before
//! anything is written, so a refused request changes nothing.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use civicmeet_store::{ClosingDay, NewOffice, Office, WeeklyHours};
use serde::{Deserialize, Serialize};

use super::body::{self, ApiJson, Id};
use super::error::ApiError;
use super::hours::{self, HoursBody};
use crate::state::AppState;

pub const MAX_NAME: usize = 200;
const MAX_LABEL: usize = 200;
const MAX_CLOSING_DAYS: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeInput {
    pub name: String,
    pub time_zone: String,
    #[serde(default)]
    pub hours: Vec<HoursBody>,
    #[serde(default)]
    pub closing_days: Vec<ClosingDayBody>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClosingDayBody {
    pub date: String,
    #[serde(default)]
    pub label: String,
}

#[derive(Debug, Serialize)]
pub struct OfficeBody {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    pub hours: Vec<HoursBody>,
    pub closing_days: Vec<ClosingDayBody>,
}

/// A checked office, ready to store.
pub struct ValidOffice {
    pub office: NewOffice,
    pub hours: Vec<WeeklyHours>,
    pub closing_days: Vec<ClosingDay>,
}

impl OfficeInput {
    /// Checks every field. `existing_days` are the dates already closed:
    /// they may lie in the past (a replace sends them back), new ones not.
    pub fn validate(&self, existing_days: &[ClosingDay]) -> Result<ValidOffice, ApiError> {
        let name = body::line("name", &self.name, MAX_NAME)?;
        let tz = hours::time_zone("time_zone", &self.time_zone)?;
        let weekly = hours::to_store("hours", &self.hours)?;
        if self.closing_days.len() > MAX_CLOSING_DAYS {
            return Err(ApiError::invalid(
                "closing_days",
                format!("at most {MAX_CLOSING_DAYS} days"),
            ));
        }
        let today = hours::today_in(tz);
        let mut days = BTreeMap::new();
        for (i, day) in self.closing_days.iter().enumerate() {
            let field = format!("closing_days[{i}]");
            let date = body::date(&format!("{field}.date"), &day.date)?;
            let text = date.format("%Y-%m-%d").to_string();
            let known = existing_days.iter().any(|d| d.date == text);
            if date < today && !known {
                return Err(ApiError::invalid(
                    format!("{field}.date"),
                    "must not be in the past",
                ));
            }
            let label = body::optional_text(&format!("{field}.label"), &day.label, MAX_LABEL)?;
            if days.insert(text.clone(), label).is_some() {
                return Err(ApiError::invalid(
                    format!("{field}.date"),
                    "is listed twice",
                ));
            }
        }
        Ok(ValidOffice {
            office: NewOffice {
                name,
                time_zone: tz.name().to_string(),
            },
            hours: weekly,
            closing_days: days
                .into_iter()
                .map(|(date, label)| ClosingDay { date, label })
                .collect(),
        })
    }
}

/// Writes hours and closing days of a checked office (replacing the old).
pub async fn store_details(
    state: &AppState,
    id: i64,
    valid: &ValidOffice,
    existing_days: &[ClosingDay],
) -> Result<(), ApiError> {
    state.store.set_office_hours(id, &valid.hours).await?;
    for old in existing_days {
        if !valid.closing_days.iter().any(|d| d.date == old.date) {
            state.store.remove_closing_day(id, &old.date).await?;
        }
    }
    for day in &valid.closing_days {
        state.store.set_closing_day(id, day).await?;
    }
    Ok(())
}

pub async fn load(state: &AppState, office: Office) -> Result<OfficeBody, ApiError> {
    let weekly = state.store.office_hours(office.id).await?;
    let days = state.store.closing_days(office.id).await?;
    Ok(OfficeBody {
        id: office.id,
        name: office.name,
        time_zone: office.time_zone,
        hours: hours::from_store(&weekly),
        closing_days: days
            .into_iter()
            .map(|d| ClosingDayBody {
                date: d.date,
                label: d.label,
            })
            .collect(),
    })
}

pub async fn find(state: &AppState, id: i64) -> Result<Office, ApiError> {
    state
        .store
        .office(id)
        .await?
        .ok_or(ApiError::NotFound { what: "office" })
}

/// `GET /api/v1/offices`
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<OfficeBody>>, ApiError> {
    let mut out = Vec::new();
    for office in state.store.offices().await? {
        out.push(load(&state, office).await?);
    }
    Ok(Json(out))
}

/// `POST /api/v1/offices`
pub async fn create(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<OfficeInput>,
) -> Result<impl IntoResponse, ApiError> {
    let valid = input.validate(&[])?;
    let office = state
        .store
        .create_office(&valid.office, hours::now())
        .await?;
    store_details(&state, office.id, &valid, &[]).await?;
    tracing::info!(office = office.id, "office created");
    Ok((StatusCode::CREATED, Json(load(&state, office).await?)))
}

/// `GET /api/v1/offices/{id}`
pub async fn get(State(state): State<AppState>, Id(id): Id) -> Result<Json<OfficeBody>, ApiError> {
    let office = find(&state, id).await?;
    Ok(Json(load(&state, office).await?))
}

/// `PUT /api/v1/offices/{id}`: replaces the office with the body.
pub async fn replace(
    State(state): State<AppState>,
    Id(id): Id,
    ApiJson(input): ApiJson<OfficeInput>,
) -> Result<Json<OfficeBody>, ApiError> {
    find(&state, id).await?;
    let existing = state.store.closing_days(id).await?;
    let valid = input.validate(&existing)?;
    state.store.update_office(id, &valid.office).await?;
    store_details(&state, id, &valid, &existing).await?;
    let office = find(&state, id).await?;
    Ok(Json(load(&state, office).await?))
}
