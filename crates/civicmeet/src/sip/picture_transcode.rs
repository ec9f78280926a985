//! The meeting's picture in the codec a room system takes, when the shown
//! publisher sends the other one: VP8 → H.264 (most room systems), or
//! H.264 → VP8 (a VP8-only system watching an H.264-only browser). Both
//! directions of `civicmeet-transcode` behind one face, sans-IO.

use civicmeet_transcode::{H264ToVp8, TranscodeConfig, TranscodeError, Vp8ToH264};

use super::webrtc_leg::VideoCodec;

pub enum PictureTranscode {
    // Boxed: the two transcoders differ in size by kilobytes.
    ToH264(Box<Vp8ToH264>),
    ToVp8(Box<H264ToVp8>),
}

impl PictureTranscode {
    /// A transcoder from `from` to the other codec.
    pub fn new(from: VideoCodec) -> Result<PictureTranscode, TranscodeError> {
        Ok(match from {
            VideoCodec::Vp8 => PictureTranscode::ToH264(Box::new(Vp8ToH264::new(config())?)),
            VideoCodec::H264 => PictureTranscode::ToVp8(Box::new(H264ToVp8::new(config())?)),
        })
    }

    /// The codec it takes.
    pub fn from(&self) -> VideoCodec {
        match self {
            PictureTranscode::ToH264(_) => VideoCodec::Vp8,
            PictureTranscode::ToVp8(_) => VideoCodec::H264,
        }
    }

    /// One whole frame in; a frame in the other codec out, if one is due.
    pub fn push(
        &mut self,
        frame: &[u8],
        keyframe: bool,
        time_ms: u64,
    ) -> Result<Option<Vec<u8>>, TranscodeError> {
        Ok(match self {
            PictureTranscode::ToH264(t) => t.push(frame, keyframe, time_ms)?.map(|f| f.data),
            PictureTranscode::ToVp8(t) => t.push(frame, keyframe, time_ms)?.map(|f| f.data),
        })
    }

    pub fn request_keyframe(&mut self) {
        match self {
            PictureTranscode::ToH264(t) => t.request_keyframe(),
            PictureTranscode::ToVp8(t) => t.request_keyframe(),
        }
    }

    pub fn needs_input_keyframe(&self) -> bool {
        match self {
            PictureTranscode::ToH264(t) => t.needs_input_keyframe(),
            PictureTranscode::ToVp8(t) => t.needs_input_keyframe(),
        }
    }
}

/// What a room system gets: 720p at 30 frames per second, at a bit rate
/// room systems of the last decade take without complaint.
fn config() -> TranscodeConfig {
    TranscodeConfig {
        max_width: 1280,
        max_height: 720,
        bitrate_kbps: 1_500,
        max_fps: 30,
    }
}
