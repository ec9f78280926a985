//! Helpers shared by the tests: a deterministic random source, test
//! signals and the measurements the tests judge audio by.

#![allow(dead_code)]

/// Xorshift64: deterministic, so every run sees the same "random" input.
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

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// `len` samples of a sine of `freq` Hz at `rate` Hz and `amplitude`.
pub fn sine(freq: f64, rate: u32, amplitude: f64, len: usize) -> Vec<i16> {
    (0..len)
        .map(|n| {
            let t = n as f64 / f64::from(rate);
            (amplitude * (2.0 * std::f64::consts::PI * freq * t).sin()).round() as i16
        })
        .collect()
}

pub fn energy(samples: &[i16]) -> f64 {
    samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum()
}

pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    (energy(samples) / samples.len() as f64).sqrt()
}

/// Signal-to-noise ratio in dB of `decoded` against `reference`.
pub fn snr_db(reference: &[i16], decoded: &[i16]) -> f64 {
    let signal: f64 = reference.iter().map(|&s| f64::from(s).powi(2)).sum();
    let noise: f64 = reference
        .iter()
        .zip(decoded)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum();
    10.0 * (signal / noise.max(1e-9)).log10()
}

/// The power of `samples` at `freq` Hz (Goertzel), normalised so that a
/// full-length sine of amplitude A gives about A²/4·len².
pub fn power_at(samples: &[i16], freq: f64, rate: u32) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / f64::from(rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    s1 * s1 + s2 * s2 - coeff * s1 * s2
}

/// The frequency in `candidates` with the most power.
pub fn dominant(samples: &[i16], rate: u32, candidates: impl Iterator<Item = f64>) -> f64 {
    candidates
        .map(|f| (f, power_at(samples, f, rate)))
        .fold((0.0, -1.0), |best, c| if c.1 > best.1 { c } else { best })
        .0
}

pub mod video;
