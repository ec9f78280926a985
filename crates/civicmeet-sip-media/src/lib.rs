//! The audio and video of a SIP leg (issue 7), sans-IO: the pieces
//! between a room system's or phone's RTP and the meeting's PCM and video
//! frames.
//!
//! A SIP peer sends plain RTP (RFC 3550) with G.711 µ-law or A-law
//! (8 kHz), G.722 (16 kHz audio on an 8 kHz RTP clock) or Opus, and its
//! key presses as RFC 4733 telephone-events. This crate never touches a
//! socket, never reads the clock (every `Instant` is an argument), never
//! locks and never spawns; nothing that arrives from the network can make
//! it panic, and every buffer it keeps is bounded. It works in 16-bit PCM;
//! Opus comes from `opus-rs`, a pure-Rust codec, so nothing needs a C
//! library.
//!
//! # The pieces
//!
//! - [`rtp`]: parse a datagram into a borrowed [`RtpPacket`] (or learn it
//!   is RTCP, RFC 5761), write the header of one we send.
//! - [`jitter`]: a [`JitterBuffer`] per incoming stream, playing frames in
//!   timestamp order at a steady pace with an adaptive delay, and saying
//!   [`Frame::Lost`] where a frame did not come.
//! - [`g711`], [`g722`]: the codecs (ITU-T G.711, G.722 at 64 kbit/s),
//!   and [`opus`] (Opus, mono 48 kHz: browsers' codec), behind
//!   [`AudioDecoder`] and [`AudioEncoder`] chosen by [`Codec`].
//! - [`conceal`]: a [`Concealer`] that makes plausible audio for a lost
//!   frame, fading to silence when the loss goes on.
//! - [`resample`]: [`Resampler`] between 8, 16 and 48 kHz.
//! - [`mixer`]: [`MixMinus`], everyone's audio but one's own, without
//!   overflow.
//! - [`dtmf`]: [`DtmfReceiver`], key presses out of telephone-events, each
//!   reported once (for PIN entry).
//! - [`packetizer`]: the [`Packetizer`] that stamps what we send with our
//!   own SSRC, sequence numbers and timestamps.
//! - [`video`]: a room system's H.264 (RFC 6184, packetization-mode 1) or
//!   VP8 (RFC 7741). A [`Depacketizer`] turns its RTP into whole frames
//!   (Annex B, or bare VP8) and says [`Depacketized::Lost`] when a
//!   keyframe is needed; a [`VideoPacketizer`] cuts the meeting's frames
//!   into RTP; [`video::rtcp`] reads and writes keyframe requests (PLI,
//!   FIR), reads NACKs, and writes our sender reports.
//!
//! # How the server chains them
//!
//! From the SIP peer into the meeting, for each datagram on the leg's RTP
//! port: [`rtcp_packet_type`] sends RTCP elsewhere; [`RtpPacket::parse`];
//! telephone-events go to the [`DtmfReceiver`], audio to
//! [`JitterBuffer::push`]. Every 20 ms, [`JitterBuffer::pop`] gives a
//! frame: [`Frame::Audio`] is decoded ([`AudioDecoder::decode`]) and shown
//! to the [`Concealer::good`], [`Frame::Lost`] becomes
//! [`Concealer::lost`], [`Frame::Idle`] is silence (and nothing is sent);
//! the PCM goes through a [`Resampler`] to 48 kHz and on into the meeting
//! (Opus-encoded, as the leg's one audio track).
//!
//! ```text
//! RTP → parse → jitter buffer → decode / conceal → resample → meeting
//! ```
//!
//! From the meeting to the SIP peer, every 20 ms: each participant's
//! decoded 48 kHz audio (the SIP leg's own included) goes into
//! [`MixMinus::sum`]; [`MixMinus::mix_for`] gives the leg everyone but
//! itself; a [`Resampler`] takes it to the codec's rate; the
//! [`AudioEncoder`] encodes it and the [`Packetizer`] makes the RTP
//! packet, with our SSRC, sequence number and timestamp.
//!
//! ```text
//! meeting → mix-minus → resample → encode → RTP (our seq, timestamp, SSRC)
//! ```
//!
//! Video is not decoded: the room system's packets go through a
//! [`Depacketizer`] into the meeting as frames, and the meeting's frames
//! through a [`VideoPacketizer`] to the room system. Keyframe requests
//! cross both ways: [`Depacketized::Lost`] (and a meeting participant's
//! request) become a PLI or FIR from [`video::rtcp`] to the room system;
//! a PLI or FIR the room system sends ([`video::rtcp::parse_feedback`])
//! becomes a keyframe request in the meeting.
//!
//! ```text
//! RTP → depacketize → frame (Annex B / VP8) → meeting
//! meeting → frame → packetize → RTP
//! ```

pub mod codec;
pub mod conceal;
pub mod dtmf;
mod error;
pub mod g711;
pub mod g722;
pub mod jitter;
pub mod mixer;
pub mod opus;
pub mod packetizer;
pub mod prompt;
pub mod resample;
pub mod rtp;
pub mod srtp;
pub mod video;

pub use codec::{AudioDecoder, AudioEncoder, Codec};
pub use conceal::Concealer;
pub use dtmf::{DtmfKey, DtmfReceiver, TelephoneEvent};
pub use error::Error;
pub use g722::{G722Decoder, G722Encoder};
pub use jitter::{AudioFrame, Frame, JitterBuffer, JitterConfig, JitterStats, Pushed};
pub use mixer::{MIX_FRAME, MixMinus};
pub use opus::{MAX_OPUS_PACKET, OPUS_FRAME, OpusDecoder, OpusEncoder};
pub use packetizer::Packetizer;
pub use prompt::PromptPlayer;
pub use resample::{Resampler, SampleRate};
pub use rtp::{RtpHeader, RtpPacket, rtcp_packet_type};
pub use srtp::{MasterKey, SrtpError, SrtpProfile, SrtpReceiver, SrtpSender};
pub use video::{Depacketized, Depacketizer, Feedback, VideoFormat, VideoFrame, VideoPacketizer};
