//! Property tests: random offices, hours, services, staff, exceptions,
//! bookings and `now`, in Europe/Berlin around both 2026 DST switches and in
//! a few zones with other habits (a 30-minute shift, a switch at midnight).
//!
//! The stated properties are checked one by one, and on top `free_slots` is
//! compared with a brute-force oracle that walks every minute with chrono's
//! own local-time conversion and shares no code with the crate's engine.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Timelike, Utc,
};
use civicmeet_booking::{
    AvailabilityException, Booking, DayHours, LocalInterval, Office, OfficeId, Rules, Service,
    ServiceId, ServiceSpec, Slot, Staff, StaffId, Tz, UtcSpan, WeeklyHours, check_booking,
    free_slots,
};
use proptest::prelude::*;
use proptest::sample::Index;

const DAYS: i64 = 10;

#[derive(Debug, Clone)]
struct Scenario {
    office: Office,
    /// The service booked (`[0]`) and another one whose bookings get in the way.
    services: [Service; 2],
    staff: Vec<Staff>,
    bookings: Vec<Booking>,
    now: DateTime<Utc>,
    first: NaiveDate,
    last: NaiveDate,
}

impl Scenario {
    fn rules(&self) -> Rules<'_> {
        Rules {
            office: &self.office,
            service: &self.services[0],
            staff: &self.staff,
        }
    }

    fn slots(&self, bookings: &[Booking]) -> Vec<Slot> {
        free_slots(&self.rules(), bookings, self.now, self.first..=self.last)
    }

    fn staff(&self, id: StaffId) -> &Staff {
        self.staff
            .iter()
            .find(|s| s.id == id)
            .expect("only staff of the scenario are offered")
    }
}

fn zone() -> impl Strategy<Value = Tz> {
    prop_oneof![
        8 => Just(chrono_tz::Europe::Berlin),
        1 => Just(chrono_tz::America::New_York),
        1 => Just(chrono_tz::America::Santiago),
        1 => Just(chrono_tz::Australia::Lord_Howe),
        1 => Just(chrono_tz::Asia::Kolkata),
        1 => Just(chrono_tz::UTC),
    ]
}

/// Random quarter-hour intervals, or a few typical patterns.
fn day_hours() -> impl Strategy<Value = DayHours> {
    let random = prop::collection::btree_set(0u32..=96, 0..=6).prop_map(|points| {
        let points: Vec<u32> = points.into_iter().collect();
        let intervals = points
            .chunks_exact(2)
            .map(|p| LocalInterval::from_seconds(p[0] * 900, p[1] * 900).unwrap())
            .collect();
        DayHours::new(intervals).unwrap()
    });
    prop_oneof![
        4 => random,
        1 => Just("08:00-12:00, 13:00-16:00".parse().unwrap()),
        1 => Just("01:00-04:00".parse().unwrap()),
        1 => Just(DayHours::all_day()),
        1 => Just(DayHours::closed()),
    ]
}

fn weekly() -> impl Strategy<Value = WeeklyHours> {
    prop::array::uniform7(day_hours()).prop_map(|days| {
        let mut week = WeeklyHours::closed();
        for (n, hours) in days.into_iter().enumerate() {
            let day = chrono::Weekday::try_from(n as u8).unwrap();
            week.set(day, hours);
        }
        week
    })
}

fn staff_week() -> impl Strategy<Value = WeeklyHours> {
    prop_oneof![1 => Just(WeeklyHours::every_day(DayHours::all_day())), 2 => weekly()]
}

fn five_minutes(max: i64) -> impl Strategy<Value = TimeDelta> {
    (0..=max / 5).prop_map(|n| TimeDelta::minutes(n * 5))
}

fn service(id: i64) -> impl Strategy<Value = Service> {
    (
        (1i64..=36).prop_map(|n| TimeDelta::minutes(n * 5)),
        five_minutes(30),
        five_minutes(30),
        prop_oneof![
            Just(TimeDelta::zero()),
            (0i64..=48 * 4).prop_map(|n| TimeDelta::minutes(n * 15)),
        ],
        prop_oneof![1 => (0i64..=24).prop_map(TimeDelta::hours), 4 => (1i64..=DAYS).prop_map(TimeDelta::days)],
        1u32..=3,
        prop::option::of((1i64..=18).prop_map(|n| TimeDelta::minutes(n * 5))),
        prop_oneof![1 => Just(BTreeSet::new()), 9 => prop::collection::btree_set(1i64..=3, 1..=3)],
    )
        .prop_map(
            move |(duration, before, after, notice, horizon, seats, interval, staff)| {
                Service::new(ServiceSpec {
                    buffer_before: before,
                    buffer_after: after,
                    min_notice: notice,
                    horizon,
                    seats_per_slot: seats,
                    slot_interval: interval,
                    staff: staff.into_iter().map(StaffId).collect(),
                    ..ServiceSpec::new(ServiceId(id), "service", duration)
                })
                .unwrap()
            },
        )
}

