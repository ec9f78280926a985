//! The store's catalogue records as the booking rules' types: an office
//! with its zone, hours and closing days; a service; the staff who offer
//! it with their hours and exceptions; the active bookings.
//!
//! The store keeps plain rows; this is the one place that interprets them
//! (minutes since local midnight, `YYYY-MM-DD` dates in the office's zone).
//! The staff pages may reuse it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, NaiveDate, TimeDelta, TimeZone, Utc};
use civicmeet_booking::{
    AvailabilityException, Booking, DayHours, LocalInterval, Office, OfficeId, RuleError, Rules,
    Service, ServiceId, ServiceSpec, Staff, StaffId, Tz, UtcSpan, WeeklyHours,
};
use civicmeet_store::{ExceptionKind, Store, StoreError};

/// Why the catalogue could not be read as rules.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Stored rows that make no sense as rules (an admin's mistake the
    /// store let through). The citizen sees "not available".
    #[error("the catalogue is inconsistent: {0}")]
    Rules(#[from] RuleError),
    #[error("unknown time zone {0:?}")]
    TimeZone(String),
}

/// Everything needed to compute the slots of one service.
#[derive(Debug, Clone)]
pub struct ServiceRules {
    pub office: Office,
    pub service: Service,
    /// The active staff members who offer the service.
    pub staff: Vec<Staff>,
    /// The stored service (description and the rest for pages).
    pub record: civicmeet_store::Service,
}

impl ServiceRules {
    pub fn rules(&self) -> Rules<'_> {
        Rules {
            office: &self.office,
            service: &self.service,
            staff: &self.staff,
        }
    }

    pub fn staff_ids(&self) -> Vec<i64> {
        self.staff.iter().map(|s| s.id.0).collect()
    }

    /// The staff member's name, for pages and mails.
    pub fn staff_name(&self, id: StaffId) -> Option<&str> {
        self.staff
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.name.as_str())
    }

    /// The active bookings of this service's staff that may touch a slot
    /// offered at `now` (up to the horizon and a day either side).
    pub async fn active_bookings(
        &self,
        store: &Store,
        now: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError> {
        let from = now - TimeDelta::days(2);
        let to = now + self.service.horizon() + TimeDelta::days(2);
        let rows = store
            .active_bookings(
                &self.staff_ids(),
                from.timestamp(),
                to.timestamp(),
                now.timestamp(),
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                Some(Booking {
                    service: ServiceId(row.service_id),
                    staff: StaffId(row.staff_id),
                    start: DateTime::from_timestamp(row.starts_at, 0)?,
                    block_start: DateTime::from_timestamp(row.block_start, 0)?,
                    block_end: DateTime::from_timestamp(row.block_end, 0)?,
                })
            })
            .collect())
    }
}

