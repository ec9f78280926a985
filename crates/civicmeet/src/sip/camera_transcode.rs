//! A room system's H.264 camera turned into VP8 for the meeting, sans-IO.
//!
//! Chromium decodes H.264, Firefox only with Cisco's OpenH264 plugin,
//! which it downloads from Cisco at run time (a self-hosted
//! administration may well forbid that). VP8 every browser decodes, so
//! with `sip.transcode_h264` (the default) the leg publishes the room
//! system's picture as VP8; without libvpx on the machine it publishes
//! the H.264 as it came (said once in the log).

use civicmeet_transcode::{H264ToVp8, TranscodeConfig};

/// What became of one frame of the room system's camera.
#[derive(Debug, PartialEq, Eq)]
pub enum CameraFrame {
    /// VP8 for the meeting.
    Vp8(Vec<u8>),
    /// Nothing to publish yet (paced out, or waiting for an IDR).
    Nothing,
    /// The H.264 did not decode: the room system must send an IDR.
    NeedIdr,
}

pub struct CameraTranscode {
    transcoder: H264ToVp8,
}

impl CameraTranscode {
    /// The transcoder, or why there is none (libvpx missing).
    pub fn new() -> Result<CameraTranscode, civicmeet_transcode::TranscodeError> {
        Ok(CameraTranscode {
            transcoder: H264ToVp8::new(config())?,
        })
    }

    /// One H.264 access unit at `time` (90 kHz, unwrapped).
    pub fn frame(&mut self, h264: &[u8], keyframe: bool, time: u64) -> CameraFrame {
        match self.transcoder.push(h264, keyframe, time / 90) {
            Ok(Some(vp8)) => CameraFrame::Vp8(vp8.data),
            Ok(None) if self.transcoder.needs_input_keyframe() => CameraFrame::NeedIdr,
            Ok(None) => CameraFrame::Nothing,
            Err(e) => {
                tracing::debug!(error = %e, "a frame of the room system's camera was not transcoded");
                if self.transcoder.needs_input_keyframe() {
                    CameraFrame::NeedIdr
                } else {
                    CameraFrame::Nothing
                }
            }
        }
    }

    /// The meeting wants a keyframe: our VP8 encoder makes it.
    pub fn request_keyframe(&mut self) {
        self.transcoder.request_keyframe();
    }
}

/// 720p at 30 frames per second, at a rate browsers' VP8 cameras use for
/// the same size.
fn config() -> TranscodeConfig {
    TranscodeConfig {
        max_width: 1280,
        max_height: 720,
        bitrate_kbps: 1_500,
        max_fps: 30,
    }
}
