//! How each codec plugs into the one transcoding pipeline
//! (`transcoder.rs`): an input side that says what a frame is before
//! decoding it, and an output side started per output size.

use std::sync::Arc;

use crate::h264_access_unit::{self, AccessUnitKind};
use crate::h264_decoder::H264Decoder;
use crate::h264_encoder::{H264Encoder, H264Frame};
use crate::picture::Picture;
use crate::vp8_decoder::Vp8Decoder;
use crate::vp8_encoder::{Vp8Encoder, Vp8EncoderLibrary, Vp8Frame};
use crate::vp8_header::keyframe_header;
use crate::{TranscodeConfig, TranscodeError};

/// The largest input taken: a 4K screen share. A VP8 keyframe claiming
/// more is refused before libvpx allocates for it (a header can claim
/// 16383x16383); openh264 refuses beyond level 5.2 itself, and a decoded
/// picture beyond this is refused after.
pub(crate) const MAX_INPUT_SIDE: u32 = 4096;
pub(crate) const MAX_INPUT_PIXELS: u64 = 3840 * 2160;

/// Whether a `width` x `height` input is taken.
pub(crate) fn input_size_allowed(width: u32, height: u32) -> bool {
    width > 0
        && height > 0
        && width.max(height) <= MAX_INPUT_SIDE
        && u64::from(width) * u64::from(height) <= MAX_INPUT_PIXELS
}

/// What an input frame is, by its own header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameKind {
    /// Decoding can start here.
    Keyframe,
    /// Needs the frames before it (or holds no picture).
    Delta,
}

/// The decoding side of a direction.
pub(crate) trait InputCodec {
    /// What `frame` is by its header; `Err` for one the decoder must not
    /// see (e.g. a keyframe too large).
    fn inspect(frame: &[u8]) -> Result<FrameKind, String>;
    /// Decodes `frame` into `out`; `Ok(false)` when no picture came out.
    fn decode(&mut self, frame: &[u8], out: &mut Picture) -> Result<bool, TranscodeError>;
}

/// The encoding side of a direction: one encoder per output size.
pub(crate) trait OutputCodec: Sized {
    /// What every encoder of a transcoder shares (the loaded library).
    type Library;
    type Frame;
    fn start(
        library: &Self::Library,
        width: u32,
        height: u32,
        config: &TranscodeConfig,
    ) -> Result<Self, TranscodeError>;
    fn size(&self) -> (u32, u32);
    fn encode(
        &mut self,
        picture: &Picture,
        keyframe: bool,
        time_ms: u64,
    ) -> Result<Option<Self::Frame>, TranscodeError>;
    fn is_keyframe(frame: &Self::Frame) -> bool;
}

impl InputCodec for Vp8Decoder {
    fn inspect(frame: &[u8]) -> Result<FrameKind, String> {
        let Some(header) = keyframe_header(frame) else {
            return Ok(FrameKind::Delta);
        };
        if !input_size_allowed(header.width, header.height) {
            return Err(format!(
                "VP8 keyframe of {}x{} is outside 1..={MAX_INPUT_SIDE} per side and {MAX_INPUT_PIXELS} pixels",
                header.width, header.height
            ));
        }
        Ok(FrameKind::Keyframe)
    }

    fn decode(&mut self, frame: &[u8], out: &mut Picture) -> Result<bool, TranscodeError> {
        Vp8Decoder::decode(self, frame, out)
    }
}

impl InputCodec for H264Decoder {
    fn inspect(frame: &[u8]) -> Result<FrameKind, String> {
        Ok(match h264_access_unit::kind(frame) {
            AccessUnitKind::Idr => FrameKind::Keyframe,
            AccessUnitKind::Delta | AccessUnitKind::NoSlice => FrameKind::Delta,
        })
    }

    fn decode(&mut self, frame: &[u8], out: &mut Picture) -> Result<bool, TranscodeError> {
        H264Decoder::decode(self, frame, out)
    }
}

impl OutputCodec for H264Encoder {
    type Library = ();
    type Frame = H264Frame;

    fn start(
        _: &(),
        width: u32,
        height: u32,
        config: &TranscodeConfig,
    ) -> Result<Self, TranscodeError> {
        H264Encoder::new(width, height, config)
    }

    fn size(&self) -> (u32, u32) {
        H264Encoder::size(self)
    }

    fn encode(
        &mut self,
        picture: &Picture,
        keyframe: bool,
        time_ms: u64,
    ) -> Result<Option<H264Frame>, TranscodeError> {
        H264Encoder::encode(self, picture, keyframe, time_ms)
    }

    fn is_keyframe(frame: &H264Frame) -> bool {
        frame.keyframe
    }
}

impl OutputCodec for Vp8Encoder {
    type Library = Arc<Vp8EncoderLibrary>;
    type Frame = Vp8Frame;

    fn start(
        library: &Arc<Vp8EncoderLibrary>,
        width: u32,
        height: u32,
        config: &TranscodeConfig,
    ) -> Result<Self, TranscodeError> {
        Vp8Encoder::start(library, width, height, config)
    }

    fn size(&self) -> (u32, u32) {
        Vp8Encoder::size(self)
    }

    fn encode(
        &mut self,
        picture: &Picture,
        keyframe: bool,
        time_ms: u64,
    ) -> Result<Option<Vp8Frame>, TranscodeError> {
        Vp8Encoder::encode(self, picture, keyframe, time_ms)
    }

    fn is_keyframe(frame: &Vp8Frame) -> bool {
        frame.keyframe
    }
}