/// The rules of service `id` as they stand at `now`, or `None` for an
/// unknown service.
pub async fn service_rules(
    store: &Store,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<ServiceRules>, CatalogError> {
    let Some(record) = store.service(id).await? else {
        return Ok(None);
    };
    let Some(office) = office(store, record.office_id).await? else {
        return Ok(None);
    };
    let offered: BTreeSet<i64> = store.service_staff(id).await?.into_iter().collect();
    // Exceptions from yesterday (a night that crosses midnight) to the end
    // of the horizon, in the office's dates.
    let today = now.with_timezone(&office.time_zone).date_naive();
    let first = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    let last = today
        .checked_add_days(Days::new(
            u64::try_from(record.horizon_days).unwrap_or(0) + 2,
        ))
        .unwrap_or(today);
    let mut staff = Vec::new();
    for member in store.staff_list(Some(office.id.0)).await? {
        if !member.active || !offered.contains(&member.id) {
            continue;
        }
        staff.push(staff_rules(store, &member, office.time_zone, first, last).await?);
    }
    let service = Service::new(service_spec(&record, staff.iter().map(|s| s.id).collect()))?;
    Ok(Some(ServiceRules {
        office,
        service,
        staff,
        record,
    }))
}

/// The office `id` as rules, or `None` if unknown.
pub async fn office(store: &Store, id: i64) -> Result<Option<Office>, CatalogError> {
    let Some(record) = store.office(id).await? else {
        return Ok(None);
    };
    let time_zone: Tz = record
        .time_zone
        .parse()
        .map_err(|_| CatalogError::TimeZone(record.time_zone.clone()))?;
    let opening_hours = weekly_hours(&store.office_hours(id).await?)?;
    let closed_days = store
        .closing_days(id)
        .await?
        .iter()
        .filter_map(|d| NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").ok())
        .collect();
    Ok(Some(Office {
        id: OfficeId(record.id),
        name: record.name,
        time_zone,
        opening_hours,
        closed_days,
    }))
}

/// The rules' service from the stored one.
pub fn service_spec(record: &civicmeet_store::Service, staff: Vec<StaffId>) -> ServiceSpec {
    let minutes = |m: i32| TimeDelta::minutes(i64::from(m));
    ServiceSpec {
        id: ServiceId(record.id),
        name: record.name.clone(),
        duration: minutes(record.duration_min),
        buffer_before: minutes(record.buffer_before_min),
        buffer_after: minutes(record.buffer_after_min),
        min_notice: minutes(record.min_notice_min),
        horizon: TimeDelta::days(i64::from(record.horizon_days)),
        seats_per_slot: u32::try_from(record.seats_per_slot).unwrap_or(0),
        slot_interval: (record.slot_interval_min > 0).then(|| minutes(record.slot_interval_min)),
        staff,
        documents: record.documents.clone(),
    }
}

/// Weekly rows (minutes since local midnight) as the rules' weekly hours.
pub fn weekly_hours(rows: &[civicmeet_store::WeeklyHours]) -> Result<WeeklyHours, RuleError> {
    let mut by_day: BTreeMap<i32, Vec<LocalInterval>> = BTreeMap::new();
    for row in rows {
        by_day
            .entry(row.weekday)
            .or_default()
            .push(interval(row.start_minute, row.end_minute)?);
    }
    let mut week = WeeklyHours::closed();
    for (weekday, intervals) in by_day {
        let day = u8::try_from(weekday)
            .ok()
            .and_then(|d| chrono::Weekday::try_from(d).ok())
            .ok_or(RuleError::BadTimeOfDay)?;
        week.set(day, merged(intervals)?);
    }
    Ok(week)
}

fn interval(start_minute: i32, end_minute: i32) -> Result<LocalInterval, RuleError> {
    let seconds = |m: i32| {
        u32::try_from(m)
            .map(|m| m * 60)
            .map_err(|_| RuleError::BadTimeOfDay)
    };
    LocalInterval::from_seconds(seconds(start_minute)?, seconds(end_minute)?)
}

/// Day hours from intervals that may overlap (rows added one by one).
fn merged(mut intervals: Vec<LocalInterval>) -> Result<DayHours, RuleError> {
    intervals.sort_by_key(|i| i.start_seconds());
    let mut out: Vec<(u32, u32)> = Vec::new();
    for i in intervals {
        match out.last_mut() {
            Some(last) if i.start_seconds() <= last.1 => last.1 = last.1.max(i.end_seconds()),
            _ => out.push((i.start_seconds(), i.end_seconds())),
        }
    }
    DayHours::new(
        out.into_iter()
            .map(|(a, b)| LocalInterval::from_seconds(a, b))
            .collect::<Result<_, _>>()?,
    )
}

async fn staff_rules(
    store: &Store,
    member: &civicmeet_store::Staff,
    zone: Tz,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Staff, CatalogError> {
    let availability = weekly_hours(&store.staff_hours(member.id).await?)?;
    let rows = store
        .staff_exceptions(
            member.id,
            &first.format("%Y-%m-%d").to_string(),
            &last.format("%Y-%m-%d").to_string(),
        )
        .await?;
    let mut hours: BTreeMap<NaiveDate, Vec<LocalInterval>> = BTreeMap::new();
    let mut exceptions = Vec::new();
    for row in rows {
        let Ok(date) = NaiveDate::parse_from_str(&row.date, "%Y-%m-%d") else {
            continue;
        };
        match row.kind {
            ExceptionKind::Hours => hours
                .entry(date)
                .or_default()
                .push(interval(row.start_minute, row.end_minute)?),
            ExceptionKind::Absent if row.start_minute <= 0 && row.end_minute >= 24 * 60 => {
                exceptions.push(AvailabilityException::DayOff(date));
            }
            ExceptionKind::Absent => {
                if let Some(span) = local_span(zone, date, row.start_minute, row.end_minute) {
                    exceptions.push(AvailabilityException::Absent(span));
                }
            }
        }
    }
    for (date, intervals) in hours {
        exceptions.push(AvailabilityException::Hours {
            date,
            hours: merged(intervals)?,
        });
    }
    Ok(Staff {
        id: StaffId(member.id),
        name: member.display_name.clone(),
        availability,
        exceptions,
    })
}

/// A local span on one date as real time; a time in the spring-forward gap
/// moves to the next minute that exists, a repeated one takes its first
/// occurrence (the absence is then as long as, or longer than, entered).
fn local_span(zone: Tz, date: NaiveDate, start_minute: i32, end_minute: i32) -> Option<UtcSpan> {
    let at = |minute: i32| -> Option<DateTime<Utc>> {
        let midnight = date.and_hms_opt(0, 0, 0)?;
        (0..=120).find_map(|shift| {
            let local = midnight + TimeDelta::minutes(i64::from(minute) + shift);
            zone.from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        })
    };
    UtcSpan::new(at(start_minute)?, at(end_minute)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_rows_merge_into_one_day() {
        let rows = [
            civicmeet_store::WeeklyHours {
                weekday: 0,
                start_minute: 8 * 60,
                end_minute: 12 * 60,
            },
            civicmeet_store::WeeklyHours {
                weekday: 0,
                start_minute: 11 * 60,
                end_minute: 13 * 60,
            },
            civicmeet_store::WeeklyHours {
                weekday: 4,
                start_minute: 9 * 60,
                end_minute: 10 * 60,
            },
        ];
        let week = weekly_hours(&rows).unwrap();
        assert_eq!(week.on(chrono::Weekday::Mon).intervals().len(), 1);
        assert_eq!(
            week.on(chrono::Weekday::Mon).intervals()[0].to_string(),
            "08:00-13:00"
        );
        assert!(week.on(chrono::Weekday::Tue).is_closed());
        assert!(!week.on(chrono::Weekday::Fri).is_closed());
    }
}
