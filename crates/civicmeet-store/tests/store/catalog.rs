//! Offices, hours, closing days, services and staff: round trips and the
//! values the schema refuses.

use civicmeet_store::{
    ClosingDay, ExceptionKind, NewOffice, NewService, NewStaff, StaffException, StoreError,
    WeeklyHours,
};

use crate::fixtures::{T0, catalog};
use crate::harness::{TestDb, both_backends};

both_backends!(
    offices_round_trip,
    office_hours_are_replaced_whole,
    closing_days_upsert_and_remove,
    services_round_trip,
    staff_round_trip,
    staff_hours_and_exceptions,
    impossible_values_are_refused,
);

async fn offices_round_trip(db: &TestDb) {
    let store = &db.store;
    let created = store
        .create_office(
            &NewOffice {
                name: "Jobcenter Nord".into(),
                time_zone: "Europe/Berlin".into(),
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(created.name, "Jobcenter Nord");
    assert_eq!(created.created_at, T0);
    assert_eq!(
        store.office(created.id).await.unwrap(),
        Some(created.clone())
    );

    let renamed = NewOffice {
        name: "Amtsgericht".into(),
        time_zone: "Europe/Berlin".into(),
    };
    store.update_office(created.id, &renamed).await.unwrap();
    let other = store
        .create_office(
            &NewOffice {
                name: "Bürgeramt".into(),
                time_zone: "UTC".into(),
            },
            T0,
        )
        .await
        .unwrap();
    let names: Vec<String> = store
        .offices()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, ["Amtsgericht", "Bürgeramt"]);
    assert_ne!(created.id, other.id);

    assert!(matches!(
        store.update_office(created.id + 1000, &renamed).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.office(created.id + 1000).await.unwrap(), None);
}

async fn office_hours_are_replaced_whole(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 1).await;
    let week: Vec<WeeklyHours> = (0..5)
        .flat_map(|weekday| {
            [
                WeeklyHours {
                    weekday,
                    start_minute: 8 * 60,
                    end_minute: 12 * 60,
                },
                WeeklyHours {
                    weekday,
                    start_minute: 13 * 60,
                    end_minute: 16 * 60,
                },
            ]
        })
        .collect();
    store.set_office_hours(c.office, &week).await.unwrap();
    assert_eq!(store.office_hours(c.office).await.unwrap(), week);

    let saturday = [WeeklyHours {
        weekday: 5,
        start_minute: 600,
        end_minute: 720,
    }];
    store.set_office_hours(c.office, &saturday).await.unwrap();
    assert_eq!(store.office_hours(c.office).await.unwrap(), saturday);

    assert!(matches!(
        store.set_office_hours(c.office + 1000, &saturday).await,
        Err(StoreError::NotFound)
    ));
    // A bad row leaves the old hours in place: the replacement is atomic.
    let bad = [
        saturday[0],
        WeeklyHours {
            weekday: 1,
            start_minute: 700,
            end_minute: 600,
        },
    ];
    assert!(matches!(
        store.set_office_hours(c.office, &bad).await,
        Err(StoreError::OutOfRange)
    ));
    assert_eq!(store.office_hours(c.office).await.unwrap(), saturday);
}

async fn closing_days_upsert_and_remove(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 1).await;
    let day = |date: &str, label: &str| ClosingDay {
        date: date.into(),
        label: label.into(),
    };
    store
        .set_closing_day(c.office, &day("2026-12-25", "Weihnachten"))
        .await
        .unwrap();
    store
        .set_closing_day(c.office, &day("2026-10-03", "Tag der Einheit"))
        .await
        .unwrap();
    store
        .set_closing_day(c.office, &day("2026-12-25", "1. Weihnachtstag"))
        .await
        .unwrap();
    assert_eq!(
        store.closing_days(c.office).await.unwrap(),
        [
            day("2026-10-03", "Tag der Einheit"),
            day("2026-12-25", "1. Weihnachtstag")
        ]
    );
    assert!(
        store
            .remove_closing_day(c.office, "2026-10-03")
            .await
            .unwrap()
    );
    assert!(
        !store
            .remove_closing_day(c.office, "2026-10-03")
            .await
            .unwrap()
    );
    assert_eq!(store.closing_days(c.office).await.unwrap().len(), 1);
    assert!(matches!(
        store
            .set_closing_day(c.office + 1000, &day("2026-01-01", "Neujahr"))
            .await,
        Err(StoreError::UnknownReference)
    ));
}

