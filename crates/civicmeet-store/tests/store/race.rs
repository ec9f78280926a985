//! The seat race: many citizens at once, one free seat. The database, not
//! the caller, decides; exactly one wins.

use std::time::Instant;

use civicmeet_store::{AppointmentStatus, StoreError};

use crate::fixtures::{MIN, T0, catalog, hold};
use crate::harness::{TestDb, both_backends};

const RACERS: usize = 50;

both_backends!(
    fifty_racers_for_the_last_seat,
    fifty_racers_for_overlapping_slots
);

async fn fifty_racers_for_the_last_seat(db: &TestDb) {
    let store = &db.store;
    let seats = 3;
    let c = catalog(store, seats).await;
    let start = T0 + 120 * MIN;
    // Two of three seats are gone already: one confirmed, one held.
    let a = store
        .hold_slot(&hold(&c, start, seats, "a@example.org"))
        .await
        .unwrap();
    store.confirm_hold(&a.id, T0).await.unwrap();
    store
        .hold_slot(&hold(&c, start, seats, "b@example.org"))
        .await
        .unwrap();

    let began = Instant::now();
    let tasks: Vec<_> = (0..RACERS)
        .map(|n| {
            let store = store.clone();
            let req = hold(&c, start, seats, &format!("racer{n}@example.org"));
            tokio::spawn(async move { store.hold_slot(&req).await })
        })
        .collect();
    let mut won = Vec::new();
    let mut taken = 0;
    for task in tasks {
        match task.await.expect("the task ran") {
            Ok(appointment) => won.push(appointment),
            Err(StoreError::SlotTaken) => taken += 1,
            Err(other) => panic!("a racer failed with something else: {other}"),
        }
    }
    let elapsed = began.elapsed();
    eprintln!(
        "race[{}]: {RACERS} concurrent holds for the last seat took {} ms",
        store.backend_name(),
        elapsed.as_millis()
    );
    assert_eq!(won.len(), 1, "exactly one racer wins");
    assert_eq!(taken, RACERS - 1);

    let stored = store
        .appointments_for_staff(c.staff, start, start + 1)
        .await
        .unwrap();
    let active: Vec<_> = stored
        .iter()
        .filter(|a| {
            matches!(
                a.status,
                AppointmentStatus::Held | AppointmentStatus::Confirmed
            )
        })
        .collect();
    assert_eq!(active.len(), seats as usize);
    assert_eq!(
        stored.len(),
        seats as usize,
        "the losers left no rows behind"
    );
    assert!(active.iter().any(|a| a.id == won[0].id));
}

async fn fifty_racers_for_overlapping_slots(db: &TestDb) {
    let store = &db.store;
    let c = catalog(store, 1).await;
    let start = T0 + 120 * MIN;
    // Every racer wants a different start, all within one block of each
    // other: whoever is first makes the staff member busy for the rest.
    let began = Instant::now();
    let tasks: Vec<_> = (0..RACERS)
        .map(|n| {
            let store = store.clone();
            let req = hold(
                &c,
                start + n as i64 * 30,
                1,
                &format!("racer{n}@example.org"),
            );
            tokio::spawn(async move { store.hold_slot(&req).await })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.expect("the task ran") {
            Ok(_) => won += 1,
            Err(StoreError::SlotTaken) => {}
            Err(other) => panic!("a racer failed with something else: {other}"),
        }
    }
    eprintln!(
        "race[{}]: {RACERS} concurrent holds for overlapping slots took {} ms",
        store.backend_name(),
        began.elapsed().as_millis()
    );
    assert_eq!(won, 1);
    let bookings = store
        .active_bookings(&[c.staff], start - 3600, start + 7200, T0)
        .await
        .unwrap();
    assert_eq!(bookings.len(), 1);
}
