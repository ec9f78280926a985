//! Host actions inside a meeting: admit, reject, mute, send back, remove,
//! lock, end, invite. The session has already checked the permission
//! table; this module carries the action out through the roster (and the
//! store for links), answers the host, and writes the audit log: who did
//! what to whom in which meeting (never media or content). Hosts cannot
//! send themselves back or remove themselves; they leave.

use axum::extract::ws::WebSocket;
use civicmeet_store::LinkRole;
use civicmeet_wire::{
    ClientMessage, ErrorCode, MediaKind, ParticipantId, ParticipantRole, ServerMessage,
};

use super::roster::Notice;
use super::session::Session;
use super::socket::{Ending, refuse, send};
use crate::audit::AuditAction;

/// Carries out a host message (any message the session does not handle
/// itself).
pub(super) async fn act(
    session: &mut Session,
    socket: &mut WebSocket,
    message: ClientMessage,
) -> Result<(), Ending> {
    let roster = &session.state.roster;
    let meeting = session.entrant.meeting;
    let me = session.id;
    // Who is acted on, named before the action (a waiting person is gone
    // from the list after it).
    let target = target_of(&message).and_then(|id| roster.label(meeting, id));
    let (done, action, detail) = match message {
        ClientMessage::Admit { id } => (roster.admit(meeting, id), AuditAction::Admitted, None),
        ClientMessage::Reject { id } => (roster.reject(meeting, id), AuditAction::Rejected, None),
        ClientMessage::Mute { id, kind } => (
            roster.notify_member(meeting, id, Notice::MutedByHost(kind)),
            AuditAction::Muted,
            Some(match kind {
                MediaKind::Audio => "microphone",
                MediaKind::Video => "camera",
                MediaKind::Screen => "screen share",
            }),
        ),
        ClientMessage::SendToWaitingRoom { id } => (
            id != me && roster.notify_member(meeting, id, Notice::SentBack),
            AuditAction::SentToWaitingRoom,
            None,
        ),
        ClientMessage::Remove { id } => (
            id != me && roster.notify_member(meeting, id, Notice::Removed),
            AuditAction::Removed,
            None,
        ),
        ClientMessage::Lock { locked } => {
            roster.set_locked(meeting, locked);
            let action = if locked {
                AuditAction::MeetingLocked
            } else {
                AuditAction::MeetingUnlocked
            };
            (true, action, None)
        }
        ClientMessage::EndMeeting {} => {
            // Audit first: ending closes this session too.
            session.audit(AuditAction::MeetingEnded, None, None).await;
            tracing::info!(meeting = %meeting.short(), "ended by a host");
            roster.end(meeting);
            return Ok(());
        }
        ClientMessage::Invite { role } => return invite(session, socket, role).await,
        ClientMessage::DialOut { uri, name } => {
            return super::dial_out::start(session, socket, &uri, name).await;
        }
        // The session handles every other message itself.
        _ => return Ok(()),
    };
    if !done {
        return refuse(
            socket,
            ErrorCode::UnknownParticipant,
            "nobody with this id is there",
        )
        .await;
    }
    tracing::info!(meeting = %meeting.short(), action = action.as_str(), "host action");
    session
        .audit(action, target, detail.map(str::to_owned))
        .await;
    Ok(())
}

/// The participant a host message acts on, if any.
fn target_of(message: &ClientMessage) -> Option<ParticipantId> {
    match message {
        ClientMessage::Admit { id }
        | ClientMessage::Reject { id }
        | ClientMessage::Mute { id, .. }
        | ClientMessage::SendToWaitingRoom { id }
        | ClientMessage::Remove { id } => Some(*id),
        _ => None,
    }
}

async fn invite(
    session: &Session,
    socket: &mut WebSocket,
    role: ParticipantRole,
) -> Result<(), Ending> {
    let meeting = session.entrant.meeting;
    let link_role = match role {
        ParticipantRole::Host => LinkRole::Host,
        ParticipantRole::Judge => LinkRole::Judge,
        ParticipantRole::Guest => LinkRole::Guest,
    };
    let now = crate::booking::now().timestamp();
    match session
        .state
        .store
        .issue_meeting_link(&meeting.to_string(), link_role, now)
        .await
    {
        Ok(key) => {
            let url = format!("{}{}#{key}", session.state.public_url, meeting.url_path());
            send(socket, &ServerMessage::InviteCreated { role, url }).await
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot make a meeting link");
            refuse(
                socket,
                ErrorCode::Unavailable,
                "no link could be made right now",
            )
            .await
        }
    }
}
