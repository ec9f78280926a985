//! Dates and times as people read them, in German or English, in the
//! office's time zone. Full forms are the accessible names of slot links,
//! so a screen reader says the whole date, not just "10:00".

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use civicmeet_booking::Tz;

use crate::web::Lang;

/// "Montag, 30. März 2026" / "Monday, 30 March 2026".
pub fn day(lang: Lang, date: NaiveDate) -> String {
    civicmeet_mail::long_date(lang.mail_locale(), date)
}

/// "10:00" on the office's wall clock.
pub fn clock(instant: DateTime<Utc>, zone: Tz) -> String {
    let local = instant.with_timezone(&zone);
    format!("{:02}:{:02}", local.hour(), local.minute())
}

/// "Montag, 30. März 2026, 10:00 Uhr" / "Monday, 30 March 2026, 10:00".
pub fn full(lang: Lang, instant: DateTime<Utc>, zone: Tz) -> String {
    let date = instant.with_timezone(&zone).date_naive();
    let time = clock(instant, zone);
    match lang {
        Lang::De => format!("{}, {time} Uhr", day(lang, date)),
        Lang::En => format!("{}, {time}", day(lang, date)),
    }
}

/// Seconds since the epoch as an instant; the epoch for nonsense.
pub fn from_unix(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_across_dst() {
        let t = DateTime::parse_from_rfc3339("2026-03-30T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            full(Lang::De, t, berlin),
            "Montag, 30. März 2026, 10:00 Uhr"
        );
        assert_eq!(full(Lang::En, t, berlin), "Monday, 30 March 2026, 10:00");
    }
}
