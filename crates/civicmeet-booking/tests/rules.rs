//! The ordinary cases, each with the exact slots expected.
//! January 2026 in Berlin is UTC+1; 12 January 2026 is a Monday.

mod common;

use chrono::TimeDelta;
use civicmeet_booking::{
    AvailabilityException, Booking, Refusal, Rules, Service, ServiceId, ServiceSpec, StaffId,
    StaffSeats, UtcSpan, WeeklyHours, alternatives, check_booking, free_slots,
};
use common::*;

fn clock(slots: &[civicmeet_booking::Slot]) -> Vec<String> {
    slots
        .iter()
        .map(|s| s.local_start.format("%H:%M").to_string())
        .collect()
}

#[test]
fn a_week_of_slots_for_a_simple_office() {
    let office = office("09:00-12:00");
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
        utc("2026-01-11T00:00:00Z"),
        date("2026-01-12")..=date("2026-01-18"),
    );

    assert_eq!(slots.len(), 15, "three a day, Monday to Friday");
    let mut expected = Vec::new();
    for day in 12..=16 {
        for hour in 8..=10 {
            expected.push(utc(&format!("2026-01-{day}T{hour:02}:00:00Z")));
        }
    }
    assert_eq!(starts(&slots), expected);
    assert_eq!(
        local(&slots[..3]),
        ["2026-01-12 09:00", "2026-01-12 10:00", "2026-01-12 11:00"]
    );
    let first = &slots[0];
    assert_eq!(first.end, utc("2026-01-12T09:00:00Z"));
    assert_eq!(first.local_date(), date("2026-01-12"));
    assert_eq!(
        first.staff_free,
        [StaffSeats {
            staff: StaffId(1),
            seats_left: 1
        }]
    );
}

#[test]
fn lunch_break_and_a_grid_finer_than_the_duration() {
    let office = office("08:00-12:00, 13:00-16:00");
    let service = service(ServiceSpec {
        slot_interval: Some(minutes(30)),
        ..spec(45, &[1])
    });
    let staff = [staff(1)];
    let rules = Rules {
        office: &office,
        service: &service,
        staff: &staff,
    };
    let day = date("2026-01-13");
    let slots = free_slots(&rules, &[], utc("2026-01-01T00:00:00Z"), day..=day);
    assert_eq!(
        clock(&slots),
        [
            "08:00", "08:30", "09:00", "09:30", "10:00", "10:30",
            "11:00", // 11:30 would end 12:15
            "13:00", "13:30", "14:00", "14:30", "15:00", // 15:30 would end 16:15
        ]
    );
}

#[test]
fn touching_hours_are_one_window() {
    let office = office("08:00-10:00, 10:00-11:00");
    let service = service(ServiceSpec {
        slot_interval: Some(minutes(60)),
        ..spec(90, &[1])
    });
    let staff = [staff(1)];
    let rules = Rules {
        office: &office,
        service: &service,
        staff: &staff,
    };
    let day = date("2026-01-13");
    let slots = free_slots(&rules, &[], utc("2026-01-01T00:00:00Z"), day..=day);
    assert_eq!(
        clock(&slots),
        ["08:00", "09:00"],
        "09:00-10:30 runs across 10:00"
    );
}

#[test]
fn closed_days_and_weekends() {
    let mut office = office("09:00-11:00");
    office.closed_days.insert(date("2026-01-14")); // a Wednesday
    let service = service(spec(60, &[1]));
    let staff = [staff(1)];
    let rules = Rules {
        office: &office,
        service: &service,
        staff: &staff,
    };
    let now = utc("2026-01-01T00:00:00Z");
    let slots = free_slots(&rules, &[], now, date("2026-01-12")..=date("2026-01-18"));
    let days: Vec<_> = slots.iter().map(|s| s.local_date().to_string()).collect();
    assert_eq!(
        days,
        [
            "2026-01-12",
            "2026-01-12",
            "2026-01-13",
            "2026-01-13",
            "2026-01-15",
            "2026-01-15",
            "2026-01-16",
            "2026-01-16"
        ]
    );
    assert_eq!(
        check_booking(&rules, &[], now, utc("2026-01-14T08:00:00Z"), None),
        Err(Refusal::Closed {
            date: date("2026-01-14")
        })
    );
    assert_eq!(
        check_booking(&rules, &[], now, utc("2026-01-17T08:00:00Z"), None),
        Err(Refusal::Closed {
            date: date("2026-01-17")
        }),
        "a Saturday"
    );
}

