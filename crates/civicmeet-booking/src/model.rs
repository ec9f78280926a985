//! The rules' nouns: offices, services, staff, their absences, and bookings.
//!
//! Everything an admin defines is checked when it is built (a [`Service`]
//! only comes out of [`Service::new`]), so the slot computation never meets
//! a zero-minute appointment or a negative buffer. Bookings come from the
//! store as they are and are read defensively instead.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::error::RuleError;
use crate::hours::{DayHours, WeeklyHours};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// An office (a row id in the store).
    OfficeId
);
id!(
    /// A service of the catalogue (a row id in the store).
    ServiceId
);
id!(
    /// A staff member (a row id in the store).
    StaffId
);

/// A place that offers appointments, with its own time zone and hours.
#[derive(Clone, Debug, PartialEq)]
pub struct Office {
    /// Its id.
    pub id: OfficeId,
    /// Its name, for people.
    pub name: String,
    /// The zone its opening hours, staff hours and closing days are in.
    pub time_zone: Tz,
    /// Opening hours per weekday, in local time.
    pub opening_hours: WeeklyHours,
    /// Local dates on which it is closed: holidays and closing days.
    pub closed_days: BTreeSet<NaiveDate>,
}

impl Office {
    /// Whether the office is closed all day on this local date.
    pub fn is_closed_on(&self, date: NaiveDate) -> bool {
        self.closed_days.contains(&date) || self.opening_hours.on(date.weekday()).is_closed()
    }
}

/// A half-open span of real time `[start, end)`, never empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UtcSpan {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl UtcSpan {
    /// `[start, end)`; refuses an empty or inverted span.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, RuleError> {
        if start < end {
            Ok(Self { start, end })
        } else {
            Err(RuleError::EmptySpan)
        }
    }

    /// The first instant inside.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The first instant after.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// Whether the two share any instant.
    pub fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        self.start < end && start < self.end
    }
}

/// What an admin fills in for a service; [`Service::new`] checks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceSpec {
    /// Its id.
    pub id: ServiceId,
    /// Its name, for people ("Wohngeld consultation").
    pub name: String,
    /// How long the appointment itself lasts, in real elapsed time.
    pub duration: TimeDelta,
    /// Time the staff member needs before it (reading the file).
    pub buffer_before: TimeDelta,
    /// Time the staff member needs after it (writing it up).
    pub buffer_after: TimeDelta,
    /// How long before its start an appointment must be booked at the latest.
    pub min_notice: TimeDelta,
    /// How far ahead of now an appointment may start.
    pub horizon: TimeDelta,
    /// How many citizens share one appointment (group consultations > 1).
    pub seats_per_slot: u32,
    /// Step between slot starts; `None` means the duration.
    pub slot_interval: Option<TimeDelta>,
    /// Who offers it.
    pub staff: Vec<StaffId>,
    /// Documents to bring, one line each.
    pub documents: Vec<String>,
}

impl ServiceSpec {
    /// A one-seat service of `duration` with no buffers, no notice, a 60-day
    /// horizon, slots one duration apart and nobody offering it yet.
    pub fn new(id: ServiceId, name: impl Into<String>, duration: TimeDelta) -> Self {
        Self {
            id,
            name: name.into(),
            duration,
            buffer_before: TimeDelta::zero(),
            buffer_after: TimeDelta::zero(),
            min_notice: TimeDelta::zero(),
            horizon: TimeDelta::days(60),
            seats_per_slot: 1,
            slot_interval: None,
            staff: Vec::new(),
            documents: Vec::new(),
        }
    }
}

/// A bookable service whose numbers make sense; built by [`Service::new`].
///
/// Durations are whole seconds. The limits are generous but finite, so no
/// sum of them can overflow: duration and slot interval 1 minute to 24 hours,
/// each buffer up to 24 hours, minimum notice up to 366 days, horizon up to
/// 3 660 days (ten years).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    spec: ServiceSpec,
    slot_interval: TimeDelta,
}

