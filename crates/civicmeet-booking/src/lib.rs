//! Booking rules as pure functions of (rules, bookings, now).
//!
//! This crate decides which appointments a citizen may book: it turns
//! offices (time zone, opening hours, closing days), services (duration,
//! buffers, notice, horizon, seats, slot grid, staff) and staff availability
//! (weekly hours, days off, other hours, absences) into free slots, checks a
//! request at booking time, and finds alternatives to a taken slot
//! (PRODUCT.md BK-2).
//!
//! It never reads the clock (chrono's clock feature is off; `now` is an
//! argument), does no I/O, holds no locks and knows nothing of the store,
//! HTTP or mail. Invalid rules cannot be built; no input makes it panic.
//!
//! # Decisions
//!
//! - **Buffers and hours.** The appointment itself must lie within opening
//!   hours and the staff member's hours; its buffers may reach outside them
//!   (preparing before opening is fine). An appointment blocks its staff
//!   member for `[start - buffer_before, end + buffer_after)`, and two blocks
//!   of one staff member never overlap, so neighbours' buffers add up.
//!   Bookings of the same service at the same start share a block up to the
//!   seats per slot. The [`Assignment`] exports the block, so the store can
//!   enforce the same rule.
//! - **Time.** Hours are wall-clock time in the office's zone; durations are
//!   real elapsed time. Slot starts step by the slot interval in wall-clock
//!   time from the start of each window (opening hours ∩ staff hours). A
//!   start in the spring-forward gap does not exist and is skipped; a start
//!   that happens twice in autumn is offered once, at the earlier instant.
//!   An appointment fits a window if every instant of it has a wall-clock
//!   time inside it, so on the autumn day `01:00-04:00` holds four real
//!   hours and on the spring day two.
//! - **Staff choice.** Among staff with a free seat: one who already has a
//!   group at that start, then the fewest bookings that local day, then the
//!   lowest id. Deterministic, so a retry gets the same answer.
//! - **Bookings** carry their block as stored, so changing a service's
//!   buffers does not move existing appointments' blocks.

mod check;
mod clock;
mod engine;
mod error;
mod hours;
mod model;
mod slots;

pub use check::{Assignment, alternatives, check_booking};
pub use error::{Refusal, RuleError};
pub use hours::{DayHours, LocalInterval, WeeklyHours};
pub use model::{
    AvailabilityException, Booking, Office, OfficeId, Service, ServiceId, ServiceSpec, Staff,
    StaffId, UtcSpan,
};
pub use slots::{Rules, Slot, StaffSeats, free_slots};

/// Re-exported so callers name zones with the same crate version.
pub use chrono_tz::Tz;