#[test]
fn staff_exceptions() {
    let office = office("09:00-12:00");
    let service = service(spec(60, &[1, 2]));
    let mut alice = staff(1);
    let mut bob = staff(2);
    bob.availability = WeeklyHours::every_day(hours("10:00-12:00"));
    alice.exceptions = vec![
        AvailabilityException::DayOff(date("2026-01-12")),
        AvailabilityException::Hours {
            date: date("2026-01-13"),
            hours: hours("11:00-15:00"),
        },
        // Away on Wednesday 09:30-10:15 local.
        AvailabilityException::Absent(
            UtcSpan::new(utc("2026-01-14T08:30:00Z"), utc("2026-01-14T09:15:00Z")).unwrap(),
        ),
    ];
    let staff = [alice, bob];
    let rules = Rules {
        office: &office,
        service: &service,
        staff: &staff,
    };
    let now = utc("2026-01-01T00:00:00Z");
    let who = |day: &str| -> Vec<(String, Vec<i64>)> {
        free_slots(&rules, &[], now, date(day)..=date(day))
            .iter()
            .map(|s| {
                (
                    s.local_start.format("%H:%M").to_string(),
                    s.staff_free.iter().map(|f| f.staff.0).collect(),
                )
            })
            .collect()
    };
    let row = |t: &str, ids: &[i64]| (t.to_string(), ids.to_vec());
    assert_eq!(
        who("2026-01-12"),
        [row("10:00", &[2]), row("11:00", &[2])],
        "Alice's day off"
    );
    assert_eq!(
        who("2026-01-13"),
        [row("10:00", &[2]), row("11:00", &[1, 2])],
        "Alice from 11:00, and the office closes at 12:00"
    );
    assert_eq!(
        who("2026-01-14"),
        [row("10:00", &[2]), row("11:00", &[1, 2])],
        "Alice's absence overlaps 09:00-10:00 and 10:00-11:00; Bob starts at 10:00"
    );
    assert_eq!(
        check_booking(&rules, &[], now, utc("2026-01-14T08:00:00Z"), None),
        Err(Refusal::StaffUnavailable)
    );
    assert_eq!(
        check_booking(
            &rules,
            &[],
            now,
            utc("2026-01-12T10:00:00Z"),
            Some(StaffId(1))
        ),
        Err(Refusal::StaffUnavailable)
    );
    assert_eq!(
        check_booking(
            &rules,
            &[],
            now,
            utc("2026-01-12T08:00:00Z"),
            Some(StaffId(2))
        ),
        Err(Refusal::StaffUnavailable),
        "Bob starts at 10:00"
    );
    let bob = check_booking(
        &rules,
        &[],
        now,
        utc("2026-01-12T09:00:00Z"),
        Some(StaffId(2)),
    );
    assert_eq!(bob.map(|a| a.staff), Ok(StaffId(2)));
}

