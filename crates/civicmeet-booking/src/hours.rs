//! Wall-clock hours: one interval, one day's list, one week's pattern.
//!
//! These are the shapes an office admin types ("Mon 08:00-12:00,
//! 13:00-16:00"). They hold local time only and know nothing of time zones or
//! DST; `clock.rs` maps them onto real time. Every value is valid by
//! construction: an interval is non-empty, a day's intervals are sorted,
//! disjoint and not touching (touching ones are merged, so `08:00-12:00` and
//! `12:00-14:00` are one window and an appointment may run across noon).

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveTime, Timelike, Weekday};

use crate::error::RuleError;

/// Seconds in a day of wall-clock time (`24:00`).
pub(crate) const DAY_SECS: u32 = 86_400;

/// A half-open wall-clock interval `[start, end)` within one day.
///
/// The end may be midnight at the end of the day, written `24:00`; when built
/// from [`NaiveTime`]s an end of `00:00` means that midnight, because
/// `[x, 00:00)` of the same day would be empty anyway. Times are whole
/// seconds.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct LocalInterval {
    start: u32,
    end: u32,
}

impl LocalInterval {
    /// `[start, end)`; an `end` of `00:00` means the following midnight.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<Self, RuleError> {
        let start = whole_seconds(start)?;
        let end = match whole_seconds(end)? {
            0 => DAY_SECS,
            end => end,
        };
        Self::from_seconds(start, end)
    }

    /// `[start, end)` in seconds since local midnight; `end` at most 86 400.
    pub fn from_seconds(start: u32, end: u32) -> Result<Self, RuleError> {
        if end > DAY_SECS {
            return Err(RuleError::BadTimeOfDay);
        }
        if start >= end {
            return Err(RuleError::EmptyInterval);
        }
        Ok(Self { start, end })
    }

    /// `[start, end)` from hours and minutes, `end_h` may be 24 (with 0 minutes).
    pub fn hm(start_h: u32, start_m: u32, end_h: u32, end_m: u32) -> Result<Self, RuleError> {
        let secs = |h: u32, m: u32| {
            if m < 60 && h <= 24 {
                Ok(h * 3600 + m * 60)
            } else {
                Err(RuleError::BadTimeOfDay)
            }
        };
        Self::from_seconds(secs(start_h, start_m)?, secs(end_h, end_m)?)
    }

    /// The start, in seconds since local midnight.
    pub fn start_seconds(&self) -> u32 {
        self.start
    }

    /// The end, in seconds since local midnight (86 400 for `24:00`).
    pub fn end_seconds(&self) -> u32 {
        self.end
    }

    /// The start as a time of day.
    pub fn start(&self) -> NaiveTime {
        time_of(self.start)
    }

    /// The end as a time of day; `00:00` when it is the following midnight.
    pub fn end(&self) -> NaiveTime {
        time_of(self.end % DAY_SECS)
    }

    /// Whether the wall-clock second `secs` (since midnight) lies inside.
    pub fn contains_second(&self, secs: u32) -> bool {
        self.start <= secs && secs < self.end
    }
}

fn whole_seconds(t: NaiveTime) -> Result<u32, RuleError> {
    // A leap second shows as nanoseconds >= 1e9; sub-second times are not hours.
    if t.nanosecond() != 0 {
        return Err(RuleError::BadTimeOfDay);
    }
    Ok(t.num_seconds_from_midnight())
}

fn time_of(secs: u32) -> NaiveTime {
    // Callers pass secs < 86 400, for which this always succeeds.
    NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap_or(NaiveTime::MIN)
}

fn write_clock(f: &mut fmt::Formatter<'_>, secs: u32) -> fmt::Result {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 {
        write!(f, "{h:02}:{m:02}")
    } else {
        write!(f, "{h:02}:{m:02}:{s:02}")
    }
}

impl fmt::Display for LocalInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_clock(f, self.start)?;
        f.write_str("-")?;
        write_clock(f, self.end)
    }
}

