//! Appointments: the hold, confirm and cancel life cycle, seats and
//! overlaps, expiry, and the listings the server and the rules need.

use civicmeet_store::{
    ActiveBooking, AppointmentStatus, NewStaff, StoreError, TokenPurpose, TokenSubject,
};

use crate::fixtures::{MIN, T0, catalog, hold};
use crate::harness::{TestDb, both_backends};

both_backends!(
    hold_confirm_cancel,
    seats_and_overlaps,
    an_expired_hold_frees_the_slot,
    cancelling_frees_the_slot_and_bumps_the_sequence,
    listings,
);

async fn hold_confirm_cancel(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 1).await;
    let start = T0 + 120 * MIN;
    let held = store
        .hold_slot(&hold(&c, start, 1, "Erika@Example.ORG"))
        .await
        .unwrap();
    assert_eq!(held.status, AppointmentStatus::Held);
    assert_eq!(held.id.len(), 32);
    assert_eq!(held.citizen_email, "erika@example.org");
    assert_eq!((held.starts_at, held.ends_at), (start, start + 30 * MIN));
    assert_eq!(
        (held.block_start, held.block_end),
        (start - 10 * MIN, start + 40 * MIN)
    );
    assert_eq!(held.hold_expires_at, Some(T0 + 15 * MIN));
    assert_eq!((held.sequence, held.created_at), (0, T0));
    assert_eq!(
        store.appointment(&held.id).await.unwrap(),
        Some(held.clone())
    );

    let confirmed = store.confirm_hold(&held.id, T0 + 5 * MIN).await.unwrap();
    assert_eq!(confirmed.status, AppointmentStatus::Confirmed);
    assert_eq!(confirmed.confirmed_at, Some(T0 + 5 * MIN));
    assert_eq!(confirmed.hold_expires_at, None);
    // Confirming twice is refused, also long after the hold would have run out.
    assert!(matches!(
        store.confirm_hold(&held.id, T0 + 6 * MIN).await,
        Err(StoreError::WrongStatus { status }) if status == "confirmed"
    ));

    store
        .create_meeting("0123456789abcdef0123456789abcdef", T0)
        .await
        .unwrap();
    store
        .set_appointment_meeting(&held.id, "0123456789abcdef0123456789abcdef")
        .await
        .unwrap();
    let cancelled = store
        .cancel_appointment(&held.id, T0 + 7 * MIN)
        .await
        .unwrap();
    assert_eq!(cancelled.status, AppointmentStatus::Cancelled);
    assert_eq!(cancelled.cancelled_at, Some(T0 + 7 * MIN));
    assert_eq!(
        cancelled.meeting_id.as_deref(),
        Some("0123456789abcdef0123456789abcdef")
    );
    assert!(matches!(
        store.cancel_appointment(&held.id, T0 + 8 * MIN).await,
        Err(StoreError::WrongStatus { status }) if status == "cancelled"
    ));
    assert!(matches!(
        store
            .confirm_hold("ffffffffffffffffffffffffffffffff", T0)
            .await,
        Err(StoreError::NotFound)
    ));

    // A hold past its time cannot be confirmed, and says so.
    let late = store
        .hold_slot(&hold(&c, start + 60 * MIN, 1, "x@example.org"))
        .await
        .unwrap();
    assert!(matches!(
        store.confirm_hold(&late.id, T0 + 15 * MIN).await,
        Err(StoreError::WrongStatus { status }) if status == "expired"
    ));

    let mut stranger = hold(&c, start + 120 * MIN, 1, "x@example.org");
    stranger.staff_id += 1000;
    assert!(matches!(
        store.hold_slot(&stranger).await,
        Err(StoreError::UnknownReference)
    ));
}

async fn seats_and_overlaps(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 2).await;
    let start = T0 + 120 * MIN;
    // Two seats of the same slot, then it is full.
    store
        .hold_slot(&hold(&c, start, 2, "a@example.org"))
        .await
        .unwrap();
    store
        .hold_slot(&hold(&c, start, 2, "b@example.org"))
        .await
        .unwrap();
    assert!(matches!(
        store.hold_slot(&hold(&c, start, 2, "c@example.org")).await,
        Err(StoreError::SlotTaken)
    ));
    // A different start that overlaps the block (buffers included) is busy
    // even with a free seat count: the staff member is in another slot.
    for offset in [-45, -15, 15, 45] {
        assert!(
            matches!(
                store
                    .hold_slot(&hold(&c, start + offset * MIN, 2, "d@example.org"))
                    .await,
                Err(StoreError::SlotTaken)
            ),
            "offset {offset}"
        );
    }
    // Blocks that only touch are fine: [start-60, start-10) and [start+40, ...).
    store
        .hold_slot(&hold(&c, start - 50 * MIN, 2, "e@example.org"))
        .await
        .unwrap();
    store
        .hold_slot(&hold(&c, start + 50 * MIN, 2, "f@example.org"))
        .await
        .unwrap();

    // Another staff member is not blocked by any of this.
    let other = store
        .create_staff(&NewStaff {
            office_id: c.office,
            display_name: "Herr Zwei".into(),
            email: "zwei@amt.example".into(),
            active: true,
        })
        .await
        .unwrap();
    let mut req = hold(&c, start, 2, "g@example.org");
    req.staff_id = other.id;
    store.hold_slot(&req).await.unwrap();
}

