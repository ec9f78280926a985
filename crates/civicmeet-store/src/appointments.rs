//! Appointments, and the one booking rule the database enforces: a slot is
//! never given away twice.
//!
//! # The seat race
//! [`Store::hold_slot`] runs in one transaction that first writes the staff
//! member's row (`UPDATE staff SET booking_lock = booking_lock + 1`), then
//! counts that person's active appointments, then inserts. The first write
//! serializes every hold for the same staff member:
//!
//! - **PostgreSQL**: the UPDATE takes the row lock, held until commit; a
//!   second hold for the same person blocks on it. At READ COMMITTED (forced
//!   by the backend) each later statement takes a fresh snapshot, so once
//!   the second one gets the lock its count sees the first one's insert.
//!   Holds for different staff members do not wait for each other.
//! - **SQLite**: the transaction starts with `BEGIN IMMEDIATE`, which takes
//!   the database's single write lock before anything is read; other writers
//!   wait on the busy timeout. The UPDATE is harmless there but keeps the
//!   code identical.
//!
//! Either way no two holds for one person ever count and insert at the same
//! time, so the count is always exact.
//!
//! "Active" means confirmed, or held with `hold_expires_at > now`: an
//! expired hold frees its slot at once, before [`Store::expire_holds`]
//! removes it.

use sqlx::QueryBuilder;

use crate::backend::{WritePool, with_pool};
use crate::text_enum::text_enum;
use crate::{Store, StoreError, random};

text_enum! {
    /// Where an appointment stands.
    pub enum AppointmentStatus {
        /// Booked, waiting for the citizen's confirmation (double opt-in).
        Held = "held",
        Confirmed = "confirmed",
        Cancelled = "cancelled",
        NoShow = "no_show",
        Done = "done",
    }
}

/// A stored appointment. Instants are seconds since the Unix epoch (UTC).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Appointment {
    /// 32 lowercase hex characters, 128 random bits.
    pub id: String,
    pub service_id: i64,
    pub staff_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    /// The interval, buffers included, in which the staff member is busy.
    pub block_start: i64,
    pub block_end: i64,
    #[sqlx(try_from = "String")]
    pub status: AppointmentStatus,
    pub citizen_name: String,
    /// Lowercased on the way in.
    pub citizen_email: String,
    pub citizen_phone: Option<String>,
    /// `de` or `en`.
    pub locale: String,
    pub hold_expires_at: Option<i64>,
    pub meeting_id: Option<String>,
    /// The .ics SEQUENCE: 0 when booked, raised by every change sent out.
    pub sequence: i32,
    pub created_at: i64,
    pub confirmed_at: Option<i64>,
    pub cancelled_at: Option<i64>,
}

const COLUMNS: &str = "id, service_id, staff_id, starts_at, ends_at, block_start, block_end, \
    status, citizen_name, citizen_email, citizen_phone, locale, hold_expires_at, meeting_id, \
    sequence, created_at, confirmed_at, cancelled_at";

/// The SQL condition "this appointment occupies its slot at `now`", with
/// `now` as the given placeholder.
macro_rules! active_at {
    ($now:literal) => {
        concat!(
            "(status = 'confirmed' OR (status = 'held' AND hold_expires_at > ",
            $now,
            "))"
        )
    };
}

/// Everything [`Store::hold_slot`] needs. The caller (the booking rules)
/// has already checked that the slot is offered; the store only makes
/// sure it is still free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldRequest {
    pub service_id: i64,
    pub staff_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub block_start: i64,
    pub block_end: i64,
    /// How many active appointments of this service may share this start.
    pub seats_per_slot: i32,
    pub citizen_name: String,
    pub citizen_email: String,
    pub citizen_phone: Option<String>,
    pub locale: String,
    pub hold_expires_at: i64,
    pub now: i64,
}

/// The part of an active appointment the slot computation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct ActiveBooking {
    pub staff_id: i64,
    pub service_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub block_start: i64,
    pub block_end: i64,
}

