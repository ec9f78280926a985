//! `Vp8ToH264`: a browser's VP8 for a room system.

use crate::h264_encoder::{H264Encoder, H264Frame};
use crate::transcoder::Transcoder;
use crate::vp8_decoder::Vp8Decoder;
use crate::{TranscodeConfig, TranscodeError};

/// Turns one publisher's VP8 frames into H.264 for room systems.
///
/// Sans-IO: whole frames in, whole frames out; capture times are
/// arguments; no clock, no threads (libvpx and openh264 both run on the
/// caller's), no locks.
pub struct Vp8ToH264 {
    inner: Transcoder<Vp8Decoder, H264Encoder>,
}

impl Vp8ToH264 {
    /// Starts a transcoder: loads libvpx (`Unavailable` when it is not
    /// installed, naming the package) and checks the configuration. The
    /// H.264 encoder starts with the first frame, whose size it takes.
    pub fn new(config: TranscodeConfig) -> Result<Self, TranscodeError> {
        config.validate()?;
        Ok(Self {
            inner: Transcoder::new(config, Vp8Decoder::new()?, ()),
        })
    }

    /// One whole VP8 frame (RTP descriptor already stripped) with its
    /// capture time in ms.
    ///
    /// `Ok(None)`: nothing to send for this frame — a delta frame while
    /// waiting for a keyframe, a frame above `max_fps` (decoded, not
    /// encoded), an invisible frame, a frame the encoder's rate control
    /// dropped to keep to the bit rate. `Err(Decode)`: this frame was dropped
    /// and the input now needs a keyframe ([`Self::needs_input_keyframe`]).
    /// `Err(Encode)`: this frame is lost; the next one starts a fresh
    /// encoder, with an IDR.
    ///
    /// `keyframe` is the caller's word (from the RTP payload descriptor);
    /// the frame's own header decides, as it is what the decoder goes by,
    /// and a frame called a keyframe without a keyframe header is refused.
    pub fn push(
        &mut self,
        vp8: &[u8],
        keyframe: bool,
        time_ms: u64,
    ) -> Result<Option<H264Frame>, TranscodeError> {
        self.inner.push(vp8, keyframe, time_ms)
    }

    /// The next output frame is an IDR with SPS/PPS (the room system asked:
    /// PLI/FIR/INFO).
    pub fn request_keyframe(&mut self) {
        self.inner.request_keyframe();
    }

    /// Whether the input needs a keyframe — from the start until the first
    /// one, and after a decode error: the caller asks the publisher for
    /// one (and may ask again while this stays true).
    pub fn needs_input_keyframe(&self) -> bool {
        self.inner.needs_input_keyframe()
    }

    /// The configuration this transcoder follows.
    pub fn config(&self) -> &TranscodeConfig {
        self.inner.config()
    }
}
