//! One local calendar day of a time zone, mapped onto real time.
//!
//! Opening hours are wall-clock times; appointments are instants. On most
//! days the two differ by one constant offset, but on a DST switch day a
//! local hour is missing (spring) or happens twice (autumn). [`LocalDay`]
//! finds the offset changes around one date and then answers two questions
//! exactly, with plain integer arithmetic on Unix seconds:
//!
//! - [`LocalDay::segments`]: which instants have a wall-clock time inside a
//!   local interval of that date. In autumn `01:00-04:00` is four real hours;
//!   in spring it is two.
//! - [`LocalDay::resolve`]: which instant a wall-clock time names. A time in
//!   the spring gap names none; a repeated autumn time names the earlier.
//!
//! Offset changes are found by sampling every 30 minutes and bisecting to
//! the second, so two changes less than 30 minutes apart would be missed;
//! the IANA database has none.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

const DAY: i64 = 86_400;
const SAMPLE_STEP: i64 = 1_800;

/// Real-time stretch with one UTC offset: `[from, to)` in Unix seconds.
#[derive(Clone, Copy, Debug)]
struct Piece {
    from: i64,
    to: i64,
    offset: i64,
}

/// A local date and the UTC offsets in force around it.
#[derive(Clone, Debug)]
pub(crate) struct LocalDay {
    /// Local midnight of the date, read as if it were UTC ("local seconds").
    midnight: i64,
    /// Consecutive pieces covering every instant whose local date this is.
    pieces: Vec<Piece>,
}

impl LocalDay {
    /// `None` only at the edge of representable time.
    pub(crate) fn new(tz: Tz, date: NaiveDate) -> Option<Self> {
        let midnight = date.and_time(NaiveTime::MIN).and_utc().timestamp();
        // Offsets are under a day, so every instant whose local date is
        // `date` lies in (midnight - 1 day, midnight + 2 days).
        let lo = midnight.checked_sub(DAY)?;
        let hi = midnight.checked_add(2 * DAY)?;
        let offset = |t: i64| -> Option<i64> {
            let utc = DateTime::from_timestamp(t, 0)?.naive_utc();
            Some(i64::from(
                tz.offset_from_utc_datetime(&utc).fix().local_minus_utc(),
            ))
        };
        let mut pieces = Vec::new();
        let (mut from, mut current, mut t) = (lo, offset(lo)?, lo);
        while t < hi {
            let next = (t + SAMPLE_STEP).min(hi);
            if offset(next)? == current {
                t = next;
                continue;
            }
            // The offset at `a` is `current`, at `b` it is not: bisect.
            let (mut a, mut b) = (t, next);
            while b - a > 1 {
                let mid = a + (b - a) / 2;
                if offset(mid)? == current {
                    a = mid;
                } else {
                    b = mid;
                }
            }
            pieces.push(Piece {
                from,
                to: b,
                offset: current,
            });
            (from, current, t) = (b, offset(b)?, b);
        }
        pieces.push(Piece {
            from,
            to: hi,
            offset: current,
        });
        Some(Self { midnight, pieces })
    }

