//! A voice prompt played to a SIP caller (enter the PIN, please wait, …),
//! 20 ms at a time, in German and then English.
//!
//! The clips are 16 kHz mono PCM (the server embeds them, made by
//! `crates/civicmeet/prompts/make.sh`); a [`PromptPlayer`] resamples
//! them to the caller's rate and hands out whole frames, the last one
//! padded with silence, and a short pause between the languages.

use crate::resample::{Resampler, SampleRate};

/// Silence between the German and the English clip.
const PAUSE_FRAMES: usize = 20;

/// Plays clips in order, then is done.
#[derive(Debug)]
pub struct PromptPlayer {
    /// 16 kHz samples still to play, pause included.
    samples: Vec<i16>,
    at: usize,
    resampler: Option<Resampler>,
    rate: SampleRate,
}

impl PromptPlayer {
    /// Plays `clips` (16-bit little-endian 16 kHz PCM each) one after the
    /// other with a pause between them, at `rate`.
    pub fn new(clips: &[&[u8]], rate: SampleRate) -> PromptPlayer {
        let frame = SampleRate::Hz16000.frame_len();
        let mut samples = Vec::new();
        for (i, clip) in clips.iter().enumerate() {
            if i > 0 {
                samples.resize(samples.len() + PAUSE_FRAMES * frame, 0);
            }
            samples.extend(
                clip.chunks_exact(2)
                    .map(|pair| i16::from_le_bytes([pair[0], pair[1]])),
            );
        }
        // Whole frames only: pad the end with silence.
        let whole = samples.len().div_ceil(frame) * frame;
        samples.resize(whole, 0);
        let resampler =
            (rate != SampleRate::Hz16000).then(|| Resampler::new(SampleRate::Hz16000, rate));
        PromptPlayer {
            samples,
            at: 0,
            resampler,
            rate,
        }
    }

    /// The next 20 ms at the player's rate, appended to `out`; `false`
    /// (and nothing appended) once the prompt is over.
    pub fn next_frame(&mut self, out: &mut Vec<i16>) -> bool {
        let frame = SampleRate::Hz16000.frame_len();
        let Some(chunk) = self.samples.get(self.at..self.at + frame) else {
            return false;
        };
        self.at += frame;
        match &mut self.resampler {
            // A whole 20 ms frame always resamples.
            Some(resampler) => {
                if resampler.process(chunk, out).is_err() {
                    out.resize(out.len() + self.rate.frame_len(), 0);
                }
            }
            None => out.extend_from_slice(chunk),
        }
        true
    }

    pub fn is_done(&self) -> bool {
        self.at >= self.samples.len()
    }
}
