//! Who is speaking in a room, from the audio levels browsers put on every
//! Opus packet (RFC 6464: -dBov, 0 is loudest, 127 silence).
//!
//! Levels are smoothed per participant; someone becomes the active speaker
//! when they have been clearly louder than the current one (by
//! [`MARGIN_DB`]) and above [`SPEECH_DB`] for [`HOLD`], so a cough or a
//! word of assent does not move the layout. Silence counts as silence:
//! a participant whose packets stop (muted, left) fades out.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::ParticipantId;

/// Loudness (127 − level, so larger is louder) that counts as speech.
const SPEECH_DB: f32 = 127.0 - 50.0;
/// How much louder a challenger must be than the current speaker.
const MARGIN_DB: f32 = 6.0;
/// How long a challenger must stay ahead before taking over.
const HOLD: Duration = Duration::from_millis(800);
/// Weight of each new packet's level in the smoothed loudness (Opus sends
/// 50 packets a second, so this follows speech within about 0.2 s).
const SMOOTHING: f32 = 0.1;
/// Without packets for this long, a participant counts as silent.
const SILENT_AFTER: Duration = Duration::from_millis(500);

#[derive(Debug, Default)]
pub(crate) struct SpeakerDetector {
    loudness: HashMap<ParticipantId, (f32, Instant)>,
    current: Option<ParticipantId>,
    challenger: Option<(ParticipantId, Instant)>,
}

impl SpeakerDetector {
    /// Takes one packet's level; returns the new active speaker when it
    /// changed.
    pub fn observe(&mut self, now: Instant, id: ParticipantId, level: u8) -> Option<ParticipantId> {
        let loud = 127.0 - f32::from(level.min(127));
        let entry = self.loudness.entry(id).or_insert((0.0, now));
        entry.0 += SMOOTHING * (loud - entry.0);
        entry.1 = now;
        self.decide(now)
    }

    /// Forgets a participant who left; returns the new speaker if it was them.
    pub fn remove(&mut self, id: ParticipantId) -> bool {
        self.loudness.remove(&id);
        if self.challenger.is_some_and(|(c, _)| c == id) {
            self.challenger = None;
        }
        if self.current == Some(id) {
            self.current = None;
            return true;
        }
        false
    }

    fn loudness_of(&self, now: Instant, id: ParticipantId) -> f32 {
        match self.loudness.get(&id) {
            Some((loud, at)) if now.saturating_duration_since(*at) < SILENT_AFTER => *loud,
            _ => 0.0,
        }
    }

    fn decide(&mut self, now: Instant) -> Option<ParticipantId> {
        let (loudest, loud) = self
            .loudness
            .keys()
            .map(|id| (*id, self.loudness_of(now, *id)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))?;
        let current = self.current.map_or(0.0, |c| self.loudness_of(now, c));
        if Some(loudest) == self.current || loud < SPEECH_DB || loud < current + MARGIN_DB {
            self.challenger = None;
            return None;
        }
        match self.challenger {
            Some((c, since)) if c == loudest => {
                if now.saturating_duration_since(since) >= HOLD {
                    self.current = Some(loudest);
                    self.challenger = None;
                    return Some(loudest);
                }
            }
            _ => self.challenger = Some((loudest, now)),
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `levels` (one per participant) every 20 ms for `ms`; returns
    /// the speaker changes seen.
    fn talk(
        d: &mut SpeakerDetector,
        now: &mut Instant,
        ms: u64,
        levels: &[(u64, u8)],
    ) -> Vec<ParticipantId> {
        let mut changes = Vec::new();
        for _ in 0..ms / 20 {
            *now += Duration::from_millis(20);
            for (id, level) in levels {
                changes.extend(d.observe(*now, ParticipantId(*id), *level));
            }
        }
        changes
    }

    #[test]
    fn the_one_who_talks_becomes_the_speaker_after_a_moment() {
        let mut now = Instant::now();
        let mut d = SpeakerDetector::default();
        // Silence elects nobody.
        assert!(talk(&mut d, &mut now, 2000, &[(1, 127), (2, 120)]).is_empty());
        // 2 talks: elected after the hold, once.
        assert_eq!(
            talk(&mut d, &mut now, 2000, &[(1, 127), (2, 30)]),
            vec![ParticipantId(2)]
        );
        // A short interjection of 1 does not take over.
        assert!(talk(&mut d, &mut now, 400, &[(1, 20), (2, 30)]).is_empty());
        // Both equally loud: 2 stays.
        assert!(talk(&mut d, &mut now, 2000, &[(1, 30), (2, 30)]).is_empty());
        // 2 stops, 1 goes on: 1 takes over.
        assert_eq!(
            talk(&mut d, &mut now, 2000, &[(1, 30), (2, 127)]),
            vec![ParticipantId(1)]
        );
    }

    #[test]
    fn a_speaker_who_goes_quiet_by_leaving_is_replaced() {
        let mut now = Instant::now();
        let mut d = SpeakerDetector::default();
        assert_eq!(
            talk(&mut d, &mut now, 2000, &[(1, 30)]),
            vec![ParticipantId(1)]
        );
        assert!(d.remove(ParticipantId(1)));
        assert_eq!(
            talk(&mut d, &mut now, 2000, &[(2, 40)]),
            vec![ParticipantId(2)]
        );
    }
}
