//! Free slots: what a citizen is offered, as a list ordered by time.

use std::ops::RangeInclusive;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::engine::Engine;
use crate::model::{Booking, Office, Service, Staff, StaffId};

/// The rules for one service at one office: everything but the bookings
/// and the time.
#[derive(Clone, Copy, Debug)]
pub struct Rules<'a> {
    /// Where: time zone, opening hours, closing days.
    pub office: &'a Office,
    /// What: duration, buffers, notice, horizon, seats, grid, who offers it.
    pub service: &'a Service,
    /// The office's staff; only those the service names are considered.
    pub staff: &'a [Staff],
}

/// One bookable start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    /// When the appointment starts.
    pub start: DateTime<Utc>,
    /// When it ends (start plus the duration, in real time).
    pub end: DateTime<Utc>,
    /// The start on the office's wall clock, for showing and grouping by day.
    pub local_start: NaiveDateTime,
    /// Who still has seats at this start, by staff id; never empty.
    pub staff_free: Vec<StaffSeats>,
}

impl Slot {
    /// The office's local date of the start.
    pub fn local_date(&self) -> NaiveDate {
        self.local_start.date()
    }

    /// Free seats over all staff members.
    pub fn seats_left(&self) -> u32 {
        self.staff_free
            .iter()
            .fold(0u32, |sum, s| sum.saturating_add(s.seats_left))
    }

    /// The seats left with one staff member (0 if they are not free then).
    pub fn seats_left_with(&self, staff: StaffId) -> u32 {
        self.staff_free
            .iter()
            .find(|s| s.staff == staff)
            .map_or(0, |s| s.seats_left)
    }
}

/// A staff member who is free at a slot, and how many seats they have left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StaffSeats {
    /// Who.
    pub staff: StaffId,
    /// At least 1.
    pub seats_left: u32,
}

/// The free slots whose local date lies in `days`, ordered by start.
///
/// `bookings` are the active bookings of the staff concerned (any service,
/// any office). The range may be wide: only dates between now plus the
/// minimum notice and now plus the horizon are computed.
pub fn free_slots(
    rules: &Rules<'_>,
    bookings: &[Booking],
    now: DateTime<Utc>,
    days: RangeInclusive<NaiveDate>,
) -> Vec<Slot> {
    let engine = Engine::new(rules, bookings, now);
    let Some((first, last)) = engine.bookable_dates() else {
        return Vec::new();
    };
    let first = first.max(*days.start());
    let last = last.min(*days.end());
    engine.slots_between(first, last)
}
