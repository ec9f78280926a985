//! Entering: from the socket's first message to a checked participant.
//!
//! A `join` must carry the protocol version, a valid name and the key of a
//! link to *this* meeting. A hearing wants the recording notice
//! acknowledged, a meeting with a PIN wants the PIN for the link's role;
//! both are asked for with non-fatal errors, and the browser sends `join`
//! again. Wrong PINs are counted per link (see `pin_guard`).

use std::time::{Duration, Instant};

use axum::extract::ws::WebSocket;
use civicmeet_store::{LinkRef, LinkRole, MeetingKind as StoredKind, MeetingRecord};
use civicmeet_wire::{
    ClientMessage, ErrorCode, MediaState, MeetingKind, PROTOCOL_VERSION, ParticipantRole,
    ResumeSecret, normalize_name,
};

use super::pin_guard::Failure;
use super::socket::{Ending, next_message, refuse};
use crate::accounts::session::SignedIn;
use crate::audit::{self, AuditAction};
use crate::meeting_id::MeetingId;
use crate::state::AppState;

/// How long a socket may stay open without sending its first `join`.
const JOIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Above this many links with PIN history, old history is dropped.
const PRUNE_ABOVE: usize = 1024;
/// How long a person may take to type a PIN or read the notice.
const RETRY_TIMEOUT: Duration = Duration::from_secs(300);

/// Someone who may enter: the link checked, the PIN right, the notice
/// acknowledged.
pub struct Entrant {
    pub meeting: MeetingId,
    pub record: MeetingRecord,
    pub role: ParticipantRole,
    pub link: LinkRef,
    /// The typed name, or a staff login's display name.
    pub name: String,
    /// The name comes from a staff login.
    pub verified: bool,
    pub media: MediaState,
    /// The resume secret the `join` carried, if any: the session it names
    /// may take this socket (see `seats`). Checked only after everything
    /// above, so a resume meets the same link and PIN rules as any join.
    pub resume: Option<ResumeSecret>,
    /// The link is one a host's dial-out let in: no PIN, no waiting room.
    pub pre_admitted: bool,
}

impl Entrant {
    pub fn kind(&self) -> MeetingKind {
        wire_kind(self.record.kind)
    }
}

pub fn wire_kind(kind: StoredKind) -> MeetingKind {
    match kind {
        StoredKind::Open => MeetingKind::Open,
        StoredKind::Consultation => MeetingKind::Consultation,
        StoredKind::Hearing => MeetingKind::Hearing,
    }
}

fn wire_role(role: LinkRole) -> ParticipantRole {
    match role {
        LinkRole::Host => ParticipantRole::Host,
        LinkRole::Judge => ParticipantRole::Judge,
        LinkRole::Guest => ParticipantRole::Guest,
    }
}

/// Checks the meeting and waits for an acceptable `join`.
pub async fn enter(
    socket: &mut WebSocket,
    state: &AppState,
    meeting: Option<MeetingId>,
    login: Option<SignedIn>,
) -> Result<Entrant, Ending> {
    let not_found = || Ending::fatal(ErrorCode::MeetingNotFound, "no meeting has this id");
    let meeting = meeting.ok_or_else(not_found)?;
    lookup(state, meeting).await?.ok_or_else(not_found)?;
    let mut timeout = JOIN_TIMEOUT;
    loop {
        let message = tokio::time::timeout(timeout, next_message(socket))
            .await
            .map_err(|_| {
                Ending::fatal(ErrorCode::BadMessage, "no join message arrived in time")
            })??;
        let ClientMessage::Join {
            version,
            name,
            media,
            key,
            pin,
            notice_acknowledged,
            resume,
        } = message
        else {
            return Err(Ending::fatal(
                ErrorCode::UnexpectedMessage,
                "the first message must be join",
            ));
        };
        if version != PROTOCOL_VERSION {
            return Err(Ending::fatal(
                ErrorCode::UnsupportedVersion,
                &format!("this server speaks protocol version {PROTOCOL_VERSION}"),
            ));
        }
        let name = normalize_name(&name).ok_or_else(|| {
            Ending::fatal(
                ErrorCode::InvalidName,
                "the name must be 1 to 64 characters without control characters",
            )
        })?;
        let (record, role, link) = resolve_link(state, meeting, &key).await?;
        timeout = RETRY_TIMEOUT;
        if record.kind == StoredKind::Hearing && !notice_acknowledged {
            refuse(
                socket,
                ErrorCode::NoticeRequired,
                "acknowledge that recording this hearing is forbidden",
            )
            .await?;
            continue;
        }
        let (name, verified) = match &login {
            Some(login) => (login.display_name.clone(), true),
            None => (name, false),
        };
        let pre_admitted = state.pre_admitted.contains(&link);
        if record.needs_pin(role) && !pre_admitted {
            // Who is trying, as the audit log names them.
            let attempt = Attempt {
                record: &record,
                role,
                link: &link,
                actor: format!("{}:- {name}", role.as_str()),
            };
            if !pin_accepted(socket, state, &attempt, pin).await? {
                continue;
            }
        }
        return Ok(Entrant {
            meeting,
            record,
            role: wire_role(role),
            link,
            name,
            verified,
            media,
            resume,
            pre_admitted,
        });
    }
}

