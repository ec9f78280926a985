//! The pipeline both directions share, and its rules for errors,
//! keyframes, frame rate and size changes; `vp8_to_h264.rs` and
//! `h264_to_vp8.rs` only choose the codecs.

use crate::codec::{FrameKind, InputCodec, OutputCodec, input_size_allowed};
use crate::pacing::FramePacer;
use crate::picture::Picture;
use crate::scale::Downscaler;
use crate::{TranscodeConfig, TranscodeError};

/// A receiver that missed a keyframe (or joined late without asking) gets
/// one this often at the latest, in capture time: an IDR for a room
/// system, a VP8 keyframe for a browser.
pub const PERIODIC_IDR_MS: u64 = 10_000;

/// Decode → pace → scale → encode, with the keyframe bookkeeping of both
/// ends. Sans-IO: capture times are arguments; no clock, no threads, no
/// locks.
pub(crate) struct Transcoder<I, O: OutputCodec> {
    config: TranscodeConfig,
    decoder: I,
    library: O::Library,
    encoder: Option<O>,
    scaler: Downscaler,
    pacer: FramePacer,
    decoded: Picture,
    scaled: Picture,
    /// Until a keyframe decodes (at the start, after a decode error),
    /// delta frames cannot be decoded and are dropped unread.
    awaiting_keyframe: bool,
    /// The receiver asked for a keyframe and has not had one yet.
    keyframe_requested: bool,
    /// The capture time of the last keyframe sent.
    last_keyframe_ms: Option<u64>,
}

impl<I: InputCodec, O: OutputCodec> Transcoder<I, O> {
    /// `config` must have been validated.
    pub(crate) fn new(config: TranscodeConfig, decoder: I, library: O::Library) -> Self {
        Self {
            config,
            decoder,
            library,
            encoder: None,
            scaler: Downscaler::default(),
            pacer: FramePacer::new(config.max_fps),
            decoded: Picture::new(2, 2),
            scaled: Picture::new(2, 2),
            awaiting_keyframe: true,
            keyframe_requested: false,
            last_keyframe_ms: None,
        }
    }

    /// See `Vp8ToH264::push`: the rules are the same in both directions.
    pub(crate) fn push(
        &mut self,
        frame: &[u8],
        keyframe: bool,
        time_ms: u64,
    ) -> Result<Option<O::Frame>, TranscodeError> {
        let kind = match I::inspect(frame) {
            Ok(kind) => kind,
            Err(why) => return Err(self.decode_failed(why)),
        };
        match kind {
            FrameKind::Delta if keyframe => {
                return Err(
                    self.decode_failed("a frame marked keyframe is none by its own header".into())
                );
            }
            FrameKind::Delta if self.awaiting_keyframe => return Ok(None),
            FrameKind::Delta | FrameKind::Keyframe => {}
        }
        match self.decoder.decode(frame, &mut self.decoded) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => {
                self.awaiting_keyframe = true;
                return Err(e);
            }
        }
        let (width, height) = (self.decoded.width(), self.decoded.height());
        if !input_size_allowed(width, height) {
            return Err(self.decode_failed(format!("a decoded picture of {width}x{height}")));
        }
        if kind == FrameKind::Keyframe {
            self.awaiting_keyframe = false;
        }
        if !self.pacer.take(time_ms) {
            return Ok(None);
        }
        self.encode(time_ms)
    }

    pub(crate) fn request_keyframe(&mut self) {
        self.keyframe_requested = true;
    }

    pub(crate) fn needs_input_keyframe(&self) -> bool {
        self.awaiting_keyframe
    }

    pub(crate) fn config(&self) -> &TranscodeConfig {
        &self.config
    }

    fn decode_failed(&mut self, why: String) -> TranscodeError {
        self.awaiting_keyframe = true;
        TranscodeError::Decode(why)
    }

    /// Scales the decoded picture and encodes it.
    fn encode(&mut self, time_ms: u64) -> Result<Option<O::Frame>, TranscodeError> {
        let size = self
            .config
            .output_size(self.decoded.width(), self.decoded.height());
        let encoder = match &mut self.encoder {
            Some(encoder) if encoder.size() == size => encoder,
            // The first frame, a new size (a simulcast layer switch, a room
            // system's new resolution) or a failed encoder: a fresh encoder,
            // whose first frame is a keyframe.
            _ => self
                .encoder
                .insert(O::start(&self.library, size.0, size.1, &self.config)?),
        };
        self.scaled.resize(size.0, size.1);
        self.scaler.scale(&self.decoded, &mut self.scaled);
        let periodic = self
            .last_keyframe_ms
            .is_none_or(|last| time_ms.abs_diff(last) >= PERIODIC_IDR_MS);
        let frame = match encoder.encode(&self.scaled, self.keyframe_requested || periodic, time_ms)
        {
            Ok(frame) => frame,
            Err(e) => {
                self.encoder = None;
                return Err(e);
            }
        };
        if let Some(frame) = &frame
            && O::is_keyframe(frame)
        {
            self.keyframe_requested = false;
            self.last_keyframe_ms = Some(time_ms);
        }
        Ok(frame)
    }
}
