//! Sample-rate conversion between the rates the SIP leg meets: 8 kHz
//! (G.711), 16 kHz (G.722) and 48 kHz (the meeting's Opus and the mixer).
//!
//! Every pair of these rates is an integer ratio (2, 3 or 6), so a
//! converter is either an interpolator (insert zeros, low-pass) or a
//! decimator (low-pass, keep every n-th), both with one windowed-sinc
//! low-pass designed once per converter (Kaiser window, about 70 dB of
//! stopband, the transition band just below the lower rate's Nyquist
//! frequency). Interpolation runs polyphase, so no multiplication is spent
//! on the inserted zeros. The filter's memory is kept between calls, so
//! consecutive 20 ms frames join without a click; the price is a fixed
//! delay of half the filter (under 3 ms).

use crate::Error;

/// The PCM rates of the SIP leg's audio path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SampleRate {
    Hz8000,
    Hz16000,
    Hz48000,
}

impl SampleRate {
    pub const fn hz(self) -> u32 {
        match self {
            SampleRate::Hz8000 => 8000,
            SampleRate::Hz16000 => 16000,
            SampleRate::Hz48000 => 48000,
        }
    }

    /// Samples in one 20 ms frame, the unit everything here works in.
    pub const fn frame_len(self) -> usize {
        self.hz() as usize / 50
    }
}

/// Filter taps per polyphase branch (per sample of the lower rate). With
/// 48 the transition band is about 0.09 of the lower rate wide.
const TAPS_PER_PHASE: usize = 48;

/// Kaiser window shape: about 70 dB of stopband attenuation.
const KAISER_BETA: f64 = 7.0;

#[derive(Debug, Clone)]
enum Direction {
    Same,
    /// Interpolate by the factor: `phases[p]` holds branch `p`'s taps,
    /// reversed so that a branch is a dot product with the newest inputs.
    Up {
        factor: usize,
        phases: Vec<Vec<f32>>,
    },
    /// Decimate by the factor with the whole filter, reversed likewise.
    Down {
        factor: usize,
        taps: Vec<f32>,
    },
}

/// Converts 16-bit mono PCM from one rate to another, a whole number of
/// 20 ms frames at a time.
#[derive(Debug, Clone)]
pub struct Resampler {
    from: SampleRate,
    to: SampleRate,
    direction: Direction,
    /// The newest inputs of earlier calls, as many as the filter reaches
    /// back (oldest first).
    history: Vec<f32>,
    /// Scratch: history followed by this call's input.
    buffer: Vec<f32>,
}

impl Resampler {
    pub fn new(from: SampleRate, to: SampleRate) -> Self {
        let (low, high) = if from.hz() <= to.hz() {
            (from.hz(), to.hz())
        } else {
            (to.hz(), from.hz())
        };
        let factor = (high / low) as usize;
        let (direction, reach) = if factor == 1 {
            (Direction::Same, 0)
        } else {
            let mut taps = low_pass(factor, low, high);
            if to.hz() > from.hz() {
                // Zero insertion divides the level by the factor: each
                // branch gets a gain of one instead of 1/factor.
                for tap in &mut taps {
                    *tap *= factor as f32;
                }
                let phases = (0..factor)
                    .map(|p| {
                        (0..TAPS_PER_PHASE)
                            .rev()
                            .map(|k| taps[k * factor + p])
                            .collect()
                    })
                    .collect();
                (Direction::Up { factor, phases }, TAPS_PER_PHASE - 1)
            } else {
                taps.reverse();
                (
                    Direction::Down { factor, taps },
                    factor * TAPS_PER_PHASE - 1,
                )
            }
        };
        Resampler {
            from,
            to,
            direction,
            history: vec![0.0; reach],
            buffer: Vec::new(),
        }
    }

    pub fn from_rate(&self) -> SampleRate {
        self.from
    }

    pub fn to_rate(&self) -> SampleRate {
        self.to
    }

    /// Converts whole 20 ms frames at the source rate, appending the same
    /// duration at the target rate to `out`.
    pub fn process(&mut self, input: &[i16], out: &mut Vec<i16>) -> Result<(), Error> {
        let frame = self.from.frame_len();
        if !input.len().is_multiple_of(frame) {
            return Err(Error::FrameLength {
                got: input.len(),
                expected: frame,
            });
        }
        let reach = self.history.len();
        self.buffer.clear();
        self.buffer.extend_from_slice(&self.history);
        self.buffer.extend(input.iter().map(|&s| f32::from(s)));

        match &self.direction {
            Direction::Same => out.extend_from_slice(input),
            Direction::Up { factor, phases } => {
                out.reserve(input.len() * factor);
                // Each input sample, with the taps-1 before it, yields one
                // output per branch.
                for window in self.buffer.windows(reach + 1) {
                    for phase in phases {
                        out.push(to_pcm(dot(phase, window)));
                    }
                }
            }
            Direction::Down { factor, taps } => {
                out.reserve(input.len() / factor);
                // One output per `factor` inputs, aligned on the last of
                // them; the window reaches back over the whole filter.
                for end in (reach + factor..=self.buffer.len()).step_by(*factor) {
                    let window = &self.buffer[end - reach - 1..end];
                    out.push(to_pcm(dot(taps, window)));
                }
            }
        }

        let keep_from = self.buffer.len() - reach;
        self.history.clear();
        self.history.extend_from_slice(&self.buffer[keep_from..]);
        Ok(())
    }
}

fn dot(taps: &[f32], window: &[f32]) -> f32 {
    taps.iter().zip(window).map(|(t, x)| t * x).sum()
}

fn to_pcm(value: f32) -> i16 {
    // `as` saturates a float, and the clamp makes that explicit.
    value
        .round()
        .clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}

/// A Kaiser-windowed sinc low-pass of `factor * TAPS_PER_PHASE` taps at
/// the higher rate, with unit gain at DC, whose transition band ends at
/// the lower rate's Nyquist frequency (so what would alias is in the
/// stopband).
fn low_pass(factor: usize, low: u32, high: u32) -> Vec<f32> {
    let len = factor * TAPS_PER_PHASE;
    // Kaiser's estimate of the transition width for this length and
    // attenuation, as a fraction of the higher rate.
    let attenuation = 0.1102f64.recip() * KAISER_BETA + 8.7;
    let width = (attenuation - 8.0) / (2.285 * 2.0 * std::f64::consts::PI * len as f64);
    let nyquist = f64::from(low) / 2.0 / f64::from(high);
    let cutoff = nyquist - width / 2.0;
    let centre = (len - 1) as f64 / 2.0;
    let norm = bessel_i0(KAISER_BETA);
    let mut taps: Vec<f64> = (0..len)
        .map(|n| {
            let t = n as f64 - centre;
            let sinc = if t == 0.0 {
                2.0 * cutoff
            } else {
                (2.0 * std::f64::consts::PI * cutoff * t).sin() / (std::f64::consts::PI * t)
            };
            let ratio = t / centre;
            let window = bessel_i0(KAISER_BETA * (1.0 - ratio * ratio).max(0.0).sqrt()) / norm;
            sinc * window
        })
        .collect();
    let sum: f64 = taps.iter().sum();
    for tap in &mut taps {
        *tap /= sum;
    }
    taps.into_iter().map(|t| t as f32).collect()
}

/// The modified Bessel function of the first kind, order zero, by its
/// power series (converges fast for the window's arguments, below 10).
fn bessel_i0(x: f64) -> f64 {
    let half = x / 2.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..50 {
        term *= half / k as f64;
        sum += term * term;
        if term * term < sum * 1e-17 {
            break;
        }
    }
    sum
}