#[test]
fn group_consultations_share_a_slot_up_to_its_seats() {
    let office = office("09:00-11:00");
    let service = service(ServiceSpec {
        seats_per_slot: 3,
        ..spec(60, &[1, 2])
    });
    let staff = [staff(1), staff(2)];
    let rules = Rules {
        office: &office,
        service: &service,
        staff: &staff,
    };
    let now = utc("2026-01-01T00:00:00Z");
    let nine = utc("2026-01-12T08:00:00Z");
    let day = date("2026-01-12")..=date("2026-01-12");

    let mut bookings: Vec<Booking> = Vec::new();
    // The first citizen goes to the lowest id, the next ones join that group.
    for n in 0..3 {
        let a = check_booking(&rules, &bookings, now, nine, None).unwrap();
        assert_eq!(
            a.staff,
            StaffId(1),
            "booking {n} fills staff 1's group first"
        );
        assert_eq!(a.seats_per_slot, 3);
        bookings.push((&a).into());
        let slot = free_slots(&rules, &bookings, now, day.clone())
            .into_iter()
            .find(|s| s.start == nine)
            .unwrap();
        assert_eq!(slot.seats_left_with(StaffId(1)), 2 - n);
        assert_eq!(slot.seats_left_with(StaffId(2)), 3);
        assert_eq!(slot.seats_left(), 5 - n);
    }
    let a = check_booking(&rules, &bookings, now, nine, None).unwrap();
    assert_eq!(a.staff, StaffId(2), "staff 1 is full");
    bookings.push((&a).into());
    assert_eq!(
        check_booking(&rules, &bookings, now, nine, Some(StaffId(1))),
        Err(Refusal::Taken)
    );
    // The next hour is free for both: a group blocks its own hour only.
    let ten = free_slots(&rules, &bookings, now, day)
        .into_iter()
        .find(|s| s.start == nine + minutes(60));
    assert_eq!(ten.map(|s| s.seats_left()), Some(6));
}

#[test]
fn buffers_block_neighbours_but_may_reach_outside_hours() {
    let office = office("08:00-12:00");
    let service = service(ServiceSpec {
        buffer_before: minutes(10),
        buffer_after: minutes(15),
        slot_interval: Some(minutes(15)),
        ..spec(30, &[1])
    });
    let staff = [staff(1)];
    let rules = Rules {
        office: &office,
        service: &service,
        staff: &staff,
    };
    let now = utc("2026-01-01T00:00:00Z");
    let day = date("2026-01-12")..=date("2026-01-12");

    let free = clock(&free_slots(&rules, &[], now, day.clone()));
    assert_eq!(
        free.first().map(String::as_str),
        Some("08:00"),
        "its buffer before starts 07:50"
    );
    assert_eq!(
        free.last().map(String::as_str),
        Some("11:30"),
        "its buffer after ends 12:15"
    );

    // A booking at 10:00 local blocks 09:50-10:45.
    let booked = check_booking(&rules, &[], now, utc("2026-01-12T09:00:00Z"), None).unwrap();
    assert_eq!(
        (booked.block_start, booked.block_end),
        (utc("2026-01-12T08:50:00Z"), utc("2026-01-12T09:45:00Z"))
    );
    let slots = free_slots(&rules, &[(&booked).into()], now, day.clone());
    // 09:00 blocks 08:50-09:45, ending before 09:50; 11:00 blocks from 10:50.
    assert_eq!(
        clock(&slots),
        [
            "08:00", "08:15", "08:30", "08:45", "09:00", "11:00", "11:15", "11:30"
        ]
    );
    assert_eq!(
        check_booking(
            &rules,
            &[(&booked).into()],
            now,
            utc("2026-01-12T09:15:00Z"),
            None
        ),
        Err(Refusal::Taken),
        "10:15 overlaps the booking itself"
    );
    assert_eq!(
        check_booking(
            &rules,
            &[(&booked).into()],
            now,
            utc("2026-01-12T08:30:00Z"),
            None
        ),
        Err(Refusal::Taken),
        "09:30-10:00 is free, but its buffer after overlaps the booking's buffer before"
    );

    // Another service's booking blocks with its own buffers: 09:00-09:20 local.
    let other = Booking {
        service: ServiceId(99),
        staff: StaffId(1),
        start: utc("2026-01-12T08:00:00Z"),
        block_start: utc("2026-01-12T08:00:00Z"),
        block_end: utc("2026-01-12T08:20:00Z"),
    };
    let slots = free_slots(&rules, &[other], now, day);
    // 08:15 blocks until 09:00, touching: allowed. 08:30 collides; 09:30 blocks from 09:20.
    assert_eq!(clock(&slots[..3]), ["08:00", "08:15", "09:30"]);
}

