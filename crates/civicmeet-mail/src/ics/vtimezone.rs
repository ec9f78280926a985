//! VTIMEZONE components (RFC 5545 3.6.5) for the zones we can describe.
//!
//! We do not derive a VTIMEZONE from the tz database: chrono-tz does not
//! expose transitions. Instead this module knows one rule, the EU summer
//! time rule in force since 1996 (last Sunday of March 01:00 UTC to last
//! Sunday of October 01:00 UTC) with CET/CEST offsets, and the zones that
//! follow it. Europe/Berlin is the one that matters; the test checks every
//! listed zone against the tz database for the years we care about, so a
//! change of the rule (the EU has debated ending DST) shows up as a failing
//! test once tzdata follows it. For any other zone the calendar writes its
//! times in UTC, which is always correct, just less pretty in a client.

use chrono_tz::Tz;

/// Zones that follow the EU rule with +01:00 standard and +02:00 summer
/// time since 1996, and so share one VTIMEZONE body.
const CENTRAL_EUROPEAN: &[Tz] = &[
    Tz::Europe__Berlin,
    Tz::Europe__Vienna,
    Tz::Europe__Zurich,
    Tz::Europe__Amsterdam,
    Tz::Europe__Brussels,
    Tz::Europe__Luxembourg,
    Tz::Europe__Paris,
    Tz::Europe__Rome,
    Tz::Europe__Madrid,
    Tz::Europe__Copenhagen,
    Tz::Europe__Prague,
    Tz::Europe__Warsaw,
];

/// The observances of the EU rule. DTSTART is the first transition under
/// the rule (1996-03-31 and 1996-10-27 were the last Sundays), in local
/// time before the change, as RFC 5545 3.6.5 asks.
const CENTRAL_EUROPEAN_BODY: &[&str] = &[
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19960331T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19961027T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
];

/// True when [`lines`] can describe `tz`.
pub fn is_supported(tz: Tz) -> bool {
    CENTRAL_EUROPEAN.contains(&tz)
}

/// The content lines of the VTIMEZONE for `tz`, or `None` when we cannot
/// describe it (the caller then writes UTC times).
pub fn lines(tz: Tz) -> Option<Vec<String>> {
    if !is_supported(tz) {
        return None;
    }
    let mut lines = Vec::with_capacity(CENTRAL_EUROPEAN_BODY.len() + 3);
    lines.push("BEGIN:VTIMEZONE".to_owned());
    lines.push(format!("TZID:{}", tz.name()));
    lines.extend(CENTRAL_EUROPEAN_BODY.iter().map(|l| (*l).to_owned()));
    lines.push("END:VTIMEZONE".to_owned());
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Duration, NaiveDate, Offset, TimeZone, Utc, Weekday};

    fn last_sunday(year: i32, month: u32) -> NaiveDate {
        let next_month = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        }
        .expect("valid date");
        let mut day = next_month - Duration::days(1);
        while day.weekday() != Weekday::Sun {
            day -= Duration::days(1);
        }
        day
    }

    fn offset_seconds(tz: Tz, utc: chrono::NaiveDateTime) -> i32 {
        Utc.from_utc_datetime(&utc)
            .with_timezone(&tz)
            .offset()
            .fix()
            .local_minus_utc()
    }

    /// The VTIMEZONE claims: +02:00 from the last Sunday of March 01:00 UTC
    /// to the last Sunday of October 01:00 UTC, +01:00 otherwise. Check that
    /// claim against the tz database a second either side of each change.
    #[test]
    fn eu_rule_matches_the_tz_database() {
        let second = Duration::seconds(1);
        for &tz in CENTRAL_EUROPEAN {
            for year in 1997..=2037 {
                let spring = last_sunday(year, 3)
                    .and_hms_opt(1, 0, 0)
                    .expect("valid time");
                let autumn = last_sunday(year, 10)
                    .and_hms_opt(1, 0, 0)
                    .expect("valid time");
                assert_eq!(
                    offset_seconds(tz, spring - second),
                    3600,
                    "{tz} {year} before spring"
                );
                assert_eq!(offset_seconds(tz, spring), 7200, "{tz} {year} after spring");
                assert_eq!(
                    offset_seconds(tz, autumn - second),
                    7200,
                    "{tz} {year} before autumn"
                );
                assert_eq!(offset_seconds(tz, autumn), 3600, "{tz} {year} after autumn");
            }
        }
    }

    #[test]
    fn dtstarts_are_the_first_transitions_of_the_rule() {
        assert_eq!(last_sunday(1996, 3).to_string(), "1996-03-31");
        assert_eq!(last_sunday(1996, 10).to_string(), "1996-10-27");
    }

    #[test]
    fn other_zones_are_not_claimed() {
        assert!(lines(Tz::Europe__Berlin).is_some());
        assert!(lines(Tz::Europe__London).is_none());
        assert!(lines(Tz::UTC).is_none());
        assert!(lines(Tz::America__New_York).is_none());
    }
}
