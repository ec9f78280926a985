//! The media router: a sans-IO selective forwarding unit on str0m.
//!
//! One [`str0m::Rtc`] per participant, all behind one UDP port. The router
//! forwards each participant's audio and video frames to every other
//! participant of the same room, relays keyframe requests back to the
//! publisher, and asks the shell to renegotiate SDP when tracks come and go.
//! Video arrives in simulcast layers; each subscriber gets, per track, the
//! layer that fits its tile and its bandwidth estimate ([`Router::set_tile`],
//! `layers.rs`), and the router names the room's active speaker from the
//! audio levels ([`RouterEvent::ActiveSpeaker`]).
//!
//! A per-participant publish gate ([`Router::set_publishing`]) lets the
//! shell stop a participant's audio, video or screen share at the router;
//! track labels ([`Router::set_track_label`]) tell subscribers which of a
//! publisher's tracks is its screen.
//!
//! What it must never do: read the clock, touch a socket, spawn, or lock.
//! Time and datagrams are arguments; datagrams and events are outputs. It
//! knows nothing of HTTP, WebSockets, meetings' names or the database.
//!
//! Browsers reach it over UDP, or over TCP where UDP is blocked (passive
//! ICE-TCP): the shell owns the TCP connections, strips the RFC 4571 length
//! prefix and feeds each frame to [`Router::handle_tcp_frame`]; transmits
//! say which [`Transport`] they leave on.
//!
//! Polling order, after any `handle_*` or mutator call: drain
//! [`Router::poll_transmit`] (send each datagram), then [`Router::poll_event`]
//! (deliver SDP offers, connection changes), then call
//! [`Router::handle_timeout`] no later than [`Router::poll_timeout`].
//!
//! Standards: WebRTC via str0m (RFC 8829 JSEP, RFC 8445 ICE in its lite
//! form, RFC 5764 DTLS-SRTP, RFC 4585/4588 NACK and RTX, RFC 5104 FIR/PLI).

mod config;
mod error;
mod gate;
mod keyframes;
mod label;
mod layers;
mod participant;
mod router;
mod send_stream;
mod speaker;
mod timeline;

pub use config::RouterConfig;
pub use error::RouterError;
pub use gate::TrackKind;
pub use label::TrackLabel;
pub use layers::Layer;
pub use router::{Router, RouterEvent, RouterStats, Transmit};

/// How a datagram travels between the router and a browser: on the UDP
/// socket, or framed (RFC 4571) on one of the shell's ICE-TCP connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Udp,
    Tcp,
}

/// A room: the set of participants that see and hear each other. The shell
/// maps its meetings onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoomId(pub u64);

/// A participant, unique across all rooms of one router. Its decimal form is
/// the `msid` stream id of the participant's tracks in the SDP that the
/// others receive, so a browser can tell whose track arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParticipantId(pub u64);

impl std::fmt::Display for ParticipantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
