//! One received meeting track on its way to the phone: its Opus frames
//! decoded into a short, bounded queue of 48 kHz samples, played out one
//! 20 ms frame per tick.
//!
//! Frames from the router arrive in bursts and gaps (network jitter, and
//! the sender's own pacing); the mix is taken on our steady tick. The
//! queue starts playing once it holds [`START_FRAMES`] frames, plays
//! silence (and waits to refill) when it runs dry, and drops its oldest
//! samples beyond [`MAX_FRAMES`], so the delay it adds stays bounded.

use std::collections::VecDeque;

use civicmeet_sip_media::{AudioDecoder, Codec, MIX_FRAME};

/// Frames queued before playout (re)starts: 40 ms of slack.
pub const START_FRAMES: usize = 2;
/// The most the queue holds: 200 ms.
pub const MAX_FRAMES: usize = 10;
/// The largest Opus packet duration (120 ms) in samples: a decoded packet
/// longer than that is not Opus.
const MAX_DECODED: usize = 6 * MIX_FRAME;

#[derive(Debug)]
pub struct TrackQueue {
    decoder: Option<AudioDecoder>,
    samples: VecDeque<i16>,
    playing: bool,
    /// Ticks since anything arrived.
    idle_ticks: u32,
    scratch: Vec<i16>,
}

impl Default for TrackQueue {
    fn default() -> Self {
        TrackQueue::new()
    }
}

impl TrackQueue {
    pub fn new() -> TrackQueue {
        TrackQueue {
            decoder: AudioDecoder::new(Codec::Opus).ok(),
            samples: VecDeque::with_capacity(MAX_FRAMES * MIX_FRAME),
            playing: false,
            idle_ticks: 0,
            scratch: Vec::with_capacity(MAX_DECODED),
        }
    }

    /// Decodes one Opus frame into the queue.
    pub fn push_opus(&mut self, payload: &[u8]) {
        let Some(decoder) = &mut self.decoder else {
            return;
        };
        self.scratch.clear();
        if decoder.decode(payload, &mut self.scratch).is_err() {
            // A frame that does not decode is lost: the queue plays what
            // it has, and silence when it runs dry.
            return;
        }
        self.scratch.truncate(MAX_DECODED);
        self.push_pcm_scratch();
    }

    /// Queues decoded 48 kHz samples (tests feed PCM directly).
    #[cfg(test)]
    pub fn push_pcm(&mut self, pcm: &[i16]) {
        self.scratch.clear();
        self.scratch
            .extend_from_slice(pcm.get(..pcm.len().min(MAX_DECODED)).unwrap_or(pcm));
        self.push_pcm_scratch();
    }

    fn push_pcm_scratch(&mut self) {
        self.idle_ticks = 0;
        self.samples.extend(self.scratch.iter().copied());
        let excess = self.samples.len().saturating_sub(MAX_FRAMES * MIX_FRAME);
        self.samples.drain(..excess);
    }

    /// This tick's frame into `out` ([`MIX_FRAME`] samples), or false
    /// when the track has nothing to play now.
    pub fn pop(&mut self, out: &mut [i16]) -> bool {
        self.idle_ticks = self.idle_ticks.saturating_add(1);
        if !self.playing {
            if self.samples.len() < START_FRAMES * MIX_FRAME {
                return false;
            }
            self.playing = true;
        }
        if self.samples.len() < out.len() {
            // Ran dry: wait until it has refilled, rather than play
            // fragments between gaps.
            self.playing = false;
            return false;
        }
        let len = out.len();
        for (slot, sample) in out.iter_mut().zip(self.samples.drain(..len)) {
            *slot = sample;
        }
        true
    }
}

impl TrackQueue {
    /// Ticks since this track last brought audio.
    pub fn idle_ticks(&self) -> u32 {
        self.idle_ticks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(value: i16) -> Vec<i16> {
        vec![value; MIX_FRAME]
    }

    #[test]
    fn starts_after_two_frames_and_refills_after_running_dry() {
        let mut queue = TrackQueue::new();
        let mut out = frame(0);
        queue.push_pcm(&frame(1));
        assert!(!queue.pop(&mut out));
        queue.push_pcm(&frame(2));
        assert!(queue.pop(&mut out));
        assert_eq!(out, frame(1));
        assert!(queue.pop(&mut out));
        assert_eq!(out, frame(2));
        assert!(!queue.pop(&mut out));
        queue.push_pcm(&frame(3));
        assert!(!queue.pop(&mut out), "waits to refill");
    }

    #[test]
    fn the_delay_stays_bounded() {
        let mut queue = TrackQueue::new();
        for value in 0..30 {
            queue.push_pcm(&frame(value));
        }
        // Only the newest ten frames are left.
        let mut out = frame(0);
        assert!(queue.pop(&mut out));
        assert_eq!(out, frame(20));
        // An oversized "frame" is cut, not stored whole.
        queue.push_pcm(&vec![5; 100 * MIX_FRAME]);
        let mut played = 0;
        while queue.pop(&mut out) {
            played += 1;
        }
        assert_eq!(played, MAX_FRAMES);
    }
}