/// Reads `08:00-12:00` (an en dash works too; `24:00` is a valid end).
impl FromStr for LocalInterval {
    type Err = RuleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const EXPECTED: &str = "HH:MM-HH:MM";
        let (a, b) = s
            .split_once(['-', '–'])
            .ok_or(RuleError::Malformed { expected: EXPECTED })?;
        Self::from_seconds(parse_clock(a.trim())?, parse_clock(b.trim())?)
    }
}

fn parse_clock(s: &str) -> Result<u32, RuleError> {
    let bad = RuleError::Malformed {
        expected: "a time like 08:00 or 08:00:30",
    };
    let mut parts = s.split(':');
    let mut field = |max: u32| -> Result<Option<u32>, RuleError> {
        match parts.next() {
            None => Ok(None),
            Some(p) if !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
                let v: u32 = p.parse().map_err(|_| bad.clone())?;
                if v > max {
                    Err(bad.clone())
                } else {
                    Ok(Some(v))
                }
            }
            Some(_) => Err(bad.clone()),
        }
    };
    let h = field(24)?.ok_or(bad.clone())?;
    let m = field(59)?.ok_or(bad.clone())?;
    let sec = field(59)?.unwrap_or(0);
    if field(0)?.is_some() {
        return Err(bad);
    }
    let total = h * 3600 + m * 60 + sec;
    if total > DAY_SECS {
        return Err(RuleError::BadTimeOfDay);
    }
    Ok(total)
}

/// One day's hours: sorted, disjoint, non-touching intervals. Empty = closed.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct DayHours {
    intervals: Vec<LocalInterval>,
}

impl DayHours {
    /// Closed all day.
    pub fn closed() -> Self {
        Self::default()
    }

    /// Sorts the intervals, merges touching ones, refuses overlapping ones.
    pub fn new(mut intervals: Vec<LocalInterval>) -> Result<Self, RuleError> {
        intervals.sort();
        let mut merged: Vec<LocalInterval> = Vec::with_capacity(intervals.len());
        for iv in intervals {
            match merged.last_mut() {
                Some(last) if iv.start < last.end => {
                    return Err(RuleError::Overlap {
                        first: *last,
                        second: iv,
                    });
                }
                Some(last) if iv.start == last.end => last.end = iv.end,
                _ => merged.push(iv),
            }
        }
        Ok(Self { intervals: merged })
    }

    /// Open all day, `00:00-24:00`.
    pub fn all_day() -> Self {
        Self {
            intervals: vec![LocalInterval {
                start: 0,
                end: DAY_SECS,
            }],
        }
    }

    /// The intervals, sorted.
    pub fn intervals(&self) -> &[LocalInterval] {
        &self.intervals
    }

    /// Whether there are no hours at all.
    pub fn is_closed(&self) -> bool {
        self.intervals.is_empty()
    }

    /// Whether the wall-clock second `secs` (since midnight) lies inside.
    pub fn contains_second(&self, secs: u32) -> bool {
        self.intervals.iter().any(|iv| iv.contains_second(secs))
    }

    /// The hours that lie in both (e.g. opening hours and a staff member's).
    pub fn intersect(&self, other: &DayHours) -> DayHours {
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while let (Some(a), Some(b)) = (self.intervals.get(i), other.intervals.get(j)) {
            let start = a.start.max(b.start);
            let end = a.end.min(b.end);
            if start < end {
                out.push(LocalInterval { start, end });
            }
            if a.end < b.end {
                i += 1;
            } else {
                j += 1;
            }
        }
        // The intersection of two disjoint, non-touching lists is again one.
        DayHours { intervals: out }
    }
}

impl fmt::Display for DayHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.intervals.is_empty() {
            return f.write_str("closed");
        }
        for (n, iv) in self.intervals.iter().enumerate() {
            if n > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{iv}")?;
        }
        Ok(())
    }
}

