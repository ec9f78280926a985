//! What the load generator needs from a media server, and nothing more.
//!
//! A [`Target`] makes rooms and lets participants join them; a joined
//! participant's [`Session`] carries its SDP. The WebRTC media itself never
//! passes through here: the participant's own str0m `Rtc` speaks it to
//! whatever address the server's SDP names. civicmeet is one target
//! ([`civicmeet::Civicmeet`]); a Janus VideoRoom target fills in the same
//! two traits ([`janus::JanusTarget`]), with a separate subscriber
//! connection ([`Pc::Subscriber`]).

pub mod civicmeet;
mod http;
pub mod janus;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};

/// Which of a participant's peer connections a piece of SDP is for.
///
/// civicmeet carries a participant's sending and receiving on one
/// connection ([`Pc::Main`]). A server that subscribes on a connection of
/// its own (Janus VideoRoom: a publisher handle and a subscriber handle)
/// sends the subscriber's offers as [`Pc::Subscriber`]; the participant
/// makes that second `Rtc` when its first offer arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pc {
    Main,
    Subscriber,
}

/// What a participant publishes. Every participant subscribes to all
/// other publishers of its room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    pub audio: bool,
    pub video: bool,
}

impl Role {
    pub fn publishes(&self) -> bool {
        self.audio || self.video
    }
}

/// Why a target or a session failed. Network input never panics: every
/// surprise from the server ends up here.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("HTTP: {0}")]
    Http(String),
    #[error("signalling: {0}")]
    Signalling(String),
    #[error("the server: {0}")]
    Server(String),
}

/// A media server under test.
pub trait Target: Send + Sync + 'static {
    /// Whatever a participant needs to join a room (an id, a key).
    type Room: Clone + Send + Sync + 'static;
    type Session: Session;

    /// A short name for tables ("civicmeet", "janus").
    fn name(&self) -> &'static str;

    /// Makes a room that admits participants without a waiting room.
    fn create_room(&self) -> impl Future<Output = Result<Self::Room, Error>> + Send;

    /// Enters `room` as `name`, publishing what `role` says. Returns once
    /// the server has accepted the participant (before any SDP).
    fn join(
        &self,
        room: &Self::Room,
        name: &str,
        role: Role,
    ) -> impl Future<Output = Result<Self::Session, Error>> + Send;

    /// The process whose CPU time and memory are the server's cost
    /// (`/proc/<pid>`); `None` when the server shares the load generator's
    /// process or is elsewhere, and then no cost figures are reported.
    fn server_pid(&self) -> Option<u32>;

    /// The address participants bind their UDP sockets to, so that the
    /// server's ICE can reach them. Loopback by default; a server that
    /// never gathers loopback candidates (Janus) names one of this
    /// machine's own addresses instead.
    fn media_bind_ip(&self) -> IpAddr {
        Ipv4Addr::LOCALHOST.into()
    }
}

/// One participant's signalling.
pub trait Session: Send + 'static {
    /// Whether the participant starts with an offer on [`Pc::Main`] even
    /// when `role` publishes nothing (civicmeet: always; a subscriber-only
    /// participant offers a receive-only audio section, as a browser
    /// without devices does). When this is false and the role publishes
    /// nothing, the participant waits for the server's offers.
    fn client_offers(&self, role: Role) -> bool;

    /// Sends the participant's offer; returns the server's answer.
    fn offer(&mut self, pc: Pc, sdp: String) -> impl Future<Output = Result<String, Error>> + Send;

    /// The server's next offer (a renegotiation, or a subscription). Must
    /// be cancel-safe: the participant waits for it in a `select!` with
    /// its datagrams and timers.
    fn next_offer(&mut self) -> impl Future<Output = Result<(Pc, String), Error>> + Send;

    /// The participant's answer to a server offer.
    fn answer(&mut self, pc: Pc, sdp: String) -> impl Future<Output = Result<(), Error>> + Send;
}
