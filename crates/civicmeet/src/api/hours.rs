//! Weekly hours on the wire (`{"weekday": "monday", "start": "08:00",
//! "end": "12:00"}`) and in the store (weekday 0 = Monday, minutes), and
//! the clock helpers the API shares.

use std::str::FromStr;

use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;
use civicmeet_store::WeeklyHours;
use serde::{Deserialize, Serialize};

use super::body;
use super::error::ApiError;

/// The days of the week, Monday first as in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    pub fn index(self) -> i32 {
        self as i32
    }

    pub fn from_index(index: i32) -> Option<Weekday> {
        usize::try_from(index)
            .ok()
            .and_then(|i| Weekday::ALL.get(i).copied())
    }
}

/// One span of hours on one weekday.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HoursBody {
    pub weekday: Weekday,
    pub start: String,
    pub end: String,
}

/// Checks a list of spans (`field` is its JSON path): valid times, start
/// before end, no two spans of one weekday overlapping.
pub fn to_store(field: &str, spans: &[HoursBody]) -> Result<Vec<WeeklyHours>, ApiError> {
    if spans.len() > 100 {
        return Err(ApiError::invalid(field, "at most 100 spans"));
    }
    let mut hours = Vec::with_capacity(spans.len());
    for (i, span) in spans.iter().enumerate() {
        let (start_minute, end_minute) =
            body::span(&format!("{field}[{i}]"), &span.start, &span.end)?;
        let weekday = span.weekday.index();
        let overlaps = hours.iter().any(|h: &WeeklyHours| {
            h.weekday == weekday && h.start_minute < end_minute && start_minute < h.end_minute
        });
        if overlaps {
            return Err(ApiError::invalid(
                format!("{field}[{i}]"),
                "overlaps another span of the same weekday",
            ));
        }
        hours.push(WeeklyHours {
            weekday,
            start_minute,
            end_minute,
        });
    }
    Ok(hours)
}

pub fn from_store(hours: &[WeeklyHours]) -> Vec<HoursBody> {
    hours
        .iter()
        .filter_map(|h| {
            Some(HoursBody {
                weekday: Weekday::from_index(h.weekday)?,
                start: body::format_minute(h.start_minute),
                end: body::format_minute(h.end_minute),
            })
        })
        .collect()
}

/// An IANA time zone name.
pub fn time_zone(field: &str, value: &str) -> Result<Tz, ApiError> {
    Tz::from_str(value.trim())
        .map_err(|_| ApiError::invalid(field, "must be an IANA time zone such as Europe/Berlin"))
}

/// The stored zone of an office; a zone that no longer parses (it was
/// checked on the way in) falls back to Europe/Berlin, the product's home.
pub fn stored_zone(name: &str) -> Tz {
    Tz::from_str(name).unwrap_or(chrono_tz::Europe::Berlin)
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    Utc::now().timestamp()
}

/// Today's date in `tz`.
pub fn today_in(tz: Tz) -> NaiveDate {
    Utc::now().with_timezone(&tz).date_naive()
}
