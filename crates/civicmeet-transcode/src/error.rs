//! The transcoder's one error type.

use thiserror::Error;

/// Why the transcoder could not start, or could not take or give a frame.
///
/// None of these is fatal to the transcoder itself: after a `Decode` error
/// it waits for the next input keyframe, after an `Encode` error it starts
/// a fresh encoder on the next frame.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TranscodeError {
    /// A codec library is missing or refused to start (libvpx is loaded at
    /// run time; the message names the package to install, or the libvpx
    /// release whose encoder this build does not know).
    #[error("transcoder unavailable: {0}")]
    Unavailable(String),
    /// The input frame (VP8 or H.264) did not decode, or was refused
    /// before decoding (e.g. a keyframe larger than the transcoder accepts,
    /// or one called a keyframe that is none).
    #[error("input frame did not decode: {0}")]
    Decode(String),
    /// The output encoder (openh264 or libvpx) failed on a frame.
    #[error("output frame did not encode: {0}")]
    Encode(String),
    /// The [`TranscodeConfig`](crate::TranscodeConfig) cannot work (a zero
    /// rate, a box smaller than 16 pixels or larger than H.264 level 5.1).
    #[error("invalid transcoder configuration: {0}")]
    Config(String),
}
