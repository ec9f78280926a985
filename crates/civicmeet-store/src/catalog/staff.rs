//! Staff members, their weekly working hours and their exceptions.

use super::WeeklyHours;
use super::offices::found;
use crate::backend::{WritePool, with_pool};
use crate::text_enum::text_enum;
use crate::{Store, StoreError};

/// What an admin enters for a staff member (create and update).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaff {
    pub office_id: i64,
    pub display_name: String,
    pub email: String,
    /// Inactive staff keep their appointments but get no new ones.
    pub active: bool,
}

/// A stored staff member.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Staff {
    pub id: i64,
    pub office_id: i64,
    pub display_name: String,
    pub email: String,
    pub active: bool,
}

text_enum! {
    /// What a staff exception does on its date.
    pub enum ExceptionKind {
        /// Not available from start to end (0..1440 is the whole day).
        Absent = "absent",
        /// Works from start to end instead of the weekly hours; several
        /// `Hours` exceptions on one date add up.
        Hours = "hours",
    }
}

/// A deviation from the weekly hours on one date.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffException {
    /// `YYYY-MM-DD` in the office's time zone.
    pub date: String,
    #[sqlx(try_from = "String")]
    pub kind: ExceptionKind,
    pub start_minute: i32,
    pub end_minute: i32,
}

impl Store {
    pub async fn create_staff(&self, staff: &NewStaff) -> Result<Staff, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "INSERT INTO staff (office_id, display_name, email, active) \
                 VALUES ($1, $2, $3, $4) \
                 RETURNING id, office_id, display_name, email, active",
            )
            .bind(staff.office_id)
            .bind(&staff.display_name)
            .bind(&staff.email)
            .bind(staff.active)
            .fetch_one(pool)
            .await
        })?)
    }

    /// Fails with [`StoreError::NotFound`] for an unknown id.
    pub async fn update_staff(&self, id: i64, staff: &NewStaff) -> Result<(), StoreError> {
        let affected = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE staff SET office_id = $1, display_name = $2, email = $3, active = $4 \
                 WHERE id = $5",
            )
            .bind(staff.office_id)
            .bind(&staff.display_name)
            .bind(&staff.email)
            .bind(staff.active)
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        found(affected)
    }

    pub async fn staff(&self, id: i64) -> Result<Option<Staff>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, office_id, display_name, email, active FROM staff WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
        })?)
    }

    /// The staff of one office, or of all offices, by name.
    pub async fn staff_list(&self, office_id: Option<i64>) -> Result<Vec<Staff>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, office_id, display_name, email, active FROM staff \
                 WHERE ($1 IS NULL OR office_id = $1) ORDER BY display_name, id",
            )
            .bind(office_id)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Replaces the staff member's weekly hours with `hours`, atomically.
    pub async fn set_staff_hours(
        &self,
        staff_id: i64,
        hours: &[WeeklyHours],
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM staff WHERE id = $1")
                .bind(staff_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM staff_hours WHERE staff_id = $1")
                .bind(staff_id)
                .execute(&mut *tx)
                .await?;
            for h in hours {
                sqlx::query(
                    "INSERT INTO staff_hours (staff_id, weekday, start_minute, end_minute) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(staff_id)
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

    /// The staff member's weekly hours, by weekday and start.
    pub async fn staff_hours(&self, staff_id: i64) -> Result<Vec<WeeklyHours>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT weekday, start_minute, end_minute FROM staff_hours \
                 WHERE staff_id = $1 ORDER BY weekday, start_minute",
            )
            .bind(staff_id)
            .fetch_all(pool)
            .await
        })?)
    }

    pub async fn add_staff_exception(
        &self,
        staff_id: i64,
        exception: &StaffException,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO staff_exceptions (staff_id, date, kind, start_minute, end_minute) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(staff_id)
            .bind(&exception.date)
            .bind(exception.kind.as_str())
            .bind(exception.start_minute)
            .bind(exception.end_minute)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Removes every exception of the staff member on `date`; returns how many.
    pub async fn remove_staff_exceptions(
        &self,
        staff_id: i64,
        date: &str,
    ) -> Result<u64, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query("DELETE FROM staff_exceptions WHERE staff_id = $1 AND date = $2")
                .bind(staff_id)
                .bind(date)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?)
    }

    /// The staff member's exceptions from `from_date` to `to_date`
    /// (inclusive, `YYYY-MM-DD`), by date and start.
    pub async fn staff_exceptions(
        &self,
        staff_id: i64,
        from_date: &str,
        to_date: &str,
    ) -> Result<Vec<StaffException>, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT date, kind, start_minute, end_minute FROM staff_exceptions \
                 WHERE staff_id = $1 AND date >= $2 AND date <= $3 \
                 ORDER BY date, start_minute",
            )
            .bind(staff_id)
            .bind(from_date)
            .bind(to_date)
            .fetch_all(pool)
            .await
        })?)
    }
}