    /// The instants (Unix seconds, sorted, disjoint) whose wall-clock time on
    /// this date lies in `[start, end)` (seconds since local midnight).
    pub(crate) fn segments(&self, start: u32, end: u32) -> Vec<(i64, i64)> {
        let (start, end) = (
            self.midnight + i64::from(start),
            self.midnight + i64::from(end),
        );
        let mut out: Vec<(i64, i64)> = Vec::new();
        for p in &self.pieces {
            let a = p.from.max(start - p.offset);
            let b = p.to.min(end - p.offset);
            if a >= b {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.1 >= a => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        out
    }

    /// The earliest instant (Unix seconds) whose wall-clock time on this date
    /// is `secs` after midnight; `None` if the clock skips it.
    pub(crate) fn resolve(&self, secs: u32) -> Option<i64> {
        let local = self.midnight + i64::from(secs);
        self.pieces
            .iter()
            .map(|p| local - p.offset)
            .zip(&self.pieces)
            .filter(|(u, p)| p.from <= *u && *u < p.to)
            .map(|(u, _)| u)
            .min()
    }

    /// The instants any wall-clock time of this date can name, with a day of
    /// margin on either side: a filter for bookings worth looking at.
    pub(crate) fn reach(&self) -> (i64, i64) {
        let first = self.pieces.first().map_or(self.midnight, |p| p.from);
        let last = self.pieces.last().map_or(self.midnight, |p| p.to);
        (first - DAY, last + 2 * DAY)
    }
}

/// The wall-clock time of an instant in `tz`; `None` only at the edge of
/// representable time (where chrono's own `naive_local` would panic).
pub(crate) fn local_time(tz: Tz, instant: DateTime<Utc>) -> Option<NaiveDateTime> {
    let utc = instant.naive_utc();
    utc.checked_add_offset(tz.offset_from_utc_datetime(&utc).fix())
}

/// Whether `[start, end)` lies inside one of `segments`.
pub(crate) fn fits(segments: &[(i64, i64)], start: i64, end: i64) -> bool {
    segments.iter().any(|&(a, b)| a <= start && end <= b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    fn day(y: i32, m: u32, d: u32) -> LocalDay {
        LocalDay::new(
            chrono_tz::Europe::Berlin,
            NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        )
        .unwrap()
    }

    const H: u32 = 3600;

    #[test]
    fn ordinary_day() {
        let d = day(2026, 1, 15);
        assert_eq!(
            d.segments(8 * H, 12 * H),
            vec![(utc("2026-01-15T07:00:00Z"), utc("2026-01-15T11:00:00Z"))]
        );
        assert_eq!(d.resolve(8 * H), Some(utc("2026-01-15T07:00:00Z")));
    }

    #[test]
    fn spring_forward() {
        let d = day(2026, 3, 29);
        assert_eq!(
            d.segments(H, 4 * H),
            vec![(utc("2026-03-29T00:00:00Z"), utc("2026-03-29T02:00:00Z"))]
        );
        assert_eq!(
            d.segments(2 * H, 3 * H),
            vec![],
            "the hour that does not exist"
        );
        assert_eq!(d.resolve(2 * H + 1800), None);
        assert_eq!(d.resolve(3 * H), Some(utc("2026-03-29T01:00:00Z")));
        assert_eq!(d.resolve(H + 1800), Some(utc("2026-03-29T00:30:00Z")));
    }

    #[test]
    fn fall_back() {
        let d = day(2026, 10, 25);
        assert_eq!(
            d.segments(H, 4 * H),
            vec![(utc("2026-10-24T23:00:00Z"), utc("2026-10-25T03:00:00Z"))]
        );
        // 01:00-02:30 is once in summer time and half an hour again in winter time.
        assert_eq!(
            d.segments(H, 2 * H + 1800),
            vec![
                (utc("2026-10-24T23:00:00Z"), utc("2026-10-25T00:30:00Z")),
                (utc("2026-10-25T01:00:00Z"), utc("2026-10-25T01:30:00Z")),
            ]
        );
        assert_eq!(
            d.resolve(2 * H + 1800),
            Some(utc("2026-10-25T00:30:00Z")),
            "the earlier one"
        );
        assert_eq!(d.resolve(3 * H), Some(utc("2026-10-25T02:00:00Z")));
    }

    #[test]
    fn whole_day_is_the_day_length() {
        for (date, hours) in [
            ((2026, 3, 29), 23),
            ((2026, 10, 25), 25),
            ((2026, 6, 1), 24),
        ] {
            let d = day(date.0, date.1, date.2);
            let segs = d.segments(0, 24 * H);
            assert_eq!(segs.len(), 1);
            assert_eq!(segs[0].1 - segs[0].0, i64::from(hours * H), "{date:?}");
        }
    }

    #[test]
    fn edge_of_time_is_none_not_a_panic() {
        assert!(LocalDay::new(chrono_tz::Europe::Berlin, NaiveDate::MAX).is_none());
        assert!(LocalDay::new(chrono_tz::Europe::Berlin, NaiveDate::MIN).is_none());
    }
}
