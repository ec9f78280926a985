//! Drives Janus's VideoRoom plugin from Rust, so that civicmeet's media
//! router can be benchmarked side by side with Janus on the same machine
//! (issue 5). A test and benchmark utility: it is not part of the civicmeet
//! binary, and civicmeet's own crates never depend on it.
//!
//! - [`JanusServer`] starts a Janus of its own (the Debian package `janus`,
//!   installed by `cargo xtask test`) from a minimal config in a temp
//!   folder, exposes its pid for CPU measurements, and kills it on drop.
//! - [`JanusClient`], [`Session`] and [`VideoRoomHandle`] speak the Janus
//!   HTTP API (<https://janus.conf.meetecho.com/docs/rest.html>) and the
//!   VideoRoom requests of Janus 1.x
//!   (<https://janus.conf.meetecho.com/docs/videoroom.html>): create a
//!   room, publish with an SDP offer, subscribe to feeds and answer Janus's
//!   offer. The SDPs are strings; the WebRTC peers are the caller's (str0m
//!   in the tests).
//!
//! One participant, in order: [`JanusClient::create_session`],
//! [`Session::attach_videoroom`] (one handle per PeerConnection),
//! [`VideoRoomHandle::join_publisher`], [`VideoRoomHandle::publish`] with
//! the peer's offer, [`VideoRoomHandle::wait_webrtc_up`] (Janus knows a
//! feed only once its PeerConnection is up); to receive, another handle's
//! [`VideoRoomHandle::subscribe`] to feeds and [`VideoRoomHandle::start`]
//! with the peer's answer to Janus's offer.
//!
//! Never beyond this machine: the server's API binds 127.0.0.1 and the
//! client only connects to the address it is given; the server has no
//! STUN or TURN server, event handler, logger or other transport, so it
//! only ever sends media to the candidates our peers give it. ICE cannot
//! use the loopback interface itself (Janus 1.1.2 skips loopback when it
//! gathers candidates), so media run between this machine's own IPv4
//! address, [`JanusServer::media_ip`], and peers bound to it: the kernel
//! delivers such datagrams locally, they never reach a network.
//! Everything Janus sends is parsed as untrusted input into typed values
//! or an [`ApiError`], never a panic.

mod client;
mod error;
mod http;
mod jcfg;
mod server;
mod session;
mod videoroom;
mod wire;

pub use client::{DEFAULT_REPLY_TIMEOUT, JanusClient, ServerInfo};
pub use error::{ApiError, StartError};
pub use server::{JanusConfig, JanusServer};
pub use session::Session;
pub use videoroom::{
    AudioCodec, FeedId, Joined, Published, PublishedStream, Publisher, RoomConfig, RoomId,
    StreamRequest, SubscribedStream, SubscriberOffer, SubscriberUpdate, VideoCodec, VideoRoomEvent,
    VideoRoomHandle,
};
