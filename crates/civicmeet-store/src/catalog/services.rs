//! Services (what a citizen can book) and which staff offer them.

use super::offices::found;
use crate::backend::{WritePool, with_pool};
use crate::{Store, StoreError};

/// What an admin enters for a service (create and update). Minutes and
/// days are whole numbers; the schema refuses negative buffers and
/// non-positive durations, seats and intervals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewService {
    pub office_id: i64,
    pub name: String,
    pub description: String,
    pub duration_min: i32,
    pub buffer_before_min: i32,
    pub buffer_after_min: i32,
    pub min_notice_min: i32,
    pub horizon_days: i32,
    pub seats_per_slot: i32,
    pub slot_interval_min: i32,
    /// What to bring, one entry per document.
    pub documents: Vec<String>,
}

/// A stored service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub id: i64,
    pub office_id: i64,
    pub name: String,
    pub description: String,
    pub duration_min: i32,
    pub buffer_before_min: i32,
    pub buffer_after_min: i32,
    pub min_notice_min: i32,
    pub horizon_days: i32,
    pub seats_per_slot: i32,
    pub slot_interval_min: i32,
    pub documents: Vec<String>,
}

/// A service as stored: the documents are a JSON array.
#[derive(sqlx::FromRow)]
struct ServiceRow {
    id: i64,
    office_id: i64,
    name: String,
    description: String,
    duration_min: i32,
    buffer_before_min: i32,
    buffer_after_min: i32,
    min_notice_min: i32,
    horizon_days: i32,
    seats_per_slot: i32,
    slot_interval_min: i32,
    documents: String,
}

impl TryFrom<ServiceRow> for Service {
    type Error = StoreError;
    fn try_from(row: ServiceRow) -> Result<Service, StoreError> {
        let documents = serde_json::from_str(&row.documents)
            .map_err(|e| StoreError::Corrupt(format!("documents of service {}: {e}", row.id)))?;
        Ok(Service {
            id: row.id,
            office_id: row.office_id,
            name: row.name,
            description: row.description,
            duration_min: row.duration_min,
            buffer_before_min: row.buffer_before_min,
            buffer_after_min: row.buffer_after_min,
            min_notice_min: row.min_notice_min,
            horizon_days: row.horizon_days,
            seats_per_slot: row.seats_per_slot,
            slot_interval_min: row.slot_interval_min,
            documents,
        })
    }
}

const SELECT: &str = "SELECT id, office_id, name, description, duration_min, buffer_before_min, \
    buffer_after_min, min_notice_min, horizon_days, seats_per_slot, slot_interval_min, documents \
    FROM services";

fn documents_json(service: &NewService) -> Result<String, StoreError> {
    serde_json::to_string(&service.documents).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    pub async fn create_service(&self, service: &NewService) -> Result<Service, StoreError> {
        let documents = documents_json(service)?;
        let row: ServiceRow = with_pool!(self, pool => {
            sqlx::query_as(
                "INSERT INTO services (office_id, name, description, duration_min, \
                 buffer_before_min, buffer_after_min, min_notice_min, horizon_days, \
                 seats_per_slot, slot_interval_min, documents) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 RETURNING id, office_id, name, description, duration_min, buffer_before_min, \
                 buffer_after_min, min_notice_min, horizon_days, seats_per_slot, \
                 slot_interval_min, documents",
            )
            .bind(service.office_id)
            .bind(&service.name)
            .bind(&service.description)
            .bind(service.duration_min)
            .bind(service.buffer_before_min)
            .bind(service.buffer_after_min)
            .bind(service.min_notice_min)
            .bind(service.horizon_days)
            .bind(service.seats_per_slot)
            .bind(service.slot_interval_min)
            .bind(&documents)
            .fetch_one(pool)
            .await
        })?;
        row.try_into()
    }

    /// Fails with [`StoreError::NotFound`] for an unknown id.
    pub async fn update_service(&self, id: i64, service: &NewService) -> Result<(), StoreError> {
        let documents = documents_json(service)?;
        let affected = with_pool!(self, pool => {
            sqlx::query(
                "UPDATE services SET office_id = $1, name = $2, description = $3, \
                 duration_min = $4, buffer_before_min = $5, buffer_after_min = $6, \
                 min_notice_min = $7, horizon_days = $8, seats_per_slot = $9, \
                 slot_interval_min = $10, documents = $11 WHERE id = $12",
            )
            .bind(service.office_id)
            .bind(&service.name)
            .bind(&service.description)
            .bind(service.duration_min)
            .bind(service.buffer_before_min)
            .bind(service.buffer_after_min)
            .bind(service.min_notice_min)
            .bind(service.horizon_days)
            .bind(service.seats_per_slot)
            .bind(service.slot_interval_min)
            .bind(&documents)
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
        found(affected)
    }

    pub async fn service(&self, id: i64) -> Result<Option<Service>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1"));
        let row: Option<ServiceRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await
        })?;
        row.map(Service::try_from).transpose()
    }

    /// The services of one office, or of all offices, by name.
    pub async fn services(&self, office_id: Option<i64>) -> Result<Vec<Service>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE ($1 IS NULL OR office_id = $1) ORDER BY name, id"
        ));
        let rows: Vec<ServiceRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(office_id).fetch_all(pool).await
        })?;
        rows.into_iter().map(Service::try_from).collect()
    }

    /// Replaces the set of staff members who offer the service, atomically.
    pub async fn set_service_staff(
        &self,
        service_id: i64,
        staff_ids: &[i64],
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM services WHERE id = $1")
                .bind(service_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM service_staff WHERE service_id = $1")
                .bind(service_id)
                .execute(&mut *tx)
                .await?;
            for staff_id in staff_ids {
                sqlx::query(
                    "INSERT INTO service_staff (service_id, staff_id) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(service_id)
                .bind(staff_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The ids of the staff members who offer the service, ascending.
    pub async fn service_staff(&self, service_id: i64) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT staff_id FROM service_staff WHERE service_id = $1 ORDER BY staff_id",
            )
            .bind(service_id)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}
