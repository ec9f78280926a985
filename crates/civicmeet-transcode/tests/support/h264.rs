//! Reading what the transcoder sends: openh264's decoder, as a room system
//! would decode it, and the NAL units of an Annex B access unit.

use openh264::decoder::Decoder;
use openh264::formats::YUVSource;

/// A decoded H.264 picture's size and packed planes.
pub struct Decoded {
    pub width: u32,
    pub height: u32,
    pub y: Vec<u8>,
    pub u: Vec<u8>,
    pub v: Vec<u8>,
}

pub struct H264Decoder(Decoder);

impl H264Decoder {
    pub fn new() -> Self {
        Self(Decoder::new().expect("openh264 decoder"))
    }

    /// Decodes one access unit; panics when openh264 refuses it (our
    /// output must always decode).
    pub fn decode(&mut self, access_unit: &[u8]) -> Option<Decoded> {
        let picture = self.0.decode(access_unit).expect("our H.264 decodes")?;
        let (w, h) = picture.dimensions();
        let strides = picture.strides();
        let pack = |plane: &[u8], stride: usize, w: usize, h: usize| -> Vec<u8> {
            plane
                .chunks(stride)
                .take(h)
                .flat_map(|row| &row[..w])
                .copied()
                .collect()
        };
        Some(Decoded {
            width: w as u32,
            height: h as u32,
            y: pack(picture.y(), strides.0, w, h),
            u: pack(picture.u(), strides.1, w / 2, h / 2),
            v: pack(picture.v(), strides.2, w / 2, h / 2),
        })
    }
}

/// The NAL units of an Annex B access unit, start codes removed. (A
/// start code is 00 00 01, maybe after more zeros; emulation prevention
/// keeps the sequence out of NAL bodies.)
pub fn nal_units(access_unit: &[u8]) -> Vec<&[u8]> {
    let starts: Vec<usize> = access_unit
        .windows(3)
        .enumerate()
        .filter(|(_, w)| *w == [0, 0, 1])
        .map(|(i, _)| i + 3)
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(k, &start)| {
            let end = starts.get(k + 1).map_or(access_unit.len(), |next| next - 3);
            let body = &access_unit[start..end];
            // Trailing zeros belong to the next start code.
            let trimmed = body
                .iter()
                .rposition(|b| *b != 0)
                .map_or(0, |last| last + 1);
            &body[..trimmed]
        })
        .collect()
}

/// The NAL unit types of an Annex B access unit, in order.
pub fn nal_types(access_unit: &[u8]) -> Vec<u8> {
    nal_units(access_unit)
        .iter()
        .filter_map(|nal| nal.first().map(|h| h & 0x1f))
        .collect()
}

/// The SPS's profile_idc and constraint-flags byte (the first two bytes of
/// an SDP profile-level-id), if the access unit has an SPS.
pub fn sps_profile(access_unit: &[u8]) -> Option<(u8, u8)> {
    nal_units(access_unit)
        .into_iter()
        .find(|nal| nal.first().is_some_and(|h| h & 0x1f == 7))
        .and_then(|sps| Some((*sps.get(1)?, *sps.get(2)?)))
}

/// A room system stand-in: openh264's encoder at one size, constrained
/// baseline, no frame skipping, IDRs only when asked (and the first).
pub struct H264Camera {
    encoder: openh264::encoder::Encoder,
    pub width: u32,
    pub height: u32,
}

impl H264Camera {
    pub fn new(width: u32, height: u32, bitrate_kbps: u32) -> Self {
        use openh264::encoder::{
            BitRate, Encoder, EncoderConfig, FrameRate, IntraFramePeriod, RateControlMode,
            UsageType,
        };
        let config = EncoderConfig::new()
            .usage_type(UsageType::CameraVideoRealTime)
            .rate_control_mode(RateControlMode::Bitrate)
            .bitrate(BitRate::from_bps(bitrate_kbps * 1000))
            .max_frame_rate(FrameRate::from_hz(30.0))
            .skip_frames(false)
            .intra_frame_period(IntraFramePeriod::from_num_frames(0))
            .scene_change_detect(false);
        let encoder = Encoder::with_api_config(openh264::OpenH264API::from_source(), config)
            .expect("openh264 encoder");
        Self {
            encoder,
            width,
            height,
        }
    }

    /// One access unit (Annex B) of an I420 picture (planes packed) at
    /// `time_ms`, and whether it is an IDR.
    pub fn encode(&mut self, i420: &[u8], time_ms: u64, idr: bool) -> (Vec<u8>, bool) {
        use openh264::formats::YUVBuffer;
        let picture = YUVBuffer::from_vec(i420.to_vec(), self.width as usize, self.height as usize);
        if idr {
            self.encoder.force_intra_frame();
        }
        let stream = self
            .encoder
            .encode_at(&picture, openh264::Timestamp::from_millis(time_ms))
            .expect("H.264 encodes");
        let data = stream.to_vec();
        let keyframe = nal_types(&data).contains(&5);
        (data, keyframe)
    }
}