/// Reads `08:00-12:00, 13:00-16:00`; an empty string or `closed` is closed.
impl FromStr for DayHours {
    type Err = RuleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("closed") {
            return Ok(Self::closed());
        }
        let intervals = s
            .split(',')
            .map(|part| part.trim().parse())
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(intervals)
    }
}

/// A weekly pattern: hours for each weekday. Starts closed all week.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct WeeklyHours {
    days: [DayHours; 7],
}

impl WeeklyHours {
    /// Closed every day.
    pub fn closed() -> Self {
        Self::default()
    }

    /// The same hours Monday to Friday, closed at the weekend.
    pub fn weekdays(hours: DayHours) -> Self {
        let mut week = Self::closed();
        for day in [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ] {
            week.set(day, hours.clone());
        }
        week
    }

    /// The same hours every day of the week.
    pub fn every_day(hours: DayHours) -> Self {
        Self {
            days: std::array::from_fn(|_| hours.clone()),
        }
    }

    /// This pattern with `day` set to `hours`.
    pub fn with(mut self, day: Weekday, hours: DayHours) -> Self {
        self.set(day, hours);
        self
    }

    /// Sets the hours of `day`.
    pub fn set(&mut self, day: Weekday, hours: DayHours) {
        self.days[day.num_days_from_monday() as usize] = hours;
    }

    /// The hours of `day`.
    pub fn on(&self, day: Weekday) -> &DayHours {
        &self.days[day.num_days_from_monday() as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_intervals() {
        let iv: LocalInterval = "08:00-12:30".parse().unwrap();
        assert_eq!(
            (iv.start_seconds(), iv.end_seconds()),
            (8 * 3600, 12 * 3600 + 1800)
        );
        assert_eq!(iv.to_string(), "08:00-12:30");
        let late: LocalInterval = "22:00 – 24:00".parse().unwrap();
        assert_eq!(late.end_seconds(), DAY_SECS);
        assert_eq!(late.end(), NaiveTime::MIN);
        assert_eq!(late.to_string(), "22:00-24:00");
    }

    #[test]
    fn refuses_bad_intervals() {
        for bad in [
            "",
            "08:00",
            "12:00-08:00",
            "08:00-08:00",
            "25:00-26:00",
            "24:00-24:30",
            "8-9",
            "08:60-09:00",
            "08:00-09:00:00:00",
            "+8:00-09:00",
        ] {
            assert!(bad.parse::<LocalInterval>().is_err(), "{bad}");
        }
    }

    #[test]
    fn midnight_end_from_naive_time() {
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        let iv = LocalInterval::new(t(20), t(0)).unwrap();
        assert_eq!(iv.end_seconds(), DAY_SECS);
        assert!(
            LocalInterval::new(t(0), t(0)).is_ok(),
            "00:00-00:00 is the whole day"
        );
        let leap = NaiveTime::from_hms_milli_opt(23, 59, 59, 1500).unwrap();
        assert_eq!(LocalInterval::new(t(1), leap), Err(RuleError::BadTimeOfDay));
    }

    #[test]
    fn day_hours_sort_merge_and_refuse_overlap() {
        let day: DayHours = "13:00-16:00, 08:00-12:00, 12:00-12:30".parse().unwrap();
        assert_eq!(day.to_string(), "08:00-12:30, 13:00-16:00");
        let err = "08:00-12:00, 11:00-13:00".parse::<DayHours>().unwrap_err();
        assert!(matches!(err, RuleError::Overlap { .. }), "{err}");
        assert!("closed".parse::<DayHours>().unwrap().is_closed());
    }

    #[test]
    fn intersection() {
        let a: DayHours = "08:00-12:00, 13:00-16:00".parse().unwrap();
        let b: DayHours = "09:00-14:00, 15:00-18:00".parse().unwrap();
        assert_eq!(
            a.intersect(&b).to_string(),
            "09:00-12:00, 13:00-14:00, 15:00-16:00"
        );
        assert!(a.intersect(&DayHours::closed()).is_closed());
        assert_eq!(a.intersect(&DayHours::all_day()), a);
    }
}
