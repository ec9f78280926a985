//! Test support: real codecs around the transcoder — a libvpx VP8 encoder
//! for the input, openh264's decoder for the output — and a synthetic
//! moving picture to feed them.

#![allow(dead_code)]

pub mod h264;
pub mod pattern;
pub mod vp8_encoder;

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