impl Store {
    /// Holds a seat for a citizen, or fails with [`StoreError::SlotTaken`]
    /// when the seats of this service at this start are used up or the
    /// staff member is otherwise busy in `[block_start, block_end)`. Race
    /// free on both backends (see the module documentation). Fails with
    /// [`StoreError::UnknownReference`] for an unknown staff member.
    pub async fn hold_slot(&self, req: &HoldRequest) -> Result<Appointment, StoreError> {
        let id = random::hex_id()?;
        let email = req.citizen_email.to_lowercase();
        let insert = sqlx::AssertSqlSafe(format!(
            "INSERT INTO appointments (id, service_id, staff_id, starts_at, ends_at, \
             block_start, block_end, status, citizen_name, citizen_email, citizen_phone, \
             locale, hold_expires_at, sequence, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'held', $8, $9, $10, $11, $12, 0, $13) \
             RETURNING {COLUMNS}"
        ));
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // The per-staff-member lock; see the module documentation.
            let locked = sqlx::query("UPDATE staff SET booking_lock = booking_lock + 1 WHERE id = $1")
                .bind(req.staff_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if locked == 0 {
                return Err(StoreError::UnknownReference);
            }
            let (same_slot, conflicting): (i64, i64) = sqlx::query_as(concat!(
                "SELECT \
                   COALESCE(SUM(CASE WHEN service_id = $2 AND starts_at = $3 THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN service_id = $2 AND starts_at = $3 THEN 0 ELSE 1 END), 0) \
                 FROM appointments \
                 WHERE staff_id = $1 AND block_start < $5 AND block_end > $4 AND ",
                active_at!("$6")
            ))
            .bind(req.staff_id)
            .bind(req.service_id)
            .bind(req.starts_at)
            .bind(req.block_start)
            .bind(req.block_end)
            .bind(req.now)
            .fetch_one(&mut *tx)
            .await?;
            if conflicting > 0 || same_slot >= i64::from(req.seats_per_slot) {
                // Dropping the transaction rolls it back.
                return Err(StoreError::SlotTaken);
            }
            let appointment: Appointment = sqlx::query_as(insert)
                .bind(&id)
                .bind(req.service_id)
                .bind(req.staff_id)
                .bind(req.starts_at)
                .bind(req.ends_at)
                .bind(req.block_start)
                .bind(req.block_end)
                .bind(&req.citizen_name)
                .bind(&email)
                .bind(&req.citizen_phone)
                .bind(&req.locale)
                .bind(req.hold_expires_at)
                .bind(req.now)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(appointment)
        })
    }

    pub async fn appointment(&self, id: &str) -> Result<Option<Appointment>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM appointments WHERE id = $1"));
        Ok(with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await
        })?)
    }

    /// Confirms a hold that has not expired (the double opt-in). Fails with
    /// [`StoreError::WrongStatus`] for anything else (expired, cancelled,
    /// already confirmed) and [`StoreError::NotFound`] for an unknown id.
    pub async fn confirm_hold(&self, id: &str, now: i64) -> Result<Appointment, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE appointments SET status = 'confirmed', confirmed_at = $2, \
             hold_expires_at = NULL \
             WHERE id = $1 AND status = 'held' AND hold_expires_at > $2 RETURNING {COLUMNS}"
        ));
        let updated: Option<Appointment> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).bind(now).fetch_optional(pool).await
        })?;
        self.or_wrong_status(id, updated, now).await
    }

    /// Links the appointment to the meeting it takes place in.
    pub async fn set_appointment_meeting(
        &self,
        id: &str,
        meeting_id: &str,
    ) -> Result<(), StoreError> {
        let affected = with_pool!(self, pool => {
            sqlx::query("UPDATE appointments SET meeting_id = $2 WHERE id = $1")
                .bind(id)
                .bind(meeting_id)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        crate::catalog::found(affected)
    }

    /// Cancels a held or confirmed appointment and raises its SEQUENCE, so
    /// the cancellation's .ics supersedes the invitation. Fails with
    /// [`StoreError::WrongStatus`] if it is not active any more.
    pub async fn cancel_appointment(&self, id: &str, now: i64) -> Result<Appointment, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE appointments SET status = 'cancelled', cancelled_at = $2, \
             sequence = sequence + 1 \
             WHERE id = $1 AND {} RETURNING {COLUMNS}",
            active_at!("$2")
        ));
        let updated: Option<Appointment> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).bind(now).fetch_optional(pool).await
        })?;
        self.or_wrong_status(id, updated, now).await
    }

    /// Marks a confirmed appointment as a no-show (the citizen did not come).
    pub async fn mark_no_show(&self, id: &str, now: i64) -> Result<Appointment, StoreError> {
        self.finish(id, AppointmentStatus::NoShow, now).await
    }

    /// Marks a confirmed appointment as done.
    pub async fn mark_done(&self, id: &str, now: i64) -> Result<Appointment, StoreError> {
        self.finish(id, AppointmentStatus::Done, now).await
    }

    async fn finish(
        &self,
        id: &str,
        status: AppointmentStatus,
        now: i64,
    ) -> Result<Appointment, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE appointments SET status = $2 WHERE id = $1 AND status = 'confirmed' \
             RETURNING {COLUMNS}"
        ));
        let updated: Option<Appointment> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).bind(status.as_str()).fetch_optional(pool).await
        })?;
        self.or_wrong_status(id, updated, now).await
    }

    /// The result of a conditional update: the row, or why there is none.
    async fn or_wrong_status(
        &self,
        id: &str,
        updated: Option<Appointment>,
        now: i64,
    ) -> Result<Appointment, StoreError> {
        if let Some(appointment) = updated {
            return Ok(appointment);
        }
        match self.appointment(id).await? {
            None => Err(StoreError::NotFound),
            Some(a) => {
                let expired = a.status == AppointmentStatus::Held
                    && a.hold_expires_at.is_none_or(|t| t <= now);
                Err(StoreError::WrongStatus {
                    status: if expired {
                        "expired".into()
                    } else {
                        a.status.to_string()
                    },
                })
            }
        }
    }

    /// Deletes holds that were not confirmed in time and returns how many.
    /// Their slots were already free; deleting (rather than marking) them
    /// also removes the personal data of a booking that never happened.
    /// Their tokens go with them; queued mails lose the link.
    pub async fn expire_holds(&self, now: i64) -> Result<u64, StoreError> {
        Ok(with_pool!(self, pool => {
            sqlx::query("DELETE FROM appointments WHERE status = 'held' AND hold_expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?)
    }

    /// Every appointment of the staff member starting in `[from, to)`, in
    /// any status, by start.
    pub async fn appointments_for_staff(
        &self,
        staff_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<Appointment>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM appointments \
             WHERE staff_id = $1 AND starts_at >= $2 AND starts_at < $3 \
             ORDER BY starts_at, created_at, id"
        ));
        Ok(with_pool!(self, pool => {
            sqlx::query_as(sql).bind(staff_id).bind(from).bind(to).fetch_all(pool).await
        })?)
    }

    /// The active appointments of an office's staff starting in
    /// `[from, to)`, e.g. a day to cancel in bulk, by start.
    pub async fn active_appointments_in_office(
        &self,
        office_id: i64,
        from: i64,
        to: i64,
        now: i64,
    ) -> Result<Vec<Appointment>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM appointments \
             WHERE staff_id IN (SELECT id FROM staff WHERE office_id = $1) \
             AND starts_at >= $2 AND starts_at < $3 AND {} \
             ORDER BY starts_at, created_at, id",
            active_at!("$4")
        ));
        Ok(with_pool!(self, pool => {
            sqlx::query_as(sql).bind(office_id).bind(from).bind(to).bind(now).fetch_all(pool).await
        })?)
    }

    /// The active appointments of these staff members whose blocked
    /// interval overlaps `[from, to)`: the input of the slot computation.
    pub async fn active_bookings(
        &self,
        staff_ids: &[i64],
        from: i64,
        to: i64,
        now: i64,
    ) -> Result<Vec<ActiveBooking>, StoreError> {
        if staff_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(with_pool!(self, pool => {
            let mut query = QueryBuilder::new(
                "SELECT staff_id, service_id, starts_at, ends_at, block_start, block_end \
                 FROM appointments WHERE staff_id IN (",
            );
            let mut ids = query.separated(", ");
            for id in staff_ids {
                ids.push_bind(*id);
            }
            query.push(") AND block_start < ");
            query.push_bind(to);
            query.push(" AND block_end > ");
            query.push_bind(from);
            query.push(" AND (status = 'confirmed' OR (status = 'held' AND hold_expires_at > ");
            query.push_bind(now);
            query.push(")) ORDER BY block_start, staff_id");
            query.build_query_as().fetch_all(pool).await
        })?)
    }

    /// How many active appointments in the future the e-mail address holds,
    /// for the per-address cap. Compared lowercased.
    pub async fn count_open_bookings_for_email(
        &self,
        email: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let email = email.to_lowercase();
        let (count,): (i64,) = with_pool!(self, pool => {
            sqlx::query_as(concat!(
                "SELECT COUNT(*) FROM appointments \
                 WHERE citizen_email = $1 AND ends_at > $2 AND ",
                active_at!("$2")
            ))
            .bind(&email)
            .bind(now)
            .fetch_one(pool)
            .await
        })?;
        Ok(count)
    }
}
