//! The browser stand-in's VP8 encoder: the library's own (libvpx, loaded
//! at run time), at the tests' bit rate. Nothing here is mocked.
//!
//! Without libvpx it panics saying what to install: the tests must fail,
//! not skip, on a machine that lacks it.

pub use civicmeet_transcode::Vp8Frame;
use civicmeet_transcode::{TranscodeConfig, Vp8Encoder as LibraryEncoder};

/// A real-time VP8 encoder at one size, constant bit rate, keyframes only
/// when asked (and the first).
pub struct Vp8Encoder(LibraryEncoder);

impl Vp8Encoder {
    pub fn new(width: u32, height: u32, bitrate_kbps: u32) -> Self {
        let config = TranscodeConfig {
            max_width: width.max(16),
            max_height: height.max(16),
            bitrate_kbps,
            max_fps: 30,
        };
        match LibraryEncoder::new(width, height, &config) {
            Ok(encoder) => Self(encoder),
            Err(e) => panic!("{e} (`cargo xtask test` installs libvpx7)"),
        }
    }

    /// Encodes one I420 picture (planes packed) captured at `time_ms`.
    pub fn encode(&mut self, i420: &mut [u8], time_ms: u64, force_keyframe: bool) -> Vp8Frame {
        self.0
            .encode_i420(i420, force_keyframe, time_ms)
            .expect("VP8 encodes")
            .expect("a frame for every picture (no frame dropping)")
    }
}