#[test]
fn minimum_notice_and_horizon() {
    let office = office("09:00-17:00");
    let service = service(ServiceSpec {
        min_notice: TimeDelta::hours(2),
        horizon: TimeDelta::days(1),
        ..spec(60, &[1])
    });
    let staff = [staff(1)];
    let rules = Rules {
        office: &office,
        service: &service,
        staff: &staff,
    };
    // Monday 10:30 local.
    let now = utc("2026-01-12T09:30:00Z");
    let slots = free_slots(&rules, &[], now, date("2026-01-01")..=date("2026-12-31"));
    assert_eq!(
        local(&slots),
        [
            // now + 2 h = 12:30 local; the first start at or after it.
            "2026-01-12 13:00",
            "2026-01-12 14:00",
            "2026-01-12 15:00",
            "2026-01-12 16:00",
            // now + 1 day = Tuesday 10:30 local; 10:00 is the last start before it.
            "2026-01-13 09:00",
            "2026-01-13 10:00",
        ]
    );
    assert_eq!(
        check_booking(&rules, &[], now, utc("2026-01-12T11:00:00Z"), None),
        Err(Refusal::TooSoon {
            earliest: utc("2026-01-12T11:30:00Z")
        })
    );
    assert_eq!(
        check_booking(&rules, &[], now, utc("2026-01-13T10:00:00Z"), None),
        Err(Refusal::TooFarAhead {
            latest: utc("2026-01-13T09:30:00Z")
        })
    );
    // Exactly now + notice is bookable when it is on the grid.
    let at_notice = utc("2026-01-12T09:00:00Z");
    let now = at_notice - TimeDelta::hours(2);
    let slots = free_slots(&rules, &[], now, date("2026-01-12")..=date("2026-01-12"));
    assert_eq!(slots.first().map(|s| s.start), Some(at_notice));
    assert!(check_booking(&rules, &[], now, at_notice, None).is_ok());
}

#[test]
fn refusals_say_why() {
    let office = office("09:00-12:00");
    let service = service(spec(60, &[1]));
    let staff = [staff(1), staff(2)];
    let rules = Rules {
        office: &office,
        service: &service,
        staff: &staff,
    };
    let now = utc("2026-01-01T00:00:00Z");
    let check = |start: &str, who: Option<i64>| {
        check_booking(&rules, &[], now, utc(start), who.map(StaffId))
    };

    assert_eq!(
        check("2026-01-12T08:10:00Z", None),
        Err(Refusal::NotASlotStart)
    );
    assert_eq!(
        check("2026-01-12T10:30:00Z", None),
        Err(Refusal::OutsideOpeningHours),
        "would end 12:30"
    );
    assert_eq!(
        check("2026-01-12T07:00:00Z", None),
        Err(Refusal::OutsideOpeningHours)
    );
    assert_eq!(
        check("2026-01-12T08:00:00Z", Some(2)),
        Err(Refusal::StaffNotOffering(StaffId(2)))
    );
    assert_eq!(
        check("2026-01-12T08:00:00Z", Some(7)),
        Err(Refusal::StaffNotOffering(StaffId(7)))
    );
    assert_eq!(
        check("2026-01-12T08:00:00.5Z", None),
        Err(Refusal::NotASlotStart)
    );
    assert_eq!(
        check("2025-12-31T08:00:00Z", None),
        Err(Refusal::TooSoon { earliest: now })
    );

    let nobody = Service::new(spec(60, &[])).unwrap();
    let rules = Rules {
        office: &office,
        service: &nobody,
        staff: &staff,
    };
    assert_eq!(
        check_booking(&rules, &[], now, utc("2026-01-12T08:00:00Z"), None),
        Err(Refusal::ServiceNotOffered)
    );
    assert!(free_slots(&rules, &[], now, date("2026-01-12")..=date("2026-01-12")).is_empty());
}

