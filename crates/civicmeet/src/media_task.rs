//! The media task: the one tokio task that owns the [`Router`] and the UDP
//! socket, and drives the router in its documented polling order.
//!
//! Datagrams move in batches: whatever the socket holds is taken with one
//! `recvmmsg` and fed to the router, and everything the router wants sent
//! leaves with one `sendmmsg` ([`udp_batch`]). At media rates a system call
//! per datagram would cost about as much as the forwarding itself.
//!
//! Everything else talks to it through [`MediaHandle`] (commands over a
//! channel, replies over oneshots) and hears from it through each
//! participant's [`MediaEvent`] channel. The router itself never locks and
//! never sees a socket; this task only moves datagrams, commands and timers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use civicmeet_router::{
    ParticipantId, RoomId, Router, RouterConfig, RouterError, RouterEvent, TrackKind, TrackLabel,
    Transmit, Transport,
};
use tokio::io::Interest;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use udp_batch::{RecvBatch, SendBatch};

use crate::media_tcp::{self, TcpEvent};

/// How long to sleep when the router waits for nothing in particular.
const IDLE_TICK: Duration = Duration::from_millis(100);

/// Room for one UDP datagram; larger ones are truncated and then refused
/// by the router like any other garbage.
const DATAGRAM_BUFFER: usize = 2048;

/// Datagrams taken per `recvmmsg`.
const RECEIVE_BATCH: usize = 64;

/// Batches handled before the task looks at commands and timers again, so
/// a flood of datagrams cannot hold back joins or the router's timers.
const BATCHES_PER_TURN: usize = 8;

/// ICE-TCP frames handled per turn, for the same reason.
const TCP_FRAMES_PER_TURN: usize = 256;

/// How often frames the router shed are reported (see the router's
/// `send_stream.rs`): the operator's sign that the server carries more
/// than its CPU allows.
const SHED_REPORT_INTERVAL: Duration = Duration::from_secs(10);

