//! `/api/v1/services`: what citizens can book, and which staff offer it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use civicmeet_store::{NewService, Service};
use serde::{Deserialize, Serialize};

use super::body::{self, ApiJson, Id};
use super::error::ApiError;
use crate::state::AppState;

const MAX_NAME: usize = 200;
const MAX_DESCRIPTION: usize = 4000;
const MAX_DOCUMENT: usize = 300;
const MAX_DOCUMENTS: usize = 50;
const MAX_STAFF: usize = 500;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    pub office_id: i64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub duration_min: i64,
    #[serde(default)]
    pub buffer_before_min: i64,
    #[serde(default)]
    pub buffer_after_min: i64,
    #[serde(default)]
    pub min_notice_min: i64,
    #[serde(default = "default_horizon")]
    pub horizon_days: i64,
    #[serde(default = "one")]
    pub seats_per_slot: i64,
    /// Default: the duration.
    #[serde(default)]
    pub slot_interval_min: Option<i64>,
    #[serde(default)]
    pub documents: Vec<String>,
    #[serde(default)]
    pub staff_ids: Vec<i64>,
}

fn default_horizon() -> i64 {
    60
}

fn one() -> i64 {
    1
}

#[derive(Debug, Serialize)]
pub struct ServiceBody {
    pub id: i64,
    pub office_id: i64,
    pub name: String,
    pub description: String,
    pub duration_min: i32,
    pub buffer_before_min: i32,
    pub buffer_after_min: i32,
    pub min_notice_min: i32,
    pub horizon_days: i32,
    pub seats_per_slot: i32,
    pub slot_interval_min: i32,
    pub documents: Vec<String>,
    pub staff_ids: Vec<i64>,
}

/// A whole number in `range`, as the store's i32.
fn bounded(field: &str, value: i64, range: std::ops::RangeInclusive<i64>) -> Result<i32, ApiError> {
    if !range.contains(&value) {
        return Err(ApiError::invalid(
            field,
            format!("must be between {} and {}", range.start(), range.end()),
        ));
    }
    // The range lies within i32.
    i32::try_from(value).map_err(|_| ApiError::invalid(field, "is out of range"))
}

impl ServiceInput {
    /// Checks every field, and that the office and staff exist (staff of
    /// another office cannot offer it: they work to other hours).
    pub async fn validate(&self, state: &AppState) -> Result<(NewService, Vec<i64>), ApiError> {
        let name = body::line("name", &self.name, MAX_NAME)?;
        let description = body::optional_text("description", &self.description, MAX_DESCRIPTION)?;
        let day = 24 * 60;
        let duration_min = bounded("duration_min", self.duration_min, 1..=day)?;
        let service = NewService {
            office_id: self.office_id,
            name,
            description,
            duration_min,
            buffer_before_min: bounded("buffer_before_min", self.buffer_before_min, 0..=day)?,
            buffer_after_min: bounded("buffer_after_min", self.buffer_after_min, 0..=day)?,
            min_notice_min: bounded("min_notice_min", self.min_notice_min, 0..=365 * day)?,
            horizon_days: bounded("horizon_days", self.horizon_days, 1..=730)?,
            seats_per_slot: bounded("seats_per_slot", self.seats_per_slot, 1..=100)?,
            slot_interval_min: match self.slot_interval_min {
                Some(v) => bounded("slot_interval_min", v, 1..=day)?,
                None => duration_min,
            },
            documents: self.documents_checked()?,
        };
        if state.store.office(self.office_id).await?.is_none() {
            return Err(ApiError::invalid("office_id", "no office has this id"));
        }
        if self.staff_ids.len() > MAX_STAFF {
            return Err(ApiError::invalid("staff_ids", "too many staff members"));
        }
        let mut staff_ids = self.staff_ids.clone();
        staff_ids.sort_unstable();
        staff_ids.dedup();
        for (i, id) in staff_ids.iter().enumerate() {
            match state.store.staff(*id).await? {
                Some(s) if s.office_id == self.office_id => {}
                Some(_) => {
                    return Err(ApiError::invalid(
                        format!("staff_ids[{i}]"),
                        "this staff member works in another office",
                    ));
                }
                None => {
                    return Err(ApiError::invalid(
                        format!("staff_ids[{i}]"),
                        "no staff member has this id",
                    ));
                }
            }
        }
        Ok((service, staff_ids))
    }

    fn documents_checked(&self) -> Result<Vec<String>, ApiError> {
        if self.documents.len() > MAX_DOCUMENTS {
            return Err(ApiError::invalid(
                "documents",
                format!("at most {MAX_DOCUMENTS} documents"),
            ));
        }
        self.documents
            .iter()
            .enumerate()
            .map(|(i, d)| body::line(&format!("documents[{i}]"), d, MAX_DOCUMENT))
            .collect()
    }
}

pub async fn load(state: &AppState, service: Service) -> Result<ServiceBody, ApiError> {
    let staff_ids = state.store.service_staff(service.id).await?;
    Ok(ServiceBody {
        id: service.id,
        office_id: service.office_id,
        name: service.name,
        description: service.description,
        duration_min: service.duration_min,
        buffer_before_min: service.buffer_before_min,
        buffer_after_min: service.buffer_after_min,
        min_notice_min: service.min_notice_min,
        horizon_days: service.horizon_days,
        seats_per_slot: service.seats_per_slot,
        slot_interval_min: service.slot_interval_min,
        documents: service.documents,
        staff_ids,
    })
}

pub async fn find(state: &AppState, id: i64) -> Result<Service, ApiError> {
    state
        .store
        .service(id)
        .await?
        .ok_or(ApiError::NotFound { what: "service" })
}

/// `GET /api/v1/services`
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<ServiceBody>>, ApiError> {
    let mut out = Vec::new();
    for service in state.store.services(None).await? {
        out.push(load(&state, service).await?);
    }
    Ok(Json(out))
}

/// `POST /api/v1/services`
pub async fn create(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<ServiceInput>,
) -> Result<impl IntoResponse, ApiError> {
    let (new, staff_ids) = input.validate(&state).await?;
    let service = state.store.create_service(&new).await?;
    state
        .store
        .set_service_staff(service.id, &staff_ids)
        .await?;
    tracing::info!(service = service.id, "service created");
    Ok((StatusCode::CREATED, Json(load(&state, service).await?)))
}

/// `GET /api/v1/services/{id}`
pub async fn get(State(state): State<AppState>, Id(id): Id) -> Result<Json<ServiceBody>, ApiError> {
    let service = find(&state, id).await?;
    Ok(Json(load(&state, service).await?))
}

/// `PUT /api/v1/services/{id}`: replaces the service with the body.
pub async fn replace(
    State(state): State<AppState>,
    Id(id): Id,
    ApiJson(input): ApiJson<ServiceInput>,
) -> Result<Json<ServiceBody>, ApiError> {
    find(&state, id).await?;
    let (new, staff_ids) = input.validate(&state).await?;
    state.store.update_service(id, &new).await?;
    state.store.set_service_staff(id, &staff_ids).await?;
    let service = find(&state, id).await?;
    Ok(Json(load(&state, service).await?))
}
