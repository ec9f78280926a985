//! `Vp8ToH264`: the pieces put together, and the rules for errors,
//! keyframes, frame rate and size changes.

use crate::h264_encoder::{H264Encoder, H264Frame};
use crate::pacing::FramePacer;
use crate::picture::Picture;
use crate::scale::Downscaler;
use crate::vp8_decoder::Vp8Decoder;
use crate::vp8_header::keyframe_header;
use crate::{TranscodeConfig, TranscodeError};

/// A room system that missed an IDR (or joined late without asking) gets
/// one this often at the latest, in capture time.
pub const PERIODIC_IDR_MS: u64 = 10_000;

/// The largest VP8 input taken: a 4K screen share. Bigger keyframes are
/// refused before libvpx allocates for them (a header can claim
/// 16383x16383).
const MAX_INPUT_SIDE: u32 = 4096;
const MAX_INPUT_PIXELS: u64 = 3840 * 2160;

/// Turns one publisher's VP8 frames into H.264 for room systems.
///
/// Sans-IO: whole frames in, whole frames out; capture times are
/// arguments; no clock, no threads (libvpx and openh264 both run on the
/// caller's), no locks.
pub struct Vp8ToH264 {
    config: TranscodeConfig,
    decoder: Vp8Decoder,
    scaler: Downscaler,
    encoder: Option<H264Encoder>,
    pacer: FramePacer,
    decoded: Picture,
    scaled: Picture,
    /// Until a keyframe decodes (at the start, after a decode error),
    /// delta frames cannot be decoded and are dropped unread.
    awaiting_keyframe: bool,
    /// The room system asked for an IDR and has not had one yet.
    idr_requested: bool,
    /// The capture time of the last IDR sent.
    last_idr_ms: Option<u64>,
}

impl Vp8ToH264 {
    /// Starts a transcoder: loads libvpx (`Unavailable` when it is not
    /// installed, naming the package) and checks the configuration. The
    /// H.264 encoder starts with the first frame, whose size it takes.
    pub fn new(config: TranscodeConfig) -> Result<Self, TranscodeError> {
        config.validate()?;
        Ok(Self {
            config,
            decoder: Vp8Decoder::new()?,
            scaler: Downscaler::default(),
            encoder: None,
            pacer: FramePacer::new(config.max_fps),
            decoded: Picture::new(2, 2),
            scaled: Picture::new(2, 2),
            awaiting_keyframe: true,
            idr_requested: false,
            last_idr_ms: None,
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
        let header = keyframe_header(vp8);
        if keyframe && header.is_none() {
            return Err(self.decode_failed("a frame marked keyframe has no keyframe header"));
        }
        if let Some(header) = header {
            let pixels = u64::from(header.width) * u64::from(header.height);
            if header.width == 0
                || header.height == 0
                || header.width.max(header.height) > MAX_INPUT_SIDE
                || pixels > MAX_INPUT_PIXELS
            {
                return Err(self.decode_failed(&format!(
                    "keyframe of {}x{} is outside 1..={MAX_INPUT_SIDE} per side and {MAX_INPUT_PIXELS} pixels",
                    header.width, header.height
                )));
            }
        } else if self.awaiting_keyframe {
            return Ok(None);
        }
        match self.decoder.decode(vp8, &mut self.decoded) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => {
                self.awaiting_keyframe = true;
                return Err(e);
            }
        }
        if header.is_some() {
            self.awaiting_keyframe = false;
        }
        if !self.pacer.take(time_ms) {
            return Ok(None);
        }
        self.encode(time_ms)
    }

    /// The next output frame is an IDR with SPS/PPS (the room system asked:
    /// PLI/FIR/INFO).
    pub fn request_keyframe(&mut self) {
        self.idr_requested = true;
    }

    /// Whether the input needs a keyframe — from the start until the first
    /// one, and after a decode error: the caller asks the publisher for
    /// one (and may ask again while this stays true).
    pub fn needs_input_keyframe(&self) -> bool {
        self.awaiting_keyframe
    }

    /// The configuration this transcoder follows.
    pub fn config(&self) -> &TranscodeConfig {
        &self.config
    }

    fn decode_failed(&mut self, why: &str) -> TranscodeError {
        self.awaiting_keyframe = true;
        TranscodeError::Decode(why.to_string())
    }

    /// Scales the decoded picture and encodes it.
    fn encode(&mut self, time_ms: u64) -> Result<Option<H264Frame>, TranscodeError> {
        let size = self
            .config
            .output_size(self.decoded.width(), self.decoded.height());
        let encoder = match &mut self.encoder {
            Some(encoder) if encoder.size() == size => encoder,
            // The first frame, a new size (a simulcast layer switch) or a
            // failed encoder: a fresh encoder, whose first frame is an IDR.
            _ => self
                .encoder
                .insert(H264Encoder::new(size.0, size.1, &self.config)?),
        };
        self.scaled.resize(size.0, size.1);
        self.scaler.scale(&self.decoded, &mut self.scaled);
        let periodic = self
            .last_idr_ms
            .is_none_or(|last| time_ms.abs_diff(last) >= PERIODIC_IDR_MS);
        let frame = match encoder.encode(&self.scaled, self.idr_requested || periodic, time_ms) {
            Ok(frame) => frame,
            Err(e) => {
                self.encoder = None;
                return Err(e);
            }
        };
        if let Some(frame) = &frame
            && frame.keyframe
        {
            self.idr_requested = false;
            self.last_idr_ms = Some(time_ms);
        }
        Ok(frame)
    }
}
