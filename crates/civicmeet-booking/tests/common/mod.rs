//! Small builders shared by the integration tests.
#![allow(dead_code)]

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use civicmeet_booking::{
    DayHours, Office, OfficeId, Service, ServiceId, ServiceSpec, Slot, Staff, StaffId, Tz,
    WeeklyHours,
};

pub const BERLIN: Tz = chrono_tz::Europe::Berlin;

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn hours(s: &str) -> DayHours {
    s.parse().unwrap()
}

pub fn minutes(m: i64) -> TimeDelta {
    TimeDelta::minutes(m)
}

/// A Berlin office open Monday to Friday with these hours.
pub fn office(weekday_hours: &str) -> Office {
    Office {
        id: OfficeId(1),
        name: "Bürgeramt Mitte".into(),
        time_zone: BERLIN,
        opening_hours: WeeklyHours::weekdays(hours(weekday_hours)),
        closed_days: BTreeSet::new(),
    }
}

/// A staff member available all day every day (the office hours limit them).
pub fn staff(id: i64) -> Staff {
    Staff {
        id: StaffId(id),
        name: format!("Staff {id}"),
        availability: WeeklyHours::every_day(DayHours::all_day()),
        exceptions: Vec::new(),
    }
}

/// A service of `duration` minutes offered by `staff`, a long horizon.
pub fn spec(duration: i64, staff: &[i64]) -> ServiceSpec {
    ServiceSpec {
        staff: staff.iter().map(|&id| StaffId(id)).collect(),
        horizon: TimeDelta::days(365),
        ..ServiceSpec::new(ServiceId(10), "Wohngeld consultation", minutes(duration))
    }
}

pub fn service(spec: ServiceSpec) -> Service {
    Service::new(spec).unwrap()
}

pub fn starts(slots: &[Slot]) -> Vec<DateTime<Utc>> {
    slots.iter().map(|s| s.start).collect()
}

/// Local start times as "YYYY-MM-DD HH:MM".
pub fn local(slots: &[Slot]) -> Vec<String> {
    slots
        .iter()
        .map(|s| s.local_start.format("%Y-%m-%d %H:%M").to_string())
        .collect()
}
