//! One media clock per forwarded track, whichever simulcast layer it
//! carries.
//!
//! Each layer of a simulcast publisher is its own RTP stream with its own
//! random timestamp base (RFC 3550 §5.1; browsers differ in whether they
//! share one). Forwarded as they come, a switch of layers makes the
//! subscriber's timestamps jump by hours forwards or backwards, and its
//! jitter buffer holds the new layer's frames for a render time that never
//! comes: the picture freezes while packets keep arriving. So the router
//! shifts each layer's times onto the subscriber's one clock: at a switch,
//! the new layer's first frame is placed after the last frame forwarded by
//! the time that passed between their arrivals.

use std::time::Instant;

use str0m::media::MediaTime;

use crate::layers::Layer;

/// How far a layer's own clock may stray from the time that passed before
/// the router takes it for a new stream and continues the clock instead.
const MAX_JUMP: MediaTime = MediaTime::from_secs(5);

/// The subscriber's clock for one track.
#[derive(Debug, Default)]
pub(crate) struct Timeline {
    last: Option<Last>,
}

#[derive(Debug, Clone, Copy)]
struct Last {
    /// The layer forwarded last (`None`: an unlayered stream).
    layer: Option<Layer>,
    /// Added to that layer's times, in ticks of its clock rate.
    offset: i64,
    /// The time forwarded last, on the subscriber's clock.
    out: MediaTime,
    /// When that frame arrived.
    arrived: Instant,
}

impl Timeline {
    /// The time to forward a frame of `layer` with, which arrived at
    /// `arrived` with the publisher's time `time`.
    pub fn map(&mut self, layer: Option<Layer>, time: MediaTime, arrived: Instant) -> MediaTime {
        let frequency = time.frequency();
        let ticks = time.numer() as i64;
        let offset = match self.last {
            // The first frame: the publisher's clock is as good as any.
            None => 0,
            Some(last) => {
                // Where the clock would be now, by the time between the two
                // arrivals (at least one tick, so a new frame is never
                // taken for the old one).
                let elapsed = arrived.saturating_duration_since(last.arrived);
                let step = MediaTime::from(elapsed).rebase(frequency).numer().max(1);
                let expected = last.out.rebase(frequency).numer().saturating_add(step) as i64;
                let same_stream = last.layer == layer && last.out.frequency() == frequency;
                let kept = ticks.saturating_add(last.offset);
                // The same layer keeps its offset, unless its own clock
                // jumped (a publisher that restarted its stream).
                if same_stream && kept.abs_diff(expected) <= MAX_JUMP.rebase(frequency).numer() {
                    last.offset
                } else {
                    expected.wrapping_sub(ticks)
                }
            }
        };
        // A frame earlier than its layer's first forwarded one could map
        // below zero; the clock has no negative times.
        let out = MediaTime::new(ticks.saturating_add(offset).max(0) as u64, frequency);
        self.last = Some(Last {
            layer,
            offset,
            out,
            arrived,
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at_90k(ticks: u64) -> MediaTime {
        MediaTime::from_90khz(ticks)
    }

    #[test]
    fn one_layer_keeps_the_publishers_times() {
        let start = Instant::now();
        let mut timeline = Timeline::default();
        for frame in 0..5u64 {
            let arrived = start + Duration::from_millis(33 * frame);
            let time = at_90k(1_000_000 + 3_000 * frame);
            assert_eq!(timeline.map(Some(Layer::Low), time, arrived), time);
        }
    }

    #[test]
    fn a_switch_continues_the_clock_by_the_time_between_arrivals() {
        let start = Instant::now();
        let mut timeline = Timeline::default();
        // The low layer's base is near the top of the 32-bit range, the
        // high layer's near zero: forwarded raw, the time would jump back
        // by hours.
        let low = 4_000_000_000u64;
        let high = 5_000u64;
        assert_eq!(
            timeline.map(Some(Layer::Low), at_90k(low), start).numer(),
            low
        );
        let a = timeline.map(
            Some(Layer::Low),
            at_90k(low + 3_000),
            start + Duration::from_millis(33),
        );
        assert_eq!(a.numer(), low + 3_000);

        // 40 ms later the high layer's keyframe: 3,600 ticks on.
        let switched = timeline.map(
            Some(Layer::High),
            at_90k(high),
            start + Duration::from_millis(73),
        );
        assert_eq!(switched.numer(), low + 3_000 + 3_600);
        // Its next frame keeps the high layer's own spacing.
        let next = timeline.map(
            Some(Layer::High),
            at_90k(high + 3_000),
            start + Duration::from_millis(140),
        );
        assert_eq!(next.numer(), low + 3_000 + 3_600 + 3_000);

        // And back down: the low layer's base again, continued.
        let back = timeline.map(
            Some(Layer::Low),
            at_90k(low + 9_000),
            start + Duration::from_millis(180),
        );
        assert_eq!(back.numer(), next.numer() + 3_600);
    }

    #[test]
    fn a_layer_whose_own_clock_jumps_is_continued_too() {
        let start = Instant::now();
        let mut timeline = Timeline::default();
        timeline.map(None, at_90k(50_000), start);
        // The publisher restarted its stream: a new base, an hour away.
        let restarted = timeline.map(
            None,
            at_90k(50_000 + 324_000_000),
            start + Duration::from_millis(50),
        );
        assert_eq!(restarted.numer(), 50_000 + 4_500);
        // Ordinary spacing afterwards is kept.
        let next = timeline.map(
            None,
            at_90k(50_000 + 324_003_000),
            start + Duration::from_millis(83),
        );
        assert_eq!(next.numer(), 50_000 + 4_500 + 3_000);
    }

    #[test]
    fn frames_arriving_together_still_move_the_clock_forward() {
        let start = Instant::now();
        let mut timeline = Timeline::default();
        let first = timeline.map(Some(Layer::Medium), at_90k(90_000), start);
        let second = timeline.map(Some(Layer::High), at_90k(10), start);
        assert!(second > first, "{second:?} after {first:?}");
    }

    #[test]
    fn a_late_frame_before_the_switch_point_never_goes_below_zero() {
        let start = Instant::now();
        let mut timeline = Timeline::default();
        timeline.map(Some(Layer::Low), at_90k(100), start);
        timeline.map(
            Some(Layer::High),
            at_90k(1_000_000),
            start + Duration::from_millis(10),
        );
        // A frame of the high layer from a second before its first one.
        let late = timeline.map(
            Some(Layer::High),
            at_90k(910_000),
            start + Duration::from_millis(20),
        );
        assert_eq!(late.numer(), 0);
    }
}
