//! What the transcoder is asked to make, and the output size that follows
//! from an input size.

use crate::TranscodeError;

/// The output a room system is given: at most this size (the input is
/// scaled down, never up), at most this frame rate, at this bit rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TranscodeConfig {
    pub max_width: u32,
    pub max_height: u32,
    pub bitrate_kbps: u32,
    pub max_fps: u32,
}

/// The smallest box worth encoding: one macroblock.
const MIN_SIDE: u32 = 16;
/// openh264 encodes at most 3840x2160 (either orientation).
const MAX_LONG_SIDE: u32 = 3840;
const MAX_SHORT_SIDE: u32 = 2160;
/// Beyond this, `bitrate_kbps * 1000` no longer fits openh264's `i32`.
const MAX_BITRATE_KBPS: u32 = 1_000_000;
/// More frames than this per second no room system shows.
const MAX_FPS: u32 = 120;

impl TranscodeConfig {
    /// Refuses a configuration no encoder could follow.
    pub(crate) fn validate(&self) -> Result<(), TranscodeError> {
        let long = self.max_width.max(self.max_height);
        let short = self.max_width.min(self.max_height);
        if short < MIN_SIDE {
            return Err(TranscodeError::Config(format!(
                "max size {}x{} is below {MIN_SIDE} pixels",
                self.max_width, self.max_height
            )));
        }
        if long > MAX_LONG_SIDE || short > MAX_SHORT_SIDE {
            return Err(TranscodeError::Config(format!(
                "max size {}x{} is above {MAX_LONG_SIDE}x{MAX_SHORT_SIDE}",
                self.max_width, self.max_height
            )));
        }
        if self.bitrate_kbps == 0 || self.bitrate_kbps > MAX_BITRATE_KBPS {
            return Err(TranscodeError::Config(format!(
                "bitrate {} kbit/s is not within 1..={MAX_BITRATE_KBPS}",
                self.bitrate_kbps
            )));
        }
        if self.max_fps == 0 || self.max_fps > MAX_FPS {
            return Err(TranscodeError::Config(format!(
                "max_fps {} is not within 1..={MAX_FPS}",
                self.max_fps
            )));
        }
        Ok(())
    }

    /// The size a `width` x `height` input is encoded at: scaled down to fit
    /// the box with its aspect ratio kept, then rounded down to even sides
    /// (I420 chroma is one sample per 2x2 pixels), at least 2x2.
    pub fn output_size(&self, width: u32, height: u32) -> (u32, u32) {
        let (width, height) = (u64::from(width.max(1)), u64::from(height.max(1)));
        let (max_w, max_h) = (u64::from(self.max_width), u64::from(self.max_height));
        // Compare the ratios by cross-multiplying: no rounding decides which
        // side is the limit.
        let (w, h) = if width <= max_w && height <= max_h {
            (width, height)
        } else if width * max_h >= height * max_w {
            (max_w, height * max_w / width)
        } else {
            (width * max_h / height, max_h)
        };
        let even = |side: u64| u32::try_from(side & !1).unwrap_or(u32::MAX - 1).max(2);
        (even(w), even(h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(max_width: u32, max_height: u32) -> TranscodeConfig {
        TranscodeConfig {
            max_width,
            max_height,
            bitrate_kbps: 800,
            max_fps: 30,
        }
    }

    #[test]
    fn sizes_fit_the_box_with_aspect_kept_and_even_sides() {
        let cases = [
            // (box, input, output)
            ((640, 360), (1280, 720), (640, 360)),
            ((640, 360), (640, 360), (640, 360)),
            ((640, 360), (320, 180), (320, 180)),
            ((1280, 720), (1920, 1080), (1280, 720)),
            // Narrower than the box: the height limits.
            ((1280, 720), (960, 1280), (540, 720)),
            // 4:3 into 16:9: the height limits.
            ((640, 360), (640, 480), (480, 360)),
            // Wider than 16:9: the width limits, odd height rounded down.
            ((640, 360), (1920, 817), (640, 272)),
            // Odd input sides become even without other scaling.
            ((640, 360), (321, 181), (320, 180)),
            // Degenerate inputs still give an encodable 2x2 at least.
            ((640, 360), (1, 1), (2, 2)),
            ((640, 360), (16383, 1), (640, 2)),
        ];
        for ((mw, mh), (w, h), expected) in cases {
            assert_eq!(
                config(mw, mh).output_size(w, h),
                expected,
                "{w}x{h} into {mw}x{mh}"
            );
        }
    }

    #[test]
    fn impossible_configurations_are_refused() {
        assert!(config(640, 360).validate().is_ok());
        assert!(config(8, 360).validate().is_err());
        assert!(config(4096, 2160).validate().is_err());
        assert!(config(2160, 3840).validate().is_ok());
        let mut c = config(640, 360);
        c.bitrate_kbps = 0;
        assert!(c.validate().is_err());
        c.bitrate_kbps = 800;
        c.max_fps = 0;
        assert!(c.validate().is_err());
    }
}