async fn lookup(state: &AppState, meeting: MeetingId) -> Result<Option<MeetingRecord>, Ending> {
    state
        .store
        .meeting(&meeting.to_string())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot look up a meeting");
            Ending::fatal(
                ErrorCode::Unavailable,
                "the meeting cannot be looked up right now",
            )
        })
}

/// The link's meeting record, role and reference, if the key opens *this*
/// meeting now. Unknown, revoked, expired and foreign keys get the same
/// answer.
async fn resolve_link(
    state: &AppState,
    meeting: MeetingId,
    key: &str,
) -> Result<(MeetingRecord, LinkRole, LinkRef), Ending> {
    let invalid = || {
        Ending::fatal(
            ErrorCode::LinkInvalid,
            "this link does not (or no longer) open this meeting",
        )
    };
    let link = state
        .store
        .meeting_link(key, crate::booking::now().timestamp())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot look up a meeting link");
            Ending::fatal(
                ErrorCode::Unavailable,
                "the link cannot be checked right now",
            )
        })?
        .ok_or_else(invalid)?;
    if link.meeting_id != meeting.to_string() {
        tracing::info!(meeting = %meeting.short(), "a link of another meeting was refused");
        return Err(invalid());
    }
    let record = lookup(state, meeting).await?.ok_or_else(invalid)?;
    Ok((record, link.role, link.link))
}

/// A PIN attempt: whose, with which link, for which meeting.
struct Attempt<'a> {
    record: &'a MeetingRecord,
    role: LinkRole,
    link: &'a LinkRef,
    actor: String,
}

impl Attempt<'_> {
    /// Every PIN attempt is audited, right or wrong (never the PIN itself).
    async fn audit(&self, state: &AppState, action: AuditAction, detail: Option<String>) {
        let mut entry = audit::entry(
            crate::booking::now().timestamp(),
            self.actor.clone(),
            action,
        );
        entry.meeting = Some(self.record.id.clone());
        entry.detail = detail;
        audit::record(&state.store, entry).await;
    }
}

/// Checks the PIN. `Ok(false)`: asked again (the browser resends `join`).
async fn pin_accepted(
    socket: &mut WebSocket,
    state: &AppState,
    attempt: &Attempt<'_>,
    pin: Option<String>,
) -> Result<bool, Ending> {
    let (record, role, link) = (attempt.record, attempt.role, attempt.link);
    let now = Instant::now();
    let blocked = || {
        Ending::fatal(
            ErrorCode::PinBlocked,
            "too many wrong PINs; this link is blocked for a while",
        )
    };
    if lock_pins(state).check(link, now).is_err() {
        attempt
            .audit(state, AuditAction::PinFailed, Some("link blocked".into()))
            .await;
        return Err(blocked());
    }
    let Some(pin) = pin else {
        refuse(socket, ErrorCode::PinRequired, "this meeting needs a PIN").await?;
        return Ok(false);
    };
    let meeting = record.id.get(..6).unwrap_or_default();
    if valid_pin_format(&pin) && record.pin_matches(role, &pin) {
        lock_pins(state).succeeded(link);
        tracing::info!(meeting, "pin accepted");
        attempt.audit(state, AuditAction::PinAccepted, None).await;
        return Ok(true);
    }
    let failure = {
        let mut pins = lock_pins(state);
        if pins.tracked_links() > PRUNE_ABOVE {
            pins.prune(now);
        }
        pins.failed(link, now)
    };
    tracing::info!(meeting, "wrong pin");
    let detail = match failure {
        Failure::Retry { attempts_left } => format!("{attempts_left} attempts left"),
        Failure::Blocked { until } => {
            format!(
                "link blocked for {} s",
                until.saturating_duration_since(now).as_secs()
            )
        }
    };
    attempt
        .audit(state, AuditAction::PinFailed, Some(detail))
        .await;
    match failure {
        Failure::Retry { attempts_left } => {
            refuse(
                socket,
                ErrorCode::PinWrong,
                &format!("wrong PIN; {attempts_left} attempts left"),
            )
            .await?;
            Ok(false)
        }
        Failure::Blocked { .. } => Err(blocked()),
    }
}

/// PINs are 4 to 10 digits.
pub fn valid_pin_format(pin: &str) -> bool {
    (4..=10).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

fn lock_pins(state: &AppState) -> std::sync::MutexGuard<'_, super::pin_guard::PinGuard<LinkRef>> {
    // Every section under this lock is a few map operations that do not
    // panic; a poisoned lock still holds consistent counts.
    state
        .pins
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
