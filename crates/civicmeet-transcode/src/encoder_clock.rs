//! The clock an encoder's rate control runs on, made from capture times.

/// The times an encoder's rate control sees: from 0 at the first frame,
/// always forwards. Capture times can jump back (a publisher's new
/// timeline) or repeat; rate control would read that as frames coming at
/// once and starve or drop them, so a jump back counts as one frame
/// interval and a repeated time as one millisecond.
#[derive(Debug, Clone)]
pub(crate) struct EncoderClock {
    frame_ms: u64,
    last_input: Option<u64>,
    now: u64,
}

impl EncoderClock {
    pub(crate) fn new(max_fps: u32) -> Self {
        Self {
            frame_ms: 1000 / u64::from(max_fps.max(1)),
            last_input: None,
            now: 0,
        }
    }

    /// This frame's time in ms on the encoder's clock.
    pub(crate) fn advance(&mut self, time_ms: u64) -> u64 {
        if let Some(last) = self.last_input {
            let step = time_ms.checked_sub(last).unwrap_or(self.frame_ms).max(1);
            // Both encoders take an i64: stay far below its end.
            self.now = self.now.saturating_add(step).min(i64::MAX as u64 / 2);
        }
        self.last_input = Some(time_ms);
        self.now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoder_clock_starts_at_zero_and_never_goes_back() {
        let mut clock = EncoderClock::new(30);
        let times: Vec<u64> = [5_000, 5_033, 5_066, 100, 133, u64::MAX, 0]
            .into_iter()
            .map(|t| clock.advance(t))
            .collect();
        assert_eq!(&times[..5], &[0, 33, 66, 99, 132]);
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
        assert!(times[6] < i64::MAX as u64);
        // A repeated time still moves the clock on (libvpx wants rising
        // time stamps).
        let mut clock = EncoderClock::new(30);
        let times: Vec<u64> = [700, 700, 733].map(|t| clock.advance(t)).to_vec();
        assert_eq!(times, [0, 1, 34]);
    }
}
