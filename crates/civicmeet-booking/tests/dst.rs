//! Daylight saving time switches, with the exact instants expected.
//!
//! Europe/Berlin 2026: on Sunday 29 March the clock jumps from 02:00 to
//! 03:00 (UTC+1 → UTC+2, at 01:00 UTC); on Sunday 25 October it falls back
//! from 03:00 to 02:00 (UTC+2 → UTC+1, at 01:00 UTC). An office open
//! 01:00-04:00 local hits the missing hour and the repeated one.

mod common;

use civicmeet_booking::{
    Office, Refusal, Rules, ServiceSpec, Slot, WeeklyHours, check_booking, free_slots,
};
use common::*;

fn night_office() -> Office {
    Office {
        opening_hours: WeeklyHours::every_day(hours("01:00-04:00")),
        ..office("09:00-12:00")
    }
}

fn slots_on(office: &Office, spec: ServiceSpec, day: &str) -> Vec<Slot> {
    let service = service(spec);
    let staff = [staff(1)];
    let rules = Rules {
        office,
        service: &service,
        staff: &staff,
    };
    let slots = free_slots(
        &rules,
        &[],
        utc("2026-01-01T00:00:00Z"),
        date(day)..=date(day),
    );
    for s in &slots {
        assert_eq!(
            s.end - s.start,
            service.duration(),
            "durations are real elapsed time"
        );
        assert_eq!(s.local_date(), date(day));
    }
    slots
}

fn every(step: i64, spec: ServiceSpec) -> ServiceSpec {
    ServiceSpec {
        slot_interval: Some(minutes(step)),
        ..spec
    }
}

#[test]
fn spring_forward_skips_the_missing_hour() {
    let office = night_office();
    let day = "2026-03-29";

    let slots = slots_on(&office, spec(30, &[1]), day);
    assert_eq!(
        starts(&slots),
        [
            "2026-03-29T00:00:00Z",
            "2026-03-29T00:30:00Z",
            "2026-03-29T01:00:00Z",
            "2026-03-29T01:30:00Z"
        ]
        .map(utc)
    );
    assert_eq!(
        local(&slots),
        [
            "2026-03-29 01:00",
            "2026-03-29 01:30",
            "2026-03-29 03:00",
            "2026-03-29 03:30"
        ],
        "02:00 and 02:30 do not exist"
    );

    // The window is two real hours: 00:00-02:00 UTC.
    let hourly = slots_on(&office, spec(60, &[1]), day);
    assert_eq!(
        starts(&hourly),
        ["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"].map(utc)
    );
    let long = slots_on(&office, every(30, spec(90, &[1])), day);
    assert_eq!(
        starts(&long),
        ["2026-03-29T00:00:00Z", "2026-03-29T00:30:00Z"].map(utc),
        "01:30 local + 90 minutes ends 03:30 CEST = 01:30 UTC; 03:00 + 90 would end after 04:00"
    );
    // 01:30 local lasting an hour runs across the jump: 00:30-01:30 UTC.
    let across = slots_on(&office, every(30, spec(60, &[1])), day);
    assert_eq!(
        starts(&across),
        [
            "2026-03-29T00:00:00Z",
            "2026-03-29T00:30:00Z",
            "2026-03-29T01:00:00Z"
        ]
        .map(utc)
    );
}

#[test]
fn spring_forward_with_hours_inside_the_gap() {
    let mut office = night_office();
    office.opening_hours = WeeklyHours::every_day(hours("02:00-03:00"));
    assert!(
        slots_on(&office, spec(30, &[1]), "2026-03-29").is_empty(),
        "that hour never happens"
    );
    assert_eq!(slots_on(&office, spec(30, &[1]), "2026-03-30").len(), 2);

    // A window starting in the gap keeps its grid: 02:30 is skipped, 03:00 and 03:30 remain.
    office.opening_hours = WeeklyHours::every_day(hours("02:30-04:00"));
    let slots = slots_on(&office, spec(30, &[1]), "2026-03-29");
    assert_eq!(
        starts(&slots),
        ["2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"].map(utc)
    );
}

#[test]
fn fall_back_offers_the_repeated_hour_once() {
    let office = night_office();
    let day = "2026-10-25";

    let slots = slots_on(&office, spec(30, &[1]), day);
    assert_eq!(
        starts(&slots),
        [
            "2026-10-24T23:00:00Z", // 01:00 CEST
            "2026-10-24T23:30:00Z", // 01:30 CEST
            "2026-10-25T00:00:00Z", // 02:00 CEST, the earlier of two
            "2026-10-25T00:30:00Z", // 02:30 CEST, the earlier of two
            "2026-10-25T02:00:00Z", // 03:00 CET
            "2026-10-25T02:30:00Z", // 03:30 CET
        ]
        .map(utc)
    );
    assert_eq!(
        local(&slots),
        [
            "2026-10-25 01:00",
            "2026-10-25 01:30",
            "2026-10-25 02:00",
            "2026-10-25 02:30",
            "2026-10-25 03:00",
            "2026-10-25 03:30"
        ]
    );

    let hourly = slots_on(&office, spec(60, &[1]), day);
    assert_eq!(
        starts(&hourly),
        [
            "2026-10-24T23:00:00Z",
            "2026-10-25T00:00:00Z",
            "2026-10-25T02:00:00Z"
        ]
        .map(utc)
    );
    // The window is four real hours (23:00-03:00 UTC), so 02:00 CEST can
    // last two hours: it ends at 03:00 CET.
    let long = slots_on(&office, every(60, spec(120, &[1])), day);
    assert_eq!(
        starts(&long),
        ["2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z"].map(utc)
    );
    let ninety = slots_on(&office, every(30, spec(90, &[1])), day);
    assert_eq!(
        starts(&ninety),
        [
            "2026-10-24T23:00:00Z",
            "2026-10-24T23:30:00Z",
            "2026-10-25T00:00:00Z",
            "2026-10-25T00:30:00Z"
        ]
        .map(utc)
    );
}