fn scenario() -> impl Strategy<Value = Scenario> {
    // Weeks around Berlin's switches, New York's and Santiago's autumn switch,
    // Santiago's and Lord Howe's spring switch (their autumn), and midsummer.
    let anchors = [
        "2026-03-26",
        "2026-10-22",
        "2026-10-29",
        "2026-09-03",
        "2026-04-01",
        "2026-06-10",
    ];
    (
        zone(),
        weekly(),
        prop::sample::select(anchors.to_vec()),
        0i64..4 * 86_400,
        [service(10), service(20)],
        prop::collection::vec((staff_week(), prop::collection::vec(exception(), 0..4)), 3),
        prop::collection::vec(0i64..DAYS, 0..3),
        prop::collection::vec((1i64..=4, any::<bool>(), 0i64..DAYS * 288), 0..12),
    )
        .prop_map(
            |(tz, opening, anchor, seconds, services, staff, closed, bookings)| {
                let base: NaiveDate = anchor.parse().unwrap();
                let midnight = base.and_time(NaiveTime::MIN).and_utc();
                let now = midnight + TimeDelta::seconds(seconds);
                let staff = staff
                    .into_iter()
                    .enumerate()
                    .map(|(n, (availability, exceptions))| Staff {
                        id: StaffId(n as i64 + 1),
                        name: format!("staff {n}"),
                        availability,
                        exceptions: exceptions.into_iter().map(|e| e.at(base)).collect(),
                    })
                    .collect();
                let bookings = bookings
                    .into_iter()
                    .map(|(staff, main, five)| {
                        let service = &services[usize::from(!main)];
                        let start = midnight + TimeDelta::minutes(five * 5);
                        let block = service.block_for(start).unwrap();
                        Booking {
                            service: service.id(),
                            staff: StaffId(staff),
                            start,
                            block_start: block.start(),
                            block_end: block.end(),
                        }
                    })
                    .collect();
                Scenario {
                    office: Office {
                        id: OfficeId(1),
                        name: "office".into(),
                        time_zone: tz,
                        opening_hours: opening,
                        closed_days: closed
                            .into_iter()
                            .map(|d| base + TimeDelta::days(d))
                            .collect(),
                    },
                    services,
                    staff,
                    bookings,
                    now,
                    // The window covers every start the horizon allows:
                    // `now` lies in `base`'s UTC day and the horizon is at
                    // most DAYS days, so the last start allowed falls on
                    // local date base + DAYS + 1 in a zone east of UTC
                    // (CI found 22:00 UTC + 10 days = 00:00 in Berlin).
                    first: base - TimeDelta::days(1),
                    last: base + TimeDelta::days(DAYS + 1),
                }
            },
        )
}

/// An exception relative to the scenario's first day.
#[derive(Debug, Clone)]
enum Exception {
    DayOff(i64),
    Hours(i64, DayHours),
    Absent(i64, i64),
}

impl Exception {
    fn at(self, base: NaiveDate) -> AvailabilityException {
        let midnight = base.and_time(NaiveTime::MIN).and_utc();
        match self {
            Exception::DayOff(d) => AvailabilityException::DayOff(base + TimeDelta::days(d)),
            Exception::Hours(d, hours) => AvailabilityException::Hours {
                date: base + TimeDelta::days(d),
                hours,
            },
            Exception::Absent(from, minutes) => {
                let start = midnight + TimeDelta::minutes(from * 5);
                AvailabilityException::Absent(
                    UtcSpan::new(start, start + TimeDelta::minutes(minutes)).unwrap(),
                )
            }
        }
    }
}

fn exception() -> impl Strategy<Value = Exception> {
    prop_oneof![
        (0..DAYS).prop_map(Exception::DayOff),
        (0..DAYS, day_hours()).prop_map(|(d, h)| Exception::Hours(d, h)),
        (0..DAYS * 288, 5i64..=600).prop_map(|(f, m)| Exception::Absent(f, m)),
    ]
}

