//! Abuse protection and races on the booking form (BK-1, BK-5): the per-IP
//! rate limit, the per-address cap, a reused proof of work, an expired
//! hold, and 50 concurrent requests for the last seat.

use crate::booking_support;

use booking_support::*;
use futures_util::future::join_all;

#[tokio::test]
async fn too_many_submissions_get_429_with_retry_after() {
    let (app, _dir) = booking_app(false, |c| c.booking.rate_limit_per_minute = 2).await;
    let browser = Browser::new(&app);
    browser.get("/book").await;
    let csrf = browser.csrf();
    let post = || browser.post("/book/services/1/form", &[("csrf", csrf.as_str())]);
    assert_ne!(post().await.status, 429);
    assert_ne!(post().await.status, 429);
    let limited = post().await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    let retry: u64 = limited.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(limited.body.contains("Zu viele Anfragen"));
    app.stop().await;
}

#[tokio::test]
async fn one_address_may_hold_only_so_many_bookings() {
    let (app, _dir) = booking_app(false, |c| c.booking.max_open_bookings_per_email = 1).await;
    let service = plant_catalogue(&store(&app).await).await;
    let browser = Browser::new(&app);
    let starts = free_starts(&browser, service).await;
    let path = format!("/book/services/{service}/form");
    let first = filled_form(&browser, service, starts[2], "cap@example.org").await;
    assert_eq!(browser.post(&path, &fields(&first)).await.status, 303);
    let second = filled_form(&browser, service, starts[3], "CAP@example.org").await;
    let refused = browser.post(&path, &fields(&second)).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("höchste Zahl offener Termine"));
    app.stop().await;
}

#[tokio::test]
async fn a_proof_of_work_counts_once() {
    let (app, _dir) = booking_app(false, |_| {}).await;
    let service = plant_catalogue(&store(&app).await).await;
    let browser = Browser::new(&app);
    let starts = free_starts(&browser, service).await;
    let path = format!("/book/services/{service}/form");
    let form = filled_form(&browser, service, starts[2], "a@example.org").await;
    assert_eq!(browser.post(&path, &fields(&form)).await.status, 303);
    let replay = with(
        &with(&form, "start", &starts[3].to_string()),
        "email",
        "b@example.org",
    );
    let refused = browser.post(&path, &fields(&replay)).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("Sicherheitsprüfung"),
        "{}",
        refused.body
    );
    // Without a nonce (no JavaScript) and at once: too fast for a person.
    let hasty = filled_form(&browser, service, starts[3], "c@example.org").await;
    let refused = browser
        .post(&path, &fields(&with(&hasty, "nonce", "")))
        .await;
    assert!(refused.body.contains("sehr schnell"), "{}", refused.body);
    app.stop().await;
}

#[tokio::test]
async fn an_expired_hold_frees_its_slot() {
    let (app, _dir) = booking_app(false, |_| {}).await;
    let store = store(&app).await;
    let service = plant_catalogue(&store).await;
    let browser = Browser::new(&app);
    let starts = free_starts(&browser, service).await;
    let path = format!("/book/services/{service}/form");
    let form = filled_form(&browser, service, starts[2], "late@example.org").await;
    assert_eq!(browser.post(&path, &fields(&form)).await.status, 303);
    assert!(!free_starts(&browser, service).await.contains(&starts[2]));
    let mail = wait_for_mail(&app.data_dir, |m| m.contains("/book/confirm/")).await;
    let confirm = token_after(&mail, "/book/confirm/");

    // What the jobs task does once the hold time has passed.
    let later = chrono::Utc::now().timestamp() + 16 * 60;
    assert_eq!(store.expire_holds(later).await.unwrap(), 1);
    assert!(free_starts(&browser, service).await.contains(&starts[2]));
    let page = browser.get(&format!("/book/confirm/{confirm}")).await;
    assert!(page.body.contains("nicht mehr gültig"), "{}", page.body);
    app.stop().await;
}

#[tokio::test]
async fn fifty_requests_for_the_last_seat_one_wins() {
    let (app, _dir) = booking_app(false, |_| {}).await;
    let store = store(&app).await;
    let service = plant_catalogue(&store).await;
    let browser = Browser::new(&app);
    let starts = free_starts(&browser, service).await;
    let start = starts[4];
    let path = format!("/book/services/{service}/form");
    let mut forms = Vec::new();
    for i in 0..50 {
        forms.push(filled_form(&browser, service, start, &format!("racer{i}@example.org")).await);
    }
    let responses = join_all(forms.iter().map(|f| browser.post(&path, &fields(f)))).await;
    let won = responses.iter().filter(|r| r.status == 303).count();
    assert_eq!(
        won,
        1,
        "{:?}",
        responses.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for lost in responses.iter().filter(|r| r.status != 303) {
        assert_eq!(lost.status, 409, "{}", lost.body);
        assert!(lost.body.contains("gerade vergeben"), "{}", lost.body);
        assert!(
            !slot_starts(&lost.body).is_empty(),
            "alternatives: {}",
            lost.body
        );
        assert!(!slot_starts(&lost.body).contains(&start));
    }
    let now = chrono::Utc::now().timestamp();
    let held = store.active_bookings(&[1], 0, i64::MAX, now).await.unwrap();
    assert_eq!(held.len(), 1);
    app.stop().await;
}
