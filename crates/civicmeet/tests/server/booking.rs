//! Booking through the HTTP pages, as a browser without JavaScript would
//! (the proof of work is computed here as pow.js would): the demo
//! catalogue, the whole flow from the service list to the meeting, the
//! mails with their links, cancelling, and bad input.

use crate::booking_support;

use booking_support::*;

#[tokio::test]
async fn a_citizen_books_confirms_joins_and_cancels() {
    let (app, _dir) = booking_app(true, |_| {}).await;
    let browser = Browser::new(&app);

    let list = browser.get("/book").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("Wohngeld-Beratung"), "{}", list.body);
    assert!(list.body.contains("<html lang=\"de\""));
    let at = list.body.find("Wohngeld-Beratung").unwrap();
    let href = list.body[..at].rfind("/book/services/").unwrap();
    let service: i64 = list.body[href + 15..]
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    single_staffed(&app, service).await;

    let starts = free_starts(&browser, service).await;
    let form = filled_form(&browser, service, starts[0], "Erika@Example.org").await;
    let sent = browser
        .post(&format!("/book/services/{service}/form"), &fields(&form))
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(sent.header("location"), "/book/sent");
    assert!(browser.get("/book/sent").await.body.contains("E-Mail"));

    // The slot is held: it is no longer offered.
    assert!(!free_starts(&browser, service).await.contains(&starts[0]));

    let mail = wait_for_mail(&app.data_dir, |m| m.contains("/book/confirm/")).await;
    let confirm = token_after(&mail, "/book/confirm/");
    let page = browser.get(&format!("/book/confirm/{confirm}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("method=\"post\""), "{}", page.body);
    let done = browser
        .post(
            &format!("/book/confirm/{confirm}"),
            &[("csrf", &browser.csrf())],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("Ihr Termin ist gebucht"),
        "{}",
        done.body
    );
    assert!(done.body.contains("Personalausweis"), "documents to bring");
    let join = token_after(&done.body, "/a/");
    let cancel = token_after(&done.body, "/book/cancel/");
    assert!(done.body.contains(&format!("/book/ics/{join}")));

    let confirmed = wait_for_mail(&app.data_dir, |m| m.contains("METHOD:REQUEST")).await;
    assert!(confirmed.contains(&format!("/a/{join}")) || confirmed.contains("/a/"));

    let meeting = browser.get(&format!("/a/{join}")).await;
    assert_eq!(meeting.status, 303);
    let location = meeting.header("location").to_string();
    assert!(location.starts_with("/m/"), "{location}");
    assert_eq!(browser.get(&location).await.status, 200);

    let ics = browser.get(&format!("/book/ics/{join}")).await;
    assert_eq!(ics.status, 200);
    assert!(ics.body.contains("BEGIN:VEVENT"), "{}", ics.body);

    // The confirm link is spent.
    let again = browser.get(&format!("/book/confirm/{confirm}")).await;
    assert!(again.body.contains("nicht mehr gültig"), "{}", again.body);

    let cancel_page = browser.get(&format!("/book/cancel/{cancel}")).await;
    assert_eq!(cancel_page.status, 200);
    let cancelled = browser
        .post(
            &format!("/book/cancel/{cancel}"),
            &[("csrf", &browser.csrf())],
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    let mail = wait_for_mail(&app.data_dir, |m| m.contains("METHOD:CANCEL")).await;
    assert!(mail.contains("SEQUENCE:1"), "{mail}");
    assert_eq!(browser.get(&format!("/a/{join}")).await.status, 404);
    assert!(free_starts(&browser, service).await.contains(&starts[0]));
    app.stop().await;
}

