//! Meetings over HTTP: create (form and API), look up, and the meeting page.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use crate::http::assets;
use crate::http::error::HttpError;
use crate::meeting_id::MeetingId;
use crate::state::AppState;

/// A meeting as the API shows it.
#[derive(Debug, Serialize)]
pub struct MeetingBody {
    pub id: String,
    pub url: String,
}

impl MeetingBody {
    fn new(id: MeetingId) -> MeetingBody {
        MeetingBody {
            id: id.to_string(),
            url: id.url_path(),
        }
    }
}

/// `POST /meetings` from the start page's form: 303 to the new meeting.
pub async fn create_from_form(State(state): State<AppState>) -> Result<Redirect, HttpError> {
    let id = create(&state).await?;
    Ok(Redirect::to(&id.url_path()))
}

/// `POST /api/meetings`: 201 with the new meeting.
pub async fn create_from_api(State(state): State<AppState>) -> Result<Response, HttpError> {
    let id = create(&state).await?;
    Ok((StatusCode::CREATED, Json(MeetingBody::new(id))).into_response())
}

/// `GET /api/meetings/{id}`
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<MeetingBody>, HttpError> {
    let id = find(&state, &id).await?.ok_or(HttpError::MeetingNotFound)?;
    Ok(Json(MeetingBody::new(id)))
}

/// `GET /m/{id}`: the meeting page, or the not-found page.
pub async fn page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    Ok(match find(&state, &id).await? {
        Some(_) => assets::respond(StatusCode::OK, "meeting.html"),
        None => assets::not_found_page(),
    })
}

async fn create(state: &AppState) -> Result<MeetingId, HttpError> {
    let id = MeetingId::random()?;
    // A clock before 1970 is a broken host; 0 keeps the meeting usable.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    state.store.create_meeting(&id.to_string(), now).await?;
    tracing::info!(meeting = %id.short(), "meeting created");
    Ok(id)
}

/// The meeting with this id, if the id is well-formed and stored.
async fn find(state: &AppState, id: &str) -> Result<Option<MeetingId>, HttpError> {
    let Some(id) = MeetingId::parse(id) else {
        return Ok(None);
    };
    Ok(state.store.meeting(&id.to_string()).await?.map(|_| id))
}