async fn an_expired_hold_frees_the_slot(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 1).await;
    let start = T0 + 120 * MIN;
    let first = store
        .hold_slot(&hold(&c, start, 1, "a@example.org"))
        .await
        .unwrap();
    let token = store
        .issue_token(
            TokenPurpose::Confirm,
            &TokenSubject::Appointment(first.id.clone()),
            T0 + 15 * MIN,
        )
        .await
        .unwrap();
    let mut later = hold(&c, start, 1, "b@example.org");
    later.now = T0 + 15 * MIN - 1;
    later.hold_expires_at = later.now + 15 * MIN;
    assert!(matches!(
        store.hold_slot(&later).await,
        Err(StoreError::SlotTaken)
    ));

    // The moment the hold runs out the slot is free, before any clean-up.
    later.now = T0 + 15 * MIN;
    let second = store.hold_slot(&later).await.unwrap();

    assert_eq!(store.expire_holds(T0 + 15 * MIN).await.unwrap(), 1);
    assert_eq!(store.appointment(&first.id).await.unwrap(), None);
    assert_eq!(
        store
            .resolve_token(&token, TokenPurpose::Confirm, T0)
            .await
            .unwrap(),
        None
    );
    assert!(store.appointment(&second.id).await.unwrap().is_some());
    assert_eq!(store.expire_holds(T0 + 15 * MIN).await.unwrap(), 0);
}

async fn cancelling_frees_the_slot_and_bumps_the_sequence(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 1).await;
    let start = T0 + 120 * MIN;
    let a = store
        .hold_slot(&hold(&c, start, 1, "a@example.org"))
        .await
        .unwrap();
    store.confirm_hold(&a.id, T0 + MIN).await.unwrap();
    assert!(matches!(
        store.hold_slot(&hold(&c, start, 1, "b@example.org")).await,
        Err(StoreError::SlotTaken)
    ));
    let cancelled = store.cancel_appointment(&a.id, T0 + 2 * MIN).await.unwrap();
    assert_eq!(cancelled.sequence, a.sequence + 1);
    store
        .hold_slot(&hold(&c, start, 1, "b@example.org"))
        .await
        .unwrap();
}

async fn listings(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 1).await;
    let day = T0 + 86_400;
    let a = store
        .hold_slot(&hold(&c, day, 1, "Same@Example.org"))
        .await
        .unwrap();
    let b = store
        .hold_slot(&hold(&c, day + 60 * MIN, 1, "same@example.org"))
        .await
        .unwrap();
    let x = store
        .hold_slot(&hold(&c, day + 120 * MIN, 1, "other@example.org"))
        .await
        .unwrap();
    store.confirm_hold(&a.id, T0 + MIN).await.unwrap();
    store.cancel_appointment(&x.id, T0 + MIN).await.unwrap();

    let all = store
        .appointments_for_staff(c.staff, day, day + 86_400)
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        [&a.id, &b.id, &x.id]
    );
    assert_eq!(
        store
            .appointments_for_staff(c.staff, day + 1, day + 86_400)
            .await
            .unwrap()
            .len(),
        2
    );

    let active = store
        .active_appointments_in_office(c.office, day, day + 86_400, T0 + MIN)
        .await
        .unwrap();
    assert_eq!(
        active.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        [&a.id, &b.id]
    );
    assert_eq!(
        store
            .active_appointments_in_office(c.office + 1000, day, day + 86_400, T0)
            .await
            .unwrap(),
        []
    );

    let bookings = store
        .active_bookings(&[c.staff, c.staff + 1000], day, day + 86_400, T0 + MIN)
        .await
        .unwrap();
    assert_eq!(
        bookings,
        [a.clone(), b.clone()].map(|x| ActiveBooking {
            staff_id: x.staff_id,
            service_id: x.service_id,
            starts_at: x.starts_at,
            ends_at: x.ends_at,
            block_start: x.block_start,
            block_end: x.block_end,
        })
    );
    // The window matches on the blocked interval, buffers included.
    assert_eq!(
        store
            .active_bookings(&[c.staff], day - 10 * MIN, day - 9 * MIN, T0)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .active_bookings(&[c.staff], 0, day - 10 * MIN, T0)
            .await
            .unwrap(),
        []
    );
    assert_eq!(
        store.active_bookings(&[], 0, i64::MAX, T0).await.unwrap(),
        []
    );
    // Once the hold of b expired only a remains.
    assert_eq!(
        store
            .active_bookings(&[c.staff], day, day + 86_400, T0 + 15 * MIN)
            .await
            .unwrap()
            .len(),
        1
    );

    assert_eq!(
        store
            .count_open_bookings_for_email("SAME@example.org", T0 + MIN)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .count_open_bookings_for_email("same@example.org", T0 + 15 * MIN)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .count_open_bookings_for_email("other@example.org", T0)
            .await
            .unwrap(),
        0
    );
    // Past appointments do not count against the cap.
    assert_eq!(
        store
            .count_open_bookings_for_email("same@example.org", day + 30 * MIN)
            .await
            .unwrap(),
        0
    );

    let done = store.mark_done(&a.id, day + 31 * MIN).await.unwrap();
    assert_eq!(done.status, AppointmentStatus::Done);
    assert!(matches!(
        store.mark_no_show(&a.id, day + 32 * MIN).await,
        Err(StoreError::WrongStatus { .. })
    ));
    let c2 = store
        .hold_slot(&{
            let mut r = hold(&c, day + 180 * MIN, 1, "z@example.org");
            r.now = T0;
            r
        })
        .await
        .unwrap();
    store.confirm_hold(&c2.id, T0 + MIN).await.unwrap();
    assert_eq!(
        store
            .mark_no_show(&c2.id, day + 200 * MIN)
            .await
            .unwrap()
            .status,
        AppointmentStatus::NoShow
    );
}