/// What the media task tells one participant's signalling session.
#[derive(Debug)]
pub enum MediaEvent {
    /// The router renegotiates: send this offer to the browser.
    Offer(String),
    /// ICE and DTLS are up.
    Connected,
    /// The media connection is gone for good; the session should end.
    Disconnected,
    /// Someone else (or this participant) is the room's active speaker now.
    ActiveSpeaker(ParticipantId),
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
    SetTile {
        subscriber: ParticipantId,
        publisher: ParticipantId,
        height: Option<u32>,
    },
    LabelTrack {
        participant: ParticipantId,
        mid: String,
        label: TrackLabel,
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
            Command::SetTile { .. } => "SetTile",
            Command::LabelTrack { .. } => "LabelTrack",
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

    /// The subscriber's page shows `publisher` in a tile `height` pixels
    /// tall, or not at all: the router picks the simulcast layer (or pauses
    /// the video). Fire and forget; a participant gone has no tiles.
    pub fn set_tile(
        &self,
        subscriber: ParticipantId,
        publisher: ParticipantId,
        height: Option<u32>,
    ) {
        let _ = self.commands.send(Command::SetTile {
            subscriber,
            publisher,
            height,
        });
    }

    /// Labels the participant's track on `mid` (a mid of its next offer),
    /// e.g. as its screen; see `Router::set_track_label`. Fire and forget:
    /// commands run in order, so it takes effect before a later offer.
    pub fn label_track(&self, participant: ParticipantId, mid: String, label: TrackLabel) {
        let _ = self.commands.send(Command::LabelTrack {
            participant,
            mid,
            label,
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
    /// The router's datagrams of one turn, sent together.
    outgoing: Vec<Transmit>,
    sender: SendBatch,
    tcp: Option<TcpSide>,
    shed: ShedReport,
}

/// Logs, at most every [`SHED_REPORT_INTERVAL`], how many frames the
/// router shed since the last report.
struct ShedReport {
    last: Instant,
    frames: u64,
}

impl ShedReport {
    fn update(&mut self, now: Instant, frames_shed: u64) {
        if now.saturating_duration_since(self.last) < SHED_REPORT_INTERVAL {
            return;
        }
        let new = frames_shed.saturating_sub(self.frames);
        if new > 0 {
            tracing::warn!(
                frames = new,
                seconds = now.saturating_duration_since(self.last).as_secs(),
                "media overloaded: frames dropped rather than sent late; this server carries more than its CPU allows"
            );
        }
        self.last = now;
        self.frames = frames_shed;
    }
}

/// The media port's TCP side (ICE-TCP), when configured.
pub struct TcpSide {
    events: mpsc::Receiver<TcpEvent>,
    /// The address TCP frames are reported as received on (an announced
    /// TCP candidate, see [`receive_address`]).
    receive_addr: SocketAddr,
    connections: HashMap<SocketAddr, TcpConnection>,
}

struct TcpConnection {
    frames: mpsc::Sender<Vec<u8>>,
    /// Whether a participant accepted a frame of it yet.
    known: bool,
}

impl TcpSide {
    /// Accepts ICE-TCP connections on `listener`; `candidate_addrs` are
    /// the TCP addresses announced to browsers.
    pub fn new(
        listener: tokio::net::TcpListener,
        candidate_addrs: &[SocketAddr],
    ) -> std::io::Result<TcpSide> {
        let local_addr = listener.local_addr()?;
        Ok(TcpSide {
            receive_addr: receive_address(local_addr, candidate_addrs),
            events: media_tcp::spawn(listener),
            connections: HashMap::new(),
        })
    }
}

impl MediaTask {
    /// Makes the router for a bound socket. `candidate_addrs` are the
    /// addresses announced to browsers.
    pub fn new(
        socket: UdpSocket,
        candidate_addrs: Vec<SocketAddr>,
        tcp: Option<(TcpSide, Vec<SocketAddr>)>,
        bandwidth_estimation: bool,
    ) -> Result<(MediaTask, MediaHandle), MediaSetupError> {
        let local_addr = socket.local_addr().map_err(MediaSetupError::Socket)?;
        let receive_addr = receive_address(local_addr, &candidate_addrs);
        let (tcp, tcp_candidate_addrs) = match tcp {
            Some((side, addrs)) => (Some(side), addrs),
            None => (None, Vec::new()),
        };
        let router = Router::new(RouterConfig {
            local_addr,
            candidate_addrs,
            tcp_candidate_addrs,
            bandwidth_estimation,
        })?;
        let (tx, rx) = mpsc::unbounded_channel();
        Ok((
            MediaTask {
                router,
                socket,
                receive_addr,
                commands: rx,
                sessions: HashMap::new(),
                outgoing: Vec::new(),
                sender: SendBatch::new(),
                tcp,
                shed: ShedReport {
                    last: Instant::now(),
                    frames: 0,
                },
            },
            MediaHandle { commands: tx },
        ))
    }

    /// Runs until every [`MediaHandle`] is dropped.
    pub async fn run(mut self) {
        let mut received = RecvBatch::new(RECEIVE_BATCH, DATAGRAM_BUFFER);
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
                ready = self.socket.readable() => match ready {
                    Ok(()) => self.receive(&mut received),
                    Err(e) => tracing::debug!(error = %e, "udp socket not readable"),
                },
                Some(event) = next_tcp_event(&mut self.tcp) => self.handle_tcp(event),
                _ = tokio::time::sleep_until(deadline.into()) => {}
            }
            // Handling a batch takes time: timers that fell due meanwhile
            // run now rather than after another turn of the loop.
            let now = Instant::now();
            if self.router.poll_timeout().is_some_and(|t| t <= now) {
                self.router.handle_timeout(now);
            }
            self.shed.update(now, self.router.stats().frames_shed);
            self.flush().await;
        }
        tracing::debug!("media task stopped");
    }

    /// Takes one ICE-TCP event and whatever else is queued, up to a limit.
    fn handle_tcp(&mut self, first: TcpEvent) {
        let mut event = Some(first);
        for _ in 0..TCP_FRAMES_PER_TURN {
            let Some(current) = event.take() else { return };
            let Some(tcp) = self.tcp.as_mut() else { return };
            match current {
                TcpEvent::Opened { peer, frames } => {
                    tcp.connections.insert(
                        peer,
                        TcpConnection {
                            frames,
                            known: false,
                        },
                    );
                }
                TcpEvent::Frame { peer, data } => {
                    let accepted =
                        self.router
                            .handle_tcp_frame(Instant::now(), peer, tcp.receive_addr, &data);
                    if let Some(connection) = tcp.connections.get_mut(&peer) {
                        if accepted {
                            connection.known = true;
                        } else if !connection.known {
                            // Not a browser of ours: dropping its sender
                            // closes the connection.
                            tcp.connections.remove(&peer);
                        }
                    }
                }
                TcpEvent::Closed { peer } => {
                    tcp.connections.remove(&peer);
                }
            }
            event = tcp.events.try_recv().ok();
        }
    }

    /// Feeds the router what the socket holds, a few batches at most.
    fn receive(&mut self, batch: &mut RecvBatch) {
        for _ in 0..BATCHES_PER_TURN {
            match self
                .socket
                .try_io(Interest::READABLE, || batch.recv(&self.socket))
            {
                Ok(_) => {
                    let now = Instant::now();
                    for (source, data) in batch.iter() {
                        self.router
                            .handle_datagram(now, source, self.receive_addr, data);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                // E.g. an ICMP "port unreachable" reported on the next
                // receive on some systems; the socket stays usable.
                Err(e) => {
                    tracing::debug!(error = %e, "udp receive failed");
                    return;
                }
            }
        }
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
                let _ = self.router.set_publishing(now, participant, kind, allowed);
            }
            Command::SetTile {
                subscriber,
                publisher,
                height,
            } => {
                // Unknown: the subscriber left meanwhile.
                let _ = self.router.set_tile(now, subscriber, publisher, height);
            }
            Command::LabelTrack {
                participant,
                mid,
                label,
            } => {
                // Unknown means it left meanwhile: nothing left to label.
                let _ = self.router.set_track_label(participant, &mid, label);
            }
        }
    }

    /// Sends what the router wants sent, then delivers its events.
    async fn flush(&mut self) {
        self.outgoing.clear();
        while let Some(transmit) = self.router.poll_transmit() {
            match transmit.transport {
                Transport::Udp => self.outgoing.push(transmit),
                Transport::Tcp => self.send_tcp(&transmit),
            }
        }
        let mut sent = 0;
        while sent < self.outgoing.len() {
            let datagrams: Vec<(SocketAddr, &[u8])> = self.outgoing[sent..]
                .iter()
                .map(|t| (t.destination, t.contents.as_slice()))
                .collect();
            let sender = &mut self.sender;
            match self
                .socket
                .try_io(Interest::WRITABLE, || sender.send(&self.socket, &datagrams))
            {
                Ok(taken) => {
                    sent += taken;
                    if let Some(e) = self.sender.take_error() {
                        // One unreachable peer must not stop the others' media.
                        tracing::debug!(error = %e, "udp send failed");
                    }
                }
                // The send buffer is full: wait until the kernel took some.
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if let Err(e) = self.socket.writable().await {
                        tracing::debug!(error = %e, "udp socket not writable");
                        break;
                    }
                }
                Err(e) => {
                    tracing::debug!(error = %e, "udp send failed");
                    break;
                }
            }
        }
        while let Some(event) = self.router.poll_event() {
            let (participant, event) = match event {
                RouterEvent::Offer { participant, sdp } => (participant, MediaEvent::Offer(sdp)),
                RouterEvent::Connected { participant } => (participant, MediaEvent::Connected),
                RouterEvent::Disconnected { participant } => {
                    (participant, MediaEvent::Disconnected)
                }
                RouterEvent::ActiveSpeaker {
                    participant,
                    speaker,
                } => (participant, MediaEvent::ActiveSpeaker(speaker)),
            };
            if let Some(session) = self.sessions.get(&participant) {
                // A closed session sends Leave soon; nothing to do here.
                let _ = session.send(event);
            }
        }
    }
}

impl MediaTask {
    /// Queues one frame on the ICE-TCP connection to the transmit's
    /// destination; a connection that is gone or full loses the frame.
    fn send_tcp(&mut self, transmit: &Transmit) {
        let connection = self
            .tcp
            .as_ref()
            .and_then(|tcp| tcp.connections.get(&transmit.destination));
        match (connection, media_tcp::frame(&transmit.contents)) {
            (Some(connection), Some(framed)) => {
                // Full: media is loss tolerant, a stalled reader must not
                // make the task wait.
                let _ = connection.frames.try_send(framed);
            }
            _ => tracing::debug!("ice-tcp frame for no connection dropped"),
        }
    }
}

/// The next ICE-TCP event, or never when there is no TCP side.
async fn next_tcp_event(tcp: &mut Option<TcpSide>) -> Option<TcpEvent> {
    match tcp {
        Some(tcp) => tcp.events.recv().await,
        None => std::future::pending().await,
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
