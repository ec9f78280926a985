//! The SIP shell: one UDP socket, the TCP connections on the same port and
//! the TLS connections on the TLS port ([`super::tcp`]), the sans-IO
//! [`Endpoint`], and the routing of its
//! events to one task per call.
//!
//! This task only moves bytes, timers and events: datagrams go to
//! [`Endpoint::handle_datagram`], what [`Endpoint::poll_transmit`] gives
//! goes out, [`Endpoint::poll_timeout`] sets the timer. Each
//! [`CallEvent::Incoming`] starts a call task ([`super::call`]) that
//! decides (the meeting lookup needs the database, which must not stall
//! the other calls' signalling) and answers through [`Command`]s.
//! Re-offers (hold, resume, a new address) are answered here with the
//! call's own media, and the new session passed on.
//!
//! Nothing from the network ends this task: a malformed datagram is the
//! endpoint's to answer or drop, and socket errors are logged and skipped.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use civicmeet_sip::sdp::{LocalMedia, MediaSession};
use civicmeet_sip::{CallEvent, CallId, Dial, EndReason, Endpoint, Source, Transport};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

use super::Gateway;
use super::call::{self, Incoming};
use super::tcp::StreamEvent;

/// The largest datagram read; the endpoint refuses anything above its own
/// limit, so this only needs to be large enough to see that.
const RECEIVE_BUFFER: usize = 65_536;
/// Events queued for one call task. They are rare (an ACK, a BYE, a few
/// key presses); a caller flooding SIP INFO loses digits, nothing else.
const CALL_QUEUE: usize = 64;

/// What a call task asks of the shell.
#[derive(Debug)]
pub enum Command {
    /// Answer 200 with our SDP for `local`.
    Accept { call: CallId, local: LocalMedia },
    /// Refuse the call with `status`.
    Reject { call: CallId, status: u16 },
    /// End the call from our side (BYE).
    HangUp { call: CallId },
    /// Ask the room system for a keyframe (SIP INFO picture_fast_update).
    PictureFastUpdate { call: CallId },
    /// Dial out (a host calls a room system): the call's events go to
    /// `inputs`, its id (or why it could not be dialled) to `reply`.
    Dial {
        dial: Dial,
        local: LocalMedia,
        inputs: mpsc::Sender<CallInput>,
        reply: oneshot::Sender<Result<CallId, civicmeet_sip::Error>>,
    },
}

/// What the shell tells a call task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallInput {
    /// A call we dialled rings.
    Ringing,
    /// The ACK came: media flows as agreed.
    Established(MediaSession),
    /// A re-offer changed the media (hold, resume, another address).
    SessionChanged(MediaSession),
    /// A key press sent by SIP INFO.
    Dtmf(char),
    /// The room system asked for a keyframe (SIP INFO picture_fast_update).
    KeyframeWanted,
    /// The call is over, whoever ended it.
    Ended(EndReason),
}

/// A call the shell routes events to.
struct Route {
    inputs: mpsc::Sender<CallInput>,
    /// Our media once accepted, to answer re-offers with.
    local: Option<LocalMedia>,
    /// The call count of the TCP or TLS connection the call came on: it
    /// stays open while the call lasts.
    connection: Option<Arc<AtomicUsize>>,
}

/// An open TCP or TLS connection.
struct Connection {
    writer: mpsc::Sender<Vec<u8>>,
    calls: Arc<AtomicUsize>,
}

