//! A small catalogue to book against.

use civicmeet_store::{HoldRequest, NewOffice, NewService, NewStaff, Store};

/// 2026-03-02 09:00 UTC, a Monday.
pub const T0: i64 = 1_772_442_000;
pub const MIN: i64 = 60;

pub struct Catalog {
    pub office: i64,
    pub service: i64,
    pub staff: i64,
}

/// One office, one staff member, one 30-minute service with 10 minutes of
/// buffer on both sides and `seats` seats per slot.
pub async fn catalog(store: &Store, seats: i32) -> Catalog {
    let office = store
        .create_office(
            &NewOffice {
                name: "Bürgeramt Mitte".into(),
                time_zone: "Europe/Berlin".into(),
            },
            T0 - 86_400,
        )
        .await
        .unwrap();
    let service = store
        .create_service(&NewService {
            office_id: office.id,
            name: "Wohngeld".into(),
            description: "Beratung zum Wohngeld".into(),
            duration_min: 30,
            buffer_before_min: 10,
            buffer_after_min: 10,
            min_notice_min: 60,
            horizon_days: 30,
            seats_per_slot: seats,
            slot_interval_min: 15,
            documents: vec!["Personalausweis".into(), "Mietvertrag".into()],
        })
        .await
        .unwrap();
    let staff = store
        .create_staff(&NewStaff {
            office_id: office.id,
            display_name: "Frau Beispiel".into(),
            email: "beispiel@amt.example".into(),
            active: true,
        })
        .await
        .unwrap();
    store
        .set_service_staff(service.id, &[staff.id])
        .await
        .unwrap();
    Catalog {
        office: office.id,
        service: service.id,
        staff: staff.id,
    }
}

/// A hold request for the service at `starts_at` (30 minutes, buffers of
/// 10), made at [`T0`], expiring 15 minutes later.
pub fn hold(c: &Catalog, starts_at: i64, seats: i32, email: &str) -> HoldRequest {
    HoldRequest {
        service_id: c.service,
        staff_id: c.staff,
        starts_at,
        ends_at: starts_at + 30 * MIN,
        block_start: starts_at - 10 * MIN,
        block_end: starts_at + 40 * MIN,
        seats_per_slot: seats,
        citizen_name: "Erika Mustermann".into(),
        citizen_email: email.into(),
        citizen_phone: None,
        locale: "de".into(),
        hold_expires_at: T0 + 15 * MIN,
        now: T0,
    }
}