// ---- The oracle: minute by minute, with chrono's conversions. ----

fn minutes_of(hours: &DayHours) -> Vec<bool> {
    (0..1440).map(|m| hours.contains_second(m * 60)).collect()
}

/// The staff member's minutes on a local date, from the documented rules:
/// a day off wins, several "hours instead" are intersected.
fn staff_minutes(staff: &Staff, date: NaiveDate) -> Vec<bool> {
    let mut minutes = minutes_of(staff.availability.on(date.weekday()));
    let instead: Vec<&DayHours> = staff
        .exceptions
        .iter()
        .filter_map(|e| match e {
            AvailabilityException::Hours { date: d, hours } if *d == date => Some(hours),
            _ => None,
        })
        .collect();
    if !instead.is_empty() {
        minutes = vec![true; 1440];
        for hours in instead {
            for (m, open) in minutes_of(hours).into_iter().enumerate() {
                minutes[m] &= open;
            }
        }
    }
    if staff
        .exceptions
        .contains(&AvailabilityException::DayOff(date))
    {
        minutes = vec![false; 1440];
    }
    minutes
}

fn local(tz: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&tz).naive_local()
}

/// Whether every minute of `[start, end)` is inside `open` on `date`.
fn inside(
    tz: Tz,
    date: NaiveDate,
    open: &[bool],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> bool {
    let mut m = start;
    while m < end {
        let l = local(tz, m);
        if l.date() != date || !open[(l.hour() * 60 + l.minute()) as usize] {
            return false;
        }
        m += TimeDelta::minutes(1);
    }
    true
}

type Offer = BTreeMap<DateTime<Utc>, (NaiveDateTime, Vec<(StaffId, u32)>)>;

fn oracle(sc: &Scenario, bookings: &[Booking]) -> Offer {
    let tz = sc.office.time_zone;
    let service = &sc.services[0];
    let step = service.slot_interval().num_minutes() as u32;
    let earliest = sc.now + service.min_notice();
    let latest = sc.now + service.horizon();
    let mut offer = Offer::new();
    let mut date = sc.first;
    while date <= sc.last {
        let opening = minutes_of(sc.office.opening_hours.on(date.weekday()));
        let closed = sc.office.closed_days.contains(&date);
        let ids: BTreeSet<StaffId> = service.staff().iter().copied().collect();
        for staff in sc.staff.iter().filter(|s| ids.contains(&s.id)) {
            if closed {
                break;
            }
            let theirs = staff_minutes(staff, date);
            let open: Vec<bool> = opening.iter().zip(&theirs).map(|(a, b)| *a && *b).collect();
            let mut m = 0u32;
            while m < 1440 {
                if !open[m as usize] {
                    m += 1;
                    continue;
                }
                let run_start = m;
                while m < 1440 && open[m as usize] {
                    m += 1;
                }
                for l in (run_start..m).step_by(step as usize) {
                    let wall = date.and_time(NaiveTime::from_hms_opt(l / 60, l % 60, 0).unwrap());
                    let Some(start) = tz.from_local_datetime(&wall).earliest() else {
                        continue;
                    };
                    let start = start.with_timezone(&Utc);
                    let end = start + service.duration();
                    if start < earliest || start > latest || !inside(tz, date, &open, start, end) {
                        continue;
                    }
                    if staff.exceptions.iter().any(|e| matches!(e, AvailabilityException::Absent(a) if a.start() < end && start < a.end())) {
                        continue;
                    }
                    let (block_from, block_to) = (
                        start - service.buffer_before(),
                        end + service.buffer_after(),
                    );
                    let mine = bookings.iter().filter(|b| b.staff == staff.id);
                    let group = mine
                        .clone()
                        .filter(|b| b.service == service.id() && b.start == start)
                        .count() as u32;
                    let conflict = mine
                        .filter(|b| !(b.service == service.id() && b.start == start))
                        .any(|b| b.block_start < block_to && block_from < b.block_end);
                    if conflict || group >= service.seats_per_slot() {
                        continue;
                    }
                    offer
                        .entry(start)
                        .or_insert((wall, Vec::new()))
                        .1
                        .push((staff.id, service.seats_per_slot() - group));
                }
            }
        }
        date = date.succ_opt().unwrap();
    }
    for (_, staff) in offer.values_mut() {
        staff.sort();
    }
    offer
}

fn as_offer(slots: &[Slot]) -> Offer {
    slots
        .iter()
        .map(|s| {
            (
                s.start,
                (
                    s.local_start,
                    s.staff_free
                        .iter()
                        .map(|f| (f.staff, f.seats_left))
                        .collect(),
                ),
            )
        })
        .collect()
}

/// Adds bookings of the main service at offered slots, so groups and
/// neighbours of fresh bookings are part of the picture.
fn with_group_bookings(sc: &Scenario, picks: &[(Index, Index)]) -> Vec<Booking> {
    let mut bookings = sc.bookings.clone();
    let slots = sc.slots(&bookings);
    if slots.is_empty() {
        return bookings;
    }
    for (slot, staff) in picks {
        let slot = slot.get(&slots);
        let staff = staff.get(&slot.staff_free).staff;
        let block = sc.services[0].block_for(slot.start).unwrap();
        bookings.push(Booking {
            service: sc.services[0].id(),
            staff,
            start: slot.start,
            block_start: block.start(),
            block_end: block.end(),
        });
    }
    bookings
}

fn picks() -> impl Strategy<Value = Vec<(Index, Index)>> {
    prop::collection::vec((any::<Index>(), any::<Index>()), 0..4)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 200,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn free_slots_equal_the_minute_by_minute_oracle(sc in scenario(), picks in picks()) {
        let bookings = with_group_bookings(&sc, &picks);
        let slots = sc.slots(&bookings);
        prop_assert!(slots.windows(2).all(|w| w[0].start < w[1].start), "ordered by time, each start once");
        prop_assert!(slots.iter().all(|s| !s.staff_free.is_empty()));
        prop_assert_eq!(as_offer(&slots), oracle(&sc, &bookings));
    }

    #[test]
    fn no_slot_overlaps_a_booking_or_its_buffers(sc in scenario(), picks in picks()) {
        let bookings = with_group_bookings(&sc, &picks);
        let service = &sc.services[0];
        for slot in sc.slots(&bookings) {
            let block = service.block_for(slot.start).unwrap();
            for free in &slot.staff_free {
                let mine: Vec<&Booking> = bookings.iter().filter(|b| b.staff == free.staff).collect();
                let group = mine.iter().filter(|b| b.service == service.id() && b.start == slot.start).count() as u32;
                prop_assert_eq!(free.seats_left, service.seats_per_slot() - group);
                for b in mine.iter().filter(|b| !(b.service == service.id() && b.start == slot.start)) {
                    prop_assert!(
                        !block.overlaps(b.block_start, b.block_end),
                        "{:?} with {:?} overlaps {:?}", slot.start, free.staff, b
                    );
                }
            }
        }
    }

    #[test]
    fn every_slot_lies_in_opening_hours_and_staff_hours(sc in scenario()) {
        let tz = sc.office.time_zone;
        for slot in sc.slots(&sc.bookings) {
            let date = slot.local_date();
            prop_assert_eq!(local(tz, slot.start), slot.local_start);
            prop_assert!(!sc.office.closed_days.contains(&date), "closed day {}", date);
            prop_assert_eq!(slot.end - slot.start, sc.services[0].duration());
            let opening = minutes_of(sc.office.opening_hours.on(date.weekday()));
            prop_assert!(inside(tz, date, &opening, slot.start, slot.end), "{:?} outside opening hours", slot);
            for free in &slot.staff_free {
                let staff = sc.staff(free.staff);
                prop_assert!(sc.services[0].is_offered_by(free.staff));
                prop_assert!(inside(tz, date, &staff_minutes(staff, date), slot.start, slot.end), "{:?} outside {:?}'s hours", slot, free.staff);
                prop_assert!(!staff.is_absent_during(slot.start, slot.end));
            }
        }
    }

    #[test]
    fn no_slot_before_the_notice_or_after_the_horizon(sc in scenario()) {
        let service = &sc.services[0];
        for slot in sc.slots(&sc.bookings) {
            prop_assert!(slot.start >= sc.now + service.min_notice());
            prop_assert!(slot.start <= sc.now + service.horizon());
        }
    }

    #[test]
    fn check_booking_accepts_exactly_what_free_slots_offers(
        sc in scenario(),
        picks in picks(),
        probes in prop::collection::vec(0i64..(DAYS + 3) * 1440, 30),
    ) {
        let bookings = with_group_bookings(&sc, &picks);
        let rules = sc.rules();
        let offer = as_offer(&sc.slots(&bookings));
        let midnight = sc.first.and_time(NaiveTime::MIN).and_utc();
        let mut starts: BTreeSet<DateTime<Utc>> = offer.keys().copied().collect();
        for t in offer.keys() {
            starts.extend([*t - TimeDelta::minutes(5), *t + TimeDelta::minutes(5), *t + TimeDelta::hours(1), *t - TimeDelta::hours(1)]);
        }
        starts.extend(probes.iter().map(|m| midnight + TimeDelta::minutes(*m)));
        for start in starts {
            let offered = offer.get(&start);
            let any = check_booking(&rules, &bookings, sc.now, start, None);
            prop_assert_eq!(any.is_ok(), offered.is_some(), "{:?}: {:?}", start, any);
            if let (Ok(a), Some((wall, free))) = (&any, offered) {
                prop_assert!(free.iter().any(|(id, _)| *id == a.staff));
                prop_assert_eq!((a.start, a.local_start), (start, *wall));
                prop_assert_eq!(a.end - a.start, sc.services[0].duration());
            }
            for id in 1..=4 {
                let with = check_booking(&rules, &bookings, sc.now, start, Some(StaffId(id)));
                let free_with = offered.is_some_and(|(_, free)| free.iter().any(|(s, _)| *s == StaffId(id)));
                prop_assert_eq!(with.is_ok(), free_with, "{:?} with {}: {:?}", start, id, with);
            }
        }
    }

    #[test]
    fn a_booked_seat_is_no_longer_offered(sc in scenario(), picks in picks(), which in any::<Index>()) {
        let mut bookings = with_group_bookings(&sc, &picks);
        let before = sc.slots(&bookings);
        if before.is_empty() {
            return Ok(());
        }
        let slot = which.get(&before);
        let a = check_booking(&sc.rules(), &bookings, sc.now, slot.start, None).unwrap();
        bookings.push((&a).into());
        let after = sc.slots(&bookings);
        let left_after = after.iter().find(|s| s.start == slot.start).map_or(0, |s| s.seats_left_with(a.staff));
        prop_assert_eq!(left_after, slot.seats_left_with(a.staff) - 1);
        for other in &slot.staff_free {
            if other.staff != a.staff {
                let left = after.iter().find(|s| s.start == slot.start).map_or(0, |s| s.seats_left_with(other.staff));
                prop_assert_eq!(left, other.seats_left, "other staff keep their seats");
            }
        }
        // Nothing else of that staff member overlaps the new block, and the
        // new booking lies where the old answer had it.
        for s in after.iter().filter(|s| s.start != a.start && s.seats_left_with(a.staff) > 0) {
            let block = sc.services[0].block_for(s.start).unwrap();
            prop_assert!(!block.overlaps(a.block_start, a.block_end));
        }
        prop_assert_eq!(as_offer(&after), oracle(&sc, &bookings));
    }
}

/// Guards against vacuous properties: the generator must produce scenarios
/// with slots, with slots on DST switch days, and with partly booked groups.
#[test]
fn the_generator_reaches_the_interesting_cases() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let switch_days: BTreeSet<NaiveDate> = [
        "2026-03-29",
        "2026-10-25",
        "2026-11-01",
        "2026-09-06",
        "2026-04-05",
    ]
    .iter()
    .map(|d| d.parse().unwrap())
    .collect();
    let mut runner = TestRunner::deterministic();
    let (mut with_slots, mut on_switch_days, mut groups) = (0, 0, 0);
    for _ in 0..200 {
        let sc = scenario().new_tree(&mut runner).unwrap().current();
        let picks = picks().new_tree(&mut runner).unwrap().current();
        let slots = sc.slots(&with_group_bookings(&sc, &picks));
        with_slots += usize::from(!slots.is_empty());
        on_switch_days += usize::from(slots.iter().any(|s| switch_days.contains(&s.local_date())));
        groups += usize::from(slots.iter().any(|s| {
            s.staff_free
                .iter()
                .any(|f| f.seats_left < sc.services[0].seats_per_slot())
        }));
    }
    assert!(with_slots > 100, "{with_slots} of 200 scenarios have slots");
    assert!(
        on_switch_days > 20,
        "{on_switch_days} of 200 have slots on a switch day"
    );
    assert!(groups > 10, "{groups} of 200 have partly booked groups");
}
