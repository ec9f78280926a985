//! Host actions inside a meeting: admit, reject, mute, send back, remove,
//! lock, end, invite. The session has already checked the permission
//! table; this module carries the action out through the roster (and the
//! store for links) and answers the host.

use axum::extract::ws::WebSocket;
use civicmeet_store::LinkRole;
use civicmeet_wire::{ClientMessage, ErrorCode, ParticipantId, ParticipantRole, ServerMessage};

use super::roster::Notice;
use super::session::Session;
use super::socket::{Ending, refuse, send};

/// Carries out a host message (any message the session does not handle
/// itself).
pub(super) async fn act(
    session: &mut Session,
    socket: &mut WebSocket,
    message: ClientMessage,
) -> Result<(), Ending> {
    let roster = &session.state.roster;
    let meeting = session.entrant.meeting;
    let short = meeting.short();
    let done = match message {
        ClientMessage::Admit { id } => {
            let done = roster.admit(meeting, id);
            if done {
                tracing::info!(meeting = %short, participant = %id, "admitted");
            }
            done
        }
        ClientMessage::Reject { id } => {
            let done = roster.reject(meeting, id);
            if done {
                tracing::info!(meeting = %short, participant = %id, "rejected");
            }
            done
        }
        ClientMessage::Mute { id, kind } => roster.notify_member(meeting, id, Notice::MutedByHost(kind)),
        ClientMessage::SendToWaitingRoom { id } => {
            not_self(session.id, id)? && roster.notify_member(meeting, id, Notice::SentBack)
        }
        ClientMessage::Remove { id } => {
            let done = not_self(session.id, id)? && roster.notify_member(meeting, id, Notice::Removed);
            if done {
                tracing::info!(meeting = %short, participant = %id, "removed");
            }
            done
        }
        ClientMessage::Lock { locked } => {
            roster.set_locked(meeting, locked);
            tracing::info!(meeting = %short, locked, "lock changed");
            true
        }
        ClientMessage::EndMeeting {} => {
            tracing::info!(meeting = %short, "ended by a host");
            roster.end(meeting);
            true
        }
        ClientMessage::Invite { role } => return invite(session, socket, role).await,
        // The session handles every other message itself.
        _ => true,
    };
    if done {
        Ok(())
    } else {
        refuse(socket, ErrorCode::UnknownParticipant, "nobody with this id is there").await
    }
}

/// Hosts cannot send themselves back or remove themselves (they leave).
fn not_self(me: ParticipantId, target: ParticipantId) -> Result<bool, Ending> {
    Ok(me != target)
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
            refuse(socket, ErrorCode::Unavailable, "no link could be made right now").await
        }
    }
}
