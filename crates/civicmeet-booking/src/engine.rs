//! The one computation that `free_slots`, `check_booking` and `alternatives`
//! all rest on: the candidate appointments of one local day, per staff
//! member, each with its state (free seats, full, or staff absent).
//!
//! Because all three answers come from here, "check_booking accepts exactly
//! what free_slots offers" holds by construction, and the property tests
//! check it anyway.
//!
//! A candidate is a start on the slot grid of a window, where a window is
//! one interval of (opening hours ∩ the staff member's hours that day) and
//! the grid steps by the slot interval from the window's start in wall-clock
//! time. It is kept when the appointment itself — not its buffers — lies
//! entirely in the window's real-time segments, and it starts within
//! [now + min notice, now + horizon]. Its state then depends on absences
//! (the appointment may not overlap one) and on other bookings (its blocked
//! span, buffers included, may not overlap theirs, except for the seats of
//! a group at the same service and start).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::clock::{LocalDay, fits, local_time};
use crate::model::{Booking, Office, Service, Staff, StaffId};
use crate::slots::{Rules, Slot, StaffSeats};

/// Whether a candidate can be booked with its staff member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// `seats_left` more citizens fit; `group` already booked this start.
    Free { seats_left: u32, group: u32 },
    /// Every seat is taken, or another booking's block overlaps.
    Full,
    /// The staff member is absent during the appointment.
    Absent,
}

/// One start on one staff member's grid.
#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    pub(crate) staff: StaffId,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) local_start: NaiveDateTime,
    pub(crate) state: State,
}

/// A booking with its blocked span in whole seconds, rounded outwards.
struct Held<'a> {
    booking: &'a Booking,
    from: i64,
    to: i64,
}

/// The rules of one call, with bookings sorted by staff member.
pub(crate) struct Engine<'a> {
    pub(crate) office: &'a Office,
    pub(crate) service: &'a Service,
    /// Who offers the service, by id, each once.
    pub(crate) staff: Vec<&'a Staff>,
    held: BTreeMap<StaffId, Vec<Held<'a>>>,
    pub(crate) earliest: DateTime<Utc>,
    pub(crate) latest: DateTime<Utc>,
}

impl<'a> Engine<'a> {
    pub(crate) fn new(rules: &Rules<'a>, bookings: &'a [Booking], now: DateTime<Utc>) -> Self {
        let service = rules.service;
        let mut staff: Vec<&Staff> = rules
            .staff
            .iter()
            .filter(|s| service.is_offered_by(s.id))
            .collect();
        staff.sort_by_key(|s| s.id);
        staff.dedup_by_key(|s| s.id);
        let mut held: BTreeMap<StaffId, Vec<Held>> = BTreeMap::new();
        for booking in bookings {
            if staff.binary_search_by_key(&booking.staff, |s| s.id).is_ok() {
                let (from, to) = booking.block();
                held.entry(booking.staff).or_default().push(Held {
                    booking,
                    from: from.timestamp(),
                    to: ceil_seconds(to),
                });
            }
        }
        Self {
            office: rules.office,
            service,
            staff,
            held,
            earliest: now
                .checked_add_signed(service.min_notice())
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
            latest: now
                .checked_add_signed(service.horizon())
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        }
    }

    /// The local dates that can hold a bookable slot, with a day of slack
    /// on each side; `None` if nothing is bookable at all.
    pub(crate) fn bookable_dates(&self) -> Option<(NaiveDate, NaiveDate)> {
        if self.staff.is_empty() || self.earliest > self.latest {
            return None;
        }
        let tz = self.office.time_zone;
        let first = local_time(tz, self.earliest)?.date();
        let last = local_time(tz, self.latest).map_or(NaiveDate::MAX, |t| t.date());
        Some((
            first.pred_opt().unwrap_or(first),
            last.succ_opt().unwrap_or(last),
        ))
    }

    /// The local date of an instant in the office's zone.
    pub(crate) fn local_date(&self, instant: DateTime<Utc>) -> Option<NaiveDate> {
        local_time(self.office.time_zone, instant).map(|t| t.date())
    }

    /// Every candidate of `date`, ordered by start, then staff id.
    pub(crate) fn candidates(&self, date: NaiveDate) -> Vec<Candidate> {
        let mut out = Vec::new();
        if self.office.is_closed_on(date) {
            return out;
        }
        let Some(day) = LocalDay::new(self.office.time_zone, date) else {
            return out;
        };
        let opening = self.office.opening_hours.on(date.weekday());
        let (reach_from, reach_to) = day.reach();
        for staff in &self.staff {
            let windows = opening.intersect(&staff.hours_on(date));
            if windows.is_closed() {
                continue;
            }
            let held: Vec<&Held> = self.held.get(&staff.id).map_or_else(Vec::new, |all| {
                all.iter()
                    .filter(|h| {
                        let start = h.booking.start.timestamp();
                        (h.from < reach_to && reach_from < h.to)
                            || (reach_from <= start && start < reach_to)
                    })
                    .collect()
            });
            for window in windows.intervals() {
                let segments = day.segments(window.start_seconds(), window.end_seconds());
                for secs in grid(window.start_seconds(), window.end_seconds(), self.step()) {
                    if let Some(c) = self.candidate(staff, &held, &day, date, secs, &segments) {
                        out.push(c);
                    }
                }
            }
        }
        out.sort_by_key(|c| (c.start, c.staff));
        out
    }

