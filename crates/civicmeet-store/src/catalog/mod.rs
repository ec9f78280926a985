//! The booking catalogue as plain records: offices with their opening hours
//! and closing days, services, staff with their hours and exceptions.
//!
//! Nothing here interprets the records (time zones, which slots are free):
//! that is `civicmeet-booking`'s job. The schema only refuses values that
//! can never be right (weekday 9, an end before the start).

mod offices;
mod services;
mod staff;

pub(crate) use offices::found;
pub use offices::{ClosingDay, NewOffice, Office};
pub use services::{NewService, Service};
pub use staff::{ExceptionKind, NewStaff, Staff, StaffException};

/// A span of working time on one weekday, in minutes since local midnight
/// (`end_minute` exclusive, at most 1440). Weekday 0 is Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct WeeklyHours {
    pub weekday: i32,
    pub start_minute: i32,
    pub end_minute: i32,
}