/// Runs the SIP socket until the process stops.
pub async fn run(
    socket: UdpSocket,
    mut streams: mpsc::Receiver<StreamEvent>,
    mut endpoint: Endpoint,
    gateway: Arc<Gateway>,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    let mut routes: HashMap<CallId, Route> = HashMap::new();
    // The write queue of each TCP or TLS connection: what the endpoint
    // sends to a stream source goes on that very connection.
    let mut connections: HashMap<Source, Connection> = HashMap::new();
    let mut buffer = vec![0u8; RECEIVE_BUFFER];
    loop {
        let timer = endpoint.poll_timeout();
        tokio::select! {
            received = socket.recv_from(&mut buffer) => match received {
                Ok((len, from)) => {
                    let datagram = buffer.get(..len).unwrap_or_default();
                    endpoint.handle_datagram(Instant::now(), Source::udp(from), datagram);
                }
                // ICMP errors of earlier sends surface here on Linux; they
                // concern one peer, not the socket.
                Err(e) => tracing::debug!(error = %e, "sip socket receive failed"),
            },
            Some(event) = streams.recv() => match event {
                StreamEvent::Opened { source, writer, calls } => {
                    connections.insert(source, Connection { writer, calls });
                }
                StreamEvent::Message { source, bytes } => {
                    endpoint.handle_datagram(Instant::now(), source, &bytes);
                }
                StreamEvent::Closed { source } => {
                    connections.remove(&source);
                }
            },
            Some(command) = commands.recv() => {
                apply(&mut endpoint, &mut routes, command);
            }
            () = sleep_until(timer) => endpoint.handle_timeout(Instant::now()),
        }
        flush(&socket, &connections, &mut endpoint).await;
        while let Some(event) = endpoint.poll_event() {
            dispatch(&mut endpoint, &mut routes, &connections, &gateway, event);
        }
        // Answering a re-offer in `dispatch` may have queued more.
        flush(&socket, &connections, &mut endpoint).await;
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

async fn flush(
    socket: &UdpSocket,
    connections: &HashMap<Source, Connection>,
    endpoint: &mut Endpoint,
) {
    while let Some((to, message)) = endpoint.poll_transmit_on() {
        match to.transport {
            Transport::Udp => send(socket, to.addr, &message).await,
            // On the connection the peer opened (a phone behind NAT cannot
            // be called back); gone or full, the message is lost as a
            // datagram would be (timers end what waits on it).
            Transport::Tcp | Transport::Tls => {
                let queued = connections
                    .get(&to)
                    .is_some_and(|c| c.writer.try_send(message).is_ok());
                if !queued {
                    tracing::debug!(
                        transport = to.transport.via_name(),
                        "sip stream message dropped: no open connection or a full queue"
                    );
                }
            }
        }
    }
}

async fn send(socket: &UdpSocket, to: SocketAddr, datagram: &[u8]) {
    if let Err(e) = socket.send_to(datagram, to).await {
        tracing::debug!(error = %e, "sip socket send failed");
    }
}

fn apply(endpoint: &mut Endpoint, routes: &mut HashMap<CallId, Route>, command: Command) {
    let now = Instant::now();
    let (call, result) = match command {
        Command::Accept { call, local } => {
            let result = endpoint.accept(now, call, &local);
            if let Some(route) = routes.get_mut(&call) {
                route.local = Some(local);
            }
            (call, result)
        }
        Command::Reject { call, status } => (call, endpoint.reject(now, call, status)),
        Command::HangUp { call } => (call, endpoint.hang_up(now, call)),
        Command::PictureFastUpdate { call } => {
            (call, endpoint.request_picture_fast_update(now, call))
        }
        Command::Dial {
            dial,
            local,
            inputs,
            reply,
        } => {
            let result = endpoint.dial(now, &dial, &local);
            if let Ok(call) = result {
                routes.insert(
                    call,
                    Route {
                        inputs,
                        local: Some(local),
                        // Dial-outs go over UDP only.
                        connection: None,
                    },
                );
            }
            // The task may have given up waiting; then the call's end
            // reaches nobody, and its own timers end it.
            let _ = reply.send(result);
            return;
        }
    };
    // A call that ended meanwhile (the caller hung up first) refuses
    // these; its task hears the end anyway.
    if let Err(e) = result {
        tracing::debug!(%call, error = %e, "sip command not applied");
    }
}

fn dispatch(
    endpoint: &mut Endpoint,
    routes: &mut HashMap<CallId, Route>,
    connections: &HashMap<Source, Connection>,
    gateway: &Arc<Gateway>,
    event: CallEvent,
) {
    let (call, input) = match event {
        CallEvent::Incoming {
            call,
            source,
            number,
            from_display,
            ..
        } => {
            let (inputs, receiver) = mpsc::channel(CALL_QUEUE);
            let connection = connections.get(&source).map(|c| {
                c.calls.fetch_add(1, Ordering::Relaxed);
                c.calls.clone()
            });
            routes.insert(
                call,
                Route {
                    inputs,
                    local: None,
                    connection,
                },
            );
            let incoming = Incoming {
                call,
                number,
                from_display,
            };
            tokio::spawn(call::run(gateway.clone(), incoming, receiver));
            return;
        }
        CallEvent::Reoffer { call, offer: _ } => {
            let now = Instant::now();
            let local = routes.get(&call).and_then(|r| r.local.clone());
            let result = match local {
                Some(local) => endpoint.accept_reoffer(now, call, &local),
                None => endpoint.reject_reoffer(now, call, 488),
            };
            if let Err(e) = result {
                tracing::info!(%call, error = %e, "re-offer refused");
            }
            return;
        }
        CallEvent::Ringing { call } => (call, CallInput::Ringing),
        CallEvent::Established { call, session } => (call, CallInput::Established(session)),
        CallEvent::SessionChanged { call, session } => (call, CallInput::SessionChanged(session)),
        CallEvent::Dtmf { call, digit } => (call, CallInput::Dtmf(digit)),
        CallEvent::KeyframeRequest { call } => (call, CallInput::KeyframeWanted),
        CallEvent::Ended { call, reason } => {
            if let Some(route) = routes.remove(&call) {
                if let Some(calls) = &route.connection {
                    calls.fetch_sub(1, Ordering::Relaxed);
                }
                // The task may be gone already; then nobody needs to hear.
                let _ = route.inputs.try_send(CallInput::Ended(reason));
            }
            return;
        }
    };
    if let Some(route) = routes.get(&call)
        && route.inputs.try_send(input).is_err()
    {
        tracing::debug!(%call, "call task busy or gone; event dropped");
    }
}