#[test]
fn the_pick_is_the_least_busy_then_the_lowest_id() {
    let office = office("09:00-12:00");
    let service = service(spec(60, &[1, 2, 3]));
    let staff = [staff(3), staff(2), staff(1)];
    let rules = Rules {
        office: &office,
        service: &service,
        staff: &staff,
    };
    let now = utc("2026-01-01T00:00:00Z");
    let other_service = |who: i64, start: &str| Booking {
        service: ServiceId(99),
        staff: StaffId(who),
        start: utc(start),
        block_start: utc(start),
        block_end: utc(start) + minutes(30),
    };
    // Staff 1 has two bookings on Monday, staff 2 one, staff 3 one on Tuesday.
    let bookings = [
        other_service(1, "2026-01-12T10:00:00Z"),
        other_service(1, "2026-01-12T10:30:00Z"),
        other_service(2, "2026-01-12T10:00:00Z"),
        other_service(3, "2026-01-13T10:00:00Z"),
    ];
    let pick =
        |start: &str| check_booking(&rules, &bookings, now, utc(start), None).map(|a| a.staff.0);
    assert_eq!(pick("2026-01-12T08:00:00Z"), Ok(3), "no bookings that day");
    assert_eq!(
        pick("2026-01-13T08:00:00Z"),
        Ok(1),
        "a tie between 1 and 2 on Tuesday"
    );
}

#[test]
fn alternatives_are_the_nearest_free_slots_in_time_order() {
    let office = office("09:00-12:00");
    let service = service(spec(60, &[1]));
    let staff = [staff(1)];
    let rules = Rules {
        office: &office,
        service: &service,
        staff: &staff,
    };
    let now = utc("2026-01-01T00:00:00Z");
    let taken = check_booking(&rules, &[], now, utc("2026-01-13T09:00:00Z"), None).unwrap();
    let bookings = [(&taken).into()];
    assert_eq!(
        check_booking(&rules, &bookings, now, taken.start, None),
        Err(Refusal::Taken)
    );

    // Tuesday 10:00 is taken: 09:00 and 11:00 are an hour away, Monday
    // 11:00 and Wednesday 09:00 are 23 hours away; in a tie the earlier wins.
    let near = alternatives(&rules, &bookings, now, taken.start, 3, None);
    assert_eq!(
        local(&near),
        ["2026-01-12 11:00", "2026-01-13 09:00", "2026-01-13 11:00"]
    );
    let near = alternatives(&rules, &bookings, now, taken.start, 4, None);
    assert_eq!(
        local(&near),
        [
            "2026-01-12 11:00",
            "2026-01-13 09:00",
            "2026-01-13 11:00",
            "2026-01-14 09:00"
        ]
    );
    let only = alternatives(&rules, &bookings, now, taken.start, 1, Some(StaffId(1)));
    assert_eq!(
        only[0].staff_free,
        [StaffSeats {
            staff: StaffId(1),
            seats_left: 1
        }]
    );
    assert!(alternatives(&rules, &bookings, now, taken.start, 1, Some(StaffId(5))).is_empty());
    assert!(alternatives(&rules, &bookings, now, taken.start, 0, None).is_empty());

    // Far from everything: the last bookable slots come back.
    let far = alternatives(&rules, &bookings, now, utc("2030-01-01T00:00:00Z"), 2, None);
    assert_eq!(local(&far), ["2026-12-31 10:00", "2026-12-31 11:00"]);
}

#[test]
fn the_edges_of_time_do_not_panic() {
    let office = office("00:00-24:00");
    let service = service(ServiceSpec {
        horizon: TimeDelta::days(3660),
        ..spec(60, &[1])
    });
    let staff = [staff(1)];
    let rules = Rules {
        office: &office,
        service: &service,
        staff: &staff,
    };
    use chrono::{DateTime, NaiveDate, Utc};
    for now in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        let _ = free_slots(&rules, &[], now, NaiveDate::MIN..=NaiveDate::MAX);
        let _ = check_booking(&rules, &[], now, now, None);
        let _ = check_booking(&rules, &[], now, DateTime::<Utc>::MAX_UTC, None);
        let _ = alternatives(&rules, &[], now, DateTime::<Utc>::MIN_UTC, 3, None);
    }
}
