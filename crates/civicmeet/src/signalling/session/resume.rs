//! A session's seat across dropped sockets: whether the browser is here,
//! away (the socket broke; the seat is kept for `rejoin_grace_secs`) or
//! resuming (a new socket brought the seat's secret), and what the browser
//! is told on its way back. See the parent module for why the router
//! participant is kept meanwhile.
//!
//! A resumed seat keeps its place: a member stays a member even if the
//! meeting was locked meanwhile (the lock holds newcomers, and for everyone
//! else this participant never left), a waiting one stays waiting. Link,
//! PIN and notice were checked again by `entry` before the hand-over; a
//! removal revoked the link and ended the seat, and an ended meeting ended
//! it too, so neither can be resumed. A resume that finds no seat is a
//! newcomer's join and meets the waiting room and the lock.
//!
//! Must never: send anything on a socket before its catch-up `welcome` or
//! `waiting`, or log the secret.

use std::time::Duration;

use axum::extract::ws::WebSocket;
use civicmeet_wire::ServerMessage;
use tokio::sync::mpsc::error::TrySendError;
use tokio::time::Instant;

use super::{Next, Session};
use crate::audit::AuditAction;
use crate::signalling::entry::Entrant;
use crate::signalling::seats::Handover;
use crate::signalling::socket::{Ending, send};
use crate::state::AppState;

/// Hands the socket to the running session whose seat the join's secret
/// names (same meeting, same link): `None`, that session carries on with
/// it. The socket comes back for a normal join when there is no secret, an
/// unknown or expired one, or a session that ended meanwhile.
pub(super) fn hand_over(
    state: &AppState,
    entrant: &mut Entrant,
    socket: WebSocket,
) -> Option<WebSocket> {
    let Some(secret) = entrant.resume.take() else {
        return Some(socket);
    };
    let Some(seat) = state.seats.claim(&secret, entrant.meeting, &entrant.link) else {
        tracing::info!(meeting = %entrant.meeting.short(), "no seat to resume: joining anew");
        return Some(socket);
    };
    match seat.try_send(Handover { socket }) {
        Ok(()) => None,
        Err(TrySendError::Full(handover) | TrySendError::Closed(handover)) => Some(handover.socket),
    }
}

/// Whether the participant's browser is on the other end of the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Presence {
    Here,
    /// The socket dropped; the seat is kept until then.
    Away {
        until: Instant,
    },
    /// A new socket took over; it waits for the roster's up-to-date
    /// `welcome`/`waiting` before anything else is sent on it (which comes
    /// at once; should it not, the seat goes then).
    Resuming {
        until: Instant,
    },
}

impl Session {
    /// What a step of either loop means for the session: a dropped socket
    /// makes the participant away (if the seat can be resumed at all)
    /// instead of ending it.
    pub(super) fn settle(
        &mut self,
        step: Result<Option<Next>, Ending>,
    ) -> Result<Option<Next>, Ending> {
        match step {
            Err(Ending::Dropped) if self.secret.is_some() => {
                self.presence = Presence::Away {
                    until: Instant::now() + self.grace(),
                };
                tracing::info!(meeting = %self.meeting().short(), participant = %self.id, "socket dropped: seat kept");
                Ok(None)
            }
            other => other,
        }
    }

    /// How long a dropped participant's seat is kept.
    fn grace(&self) -> Duration {
        Duration::from_secs(self.state.config.meetings.rejoin_grace_secs)
    }

    /// A new socket came with this seat's secret: it replaces the current
    /// one, which is closed (it may still be half-open, its browser long
    /// gone), and the roster queues what the browser needs to catch up.
    pub(super) async fn take_over(&mut self, socket: &mut WebSocket, handover: Handover) {
        drop(std::mem::replace(socket, handover.socket));
        self.presence = Presence::Resuming {
            until: Instant::now() + self.grace(),
        };
        tracing::info!(meeting = %self.meeting().short(), participant = %self.id, "seat resumed");
        self.audit(AuditAction::Resumed, None, None).await;
        // Not found: an admission or a trip to the waiting room is under
        // way, and its own `welcome`/`waiting` completes the resume.
        self.state.roster.resume(self.meeting(), self.id);
    }

    /// The roster's catch-up after a resume: sent, then what is still owed,
    /// and from now on everything as usual.
    pub(super) async fn resumed(
        &mut self,
        socket: &mut WebSocket,
        messages: Vec<ServerMessage>,
    ) -> Result<(), Ending> {
        if !matches!(self.presence, Presence::Resuming { .. }) {
            // Two handovers in a row: the first catch-up brought the newest
            // socket up to date already, everything since followed it.
            return Ok(());
        }
        self.presence = Presence::Here;
        for message in messages {
            send(socket, &self.stamp(message)).await?;
        }
        for message in std::mem::take(&mut self.owed) {
            send(socket, &message).await?;
        }
        if let Some(sdp) = self.unanswered_offer.clone() {
            send(socket, &ServerMessage::Offer { sdp }).await?;
        }
        Ok(())
    }

    /// Sends a roster message if the browser is there. While it is away
    /// messages are dropped: its catch-up `welcome` says it all again. A
    /// `welcome` or `waiting` while resuming is such a catch-up itself.
    pub(super) async fn deliver(
        &mut self,
        socket: &mut WebSocket,
        message: ServerMessage,
    ) -> Result<(), Ending> {
        let full_state = matches!(
            message,
            ServerMessage::Welcome { .. } | ServerMessage::Waiting { .. }
        );
        match self.presence {
            Presence::Here => send(socket, &self.stamp(message)).await,
            Presence::Resuming { .. } if full_state => self.resumed(socket, vec![message]).await,
            Presence::Away { .. } | Presence::Resuming { .. } => Ok(()),
        }
    }

    /// Adds this seat's resume secret to `welcome` and `waiting`.
    fn stamp(&self, mut message: ServerMessage) -> ServerMessage {
        if let ServerMessage::Welcome { resume, .. } | ServerMessage::Waiting { resume, .. } =
            &mut message
        {
            resume.clone_from(&self.secret);
        }
        message
    }
}

/// Resolves when an away (or resuming) participant's seat is no longer
/// kept; never while the participant is here.
pub(super) async fn away_until(presence: Presence) {
    match presence {
        Presence::Away { until } | Presence::Resuming { until } => {
            tokio::time::sleep_until(until).await
        }
        Presence::Here => std::future::pending().await,
    }
}
