//! The media task: the one tokio task that owns the [`Router`] and the UDP
//! socket, and drives the router in its documented polling order.
//!
//! Everything else talks to it through [`MediaHandle`] (commands over a
//! channel, replies over oneshots) and hears from it through each
//! participant's [`MediaEvent`] channel. The router itself never locks and
//! never sees a socket; this task only moves datagrams, commands and timers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use civicmeet_router::{
    ParticipantId, RoomId, Router, RouterConfig, RouterError, RouterEvent, TrackKind,
};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

/// How long to sleep when the router waits for nothing in particular.
const IDLE_TICK: Duration = Duration::from_millis(100);

/// Room for one UDP datagram; larger ones are truncated and then refused
/// by the router like any other garbage.
const DATAGRAM_BUFFER: usize = 2048;

/// What the media task tells one participant's signalling session.
#[derive(Debug)]
pub enum MediaEvent {
    /// The router renegotiates: send this offer to the browser.
    Offer(String),
    /// ICE and DTLS are up.
    Connected,
    /// The media connection is gone for good; the session should end.
    Disconnected,
}

/// Why the media task could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error(transparent)]
    Router(#[from] RouterError),
    /// The media task has stopped (the server is shutting down).
    #[error("the media task is not running")]
    Stopped,
}

enum Command {
    Join {
        room: RoomId,
        participant: ParticipantId,
        events: mpsc::UnboundedSender<MediaEvent>,
        reply: oneshot::Sender<Result<(), RouterError>>,
    },
    Offer {
        participant: ParticipantId,
        sdp: String,
        reply: oneshot::Sender<Result<String, RouterError>>,
    },
    Answer {
        participant: ParticipantId,
        sdp: String,
        reply: oneshot::Sender<Result<(), RouterError>>,
    },
    Leave {
        participant: ParticipantId,
    },
    SetPublishing {
        participant: ParticipantId,
        kind: TrackKind,
        allowed: bool,
    },
}

/// A cheap, cloneable way to reach the media task.
#[derive(Debug, Clone)]
pub struct MediaHandle {
    commands: mpsc::UnboundedSender<Command>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No SDP in debug output: it carries addresses.
        let name = match self {
            Command::Join { .. } => "Join",
            Command::Offer { .. } => "Offer",
            Command::Answer { .. } => "Answer",
            Command::Leave { .. } => "Leave",
            Command::SetPublishing { .. } => "SetPublishing",
        };
        f.write_str(name)
    }
}

impl MediaHandle {
    /// Adds a participant to a room; its media events arrive on `events`.
    pub async fn join(
        &self,
        room: RoomId,
        participant: ParticipantId,
        events: mpsc::UnboundedSender<MediaEvent>,
    ) -> Result<(), MediaError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Join {
            room,
            participant,
            events,
            reply,
        })?;
        Ok(answer.await.map_err(|_| MediaError::Stopped)??)
    }

    /// Feeds the browser's offer; returns the router's answer.
    pub async fn offer(
        &self,
        participant: ParticipantId,
        sdp: String,
    ) -> Result<String, MediaError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Offer {
            participant,
            sdp,
            reply,
        })?;
        Ok(answer.await.map_err(|_| MediaError::Stopped)??)
    }

    /// Feeds the browser's answer to the router's last offer.
    pub async fn answer(&self, participant: ParticipantId, sdp: String) -> Result<(), MediaError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Answer {
            participant,
            sdp,
            reply,
        })?;
        Ok(answer.await.map_err(|_| MediaError::Stopped)??)
    }

    /// Removes a participant. Idempotent; fire and forget.
    pub fn leave(&self, participant: ParticipantId) {
        // If the task is gone, so is the participant.
        let _ = self.commands.send(Command::Leave { participant });
    }

    /// Opens or closes a participant's publish gate for one kind of media
    /// (a host's mute): the router stops or resumes forwarding it. Fire and
    /// forget; a participant already gone has nothing to gate.
    pub fn set_publishing(&self, participant: ParticipantId, kind: TrackKind, allowed: bool) {
        let _ = self.commands.send(Command::SetPublishing {
            participant,
            kind,
            allowed,
        });
    }

    fn send(&self, command: Command) -> Result<(), MediaError> {
        self.commands.send(command).map_err(|_| MediaError::Stopped)
    }
}

/// The task's state: the router, its socket and where events go.
pub struct MediaTask {
    router: Router,
    socket: UdpSocket,
    /// The address datagrams are reported as received on. See [`receive_address`].
    receive_addr: SocketAddr,
    commands: mpsc::UnboundedReceiver<Command>,
    sessions: HashMap<ParticipantId, mpsc::UnboundedSender<MediaEvent>>,
}

