//! `dial_out`: a host calls a room system or phone into the meeting. The
//! address is parsed strictly (`civicmeet_sip::DialTarget`), checked
//! against `sip.dial_out_domains` (a host must not make the server send
//! SIP where the operator forbids it) and handed to the SIP gateway
//! (`crate::sip::DialOuts`, at most a few running per meeting). Every
//! host of the meeting hears how it goes (`dial_out_status`); a refusal
//! here reaches only the host who asked. The audit log names the
//! target's host, never its user part.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::extract::ws::WebSocket;
use civicmeet_sip::{DialTarget, MAX_TARGET, Transport};
use civicmeet_wire::{DialOutFailure, DialOutState, ServerMessage};

use super::session::Session;
use super::socket::{Ending, send};
use crate::audit::AuditAction;
use crate::sip::DialOutRequest;
use civicmeet_wire::normalize_name;

/// Numbers the dial-outs of this process, so pages tell them apart.
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

pub(super) async fn start(
    session: &Session,
    socket: &mut WebSocket,
    uri: &str,
    name: Option<String>,
) -> Result<(), Ending> {
    let meeting = session.entrant.meeting;
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let typed: String = uri.chars().take(MAX_TARGET).collect();
    let failed = |reason| ServerMessage::DialOutStatus {
        id,
        uri: typed.clone(),
        state: DialOutState::Failed,
        reason: Some(reason),
    };
    let Some(dial_outs) = &session.state.dial_out else {
        return send(socket, &failed(DialOutFailure::Unavailable)).await;
    };
    let Ok(target) = DialTarget::parse(uri) else {
        return send(socket, &failed(DialOutFailure::InvalidAddress)).await;
    };
    // The gateway's own socket is UDP; calls over TCP or TLS need a
    // connection of ours, which it does not open yet.
    if target.transport() != Transport::Udp {
        return send(socket, &failed(DialOutFailure::Unavailable)).await;
    }
    if !session.state.config.sip.dial_out_allows(target.host()) {
        tracing::info!(meeting = %meeting.short(), "dial-out to a host the configuration does not allow");
        return send(socket, &failed(DialOutFailure::NotAllowed)).await;
    }
    let host = target.host().to_string();
    let name = name
        .as_deref()
        .and_then(normalize_name)
        .unwrap_or_else(|| target.user().to_string());
    let dialled = target.to_string();
    let roster = session.state.roster.clone();
    let report = Arc::new(move |state, reason| {
        roster.tell_leaders(
            meeting,
            ServerMessage::DialOutStatus {
                id,
                uri: dialled.clone(),
                state,
                reason,
            },
        );
    });
    let request = DialOutRequest {
        meeting_id: meeting.to_string(),
        dial_number: session.entrant.record.dial_number.clone(),
        target,
        name,
        report,
    };
    if let Err(reason) = dial_outs.start(request) {
        return send(socket, &failed(reason)).await;
    }
    tracing::info!(meeting = %meeting.short(), "dial-out started by a host");
    session
        .audit(AuditAction::DialOut, None, Some(format!("host {host}")))
        .await;
    Ok(())
}