#[tokio::test]
async fn the_language_follows_the_query_then_the_cookie() {
    let (app, _dir) = booking_app(true, |_| {}).await;
    let browser = Browser::new(&app);
    let english = browser.get("/book?lang=en").await;
    assert!(english.body.contains("<html lang=\"en\""));
    assert!(english.body.contains("Book an appointment"));
    let still = browser.get("/book").await;
    assert!(
        still.body.contains("<html lang=\"en\""),
        "the cookie remembers"
    );
    assert!(
        still
            .header("content-security-policy")
            .contains("default-src 'self'")
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_message_and_books_nothing() {
    let (app, _dir) = booking_app(false, |_| {}).await;
    let store = store(&app).await;
    let service = plant_catalogue(&store).await;
    let browser = Browser::new(&app);
    let starts = free_starts(&browser, service).await;
    let form = filled_form(&browser, service, starts[1], "a@example.org").await;
    let path = format!("/book/services/{service}/form");
    let past = (chrono::Utc::now().timestamp() - 3600).to_string();
    let long_name = "x".repeat(101);

    // (fields, status, part of the message)
    let cases: Vec<(Form, u16, &str)> = vec![
        (
            with(&form, "name", &long_name),
            400,
            "höchstens 100 Zeichen",
        ),
        (
            with(&form, "email", "not-an-address"),
            400,
            "gültige E-Mail-Adresse",
        ),
        (with(&form, "consent", ""), 400, "Datenschutzhinweis"),
        (with(&form, "start", &past), 400, "Vergangenheit"),
        (with(&form, "start", "tomorrow"), 400, "aus der Liste"),
        (with(&form, "phone", "call me maybe"), 400, "Telefonnummer"),
        (
            with(&form, "csrf", "forged"),
            403,
            "Formular ist abgelaufen",
        ),
    ];
    for (fields_, status, message) in &cases {
        let response = browser.post(&path, &fields(fields_)).await;
        assert_eq!(response.status, *status, "{message}: {}", response.body);
        assert!(
            response.body.contains(message),
            "{message}: {}",
            response.body
        );
        if *status == 400 {
            assert!(response.body.contains("class=\"error-summary\""));
            // The slot is a hidden field: its error links to the summary
            // of the chosen time instead of an input.
            let visible_field = !fields_
                .iter()
                .any(|(k, v)| k == "start" && v != &starts[1].to_string());
            if visible_field {
                assert!(
                    response.body.contains("aria-invalid=\"true\""),
                    "{}",
                    response.body
                );
            }
        }
    }

    // Script in a field comes back escaped (here with another error, so
    // the form is shown again).
    let script = with(
        &with(&form, "name", "<script>alert(1)</script>"),
        "email",
        "bad",
    );
    let response = browser.post(&path, &fields(&script)).await;
    assert_eq!(response.status, 400);
    assert!(
        response
            .body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert!(!response.body.contains("<script>alert(1)"));

    let unknown = browser
        .post("/book/services/999999/form", &fields(&form))
        .await;
    assert_eq!(unknown.status, 404);
    assert!(
        unknown.body.contains("Seite nicht gefunden"),
        "{}",
        unknown.body
    );

    let now = chrono::Utc::now().timestamp();
    let booked = store
        .active_bookings(&[1, 2, 3], 0, i64::MAX, now)
        .await
        .unwrap();
    assert!(booked.is_empty(), "{booked:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_citizen_moves_the_appointment() {
    let (app, _dir) = booking_app(false, |_| {}).await;
    let service = plant_catalogue(&store(&app).await).await;
    let browser = Browser::new(&app);
    let starts = free_starts(&browser, service).await;
    let (old, new) = (starts[2], starts[5]);
    let page = book_and_confirm(&browser, service, old, "move@example.org").await;
    let rebook = token_after(&page, "/book/rebook/");

    let slots = browser.get(&format!("/book/rebook/{rebook}")).await;
    assert_eq!(slots.status, 200, "{}", slots.body);
    assert!(slot_starts(&slots.body).contains(&new));
    let confirm = browser
        .get(&format!("/book/rebook/{rebook}/slot?start={new}"))
        .await;
    assert_eq!(confirm.status, 200);
    let moved = browser
        .post(
            &format!("/book/rebook/{rebook}/slot"),
            &[("csrf", &browser.csrf()), ("start", &new.to_string())],
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert!(moved.body.contains("Ihr Termin ist gebucht"));

    let free = free_starts(&browser, service).await;
    assert!(free.contains(&old) && !free.contains(&new), "{free:?}");
    wait_for_mails(&app.data_dir, 1, |m| m.contains("METHOD:CANCEL")).await;
    wait_for_mails(&app.data_dir, 2, |m| m.contains("METHOD:REQUEST")).await;
    // The old links are gone.
    assert_eq!(
        browser.get(&format!("/book/rebook/{rebook}")).await.status,
        404
    );
    app.stop().await;
}

#[tokio::test]
async fn the_demo_office_is_made_once() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let app = booking_app_in(dir.path(), true, |_| {}).await;
        let store = store(&app).await;
        let offices = store.offices().await.unwrap();
        assert_eq!(offices.len(), 1);
        assert_eq!(offices[0].name, "Bürgeramt Demo");
        assert_eq!(offices[0].time_zone, "Europe/Berlin");
        assert_eq!(store.services(None).await.unwrap().len(), 2);
        assert_eq!(store.staff_list(None).await.unwrap().len(), 2);
        store.close().await;
        app.stop().await;
    }
}
