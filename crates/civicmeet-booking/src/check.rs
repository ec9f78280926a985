//! Booking time: is this start still bookable, with whom, and if not, what
//! else is near it.
//!
//! `check_booking` decides from the same candidates as `free_slots`, so it
//! accepts exactly the starts that `free_slots` offers at the same `now`.
//! The database still has the last word between two concurrent requests:
//! the [`Assignment`] carries the blocked span for the store to enforce.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

use crate::engine::{Engine, State};
use crate::error::Refusal;
use crate::model::{Booking, ServiceId, StaffId};
use crate::slots::{Rules, Slot};

/// An accepted request: who holds the appointment and what it blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// The service booked.
    pub service: ServiceId,
    /// Who holds it.
    pub staff: StaffId,
    /// When it starts.
    pub start: DateTime<Utc>,
    /// When it ends.
    pub end: DateTime<Utc>,
    /// The start on the office's wall clock.
    pub local_start: NaiveDateTime,
    /// Start of the blocked span: `start - buffer_before`.
    pub block_start: DateTime<Utc>,
    /// End of the blocked span: `end + buffer_after`.
    pub block_end: DateTime<Utc>,
    /// The service's seats per slot. For the store's constraint: blocks of
    /// one staff member never overlap, except bookings of the same service
    /// and start, of which there are at most this many.
    pub seats_per_slot: u32,
}

impl From<&Assignment> for Booking {
    fn from(a: &Assignment) -> Self {
        Booking {
            service: a.service,
            staff: a.staff,
            start: a.start,
            block_start: a.block_start,
            block_end: a.block_end,
        }
    }
}

/// Checks a requested start against the rules and bookings at `now`, and
/// picks the staff member (only `staff` if given).
///
/// The pick, among those with a free seat: someone who already has a group
/// at this start (so group consultations fill up before a second one opens),
/// then whoever has the fewest bookings that local day, then the lowest id.
pub fn check_booking(
    rules: &Rules<'_>,
    bookings: &[Booking],
    now: DateTime<Utc>,
    start: DateTime<Utc>,
    staff: Option<StaffId>,
) -> Result<Assignment, Refusal> {
    let engine = Engine::new(rules, bookings, now);
    if engine.staff.is_empty() {
        return Err(Refusal::ServiceNotOffered);
    }
    if let Some(id) = staff
        && !engine.staff.iter().any(|s| s.id == id)
    {
        return Err(Refusal::StaffNotOffering(id));
    }
    if start < engine.earliest {
        return Err(Refusal::TooSoon {
            earliest: engine.earliest,
        });
    }
    if start > engine.latest {
        return Err(Refusal::TooFarAhead {
            latest: engine.latest,
        });
    }
    let Some(date) = engine.local_date(start) else {
        return Err(Refusal::OutsideOpeningHours);
    };
    let here: Vec<_> = engine
        .candidates(date)
        .into_iter()
        .filter(|c| c.start == start && staff.is_none_or(|id| id == c.staff))
        .collect();
    let best = here
        .iter()
        .filter_map(|c| match c.state {
            State::Free { group, .. } => Some((group == 0, engine.bookings_on(c.staff, date), c)),
            _ => None,
        })
        .min_by_key(|(no_group, count, c)| (*no_group, *count, c.staff));
    if let Some((_, _, c)) = best {
        let service = engine.service;
        // The engine built this candidate's block from the same numbers, so
        // these cannot fail; refuse rather than panic if they ever did.
        let block_start = c
            .start
            .checked_sub_signed(service.buffer_before())
            .ok_or(Refusal::OutsideOpeningHours)?;
        let block_end = c
            .end
            .checked_add_signed(service.buffer_after())
            .ok_or(Refusal::OutsideOpeningHours)?;
        return Ok(Assignment {
            service: service.id(),
            staff: c.staff,
            start: c.start,
            end: c.end,
            local_start: c.local_start,
            block_start,
            block_end,
            seats_per_slot: service.seats_per_slot(),
        });
    }
    if here.iter().any(|c| c.state == State::Full) {
        return Err(Refusal::Taken);
    }
    if !here.is_empty() {
        return Err(Refusal::StaffUnavailable);
    }
    if engine.office.is_closed_on(date) {
        return Err(Refusal::Closed { date });
    }
    match engine.office_view(date, start) {
        (false, _) => Err(Refusal::OutsideOpeningHours),
        (true, true) => Err(Refusal::StaffUnavailable),
        (true, false) => Err(Refusal::NotASlotStart),
    }
}

/// The `n` free slots nearest to `near` (before or after it), in time order;
/// for "this was just taken — how about these?". Ties go to the earlier one.
/// With `staff`, only slots with that person, listing only them.
pub fn alternatives(
    rules: &Rules<'_>,
    bookings: &[Booking],
    now: DateTime<Utc>,
    near: DateTime<Utc>,
    n: usize,
    staff: Option<StaffId>,
) -> Vec<Slot> {
    let engine = Engine::new(rules, bookings, now);
    let Some((first, last)) = engine.bookable_dates() else {
        return Vec::new();
    };
    if n == 0 {
        return Vec::new();
    }
    let center = engine.local_date(near).unwrap_or(last).clamp(first, last);
    // Widen a window of days around `near` until the n nearest slots in it
    // are surely the n nearest of all: an instant outside a window reaching
    // k days to a side is more than k - 1 days away (offsets differ by less
    // than a day). The window at most spans the bookable dates.
    let mut reach: u64 = 2;
    loop {
        let lo = center
            .checked_sub_days(chrono::Days::new(reach))
            .unwrap_or(first)
            .max(first);
        let hi = center
            .checked_add_days(chrono::Days::new(reach))
            .unwrap_or(last)
            .min(last);
        let mut slots: Vec<Slot> = engine
            .slots_between(lo, hi)
            .into_iter()
            .filter_map(|mut slot| {
                if let Some(id) = staff {
                    slot.staff_free.retain(|s| s.staff == id);
                }
                (!slot.staff_free.is_empty()).then_some(slot)
            })
            .collect();
        let distance = |s: &Slot| (s.start - near).abs();
        slots.sort_by_key(|s| (distance(s), s.start));
        let covered = |side_open: bool, days: i64| {
            if side_open {
                TimeDelta::MAX
            } else {
                TimeDelta::days(days - 1)
            }
        };
        let margin = covered(lo == first, (center - lo).num_days())
            .min(covered(hi == last, (hi - center).num_days()));
        let whole = lo == first && hi == last;
        if whole || slots.get(n - 1).is_some_and(|s| distance(s) <= margin) {
            slots.truncate(n);
            slots.sort_by_key(|s| s.start);
            return slots;
        }
        reach = reach.saturating_mul(2);
    }
}
