//! Which frames are encoded when the input comes faster than `max_fps`.
//!
//! Every input frame is decoded (VP8 delta frames need their
//! predecessors), but only frames that are due are encoded. A frame is due
//! when its capture time reaches the next slot of a `max_fps` grid, with a
//! quarter of a slot's tolerance for capture-time jitter; the grid restarts
//! at the frame after a pause, so a pause builds up no burst.

/// Milliseconds are scaled by this so a slot of 1000/`max_fps` ms is a
/// whole number (1000/30 is not).
const SCALE: u64 = 1_000;

#[derive(Debug, Clone)]
pub(crate) struct FramePacer {
    /// One slot, in ms * SCALE.
    slot: u64,
    /// The next slot's start, in ms * SCALE; `None` before the first frame.
    next_due: Option<u64>,
    last_time: u64,
}

impl FramePacer {
    pub(crate) fn new(max_fps: u32) -> Self {
        Self {
            slot: 1_000 * SCALE / u64::from(max_fps.max(1)),
            next_due: None,
            last_time: 0,
        }
    }

    /// Whether the frame captured at `time_ms` is encoded; if so, it takes
    /// its slot.
    pub(crate) fn take(&mut self, time_ms: u64) -> bool {
        let now = time_ms.saturating_mul(SCALE);
        let went_back = time_ms < self.last_time;
        self.last_time = time_ms;
        let due = match self.next_due {
            // The first frame, or a clock that went backwards (a new
            // publisher's timeline): start a new grid here.
            None => now,
            Some(_) if went_back => now,
            // After a pause longer than a slot, the grid starts again at
            // this frame instead of letting the missed slots through at once.
            Some(due) if now > due.saturating_add(self.slot) => now,
            Some(due) => due,
        };
        if now.saturating_add(self.slot / 4) < due {
            self.next_due = Some(due);
            return false;
        }
        self.next_due = Some(due.saturating_add(self.slot));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many of `count` frames `interval_ms` apart (with the given
    /// jitter pattern) a pacer at `max_fps` lets through.
    fn passed(max_fps: u32, interval_ms: f64, jitter: &[i64], count: usize) -> usize {
        let mut pacer = FramePacer::new(max_fps);
        (0..count)
            .filter(|i| {
                let t = (*i as f64 * interval_ms) as i64 + jitter[i % jitter.len()] + 1_000;
                pacer.take(t as u64)
            })
            .count()
    }

    #[test]
    fn input_at_or_below_the_limit_passes_whole_even_with_jitter() {
        assert_eq!(passed(30, 1000.0 / 30.0, &[0], 300), 300);
        assert_eq!(passed(30, 1000.0 / 30.0, &[0, 4, -3, 2, -5], 300), 300);
        assert_eq!(passed(30, 1000.0 / 15.0, &[0, 6, -6], 150), 150);
    }

    #[test]
    fn faster_input_is_thinned_to_the_limit() {
        // 60 fps into 30: every second frame.
        assert_eq!(passed(30, 1000.0 / 60.0, &[0], 600), 300);
        // 30 fps into 15.
        assert_eq!(passed(15, 1000.0 / 30.0, &[0, 2, -2], 300), 150);
        // 40 fps into 30: about 30 of each 40.
        let n = passed(30, 25.0, &[0], 400);
        assert!((290..=310).contains(&n), "{n}");
    }

    #[test]
    fn a_pause_builds_up_no_burst_and_a_clock_jump_back_restarts() {
        let mut pacer = FramePacer::new(10);
        assert!(pacer.take(0));
        assert!(!pacer.take(50));
        // Five seconds of nothing, then a second of frames 10 ms apart:
        // ten (or eleven, the grid's tolerance taking one early) per
        // second, not the fifty slots missed during the pause.
        let passed = (0..100).filter(|i| pacer.take(5_000 + i * 10)).count();
        assert!((10..=11).contains(&passed), "{passed}");
        // A new timeline starting near zero is not "four seconds early".
        assert!(pacer.take(3));
        assert!(!pacer.take(13));
    }
}
