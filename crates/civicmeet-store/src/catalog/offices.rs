//! Offices, their weekly opening hours and their closing days.

use super::WeeklyHours;
use crate::backend::{WritePool, with_pool};
use crate::{Store, StoreError};

/// What an admin enters for an office (create and update).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOffice {
    pub name: String,
    /// An IANA zone name such as `Europe/Berlin`; the store does not check it.
    pub time_zone: String,
}

/// A stored office.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Office {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    pub created_at: i64,
}

/// A day the office is closed (a holiday, a works outing).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClosingDay {
    /// `YYYY-MM-DD` in the office's time zone.
    pub date: String,
    pub label: String,
}

impl Store {
    pub async fn create_office(&self, office: &NewOffice, now: i64) -> Result<Office, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "INSERT INTO offices (name, time_zone, created_at) VALUES ($1, $2, $3) \
                 RETURNING id, name, time_zone, created_at",
            )
            .bind(&office.name)
            .bind(&office.time_zone)
            .bind(now)
            .fetch_one(pool)
            .await
        })?)
    }

    /// Fails with [`StoreError::NotFound`] for an unknown id.
    pub async fn update_office(&self, id: i64, office: &NewOffice) -> Result<(), StoreError> {
        let result = with_pool!(self, pool => {
            sqlx::query("UPDATE offices SET name = $1, time_zone = $2 WHERE id = $3")
                .bind(&office.name)
                .bind(&office.time_zone)
                .bind(id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        found(result)
    }

    pub async fn office(&self, id: i64) -> Result<Option<Office>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT id, name, time_zone, created_at FROM offices WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        })?)
    }

    /// All offices, by name.
    pub async fn offices(&self) -> Result<Vec<Office>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as("SELECT id, name, time_zone, created_at FROM offices ORDER BY name, id")
                .fetch_all(pool)
                .await
        })?)
    }

    /// Replaces the office's weekly opening hours with `hours`, atomically.
    pub async fn set_office_hours(
        &self,
        office_id: i64,
        hours: &[WeeklyHours],
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM offices WHERE id = $1")
                .bind(office_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM office_hours WHERE office_id = $1")
                .bind(office_id)
                .execute(&mut *tx)
                .await?;
            for h in hours {
                sqlx::query(
                    "INSERT INTO office_hours (office_id, weekday, start_minute, end_minute) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(office_id)
                .bind(h.weekday)
                .bind(h.start_minute)
                .bind(h.end_minute)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The office's weekly opening hours, by weekday and start.
    pub async fn office_hours(&self, office_id: i64) -> Result<Vec<WeeklyHours>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT weekday, start_minute, end_minute FROM office_hours \
                 WHERE office_id = $1 ORDER BY weekday, start_minute",
            )
            .bind(office_id)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Adds a closing day, or renames it if the date is already closed.
    pub async fn set_closing_day(
        &self,
        office_id: i64,
        day: &ClosingDay,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO closing_days (office_id, date, label) VALUES ($1, $2, $3) \
                 ON CONFLICT (office_id, date) DO UPDATE SET label = excluded.label",
            )
            .bind(office_id)
            .bind(&day.date)
            .bind(&day.label)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Reopens a closed date. Returns whether it was closed.
    pub async fn remove_closing_day(&self, office_id: i64, date: &str) -> Result<bool, StoreError> {
        let removed = with_pool!(self, pool => {
            sqlx::query("DELETE FROM closing_days WHERE office_id = $1 AND date = $2")
                .bind(office_id)
                .bind(date)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(removed > 0)
    }

    /// The office's closing days, by date.
    pub async fn closing_days(&self, office_id: i64) -> Result<Vec<ClosingDay>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT date, label FROM closing_days WHERE office_id = $1 ORDER BY date",
            )
            .bind(office_id)
            .fetch_all(pool)
            .await
        })?)
    }
}

/// An update that touched no row named an unknown record.
pub(crate) fn found(rows_affected: u64) -> Result<(), StoreError> {
    if rows_affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
