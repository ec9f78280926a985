//! The H.264 side: openh264 set up the way room systems take it —
//! constrained baseline, one slice per frame, rate control at the
//! configured bit rate, one thread, and IDR frames only when asked.

use openh264::OpenH264API;
use openh264::Timestamp;
use openh264::encoder::{
    BitRate, Complexity, Encoder, EncoderConfig, FrameRate, FrameType, IntraFramePeriod, Profile,
    RateControlMode, SpsPpsStrategy, UsageType,
};

use crate::picture::Picture;
use crate::{TranscodeConfig, TranscodeError};

/// One encoded access unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H264Frame {
    /// Annex B: each NAL unit behind a start code; an IDR comes with its
    /// SPS and PPS in front.
    pub data: Vec<u8>,
    /// An IDR frame: a room system can start decoding here.
    pub keyframe: bool,
}

/// An openh264 encoder for one output size; a new size gets a new one.
pub(crate) struct H264Encoder {
    encoder: Encoder,
    width: u32,
    height: u32,
    clock: EncoderClock,
}

/// The times openh264's rate control sees: from 0 at the first frame,
/// never backwards. Capture times can jump back (a publisher's new
/// timeline); rate control would read that as frames coming at once and
/// drop them, so a jump back counts as one frame interval.
#[derive(Debug, Clone)]
struct EncoderClock {
    frame_ms: u64,
    last_input: Option<u64>,
    now: u64,
}

impl EncoderClock {
    fn new(max_fps: u32) -> Self {
        Self {
            frame_ms: 1000 / u64::from(max_fps.max(1)),
            last_input: None,
            now: 0,
        }
    }

    fn advance(&mut self, time_ms: u64) -> Timestamp {
        if let Some(last) = self.last_input {
            let step = time_ms.checked_sub(last).unwrap_or(self.frame_ms);
            // openh264 takes an i64: stay far below its end.
            self.now = self.now.saturating_add(step).min(i64::MAX as u64 / 2);
        }
        self.last_input = Some(time_ms);
        Timestamp::from_millis(self.now)
    }
}

impl H264Encoder {
    pub(crate) fn new(
        width: u32,
        height: u32,
        config: &TranscodeConfig,
    ) -> Result<Self, TranscodeError> {
        let settings = EncoderConfig::new()
            .profile(Profile::Baseline)
            .usage_type(UsageType::CameraVideoRealTime)
            .rate_control_mode(RateControlMode::Bitrate)
            // `validate` keeps this below 10^9, inside openh264's i32.
            .bitrate(BitRate::from_bps(config.bitrate_kbps.saturating_mul(1000)))
            .max_frame_rate(FrameRate::from_hz(config.max_fps as f32))
            // Rate control keeps to the bit rate by dropping a frame when
            // its buffer is full (typically the one after an IDR), as
            // WebRTC's own openh264 setup does; without it openh264 warns on
            // stderr at every start that it cannot hold the rate. A
            // requested IDR is forced again on the next frame until one
            // comes out (`Vp8ToH264`).
            .skip_frames(true)
            // IDRs when asked only (the transcoder adds a periodic one);
            // a scene cut in a camera picture is no reason for one.
            .intra_frame_period(IntraFramePeriod::from_num_frames(0))
            .scene_change_detect(false)
            .sps_pps_strategy(SpsPpsStrategy::ConstantId)
            .complexity(Complexity::Low)
            // Sans-IO means no threads of our own, openh264's included.
            .num_threads(1);
        let encoder = Encoder::with_api_config(OpenH264API::from_source(), settings)
            .map_err(|e| TranscodeError::Encode(format!("openh264 did not start: {e}")))?;
        Ok(Self {
            encoder,
            width,
            height,
            clock: EncoderClock::new(config.max_fps),
        })
    }

    pub(crate) fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Encodes `picture` (of this encoder's size); an IDR when `idr`.
    /// `None` when openh264 gave nothing for the frame.
    pub(crate) fn encode(
        &mut self,
        picture: &Picture,
        idr: bool,
        time_ms: u64,
    ) -> Result<Option<H264Frame>, TranscodeError> {
        debug_assert_eq!((picture.width(), picture.height()), self.size());
        let timestamp = self.clock.advance(time_ms);
        if idr {
            self.encoder.force_intra_frame();
        }
        let stream = self
            .encoder
            .encode_at(picture, timestamp)
            .map_err(|e| TranscodeError::Encode(e.to_string()))?;
        let keyframe = match stream.frame_type() {
            FrameType::IDR => true,
            FrameType::I | FrameType::P | FrameType::IPMixed => false,
            FrameType::Skip | FrameType::Invalid => return Ok(None),
        };
        let data = stream.to_vec();
        if data.is_empty() {
            return Ok(None);
        }
        Ok(Some(H264Frame { data, keyframe }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoder_clock_starts_at_zero_and_never_goes_back() {
        let mut clock = EncoderClock::new(30);
        let times: Vec<u64> = [5_000, 5_033, 5_066, 100, 133, u64::MAX, 0]
            .into_iter()
            .map(|t| clock.advance(t).as_millis())
            .collect();
        assert_eq!(&times[..5], &[0, 33, 66, 99, 132]);
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
        assert!(times[6] < i64::MAX as u64);
    }
}
