//! The H.264 side: openh264 set up the way room systems take it —
//! constrained baseline, one slice per frame, rate control at the
//! configured bit rate, one thread, and IDR frames only when asked.

use openh264::OpenH264API;
use openh264::Timestamp;
use openh264::encoder::{
    BitRate, Complexity, Encoder, EncoderConfig, FrameRate, FrameType, IntraFramePeriod, Profile,
    RateControlMode, SpsPpsStrategy, UsageType,
};

use crate::encoder_clock::EncoderClock;
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
        let timestamp = Timestamp::from_millis(self.clock.advance(time_ms));
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
