//! `GET /api/v1/services/{id}/slots?from=YYYY-MM-DD&to=YYYY-MM-DD`: the
//! free slots of a service, computed by the booking rules from the stored
//! catalogue (through `booking::catalog`, the same adapter the citizen
//! pages use).
//!
//! Public like the citizen pages that show the same slots: it says only
//! when a service is free, nothing about who booked. At most 31 days per
//! request keeps each call cheap, and a per-address limit (ten times the
//! booking limit, `booking.rate_limit_per_minute`) answers 429 with
//! Retry-After beyond that.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use civicmeet_booking::free_slots;
use serde::{Deserialize, Serialize};

use super::appointments::{query, rfc3339};
use super::body::{self, Id};
use super::error::ApiError;
use crate::booking::catalog::service_rules;
use crate::state::AppState;

const MAX_DAYS: i64 = 31;

/// Requests per minute and address: browsing slots is far more frequent
/// than booking one. 0 (booking limit off) leaves it off.
pub fn per_minute(config: &crate::config::Config) -> u32 {
    config.booking.rate_limit_per_minute.saturating_mul(10)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotsQuery {
    /// First local day; default today.
    pub from: Option<String>,
    /// Last local day (inclusive); default `from` + 6 days.
    pub to: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SlotBody {
    pub start: String,
    pub end: String,
    /// The start as wall-clock time in the office's zone.
    pub local_start: String,
    pub seats_left: u32,
}

/// `GET /api/v1/services/{id}/slots`
pub async fn list(
    State(state): State<AppState>,
    // Always there: the server is built with connect info (app.rs).
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Id(id): Id,
    q: Result<Query<SlotsQuery>, QueryRejection>,
) -> Result<Json<Vec<SlotBody>>, ApiError> {
    let now = chrono::Utc::now();
    state
        .slots_limiter
        .check(peer.ip(), now.timestamp_millis())
        .map_err(ApiError::TooManyRequests)?;
    let q = query(q)?;
    let rules = service_rules(&state.store, id, now)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .ok_or(ApiError::NotFound { what: "service" })?;
    let today = now.with_timezone(&rules.office.time_zone).date_naive();
    let from = match &q.from {
        Some(d) => body::date("from", d)?,
        None => today,
    };
    let to = match &q.to {
        Some(d) => body::date("to", d)?,
        None => from + chrono::Duration::days(6),
    };
    if to < from {
        return Err(ApiError::invalid("to", "must not be before from"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::invalid(
            "to",
            format!("at most {MAX_DAYS} days from `from`"),
        ));
    }
    let bookings = rules
        .active_bookings(&state.store, now)
        .await
        .map_err(ApiError::from)?;
    let slots = free_slots(&rules.rules(), &bookings, now, from..=to);
    Ok(Json(
        slots
            .into_iter()
            .map(|s| SlotBody {
                start: rfc3339(s.start.timestamp()),
                end: rfc3339(s.end.timestamp()),
                local_start: s.local_start.format("%Y-%m-%dT%H:%M").to_string(),
                seats_left: s.seats_left(),
            })
            .collect(),
    ))
}