impl Service {
    /// Checks the spec.
    pub fn new(spec: ServiceSpec) -> Result<Self, RuleError> {
        let minute = TimeDelta::minutes(1);
        let day = TimeDelta::days(1);
        check(
            "duration",
            spec.duration,
            minute,
            day,
            "1 minute to 24 hours",
        )?;
        check(
            "buffer_before",
            spec.buffer_before,
            TimeDelta::zero(),
            day,
            "0 to 24 hours",
        )?;
        check(
            "buffer_after",
            spec.buffer_after,
            TimeDelta::zero(),
            day,
            "0 to 24 hours",
        )?;
        check(
            "min_notice",
            spec.min_notice,
            TimeDelta::zero(),
            TimeDelta::days(366),
            "0 to 366 days",
        )?;
        check(
            "horizon",
            spec.horizon,
            TimeDelta::zero(),
            TimeDelta::days(3660),
            "0 to 3660 days",
        )?;
        let slot_interval = spec.slot_interval.unwrap_or(spec.duration);
        check(
            "slot_interval",
            slot_interval,
            minute,
            day,
            "1 minute to 24 hours",
        )?;
        if spec.seats_per_slot == 0 {
            return Err(RuleError::ZeroSeats);
        }
        Ok(Self {
            spec,
            slot_interval,
        })
    }

    /// Its id.
    pub fn id(&self) -> ServiceId {
        self.spec.id
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// How long the appointment lasts.
    pub fn duration(&self) -> TimeDelta {
        self.spec.duration
    }

    /// Blocked time before the appointment.
    pub fn buffer_before(&self) -> TimeDelta {
        self.spec.buffer_before
    }

    /// Blocked time after the appointment.
    pub fn buffer_after(&self) -> TimeDelta {
        self.spec.buffer_after
    }

    /// Minimum notice.
    pub fn min_notice(&self) -> TimeDelta {
        self.spec.min_notice
    }

    /// Booking horizon.
    pub fn horizon(&self) -> TimeDelta {
        self.spec.horizon
    }

    /// Seats per slot, at least 1.
    pub fn seats_per_slot(&self) -> u32 {
        self.spec.seats_per_slot
    }

    /// The step between slot starts (the duration unless set).
    pub fn slot_interval(&self) -> TimeDelta {
        self.slot_interval
    }

    /// Who offers it.
    pub fn staff(&self) -> &[StaffId] {
        &self.spec.staff
    }

    /// Documents to bring.
    pub fn documents(&self) -> &[String] {
        &self.spec.documents
    }

    /// Whether `staff` offers it.
    pub fn is_offered_by(&self, staff: StaffId) -> bool {
        self.spec.staff.contains(&staff)
    }

    /// The span an appointment starting at `start` blocks its staff member:
    /// `[start - buffer_before, start + duration + buffer_after)`. `None`
    /// only at the edge of representable time.
    pub fn block_for(&self, start: DateTime<Utc>) -> Option<UtcSpan> {
        let begin = start.checked_sub_signed(self.spec.buffer_before)?;
        let end = start
            .checked_add_signed(self.spec.duration)?
            .checked_add_signed(self.spec.buffer_after)?;
        UtcSpan::new(begin, end).ok()
    }
}

fn check(
    field: &'static str,
    value: TimeDelta,
    min: TimeDelta,
    max: TimeDelta,
    allowed: &'static str,
) -> Result<(), RuleError> {
    if value < min || value > max || value.subsec_nanos() != 0 {
        return Err(RuleError::DurationOutOfRange { field, allowed });
    }
    Ok(())
}

/// A change to a staff member's weekly pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AvailabilityException {
    /// Not available at all on this local date (leave, training, illness).
    DayOff(NaiveDate),
    /// On this local date these hours replace the weekly pattern. Several
    /// for one date are intersected: the rules never offer a time that one
    /// of them excludes.
    Hours {
        /// The local date.
        date: NaiveDate,
        /// The hours that day.
        hours: DayHours,
    },
    /// Away for this span of real time whatever the hours say (an outside
    /// appointment, a trip across several days). An appointment may not
    /// overlap it; buffers may.
    Absent(UtcSpan),
}

