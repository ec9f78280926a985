//! VP8 to H.264 for SIP room systems (issue 7, part 4), sans-IO.
//!
//! Room systems (Cisco, Poly, Yealink) send and receive H.264 only
//! (constrained baseline, packetization mode 1); browsers in a meeting send
//! VP8. A room system is shown the meeting's active speaker, so when that
//! speaker sends VP8 the server turns it into H.264 with a [`Vp8ToH264`]:
//! whole VP8 frames in (RTP payload descriptor stripped), whole H.264
//! access units out (Annex B, for the RTP packetizer to fragment).
//!
//! This crate never reads the clock (capture times are arguments), never
//! touches a socket, never spawns a thread (both codecs run single-threaded
//! on the caller's) and never locks. Nothing in a frame can make it panic:
//! bad input is an error, and the transcoder waits for the next keyframe.
//!
//! # The pieces
//!
//! ```text
//! VP8 frame → vp8_header (keyframe? size within bounds?)
//!           → vp8_decoder (libvpx, loaded at run time) → I420 Picture
//!           → pacing (above max_fps: decoded, not encoded)
//!           → scale (box filter down to fit max_width x max_height)
//!           → h264_encoder (openh264) → H264Frame
//! ```
//!
//! - `vp8_decoder.rs` holds every `unsafe` of the crate: libvpx is opened
//!   with `libloading` (`libvpx.so.9` … `.so.6`, `libvpx.so`) and driven
//!   through a hand-written FFI (`vpx_abi.rs`, the layouts of libvpx 1.12
//!   to 1.16, decoder ABI 12). So `cargo build` needs no system package; a
//!   machine without libvpx gets [`TranscodeError::Unavailable`] from
//!   [`Vp8ToH264::new`], naming the package (Debian: `libvpx7`), and the
//!   room system then gets no meeting video.
//! - `vp8_header.rs` reads a keyframe's size before libvpx sees it, so a
//!   header claiming 16383x16383 is refused instead of allocated for.
//! - `pacing.rs` thins input above `max_fps` on a grid of capture times.
//! - `scale.rs` scales I420 down by area averaging, in plain Rust.
//! - `h264_encoder.rs` is openh264: baseline profile, one slice per frame,
//!   bit-rate control, frame skipping off, IDR only when forced.
//! - `transcoder.rs` ([`Vp8ToH264`]) ties them together: an IDR comes
//!   first, on [`Vp8ToH264::request_keyframe`], when the output size
//!   changes (a simulcast layer switch; the encoder is recreated) and every
//!   [`PERIODIC_IDR_MS`] of capture time; a VP8 decode error drops the
//!   frame and sets [`Vp8ToH264::needs_input_keyframe`] until a keyframe
//!   decodes.
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
