//! Meetings over HTTP: create (form and API), look up, and the meeting page.
//!
//! Creating a meeting also makes its first links: a host link for the
//! creator and a guest link to pass on (for a hearing also a judge link).
//! A link is `/m/<id>#<key>`; the key after `#` never reaches the server in
//! an HTTP request, only in the meeting socket's `join`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use civicmeet_store::{LinkRole, MeetingKind, NewMeeting};
use serde::{Deserialize, Serialize};

use crate::http::assets;
use crate::http::error::HttpError;
use crate::meeting_id::MeetingId;
use crate::signalling::entry::valid_pin_format;
use crate::state::AppState;

/// A meeting as the API shows it (no links: those are secrets handed out
/// once, at creation).
#[derive(Debug, Serialize)]
pub struct MeetingBody {
    pub id: String,
    pub url: String,
}

/// A new meeting with its first links (relative URLs with their keys).
#[derive(Debug, Serialize)]
pub struct CreatedMeeting {
    pub id: String,
    pub url: String,
    pub kind: &'static str,
    pub host_url: String,
    pub guest_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judge_url: Option<String>,
    /// The number room systems and phones dial into this meeting (SIP,
    /// issue 7): digits only, for keypads.
    pub dial_number: String,
    /// The name room systems may dial instead (`sip:<alias>@…`), if asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sip_alias: Option<String>,
}

/// What `POST /api/meetings` may ask for; every field is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateMeeting {
    #[serde(default)]
    kind: Option<KindName>,
    /// Guests wait for a host (default true).
    #[serde(default)]
    waiting_room: Option<bool>,
    #[serde(default)]
    host_pin: Option<String>,
    #[serde(default)]
    guest_pin: Option<String>,
    /// A name to dial the meeting by, besides its number (lower case).
    #[serde(default)]
    sip_alias: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KindName {
    Open,
    Consultation,
    Hearing,
}

impl MeetingBody {
    fn new(id: MeetingId) -> MeetingBody {
        MeetingBody {
            id: id.to_string(),
            url: id.url_path(),
        }
    }
}

/// `POST /meetings` from the start page's form: 303 to the creator's host
/// link of a new open meeting.
pub async fn create_from_form(State(state): State<AppState>) -> Result<Redirect, HttpError> {
    let created = create(&state, CreateMeeting::default()).await?;
    Ok(Redirect::to(&created.host_url))
}

/// `POST /api/meetings`: 201 with the new meeting and its links. The body
/// is optional JSON ([`CreateMeeting`]).
pub async fn create_from_api(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, HttpError> {
    let request = if body.iter().all(u8::is_ascii_whitespace) {
        CreateMeeting::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| HttpError::BadRequest(format!("invalid meeting request: {e}")))?
    };
    let created = create(&state, request).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
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

async fn create(state: &AppState, request: CreateMeeting) -> Result<CreatedMeeting, HttpError> {
    for pin in [&request.host_pin, &request.guest_pin]
        .into_iter()
        .flatten()
    {
        if !valid_pin_format(pin) {
            return Err(HttpError::BadRequest("a PIN is 4 to 10 digits".into()));
        }
    }
    let sip_alias = request
        .sip_alias
        .map(|alias| alias.trim().to_ascii_lowercase());
    if let Some(alias) = &sip_alias
        && !civicmeet_store::valid_sip_alias(alias)
    {
        return Err(HttpError::BadRequest(
            "a sip_alias is 1 to 64 letters, digits, '.', '_' or '-', starting with a \
             letter or digit, and not all digits"
                .into(),
        ));
    }
    let kind = match request.kind.unwrap_or(KindName::Open) {
        KindName::Open => MeetingKind::Open,
        KindName::Consultation => MeetingKind::Consultation,
        KindName::Hearing => MeetingKind::Hearing,
    };
    let id = MeetingId::random()?;
    let now = crate::booking::now().timestamp();
    let meeting = NewMeeting {
        kind,
        waiting_room: request.waiting_room.unwrap_or(true),
        host_pin: request.host_pin,
        guest_pin: request.guest_pin,
        sip_alias: sip_alias.clone(),
        ..NewMeeting::open(&id.to_string(), now)
    };
    state.store.create_meeting_with(&meeting).await?;
    let link = async |role| -> Result<String, HttpError> {
        let key = state
            .store
            .issue_meeting_link(&meeting.id, role, now)
            .await?;
        Ok(format!("{}#{key}", id.url_path()))
    };
    let host_url = link(LinkRole::Host).await?;
    let guest_url = link(LinkRole::Guest).await?;
    let judge_url = match kind {
        MeetingKind::Hearing => Some(link(LinkRole::Judge).await?),
        _ => None,
    };
    let dial_number = state.store.dial_number(&meeting.id).await?;
    tracing::info!(meeting = %id.short(), kind = kind.as_str(), "meeting created");
    Ok(CreatedMeeting {
        id: id.to_string(),
        url: id.url_path(),
        kind: kind.as_str(),
        host_url,
        guest_url,
        judge_url,
        dial_number,
        sip_alias,
    })
}

/// The meeting with this id, if the id is well-formed and stored.
async fn find(state: &AppState, id: &str) -> Result<Option<MeetingId>, HttpError> {
    let Some(id) = MeetingId::parse(id) else {
        return Ok(None);
    };
    Ok(state.store.meeting(&id.to_string()).await?.map(|_| id))
}
