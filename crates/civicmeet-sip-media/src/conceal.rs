//! Packet loss concealment for decoded PCM, in the spirit of ITU-T G.711
//! Appendix I: a lost frame is replaced by the last pitch period played
//! again, fading to silence over 60 ms of loss.
//!
//! Voiced speech is nearly periodic over a few tens of milliseconds, so
//! repeating its last period sounds like the talker went on. The period is
//! found by normalised autocorrelation over 5–15 ms (67–200 Hz voices and
//! their harmonics). A single period repeated for long sounds like a
//! buzz, so after 10 ms of loss two periods are cycled and after 20 ms
//! three (with a short cross-fade at each change), and the level falls by
//! a fifth every 10 ms after the first 10 ms, reaching silence at 60 ms.
//! When audio comes back, its first few milliseconds are cross-faded with
//! the continued concealment, so neither the start nor the end of a loss
//! clicks. G.722's own Appendix III and Opus's decoder do better for their
//! codecs; this one works on any PCM and costs little.

use crate::resample::SampleRate;

/// The concealer of one decoded stream.
#[derive(Debug, Clone)]
pub struct Concealer {
    rate: SampleRate,
    /// The latest output, oldest first (48 ms: enough for three of the
    /// longest periods and for the pitch search).
    history: Vec<i16>,
    /// Samples of the current loss concealed so far; zero when not in a
    /// loss.
    lost: usize,
    /// The period found at the start of the loss, in samples.
    pitch: usize,
    /// The end of the history at the start of the loss, which the
    /// concealment cycles through.
    source: Vec<f32>,
}

impl Concealer {
    pub fn new(rate: SampleRate) -> Self {
        Concealer {
            rate,
            history: vec![0; ms(rate, 48)],
            lost: 0,
            pitch: ms(rate, 15),
            source: Vec::new(),
        }
    }

    pub fn rate(&self) -> SampleRate {
        self.rate
    }

    /// Forgets the past: after this the next loss conceals with silence.
    pub fn reset(&mut self) {
        self.history.fill(0);
        self.lost = 0;
        self.source.clear();
    }

    /// Takes a frame that was decoded; if it ends a loss, its start is
    /// blended with the concealment (in place) so the seam is smooth.
    pub fn good(&mut self, frame: &mut [i16]) {
        if self.lost > 0 {
            // Longer losses get a longer fade back in, as in Appendix I:
            // a quarter period plus 4 ms per 10 ms lost, at most 10 ms.
            let fade = (self.pitch / 4 + ms(self.rate, 4) * (self.lost / ms(self.rate, 10)))
                .min(ms(self.rate, 10))
                .min(frame.len());
            for (i, sample) in frame.iter_mut().take(fade).enumerate() {
                let weight = (i + 1) as f32 / (fade + 1) as f32;
                let concealed = self.concealed_sample(self.lost + i);
                *sample = to_pcm(weight * f32::from(*sample) + (1.0 - weight) * concealed);
            }
            self.lost = 0;
        }
        self.remember(frame);
    }

    /// Fills `out` with the concealment of a lost frame.
    pub fn lost(&mut self, out: &mut [i16]) {
        if self.lost == 0 {
            self.start_loss();
        }
        for (i, sample) in out.iter_mut().enumerate() {
            *sample = to_pcm(self.concealed_sample(self.lost + i));
        }
        self.lost = self.lost.saturating_add(out.len());
        self.remember(out);
    }

    fn start_loss(&mut self) {
        self.pitch = self.find_pitch();
        let span = 3 * self.pitch;
        let start = self.history.len().saturating_sub(span);
        self.source.clear();
        self.source
            .extend(self.history[start..].iter().map(|&s| f32::from(s)));
    }

    /// The concealment `k` samples into the loss: the source cycled over
    /// one, two or three periods, faded.
    fn concealed_sample(&self, k: usize) -> f32 {
        let ten_ms = ms(self.rate, 10);
        let gain = if k < ten_ms {
            1.0
        } else {
            (1.0 - 0.2 * (k - ten_ms) as f32 / ten_ms as f32).max(0.0)
        };
        if gain == 0.0 || self.source.is_empty() {
            return 0.0;
        }
        let periods = (1 + k / ten_ms).min(3);
        let value = self.cycle(periods, k);
        // Cross-fade a quarter period from the pattern used before this
        // one, where the number of periods has just changed.
        let since_change = k % ten_ms;
        let fade = (self.pitch / 4).max(1);
        let value = if periods > 1 && k < 3 * ten_ms && since_change < fade {
            let weight = (since_change + 1) as f32 / (fade + 1) as f32;
            weight * value + (1.0 - weight) * self.cycle(periods - 1, k)
        } else {
            value
        };
        gain * value
    }

    /// The sample `k` of the source's last `periods` periods played in a
    /// loop.
    fn cycle(&self, periods: usize, k: usize) -> f32 {
        let span = (periods * self.pitch).clamp(1, self.source.len());
        let start = self.source.len() - span;
        self.source.get(start + k % span).copied().unwrap_or(0.0)
    }

    /// The period (5–15 ms) at which the latest history best matches
    /// itself, by normalised cross-correlation over 15 ms.
    fn find_pitch(&self) -> usize {
        let (shortest, longest) = (ms(self.rate, 5), ms(self.rate, 15));
        let window = longest;
        let end = self.history.len();
        let recent: Vec<f32> = self.history[end - window..]
            .iter()
            .map(|&s| f32::from(s))
            .collect();
        let recent_energy: f32 = recent.iter().map(|x| x * x).sum();
        let mut best = (longest, 0.0f32);
        if recent_energy <= 0.0 {
            return best.0;
        }
        for lag in shortest..=longest {
            let earlier = &self.history[end - window - lag..end - lag];
            let (mut corr, mut energy) = (0.0f32, 0.0f32);
            for (&a, &b) in recent.iter().zip(earlier) {
                let b = f32::from(b);
                corr += a * b;
                energy += b * b;
            }
            if corr > 0.0 && energy > 0.0 {
                let score = corr / (energy * recent_energy).sqrt();
                if score > best.1 {
                    best = (lag, score);
                }
            }
        }
        best.0
    }

    fn remember(&mut self, frame: &[i16]) {
        let keep = self.history.len();
        if frame.len() >= keep {
            self.history.copy_from_slice(&frame[frame.len() - keep..]);
        } else {
            self.history.copy_within(frame.len().., 0);
            self.history[keep - frame.len()..].copy_from_slice(frame);
        }
    }
}

/// Samples in `millis` milliseconds at the rate.
fn ms(rate: SampleRate, millis: usize) -> usize {
    rate.hz() as usize * millis / 1000
}

fn to_pcm(value: f32) -> i16 {
    value
        .round()
        .clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
}
