//! VP8 to H.264 and H.264 to VP8 for SIP room systems (issue 7, part 4),
//! sans-IO.
//!
//! Room systems (Cisco, Poly, Yealink) send and receive H.264 only
//! (constrained baseline, packetization mode 1); browsers in a meeting send
//! VP8. A room system is shown the meeting's active speaker, so when that
//! speaker sends VP8 the server turns it into H.264 with a [`Vp8ToH264`].
//! The other way, a room system's H.264 camera becomes VP8 with an
//! [`H264ToVp8`]: Chromium decodes H.264, but Firefox only with Cisco's
//! OpenH264 plugin, downloaded from Cisco at run time, which a self-hosted
//! administration may forbid; every browser decodes VP8. Whole frames in
//! (RTP payload descriptor stripped; H.264 as Annex B access units), whole
//! frames out, for the RTP packetizer to fragment.
//!
//! This crate never reads the clock (capture times are arguments), never
//! touches a socket, never spawns a thread (every codec runs
//! single-threaded on the caller's) and never locks. Nothing in a frame
//! can make it panic: bad input is an error, and the transcoder waits for
//! the next keyframe.
//!
//! # The pieces
//!
//! ```text
//! Vp8ToH264: VP8 frame → vp8_header → vp8_decoder (libvpx) → Picture
//!            → pacing → scale → h264_encoder (openh264) → H264Frame
//! H264ToVp8: access unit → h264_access_unit → h264_decoder (openh264)
//!            → Picture → pacing → scale → vp8_encoder (libvpx) → Vp8Frame
//! ```
//!
//! - `transcoder.rs` is the one pipeline both directions run, generic over
//!   the codecs (`codec.rs` says how each plugs in); `vp8_to_h264.rs` and
//!   `h264_to_vp8.rs` only pick them. Its rules: a keyframe comes out
//!   first, on `request_keyframe`, when the output size changes (a
//!   simulcast layer switch or a room system's new resolution; the encoder
//!   is recreated) and every [`PERIODIC_IDR_MS`] of capture time; a frame
//!   that does not decode is dropped and `needs_input_keyframe` stays true
//!   (delta frames skipped unread) until a keyframe decodes; a frame the
//!   caller calls a keyframe whose own header says otherwise is refused.
//! - libvpx is opened at run time with `libloading` (`vpx_library.rs`:
//!   `libvpx.so.9` … `.so.6`, `libvpx.so`) and driven through hand-written
//!   FFI: `vpx_abi.rs` (decoder ABI 12, libvpx 1.12 to 1.16) and
//!   `vpx_encoder_abi.rs` (the encoder ABI, per release, 1.12 to 1.16; the
//!   layout is checked against libvpx's defaults at start). Every `unsafe`
//!   of the crate is in `vpx_library.rs`, `vp8_decoder.rs` and
//!   `vp8_encoder.rs`. So `cargo build` needs no system package; a machine
//!   without libvpx gets [`TranscodeError::Unavailable`] from either
//!   transcoder's `new`, naming the package (Debian: `libvpx7`).
//! - `vp8_header.rs` reads a keyframe's size before libvpx sees it, so a
//!   header claiming 16383x16383 is refused instead of allocated for;
//!   openh264 refuses H.264 beyond level 5.2 itself, and a decoded picture
//!   above 4K is refused in either direction.
//! - `pacing.rs` thins input above `max_fps` on a grid of capture times
//!   (every frame is decoded, only due ones encoded); `encoder_clock.rs`
//!   gives both encoders' rate control a clock that never goes back.
//! - `scale.rs` scales I420 down by area averaging, in plain Rust.
//! - `h264_encoder.rs` is openh264: baseline profile, one slice per frame,
//!   bit-rate control with frame skipping, IDR only when forced.
//! - `h264_decoder.rs` is openh264's decoder with error concealment off (a
//!   damaged access unit is an error, not a smeared picture).
//! - `vp8_encoder.rs` is libvpx set up like a WebRTC sender: real-time
//!   deadline, a fixed cpu-used of 8 (an adaptive one reads the clock
//!   inside libvpx), error resilient, no look-ahead, CBR with a 1 s
//!   buffer, keyframes capped in size and only when forced, no frame
//!   dropping. [`Vp8Encoder`] and [`Vp8Decoder`] are public too (with
//!   [`Picture`]): the tests make and read VP8 with them.
//!
//! # Licensing
//!
//! openh264 is built from Cisco's source by the `openh264` crate. Cisco's
//! H.264 patent licence covers only the binaries Cisco distributes; for a
//! build from source, H.264 patent licensing is the operator's matter.
//! libvpx (VP8) is BSD-licensed with a royalty-free patent grant.

mod codec;
mod config;
mod encoder_clock;
mod error;
mod h264_access_unit;
mod h264_decoder;
mod h264_encoder;
mod h264_to_vp8;
mod pacing;
mod picture;
mod scale;
mod transcoder;
mod vp8_decoder;
mod vp8_encoder;
mod vp8_header;
mod vp8_to_h264;
mod vpx_abi;
mod vpx_encoder_abi;
mod vpx_library;

pub use config::TranscodeConfig;
pub use error::TranscodeError;
pub use h264_encoder::H264Frame;
pub use h264_to_vp8::H264ToVp8;
pub use picture::Picture;
pub use transcoder::PERIODIC_IDR_MS;
pub use vp8_decoder::Vp8Decoder;
pub use vp8_encoder::{Vp8Encoder, Vp8Frame};
pub use vp8_to_h264::Vp8ToH264;