async fn services_round_trip(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 2).await;
    let service = store.service(c.service).await.unwrap().unwrap();
    assert_eq!(service.documents, ["Personalausweis", "Mietvertrag"]);
    assert_eq!(service.seats_per_slot, 2);
    assert_eq!(
        (
            service.duration_min,
            service.buffer_before_min,
            service.buffer_after_min
        ),
        (30, 10, 10)
    );

    let mut changed = NewService {
        office_id: c.office,
        name: "Wohngeld (Erstantrag)".into(),
        description: "Mit \"Anführungszeichen\" und <b>Markup</b>".into(),
        duration_min: 45,
        buffer_before_min: 0,
        buffer_after_min: 15,
        min_notice_min: 120,
        horizon_days: 60,
        seats_per_slot: 1,
        slot_interval_min: 30,
        documents: vec![],
    };
    store.update_service(c.service, &changed).await.unwrap();
    let service = store.service(c.service).await.unwrap().unwrap();
    assert_eq!(service.name, changed.name);
    assert_eq!(service.description, changed.description);
    assert_eq!(service.documents, Vec::<String>::new());
    assert_eq!((service.duration_min, service.horizon_days), (45, 60));

    let other_office = store
        .create_office(
            &NewOffice {
                name: "Andere".into(),
                time_zone: "Europe/Berlin".into(),
            },
            T0,
        )
        .await
        .unwrap();
    changed.office_id = other_office.id;
    changed.name = "Elterngeld".into();
    let second = store.create_service(&changed).await.unwrap();
    assert_eq!(store.services(None).await.unwrap().len(), 2);
    assert_eq!(
        store.services(Some(other_office.id)).await.unwrap(),
        std::slice::from_ref(&second)
    );

    let staff2 = store
        .create_staff(&NewStaff {
            office_id: c.office,
            display_name: "Herr Zwei".into(),
            email: "zwei@amt.example".into(),
            active: true,
        })
        .await
        .unwrap();
    store
        .set_service_staff(c.service, &[staff2.id, c.staff])
        .await
        .unwrap();
    let mut expected = vec![c.staff, staff2.id];
    expected.sort();
    assert_eq!(store.service_staff(c.service).await.unwrap(), expected);
    store
        .set_service_staff(c.service, &[staff2.id])
        .await
        .unwrap();
    assert_eq!(store.service_staff(c.service).await.unwrap(), [staff2.id]);
    assert!(matches!(
        store
            .set_service_staff(c.service, &[staff2.id + 1000])
            .await,
        Err(StoreError::UnknownReference)
    ));
    assert!(matches!(
        store.update_service(c.service + 1000, &changed).await,
        Err(StoreError::NotFound)
    ));
}

async fn staff_round_trip(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 1).await;
    let staff = store.staff(c.staff).await.unwrap().unwrap();
    assert_eq!(staff.display_name, "Frau Beispiel");
    assert!(staff.active);

    let retired = NewStaff {
        office_id: c.office,
        display_name: "Frau Beispiel-Neu".into(),
        email: "neu@amt.example".into(),
        active: false,
    };
    store.update_staff(c.staff, &retired).await.unwrap();
    let staff = store.staff(c.staff).await.unwrap().unwrap();
    assert!(!staff.active);
    assert_eq!(staff.email, "neu@amt.example");
    assert_eq!(
        store.staff_list(Some(c.office)).await.unwrap(),
        std::slice::from_ref(&staff)
    );
    assert_eq!(store.staff_list(None).await.unwrap(), [staff]);
    assert_eq!(store.staff_list(Some(c.office + 1000)).await.unwrap(), []);
    assert!(matches!(
        store.update_staff(c.staff + 1000, &retired).await,
        Err(StoreError::NotFound)
    ));
}

async fn staff_hours_and_exceptions(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 1).await;
    let hours = [
        WeeklyHours {
            weekday: 0,
            start_minute: 480,
            end_minute: 960,
        },
        WeeklyHours {
            weekday: 3,
            start_minute: 600,
            end_minute: 1140,
        },
    ];
    store.set_staff_hours(c.staff, &hours).await.unwrap();
    assert_eq!(store.staff_hours(c.staff).await.unwrap(), hours);

    let absent = StaffException {
        date: "2026-03-09".into(),
        kind: ExceptionKind::Absent,
        start_minute: 0,
        end_minute: 1440,
    };
    let morning = StaffException {
        date: "2026-03-14".into(),
        kind: ExceptionKind::Hours,
        start_minute: 540,
        end_minute: 720,
    };
    let afternoon = StaffException {
        start_minute: 780,
        end_minute: 900,
        ..morning.clone()
    };
    for e in [&afternoon, &absent, &morning] {
        store.add_staff_exception(c.staff, e).await.unwrap();
    }
    assert_eq!(
        store
            .staff_exceptions(c.staff, "2026-03-01", "2026-03-31")
            .await
            .unwrap(),
        [absent.clone(), morning.clone(), afternoon.clone()]
    );
    assert_eq!(
        store
            .staff_exceptions(c.staff, "2026-03-10", "2026-03-14")
            .await
            .unwrap(),
        [morning, afternoon]
    );
    assert_eq!(
        store
            .remove_staff_exceptions(c.staff, "2026-03-14")
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .staff_exceptions(c.staff, "2026-01-01", "2026-12-31")
            .await
            .unwrap(),
        [absent]
    );
}

async fn impossible_values_are_refused(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 1).await;
    let weekday_seven = [WeeklyHours {
        weekday: 7,
        start_minute: 0,
        end_minute: 60,
    }];
    assert!(matches!(
        store.set_staff_hours(c.staff, &weekday_seven).await,
        Err(StoreError::OutOfRange)
    ));
    let past_midnight = StaffException {
        date: "2026-03-09".into(),
        kind: ExceptionKind::Hours,
        start_minute: 0,
        end_minute: 1441,
    };
    assert!(matches!(
        store.add_staff_exception(c.staff, &past_midnight).await,
        Err(StoreError::OutOfRange)
    ));
    let mut service = NewService {
        office_id: c.office,
        name: "Null".into(),
        description: String::new(),
        duration_min: 0,
        buffer_before_min: 0,
        buffer_after_min: 0,
        min_notice_min: 0,
        horizon_days: 1,
        seats_per_slot: 1,
        slot_interval_min: 15,
        documents: vec![],
    };
    assert!(matches!(
        store.create_service(&service).await,
        Err(StoreError::OutOfRange)
    ));
    service.duration_min = 15;
    service.office_id = c.office + 1000;
    assert!(matches!(
        store.create_service(&service).await,
        Err(StoreError::UnknownReference)
    ));
    assert_eq!(store.services(None).await.unwrap().len(), 1);
}