/// Someone who holds appointments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staff {
    /// Their id.
    pub id: StaffId,
    /// Their name, for people.
    pub name: String,
    /// Their weekly hours, in the office's local time.
    pub availability: WeeklyHours,
    /// Changes to the weekly hours.
    pub exceptions: Vec<AvailabilityException>,
}

impl Staff {
    /// Their hours on a local date, after day-off and hours exceptions
    /// (absences in real time are separate: [`Staff::is_absent_during`]).
    pub fn hours_on(&self, date: NaiveDate) -> DayHours {
        let mut hours: Option<DayHours> = None;
        for exception in &self.exceptions {
            match exception {
                AvailabilityException::DayOff(d) if *d == date => return DayHours::closed(),
                AvailabilityException::Hours { date: d, hours: h } if *d == date => {
                    hours = Some(match hours {
                        Some(before) => before.intersect(h),
                        None => h.clone(),
                    });
                }
                _ => {}
            }
        }
        hours.unwrap_or_else(|| self.availability.on(date.weekday()).clone())
    }

    /// Whether an absence overlaps `[start, end)`.
    pub fn is_absent_during(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        self.exceptions.iter().any(|e| match e {
            AvailabilityException::Absent(span) => span.overlaps(start, end),
            _ => false,
        })
    }
}

/// An active appointment: held and not expired, or confirmed. The caller
/// leaves out cancelled and expired ones.
///
/// It carries the span it blocks as the store recorded it (from
/// [`Assignment`](crate::Assignment)), so a later change to a service's
/// buffers does not move existing appointments' blocks. Pass every active
/// booking of the staff concerned, whatever office or service it is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booking {
    /// The service booked.
    pub service: ServiceId,
    /// Who holds it.
    pub staff: StaffId,
    /// When the appointment starts.
    pub start: DateTime<Utc>,
    /// Start of the blocked span (start minus the buffer before).
    pub block_start: DateTime<Utc>,
    /// End of the blocked span (end plus the buffer after).
    pub block_end: DateTime<Utc>,
}

impl Booking {
    /// The blocked span `[start, end)`. Read defensively: an inverted pair
    /// from a damaged row blocks the time between the two instants.
    pub fn block(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            self.block_start.min(self.block_end),
            self.block_start.max(self.block_end),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ServiceSpec {
        ServiceSpec::new(ServiceId(1), "Wohngeld", TimeDelta::minutes(30))
    }

    #[test]
    fn service_limits() {
        assert!(Service::new(spec()).is_ok());
        let bad = [
            ServiceSpec {
                duration: TimeDelta::zero(),
                ..spec()
            },
            ServiceSpec {
                duration: TimeDelta::days(2),
                ..spec()
            },
            ServiceSpec {
                duration: TimeDelta::milliseconds(90_500),
                ..spec()
            },
            ServiceSpec {
                buffer_before: TimeDelta::minutes(-1),
                ..spec()
            },
            ServiceSpec {
                buffer_after: TimeDelta::days(2),
                ..spec()
            },
            ServiceSpec {
                min_notice: TimeDelta::minutes(-5),
                ..spec()
            },
            ServiceSpec {
                horizon: TimeDelta::MAX,
                ..spec()
            },
            ServiceSpec {
                slot_interval: Some(TimeDelta::seconds(30)),
                ..spec()
            },
            ServiceSpec {
                seats_per_slot: 0,
                ..spec()
            },
        ];
        for b in bad {
            assert!(Service::new(b.clone()).is_err(), "{b:?}");
        }
    }

    #[test]
    fn block_and_edge_of_time() {
        let s = Service::new(ServiceSpec {
            buffer_before: TimeDelta::minutes(5),
            buffer_after: TimeDelta::minutes(10),
            ..spec()
        })
        .unwrap();
        let t = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let block = s.block_for(t).unwrap();
        assert_eq!(block.start(), t - TimeDelta::minutes(5));
        assert_eq!(block.end(), t + TimeDelta::minutes(40));
        assert_eq!(s.block_for(DateTime::<Utc>::MAX_UTC), None);
        assert_eq!(s.block_for(DateTime::<Utc>::MIN_UTC), None);
    }
}
