//! Dates as people read them, in German and English: one table of weekday
//! and month names for the mails and for the server's pages.

use chrono::{Datelike, NaiveDate};

use crate::Locale;

const WEEKDAYS_DE: [&str; 7] = [
    "Montag",
    "Dienstag",
    "Mittwoch",
    "Donnerstag",
    "Freitag",
    "Samstag",
    "Sonntag",
];
const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "Dienstag, 31. März 2026" / "Tuesday, 31 March 2026".
pub fn long_date(locale: Locale, date: NaiveDate) -> String {
    // `num_days_from_monday` is 0..=6 and `month0` is 0..=11: the indices
    // are always in range.
    let weekday = date.weekday().num_days_from_monday() as usize;
    let month = date.month0() as usize;
    match locale {
        Locale::De => format!(
            "{}, {}. {} {}",
            WEEKDAYS_DE[weekday],
            date.day(),
            MONTHS_DE[month],
            date.year()
        ),
        Locale::En => format!(
            "{}, {} {} {}",
            WEEKDAYS_EN[weekday],
            date.day(),
            MONTHS_EN[month],
            date.year()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 31).expect("a valid date");
        assert_eq!(long_date(Locale::De, date), "Dienstag, 31. März 2026");
        assert_eq!(long_date(Locale::En, date), "Tuesday, 31 March 2026");
    }
}