    /// The free slots of `date`: candidates with a free seat, merged by start.
    pub(crate) fn slots(&self, date: NaiveDate) -> Vec<Slot> {
        let mut slots: Vec<Slot> = Vec::new();
        for c in self.candidates(date) {
            let State::Free { seats_left, .. } = c.state else {
                continue;
            };
            let seats = StaffSeats {
                staff: c.staff,
                seats_left,
            };
            match slots.last_mut() {
                Some(last) if last.start == c.start => last.staff_free.push(seats),
                _ => slots.push(Slot {
                    start: c.start,
                    end: c.end,
                    local_start: c.local_start,
                    staff_free: vec![seats],
                }),
            }
        }
        slots
    }

    /// Free slots of every date in `[first, last]`.
    pub(crate) fn slots_between(&self, first: NaiveDate, last: NaiveDate) -> Vec<Slot> {
        let mut out = Vec::new();
        let mut date = first;
        while date <= last {
            out.extend(self.slots(date));
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        out
    }

    /// How many bookings `staff` holds on the local date `date`.
    pub(crate) fn bookings_on(&self, staff: StaffId, date: NaiveDate) -> usize {
        self.held.get(&staff).map_or(0, |all| {
            all.iter()
                .filter(|h| self.local_date(h.booking.start) == Some(date))
                .count()
        })
    }

    /// For refusals only: whether an appointment at `start` lies within the
    /// opening hours of `date`, and whether it is on the office's own grid
    /// (the grid of the opening intervals, ignoring staff).
    pub(crate) fn office_view(&self, date: NaiveDate, start: DateTime<Utc>) -> (bool, bool) {
        let Some(day) = LocalDay::new(self.office.time_zone, date) else {
            return (false, false);
        };
        let u = start.timestamp();
        let end = u.saturating_add(self.service.duration().num_seconds());
        let (mut in_hours, mut on_grid) = (false, false);
        for window in self.office.opening_hours.on(date.weekday()).intervals() {
            let segments = day.segments(window.start_seconds(), window.end_seconds());
            if fits(&segments, u, end) {
                in_hours = true;
                on_grid |= start.timestamp_subsec_nanos() == 0
                    && grid(window.start_seconds(), window.end_seconds(), self.step())
                        .any(|secs| day.resolve(secs) == Some(u));
            }
        }
        (in_hours, on_grid)
    }

    fn step(&self) -> u32 {
        // Service::new keeps the interval within 1 minute to 24 hours.
        u32::try_from(self.service.slot_interval().num_seconds()).unwrap_or(60)
    }

    fn candidate(
        &self,
        staff: &Staff,
        held: &[&Held],
        day: &LocalDay,
        date: NaiveDate,
        secs: u32,
        segments: &[(i64, i64)],
    ) -> Option<Candidate> {
        let service = self.service;
        let u = day.resolve(secs)?;
        let start = DateTime::from_timestamp(u, 0)?;
        if start < self.earliest || start > self.latest {
            return None;
        }
        let end = u.checked_add(service.duration().num_seconds())?;
        if !fits(segments, u, end) {
            return None;
        }
        let end_time = DateTime::from_timestamp(end, 0)?;
        let local_start = date.and_time(NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)?);
        let state = if staff.is_absent_during(start, end_time) {
            State::Absent
        } else {
            let block_from = u.checked_sub(service.buffer_before().num_seconds())?;
            let block_to = end.checked_add(service.buffer_after().num_seconds())?;
            let (mut group, mut conflict) = (0u32, false);
            for h in held {
                if h.booking.service == service.id() && h.booking.start == start {
                    group = group.saturating_add(1);
                } else if h.from < block_to && block_from < h.to {
                    conflict = true;
                }
            }
            match service.seats_per_slot().checked_sub(group) {
                Some(seats_left) if seats_left > 0 && !conflict => {
                    State::Free { seats_left, group }
                }
                _ => State::Full,
            }
        };
        Some(Candidate {
            staff: staff.id,
            start,
            end: end_time,
            local_start,
            state,
        })
    }
}

/// Wall-clock starts `start, start + step, …` below `end`.
fn grid(start: u32, end: u32, step: u32) -> impl Iterator<Item = u32> {
    (start..end).step_by(step.max(1) as usize)
}

fn ceil_seconds(t: DateTime<Utc>) -> i64 {
    t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)
}
