//! `H264ToVp8`: a room system's H.264 for browsers.

use crate::h264_decoder::H264Decoder;
use crate::transcoder::Transcoder;
use crate::vp8_encoder::{Vp8Encoder, Vp8EncoderLibrary, Vp8Frame};
use crate::{TranscodeConfig, TranscodeError};

/// Turns a room system's H.264 camera into VP8, which every browser
/// decodes (Firefox decodes H.264 only with Cisco's plugin, downloaded at
/// run time, which a self-hosted administration may forbid).
///
/// Sans-IO: whole access units in, whole VP8 frames out; capture times are
/// arguments; no clock, no threads (openh264 and libvpx both run on the
/// caller's), no locks.
pub struct H264ToVp8 {
    inner: Transcoder<H264Decoder, Vp8Encoder>,
}

impl H264ToVp8 {
    /// Starts a transcoder: loads libvpx's encoder (`Unavailable` when
    /// libvpx is not installed, naming the package, or is a release whose
    /// encoder ABI this build does not know) and checks the configuration.
    /// The VP8 encoder starts with the first picture, whose size it takes.
    pub fn new(config: TranscodeConfig) -> Result<Self, TranscodeError> {
        config.validate()?;
        Ok(Self {
            inner: Transcoder::new(config, H264Decoder::new()?, Vp8EncoderLibrary::load()?),
        })
    }

    /// One H.264 access unit (Annex B, as the depacketizer assembles it)
    /// with its capture time in ms.
    ///
    /// `Ok(None)`: nothing to send for this access unit — a delta frame
    /// while waiting for an IDR, parameter sets alone, a frame above
    /// `max_fps` (decoded, not encoded). `Err(Decode)`: this access unit
    /// was dropped and the input now needs an IDR
    /// ([`Self::needs_input_keyframe`]). `Err(Encode)`: this frame is lost;
    /// the next one starts a fresh encoder, with a keyframe.
    ///
    /// `keyframe` is the caller's word; the access unit's own NAL units
    /// decide, and one called a keyframe without an IDR slice is refused.
    pub fn push(
        &mut self,
        h264: &[u8],
        keyframe: bool,
        time_ms: u64,
    ) -> Result<Option<Vp8Frame>, TranscodeError> {
        self.inner.push(h264, keyframe, time_ms)
    }

    /// The next output frame is a VP8 keyframe (the meeting asked: PLI or
    /// FIR from a browser).
    pub fn request_keyframe(&mut self) {
        self.inner.request_keyframe();
    }

    /// Whether the input needs an IDR — from the start until the first
    /// one, and after a decode error: the caller asks the room system for
    /// one (PLI/FIR), and may ask again while this stays true.
    pub fn needs_input_keyframe(&self) -> bool {
        self.inner.needs_input_keyframe()
    }

    /// The configuration this transcoder follows.
    pub fn config(&self) -> &TranscodeConfig {
        self.inner.config()
    }
}
