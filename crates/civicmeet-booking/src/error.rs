//! The two ways the booking rules say no.
//!
//! [`RuleError`] is an admin's mistake caught while building the rules
//! (overlapping hours, a zero-minute service); it never reaches a citizen.
//! [`Refusal`] is the answer to one booking request; every variant is a
//! different sentence on the citizen's page, so they are kept distinct.

use chrono::{DateTime, NaiveDate, Utc};

use crate::hours::LocalInterval;
use crate::model::StaffId;

/// Rules that cannot be built because they make no sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// An interval of hours must start before it ends.
    #[error("an interval of hours must start before it ends")]
    EmptyInterval,
    /// Times of day are whole seconds; `24:00` is the latest end.
    #[error("a time of day must be whole seconds between 00:00 and 24:00")]
    BadTimeOfDay,
    /// Two intervals of one day overlap; touching ones are merged instead.
    #[error("the hours {first} and {second} overlap")]
    Overlap {
        /// The earlier of the two.
        first: LocalInterval,
        /// The later of the two.
        second: LocalInterval,
    },
    /// Text that should read like `08:00-12:00, 13:00-16:00` does not.
    #[error("cannot read hours: expected {expected}")]
    Malformed {
        /// What the parser wanted to see.
        expected: &'static str,
    },
    /// A duration of a service lies outside what the rules accept.
    #[error("{field} must be {allowed}")]
    DurationOutOfRange {
        /// Which field of the service.
        field: &'static str,
        /// The accepted range, for the admin.
        allowed: &'static str,
    },
    /// A service needs at least one seat per slot.
    #[error("a service needs at least one seat per slot")]
    ZeroSeats,
    /// A span of real time must start before it ends.
    #[error("a span of time must start before it ends")]
    EmptySpan,
}

/// Why a requested appointment cannot be booked.
///
/// Checked in this order, so the first reason that applies is the one given:
/// who offers the service, notice and horizon, closed days, opening hours,
/// the slot grid, staff availability, and finally other bookings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Nobody among the given staff offers this service.
    #[error("this service is not offered here")]
    ServiceNotOffered,
    /// The requested staff member does not offer this service (or is unknown).
    #[error("staff member {0} does not offer this service")]
    StaffNotOffering(StaffId),
    /// The start is before now plus the minimum notice.
    #[error("too soon: the earliest bookable start is {earliest}")]
    TooSoon {
        /// Now plus the minimum notice.
        earliest: DateTime<Utc>,
    },
    /// The start is after now plus the booking horizon.
    #[error("too far ahead: the latest bookable start is {latest}")]
    TooFarAhead {
        /// Now plus the horizon.
        latest: DateTime<Utc>,
    },
    /// The office is closed on that local date (closing day, holiday, or no
    /// opening hours on that weekday).
    #[error("the office is closed on {date}")]
    Closed {
        /// The local date of the requested start.
        date: NaiveDate,
    },
    /// The appointment would not lie within the opening hours.
    #[error("the appointment would not lie within the opening hours")]
    OutsideOpeningHours,
    /// Within opening hours, but not a start time the service offers (off
    /// the slot grid, or the second occurrence of a repeated local time).
    #[error("this is not a start time offered for this service")]
    NotASlotStart,
    /// Nobody who offers the service (or not the requested person) works then.
    #[error("no staff member offering this service is available then")]
    StaffUnavailable,
    /// Every seat with every available staff member is booked.
    #[error("this appointment has just been taken")]
    Taken,
}