impl MediaTask {
    /// Makes the router for a bound socket. `candidate_addrs` are the
    /// addresses announced to browsers.
    pub fn new(
        socket: UdpSocket,
        candidate_addrs: Vec<SocketAddr>,
    ) -> Result<(MediaTask, MediaHandle), MediaSetupError> {
        let local_addr = socket.local_addr().map_err(MediaSetupError::Socket)?;
        let receive_addr = receive_address(local_addr, &candidate_addrs);
        let router = Router::new(RouterConfig {
            local_addr,
            candidate_addrs,
        })?;
        let (tx, rx) = mpsc::unbounded_channel();
        Ok((
            MediaTask {
                router,
                socket,
                receive_addr,
                commands: rx,
                sessions: HashMap::new(),
            },
            MediaHandle { commands: tx },
        ))
    }

    /// Runs until every [`MediaHandle`] is dropped.
    pub async fn run(mut self) {
        let mut buffer = vec![0u8; DATAGRAM_BUFFER];
        loop {
            let deadline = self
                .router
                .poll_timeout()
                .unwrap_or_else(|| Instant::now() + IDLE_TICK);
            tokio::select! {
                command = self.commands.recv() => match command {
                    Some(command) => self.handle_command(command),
                    None => break,
                },
                received = self.socket.recv_from(&mut buffer) => match received {
                    Ok((len, source)) => {
                        self.router.handle_datagram(Instant::now(), source, self.receive_addr, &buffer[..len]);
                    }
                    // E.g. an ICMP "port unreachable" reported on the next
                    // receive on some systems; the socket stays usable.
                    Err(e) => tracing::debug!(error = %e, "udp receive failed"),
                },
                _ = tokio::time::sleep_until(deadline.into()) => {
                    self.router.handle_timeout(Instant::now());
                }
            }
            self.flush().await;
        }
        tracing::debug!("media task stopped");
    }

    fn handle_command(&mut self, command: Command) {
        let now = Instant::now();
        match command {
            Command::Join {
                room,
                participant,
                events,
                reply,
            } => {
                let result = self.router.add_participant(now, room, participant);
                if result.is_ok() {
                    self.sessions.insert(participant, events);
                }
                // The session may have gone meanwhile; it cleans up with Leave.
                let _ = reply.send(result);
            }
            Command::Offer {
                participant,
                sdp,
                reply,
            } => {
                let _ = reply.send(self.router.accept_offer(now, participant, &sdp));
            }
            Command::Answer {
                participant,
                sdp,
                reply,
            } => {
                let _ = reply.send(self.router.accept_answer(now, participant, &sdp));
            }
            Command::Leave { participant } => {
                self.sessions.remove(&participant);
                self.router.remove_participant(now, participant);
            }
            Command::SetPublishing {
                participant,
                kind,
                allowed,
            } => {
                // Unknown means it left meanwhile: nothing left to gate.
                let _ = self
                    .router
                    .set_publishing(now, participant, kind, allowed);
            }
        }
    }

    /// Sends what the router wants sent, then delivers its events.
    async fn flush(&mut self) {
        while let Some(transmit) = self.router.poll_transmit() {
            if let Err(e) = self
                .socket
                .send_to(&transmit.contents, transmit.destination)
                .await
            {
                // One unreachable peer must not stop the others' media.
                tracing::debug!(error = %e, "udp send failed");
            }
        }
        while let Some(event) = self.router.poll_event() {
            let (participant, event) = match event {
                RouterEvent::Offer { participant, sdp } => (participant, MediaEvent::Offer(sdp)),
                RouterEvent::Connected { participant } => (participant, MediaEvent::Connected),
                RouterEvent::Disconnected { participant } => {
                    (participant, MediaEvent::Disconnected)
                }
            };
            if let Some(session) = self.sessions.get(&participant) {
                // A closed session sends Leave soon; nothing to do here.
                let _ = session.send(event);
            }
        }
    }
}

/// Why the media task could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MediaSetupError {
    #[error("cannot read the media socket's address: {0}")]
    Socket(std::io::Error),
    #[error("cannot start the media router: {0}")]
    Router(#[from] RouterError),
}

/// The destination address the router is told a datagram arrived on.
///
/// str0m's ICE agent drops STUN requests whose destination is not one of
/// its host candidates. Bound to a specific address that is also announced,
/// that address is right. Bound to 0.0.0.0, or announced under a NAT's
/// public address, the socket cannot tell which address a datagram was
/// sent to (that needs IP_PKTINFO), so the first announced address is used.
fn receive_address(local_addr: SocketAddr, candidate_addrs: &[SocketAddr]) -> SocketAddr {
    if candidate_addrs.contains(&local_addr) {
        return local_addr;
    }
    candidate_addrs.first().copied().unwrap_or(local_addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagrams_arrive_on_an_announced_address() {
        let bound: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:4000".parse().unwrap();
        let public: SocketAddr = "192.0.2.1:4000".parse().unwrap();
        assert_eq!(receive_address(bound, &[public, bound]), bound);
        assert_eq!(receive_address(any, &[public]), public);
        assert_eq!(receive_address(bound, &[]), bound);
    }
}
