//! A load generator for civicmeet's media router, and the plain UDP relay
//! it is measured against (issue 5).
//!
//! Simulated participants are str0m WebRTC clients ([`webrtc_peer`]) that
//! publish synthetic Opus and VP8 frames, each stamped with a sequence
//! number and a send time ([`media`]), and subscribe to everyone else in
//! their room; receivers measure forwarding latency and loss ([`stats`]).
//! A media server is a [`target::Target`]: civicmeet is one, Janus's
//! VideoRoom ([`target::janus`]) another. The plain-UDP mode
//! ([`raw_peer`]) sends the same frames at the same rates to the
//! [`relay`], the physical ceiling. [`scenario`] runs one load, [`ramp`] finds the largest load
//! held below 1% loss, [`report`] prints the table.
//!
//! It never asserts a speed; the server's cost comes from `/proc`
//! ([`procstat`]), so it runs on Linux.

pub mod clock;
pub mod media;
pub mod procstat;
pub mod ramp;
pub mod raw_peer;
pub mod relay;
pub mod relay_process;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod target;
pub mod webrtc_peer;