#[test]
fn fall_back_refuses_the_second_occurrence() {
    let office = night_office();
    let service = service(spec(30, &[1]));
    let staff = [staff(1)];
    let rules = Rules {
        office: &office,
        service: &service,
        staff: &staff,
    };
    let now = utc("2026-10-01T00:00:00Z");
    let check = |s: &str| check_booking(&rules, &[], now, utc(s), None);

    let first = check("2026-10-25T00:00:00Z").unwrap();
    assert_eq!(first.local_start.to_string(), "2026-10-25 02:00:00");
    assert_eq!(
        check("2026-10-25T01:00:00Z"),
        Err(Refusal::NotASlotStart),
        "02:00 CET, the repeat"
    );
    assert_eq!(
        check("2026-10-25T01:30:00Z"),
        Err(Refusal::NotASlotStart),
        "02:30 CET, the repeat"
    );
    assert!(check("2026-10-25T02:00:00Z").is_ok());

    // A booking at 02:30 CEST with the service's buffers lasts real time.
    let buffered = civicmeet_booking::Service::new(ServiceSpec {
        buffer_after: minutes(30),
        ..spec(30, &[1])
    })
    .unwrap();
    let rules = Rules {
        office: &office,
        service: &buffered,
        staff: &staff,
    };
    let a = check_booking(&rules, &[], now, utc("2026-10-25T00:30:00Z"), None).unwrap();
    assert_eq!(
        (a.block_start, a.block_end),
        (utc("2026-10-25T00:30:00Z"), utc("2026-10-25T01:30:00Z"))
    );
}

#[test]
fn an_ordinary_week_across_the_switch() {
    let office = office("09:00-10:00");
    let service = service(spec(60, &[1]));
    let staff = [staff(1)];
    let rules = Rules {
        office: &office,
        service: &service,
        staff: &staff,
    };
    let slots = free_slots(
        &rules,
        &[],
        utc("2026-03-01T00:00:00Z"),
        date("2026-03-27")..=date("2026-03-30"),
    );
    assert_eq!(
        starts(&slots),
        ["2026-03-27T08:00:00Z", "2026-03-30T07:00:00Z"].map(utc),
        "09:00 local is 08:00 UTC on Friday and 07:00 UTC on Monday"
    );
}

#[test]
fn other_zones_new_york_falls_back_at_two() {
    // America/New_York, Sunday 1 November 2026: 02:00 EDT (UTC-4) becomes
    // 01:00 EST (UTC-5) at 06:00 UTC, so 01:00-02:00 local happens twice.
    let office = Office {
        time_zone: chrono_tz::America::New_York,
        ..night_office()
    };
    let slots = slots_on(&office, spec(30, &[1]), "2026-11-01");
    assert_eq!(
        starts(&slots),
        [
            "2026-11-01T05:00:00Z", // 01:00 EDT
            "2026-11-01T05:30:00Z", // 01:30 EDT
            "2026-11-01T07:00:00Z", // 02:00 EST
            "2026-11-01T07:30:00Z",
            "2026-11-01T08:00:00Z",
            "2026-11-01T08:30:00Z",
        ]
        .map(utc)
    );
}

#[test]
fn other_zones_lord_howe_shifts_by_half_an_hour() {
    // Australia/Lord_Howe, Sunday 5 April 2026: 02:00 (UTC+11) becomes 01:30
    // (UTC+10:30) at 15:00 UTC, so 01:30-02:00 local happens twice.
    let office = Office {
        time_zone: chrono_tz::Australia::Lord_Howe,
        opening_hours: WeeklyHours::every_day(hours("01:00-03:00")),
        ..night_office()
    };
    let slots = slots_on(&office, spec(30, &[1]), "2026-04-05");
    assert_eq!(
        starts(&slots),
        [
            "2026-04-04T14:00:00Z", // 01:00 +11
            "2026-04-04T14:30:00Z", // 01:30 +11, the earlier of two
            "2026-04-04T15:30:00Z", // 02:00 +10:30
            "2026-04-04T16:00:00Z", // 02:30 +10:30
        ]
        .map(utc)
    );
}
