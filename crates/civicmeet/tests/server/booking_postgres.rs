//! The seat race over HTTP with PostgreSQL behind the server (issue 3:
//! "proven on SQLite and on PostgreSQL"): 50 concurrent requests for the
//! last seat, exactly one hold. The cluster is the store tests' throwaway
//! one (started on first use, removed when this binary exits); missing
//! PostgreSQL binaries are a failure, not a skip (`cargo xtask test`
//! installs them).

use crate::booking_support;
#[allow(dead_code)]
#[path = "../../../civicmeet-store/tests/store/pg.rs"]
mod pg;

use booking_support::*;
use civicmeet_store::{Store, StoreConfig};
use futures_util::future::join_all;

#[tokio::test]
async fn fifty_requests_for_the_last_seat_one_wins_on_postgres() {
    // This binary has this one test, so it may use the cluster's default
    // database.
    let url = pg::cluster().url("postgres");
    let (app, _dir) = booking_app(false, |c| c.database.url = url.clone()).await;
    let store = Store::open_with(&StoreConfig {
        sqlite_path: "unused.db".into(),
        url: Some(url.clone()),
    })
    .await
    .expect("open PostgreSQL");
    assert_eq!(store.backend_name(), "postgres");
    let service = plant_catalogue(&store).await;

    let browser = Browser::new(&app);
    let starts = free_starts(&browser, service).await;
    let start = starts[3];
    let path = format!("/book/services/{service}/form");
    let mut forms = Vec::new();
    for i in 0..50 {
        forms.push(filled_form(&browser, service, start, &format!("pg{i}@example.org")).await);
    }
    let responses = join_all(forms.iter().map(|f| browser.post(&path, &fields(f)))).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    for lost in responses.iter().filter(|r| r.status != 303) {
        assert_eq!(lost.status, 409, "{}", lost.body);
        assert!(lost.body.contains("gerade vergeben"));
        assert!(!slot_starts(&lost.body).is_empty(), "alternatives");
    }
    let now = chrono::Utc::now().timestamp();
    let staff: Vec<i64> = store
        .staff_list(None)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    let held = store
        .active_bookings(&staff, 0, i64::MAX, now)
        .await
        .unwrap();
    assert_eq!(held.len(), 1);
    store.close().await;
    app.stop().await;
}
