//! The staff dashboard and its actions as HTML: the admin credential, the
//! appointments with escaped citizen input, CSRF on every POST, cancel
//! with a mail, bulk cancel with a confirmation step and one mail each,
//! the feed link, and the retry buttons.

use crate::api_support;
use crate::common;

use api_support::{Api, basic, catalogue, confirmed_appointment, store};
use common::spawn_app;

/// A well-formed double-submit token (43 base64url characters).
const CSRF: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
const COOKIE: &str = "csrf=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";

fn tomorrow_at_ten() -> (i64, String) {
    use chrono::TimeZone;
    let berlin = chrono_tz::Europe::Berlin;
    let day = chrono::Utc::now().with_timezone(&berlin).date_naive() + chrono::Duration::days(1);
    let at = berlin
        .from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap())
        .single()
        .unwrap();
    (at.timestamp(), day.format("%Y-%m-%d").to_string())
}

#[tokio::test]
async fn staff_and_admin_pages_need_the_admin_credential() {
    let app = spawn_app().await;
    for path in [
        "/staff",
        "/admin",
        "/staff/cancel-day?office=1&date=2030-01-01",
    ] {
        let response = Api::anonymous(&app).get(path).await;
        assert_eq!(response.status, 401, "{path}");
        assert!(response.header("www-authenticate").starts_with("Basic"));
        let wrong = Api {
            app: &app,
            authorization: Some(basic("admin", "guess")),
        };
        assert_eq!(wrong.get(path).await.status, 401, "{path}");
    }
    let response = Api::anonymous(&app)
        .form("/staff/cancel-day", &[("csrf", CSRF)], Some(COOKIE))
        .await;
    assert_eq!(response.status, 401);
    app.stop().await;
}

#[tokio::test]
async fn the_dashboard_lists_appointments_escaped_in_both_languages() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;
    let store = store(&app).await;
    let (start, _) = tomorrow_at_ten();
    let appointment = confirmed_appointment(&store, &c, start, "erika@example.org").await;
    let meeting = app.create_meeting().await;
    store
        .set_appointment_meeting(&appointment.id, &meeting)
        .await
        .unwrap();

    let page = api.get("/staff").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(page.body.contains("Frau Schmidt"));
    assert!(page.body.contains("Erika Mustermann"));
    assert!(page.body.contains("bestätigt"), "German by default");
    assert!(page.body.contains("Als Gastgeber beitreten"));
    assert!(
        page.body
            .contains(&format!("/staff/appointments/{}/cancel", appointment.id))
    );
    // Someone in the meeting is waiting; two are a call.
    let (first, _) = app.join(&meeting, "Erika").await;
    let page = api.get("/staff").await;
    assert!(page.body.contains(">wartet<"), "{}", page.body);
    let (second, _) = app.join(&meeting, "Frau Schmidt").await;
    let page = api.get("/staff").await;
    assert!(page.body.contains(">im Gespräch<"));
    first.close().await;
    second.close().await;

    // Once both left, the appointment is plainly confirmed again.
    let mut english = api.get("/staff?lang=en").await;
    for _ in 0..50 {
        if english.body.contains(">confirmed<") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        english = api.get("/staff?lang=en").await;
    }
    assert!(english.body.contains(">confirmed<"));
    assert!(english.body.contains("Join as host"));

    // Script in a catalogue name is rendered as text.
    api.put(
        &format!("/api/v1/offices/{}", c.office),
        serde_json::json!({"name": "<script>alert(1)</script>", "time_zone": "Europe/Berlin"}),
    )
    .await;
    let page = api.get("/staff").await;
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.body.contains("<script>alert(1)"));
    app.stop().await;
}

#[tokio::test]
async fn cancelling_needs_csrf_and_sends_a_mail() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;
    let store = store(&app).await;
    let (start, _) = tomorrow_at_ten();
    let appointment = confirmed_appointment(&store, &c, start, "erika@example.org").await;
    let path = format!("/staff/appointments/{}/cancel", appointment.id);

    let confirm = api.get(&path).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("Ja, absagen"));

    let forged = api.form(&path, &[("csrf", CSRF)], None).await;
    assert_eq!(forged.status, 403, "no cookie, no cancellation");
    assert_eq!(
        store
            .appointment(&appointment.id)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "confirmed"
    );

    let done = api.form(&path, &[("csrf", CSRF)], Some(COOKIE)).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(
        store
            .appointment(&appointment.id)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "cancelled"
    );
    let far = chrono::Utc::now().timestamp() + 365 * 24 * 3600;
    let mails = store.due_mails(far, 100).await.unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].kind, "cancelled");
    assert_eq!(
        api.form(&path, &[("csrf", CSRF)], Some(COOKIE))
            .await
            .status,
        404
    );
    app.stop().await;
}

#[tokio::test]
async fn a_day_is_cancelled_after_confirmation_with_one_mail_each() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;
    let store = store(&app).await;
    let (start, date) = tomorrow_at_ten();
    for (i, email) in ["a@example.org", "b@example.org"].iter().enumerate() {
        confirmed_appointment(&store, &c, start + 3600 * i as i64, email).await;
    }
    let office = c.office.to_string();
    let check = api
        .get(&format!(
            "/staff/cancel-day?office={office}&staff=&date={date}"
        ))
        .await;
    assert_eq!(check.status, 200, "{}", check.body);
    assert!(check.body.contains("<strong>2</strong>"), "{}", check.body);

    let past = api
        .get(&format!(
            "/staff/cancel-day?office={office}&staff=&date=2020-01-01"
        ))
        .await;
    assert_eq!(past.status, 422);
    assert!(past.body.contains("error-summary"));

    let done = api
        .form(
            "/staff/cancel-day",
            &[
                ("csrf", CSRF),
                ("office", &office),
                ("staff", ""),
                ("date", &date),
            ],
            Some(COOKIE),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let far = chrono::Utc::now().timestamp() + 365 * 24 * 3600;
    let mails = store.due_mails(far, 100).await.unwrap();
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().all(|m| m.kind == "cancelled"));
    app.stop().await;
}

#[tokio::test]
async fn a_new_feed_link_is_shown_once_and_failures_can_be_retried() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;
    let page = api
        .form(
            &format!("/staff/staff/{}/feed-link", c.staff),
            &[("csrf", CSRF)],
            Some(COOKIE),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let start = page.body.find("/feeds/staff/").expect("the link is shown");
    let end = start + page.body[start..].find(".ics").unwrap() + 4;
    let feed = Api::anonymous(&app).get(&page.body[start..end]).await;
    assert_eq!(feed.status, 200);

    // A failed mail shows up with a retry button that queues it again.
    let store = store(&app).await;
    let id = store
        .enqueue_mail(
            &civicmeet_store::NewMail {
                appointment_id: None,
                recipient: "x@example.org".into(),
                kind: "reminder".into(),
                subject: "Erinnerung".into(),
                body_eml: "Subject: x\r\n\r\nx".into(),
            },
            0,
        )
        .await
        .unwrap();
    store.mark_failed(id, "relay refused", None).await.unwrap();
    let dashboard = api.get("/staff").await;
    assert!(dashboard.body.contains("relay refused"));
    assert!(dashboard.body.contains(&format!("/staff/mails/{id}/retry")));
    let retried = api
        .form(
            &format!("/staff/mails/{id}/retry"),
            &[("csrf", CSRF)],
            Some(COOKIE),
        )
        .await;
    assert_eq!(retried.status, 303);
    let mail = store.mail(id).await.unwrap().unwrap();
    assert_eq!(mail.status.as_str(), "pending");
    app.stop().await;
}
