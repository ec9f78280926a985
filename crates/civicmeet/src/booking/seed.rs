//! The demo catalogue of a first start (`booking.seed_demo`), so that the
//! zero-config run shows something bookable. Only when the store has no
//! office at all, so it never touches a real catalogue and runs once.

use civicmeet_store::{NewOffice, NewService, NewStaff, Store, StoreError, WeeklyHours};

/// Creates "Bürgeramt Demo" with two services and two staff members if the
/// store has no office. Returns whether it did.
pub async fn seed_demo(store: &Store, now: i64) -> Result<bool, StoreError> {
    if !store.offices().await?.is_empty() {
        return Ok(false);
    }
    let office = store
        .create_office(
            &NewOffice {
                name: "Bürgeramt Demo".into(),
                time_zone: "Europe/Berlin".into(),
            },
            now,
        )
        .await?;
    store
        .set_office_hours(office.id, &weekdays(8 * 60, 18 * 60))
        .await?;

    let mut staff = Vec::new();
    for (name, email, from, to) in [
        ("Erika Muster", "erika.muster@demo.invalid", 8 * 60, 16 * 60),
        (
            "Max Beispiel",
            "max.beispiel@demo.invalid",
            10 * 60,
            18 * 60,
        ),
    ] {
        let member = store
            .create_staff(&NewStaff {
                office_id: office.id,
                display_name: name.into(),
                email: email.into(),
                active: true,
            })
            .await?;
        store
            .set_staff_hours(member.id, &weekdays(from, to))
            .await?;
        staff.push(member.id);
    }

    let consultation = store
        .create_service(&NewService {
            office_id: office.id,
            name: "Wohngeld-Beratung".into(),
            description: "Beratung zum Wohngeldantrag per Video.".into(),
            duration_min: 30,
            buffer_before_min: 5,
            buffer_after_min: 5,
            min_notice_min: 120,
            horizon_days: 30,
            seats_per_slot: 1,
            // Duration plus both buffers: every offered slot can be booked
            // back to back with its neighbours.
            slot_interval_min: 40,
            documents: vec![
                "Personalausweis oder Reisepass".into(),
                "Mietvertrag".into(),
                "Einkommensnachweise der letzten drei Monate".into(),
            ],
        })
        .await?;
    store.set_service_staff(consultation.id, &staff).await?;

    let info = store
        .create_service(&NewService {
            office_id: office.id,
            name: "Infoveranstaltung".into(),
            description: "Informationsveranstaltung für mehrere Teilnehmende.".into(),
            duration_min: 60,
            buffer_before_min: 0,
            buffer_after_min: 0,
            min_notice_min: 60,
            horizon_days: 30,
            seats_per_slot: 10,
            slot_interval_min: 60,
            documents: Vec::new(),
        })
        .await?;
    store.set_service_staff(info.id, &staff[..1]).await?;
    tracing::info!("created the demo office with two services");
    Ok(true)
}

fn weekdays(start_minute: i32, end_minute: i32) -> Vec<WeeklyHours> {
    (0..5)
        .map(|weekday| WeeklyHours {
            weekday,
            start_minute,
            end_minute,
        })
        .collect()
}
