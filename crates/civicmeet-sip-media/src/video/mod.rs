//! The video of a SIP leg (issue 7, part 4), sans-IO: between a room
//! system's plain RTP and the whole frames str0m's frame API takes and
//! gives.
//!
//! A room system sends and receives H.264 (RFC 6184, packetization-mode 1:
//! single NAL unit packets, STAP-A, FU-A) or VP8 (RFC 7741). The meeting
//! side wants whole frames: H.264 as an Annex B access unit (each NAL unit
//! after a `00 00 00 01` start code), VP8 as the bare frame.
//!
//! - [`Depacketizer`]: RTP packets in, [`Depacketized`] out: a whole
//!   [`VideoFrame`], or [`Depacketized::Lost`] once when something was
//!   lost; from then on delta frames are dropped until a keyframe comes,
//!   since no decoder can use them.
//! - [`VideoPacketizer`]: a whole frame in, the RTP packets of it out,
//!   each within the MTU, the last with the marker bit.
//! - [`rtcp`]: keyframe requests both ways (RTCP PLI and FIR, RFC 4585 and
//!   RFC 5104), NACKs read, and our sender reports (RFC 3550 §6.4.1).
//!
//! `h264` and `vp8` own the two payload formats, each way; the
//! depacketizer and packetizer only ask them what one packet holds or how
//! to cut one frame.
//!
//! Nothing here panics on input, and every buffer is bounded: a frame over
//! [`MAX_FRAME_BYTES`] or [`MAX_FRAME_PACKETS`] is dropped (and counts as
//! lost), whatever arrives.

mod depacketizer;
mod h264;
mod packetizer;
pub mod rtcp;
mod vp8;

pub use depacketizer::{Depacketized, Depacketizer};
pub use packetizer::VideoPacketizer;
pub use rtcp::Feedback;

/// The largest frame a [`Depacketizer`] assembles, in bytes (of payload
/// received and of frame given out alike): more than any keyframe a room
/// system sends at 1080p.
pub const MAX_FRAME_BYTES: usize = 4 << 20;

/// The most RTP packets a [`Depacketizer`] holds at once: a frame of
/// [`MAX_FRAME_BYTES`] in 1200-byte packets fits.
pub const MAX_FRAME_PACKETS: usize = 4096;

/// The video payload formats a SIP leg negotiates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoFormat {
    /// H.264, RFC 6184 packetization-mode 1; frames are Annex B.
    H264,
    /// VP8, RFC 7741; frames are bare VP8 frames.
    Vp8,
}

/// One whole frame: the packets of one RTP timestamp, joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoFrame {
    /// The RTP timestamp (90 kHz) the packets carried.
    pub timestamp: u32,
    /// A frame a decoder can start from: an H.264 access unit with an IDR
    /// slice, a VP8 key frame.
    pub keyframe: bool,
    /// Annex B for H.264 (4-byte start codes), the bare frame for VP8.
    pub data: Vec<u8>,
}
