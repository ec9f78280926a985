//! Test support: real codecs around the transcoder — a libvpx VP8 encoder
//! for the input, openh264's decoder for the output — and a synthetic
//! moving picture to feed them.

#![allow(dead_code)]

pub mod h264;
pub mod pattern;
pub mod vp8_encoder;
pub mod vp8_reader;

/// Xorshift64: deterministic "random" input.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// The worst of the Y, U and V PSNRs of `decoded` against `source`
/// (halved by 2x2 means when the decoded picture is half its size).
pub fn psnr(source: &pattern::I420, decoded: &h264::Decoded) -> f64 {
    let (w, h) = (decoded.width, decoded.height);
    let planes = [
        (source.y(), &decoded.y, 1),
        (source.u(), &decoded.u, 2),
        (source.v(), &decoded.v, 2),
    ];
    planes
        .into_iter()
        .map(|(reference, decoded, sub)| {
            let reference = if (source.width, source.height) == (w, h) {
                reference.to_vec()
            } else {
                assert_eq!(
                    (source.width / 2, source.height / 2),
                    (w, h),
                    "the tests scale 2:1 only"
                );
                pattern::halve(reference, source.width / sub, source.height / sub)
            };
            pattern::psnr(&reference, decoded)
        })
        .fold(f64::INFINITY, f64::min)
}
