//! The REST API v1: the admin credential, catalogue round trips, refused
//! input that changes nothing, appointments (cancel with a mail in the
//! outbox, no-show, bulk cancel), and the OpenAPI document against the
//! router's route tables.

use crate::api_support;
use crate::common;

use std::collections::BTreeSet;

use api_support::{Api, basic, catalogue, confirmed_appointment, store};
use common::spawn_app;
use serde_json::{Value, json};

/// The next Monday 10:00 Berlin time, at least a week ahead, as Unix seconds.
fn next_monday_ten() -> (i64, String) {
    use chrono::{Datelike, TimeZone};
    let berlin = chrono_tz::Europe::Berlin;
    let mut day =
        chrono::Utc::now().with_timezone(&berlin).date_naive() + chrono::Duration::days(7);
    while day.weekday() != chrono::Weekday::Mon {
        day = day.succ_opt().unwrap();
    }
    let at = berlin
        .from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap())
        .single()
        .unwrap();
    (at.timestamp(), day.format("%Y-%m-%d").to_string())
}

#[tokio::test]
async fn every_v1_route_needs_the_admin_credential() {
    let app = spawn_app().await;
    let anonymous = Api::anonymous(&app);
    let wrong = Api {
        app: &app,
        authorization: Some(basic("admin", "wrong-password")),
    };
    for (method, path) in civicmeet::api::PROTECTED {
        let path = path.replace("{id}", "1");
        for client in [&anonymous, &wrong] {
            let response = client
                .send(
                    &method.to_uppercase(),
                    &path,
                    Some("application/json"),
                    Some("{}".into()),
                )
                .await;
            assert_eq!(response.status, 401, "{method} {path}");
            assert!(response.header("www-authenticate").starts_with("Basic"));
            assert_eq!(response.json()["error"]["code"], "unauthorized");
        }
    }
    let response = Api::admin(&app).get("/api/v1/offices").await;
    assert_eq!(response.status, 200, "{}", response.body);
    app.stop().await;
}

#[tokio::test]
async fn offices_services_and_staff_round_trip() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;

    let next_year = chrono::Utc::now().date_naive().year_ahead();
    let office = api
        .put(
            &format!("/api/v1/offices/{}", c.office),
            json!({"name": "Bürgeramt Nord", "time_zone": "Europe/Berlin",
                   "hours": [{"weekday": "monday", "start": "08:00", "end": "12:00"},
                             {"weekday": "monday", "start": "13:00", "end": "16:00"}],
                   "closing_days": [{"date": next_year, "label": "Betriebsausflug"}]}),
        )
        .await;
    assert_eq!(office.status, 200, "{}", office.body);
    let read = api
        .get(&format!("/api/v1/offices/{}", c.office))
        .await
        .json();
    assert_eq!(read["name"], "Bürgeramt Nord");
    assert_eq!(read["hours"].as_array().unwrap().len(), 2);
    assert_eq!(read["hours"][1]["start"], "13:00");
    assert_eq!(read["closing_days"][0]["date"], next_year);

    let service = api
        .get(&format!("/api/v1/services/{}", c.service))
        .await
        .json();
    assert_eq!(service["staff_ids"], json!([c.staff]));
    assert_eq!(service["documents"], json!(["Personalausweis"]));
    assert_eq!(service["slot_interval_min"], 30);

    let staff = api
        .put(
            &format!("/api/v1/staff/{}", c.staff),
            json!({"office_id": c.office, "display_name": "Frau Dr. Schmidt",
                   "email": "schmidt@amt.example", "active": false,
                   "hours": [{"weekday": "friday", "start": "09:00", "end": "12:30"}],
                   "exceptions": [{"date": next_year, "kind": "absent"}]}),
        )
        .await;
    assert_eq!(staff.status, 200, "{}", staff.body);
    let staff = staff.json();
    assert_eq!(staff["active"], false);
    assert_eq!(staff["hours"][0]["end"], "12:30");
    assert_eq!(staff["exceptions"][0]["end"], "24:00");

    let lists = [
        api.get("/api/v1/offices").await.json(),
        api.get("/api/v1/services").await.json(),
        api.get("/api/v1/staff").await.json(),
    ];
    for list in lists {
        assert_eq!(list.as_array().unwrap().len(), 1);
    }
    app.stop().await;
}

trait YearAhead {
    fn year_ahead(self) -> String;
}

impl YearAhead for chrono::NaiveDate {
    fn year_ahead(self) -> String {
        (self + chrono::Duration::days(365))
            .format("%Y-%m-%d")
            .to_string()
    }
}

/// Each bad request gets its status, code and field, and nothing changes.
#[tokio::test]
async fn bad_input_is_refused_with_the_field_and_stores_nothing() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;
    let before = [
        api.get("/api/v1/offices").await.body,
        api.get("/api/v1/services").await.body,
        api.get("/api/v1/staff").await.body,
    ];
    let office = |extra: Value| {
        let mut body = json!({"name": "Amt", "time_zone": "Europe/Berlin"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let long = "x".repeat(201);
    let cases: Vec<(&str, String, Value, u16, &str)> = vec![
        (
            "POST",
            "/api/v1/offices".into(),
            json!({"name": 5, "time_zone": "Europe/Berlin"}),
            422,
            "name",
        ),
        (
            "POST",
            "/api/v1/offices".into(),
            office(json!({"name": long})),
            422,
            "name",
        ),
        (
            "POST",
            "/api/v1/offices".into(),
            office(json!({"time_zone": "Mars/Olympus"})),
            422,
            "time_zone",
        ),
        (
            "POST",
            "/api/v1/offices".into(),
            office(json!({"colour": "red"})),
            422,
            "",
        ),
        (
            "POST",
            "/api/v1/offices".into(),
            office(json!({"hours": [{"weekday": "monday", "start": "12:00", "end": "08:00"}]})),
            422,
            "hours[0].end",
        ),
        (
            "POST",
            "/api/v1/offices".into(),
            office(json!({"hours": [{"weekday": "someday", "start": "08:00", "end": "12:00"}]})),
            422,
            "hours[0].weekday",
        ),
        (
            "POST",
            "/api/v1/offices".into(),
            office(json!({"closing_days": [{"date": "2020-01-01"}]})),
            422,
            "closing_days[0].date",
        ),
        (
            "PUT",
            format!("/api/v1/offices/{}", c.office),
            office(json!({"hours": [{"weekday": "monday", "start": "8", "end": "12:00"}]})),
            422,
            "hours[0].start",
        ),
        (
            "PUT",
            "/api/v1/offices/999".into(),
            office(json!({})),
            404,
            "",
        ),
        (
            "PUT",
            "/api/v1/offices/abc".into(),
            office(json!({})),
            404,
            "",
        ),
        (
            "POST",
            "/api/v1/services".into(),
            json!({"office_id": c.office, "name": "S", "duration_min": "30"}),
            422,
            "duration_min",
        ),
        (
            "POST",
            "/api/v1/services".into(),
            json!({"office_id": c.office, "name": "S", "duration_min": 0}),
            422,
            "duration_min",
        ),
        (
            "POST",
            "/api/v1/services".into(),
            json!({"office_id": 999, "name": "S", "duration_min": 30}),
            422,
            "office_id",
        ),
        (
            "POST",
            "/api/v1/services".into(),
            json!({"office_id": c.office, "name": "S", "duration_min": 30, "staff_ids": [999]}),
            422,
            "staff_ids[0]",
        ),
        (
            "PUT",
            format!("/api/v1/services/{}", c.service),
            json!({"office_id": c.office, "name": "", "duration_min": 30}),
            422,
            "name",
        ),
        (
            "POST",
            "/api/v1/staff".into(),
            json!({"office_id": c.office, "display_name": "A", "email": "not-an-address"}),
            422,
            "email",
        ),
        (
            "POST",
            "/api/v1/staff".into(),
            json!({"office_id": c.office, "display_name": "A", "email": "a@b.example",
                "exceptions": [{"date": "2020-02-02", "kind": "absent"}]}),
            422,
            "exceptions[0].date",
        ),
        (
            "POST",
            "/api/v1/staff".into(),
            json!({"office_id": c.office, "display_name": "A", "email": "a@b.example", "active": "yes"}),
            422,
            "active",
        ),
        (
            "POST",
            "/api/v1/webhooks".into(),
            json!({"url": "ftp://x.example/", "events": ["booked"]}),
            422,
            "url",
        ),
        (
            "POST",
            "/api/v1/webhooks".into(),
            json!({"url": "https://x.example/", "events": ["exploded"]}),
            422,
            "events[0]",
        ),
        (
            "POST",
            "/api/v1/webhooks".into(),
            json!({"url": "https://x.example/", "events": ["booked"], "secret": "short"}),
            422,
            "secret",
        ),
        (
            "POST",
            format!("/api/v1/offices/{}/cancel-day", c.office),
            json!({"date": "2020-01-01"}),
            422,
            "date",
        ),
    ];
    for (method, path, body, status, field) in cases {
        let response = api
            .send(
                method,
                &path,
                Some("application/json"),
                Some(body.to_string()),
            )
            .await;
        assert_eq!(
            response.status, status,
            "{method} {path} {body}: {}",
            response.body
        );
        let error = &response.json()["error"];
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
        if !field.is_empty() {
            assert_eq!(error["field"], field, "{method} {path} {body}");
        }
    }
    // Not JSON at all, and the wrong content type.
    let response = api
        .send(
            "POST",
            "/api/v1/offices",
            Some("application/json"),
            Some("{".into()),
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["error"]["code"], "malformed");
    let response = api
        .send(
            "POST",
            "/api/v1/offices",
            Some("text/plain"),
            Some("{}".into()),
        )
        .await;
    assert_eq!(response.status, 400);

    let after = [
        api.get("/api/v1/offices").await.body,
        api.get("/api/v1/services").await.body,
        api.get("/api/v1/staff").await.body,
    ];
    assert_eq!(before, after);
    assert_eq!(api.get("/api/v1/webhooks").await.json(), json!([]));
    app.stop().await;
}

#[tokio::test]
async fn script_in_a_name_is_stored_as_text() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let response = api
        .post(
            "/api/v1/offices",
            json!({"name": "<script>alert(1)</script>", "time_zone": "Europe/Berlin"}),
        )
        .await;
    assert_eq!(response.status, 201);
    assert_eq!(response.json()["name"], "<script>alert(1)</script>");
    app.stop().await;
}

#[tokio::test]
async fn appointments_are_listed_cancelled_with_a_mail_and_marked() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;
    let store = store(&app).await;
    let (monday, date) = next_monday_ten();
    let first = confirmed_appointment(&store, &c, monday, "erika@example.org").await;
    let second = confirmed_appointment(&store, &c, monday + 3600, "max@example.org").await;

    let by_staff = api
        .get(&format!(
            "/api/v1/appointments?staff_id={}&date={date}",
            c.staff
        ))
        .await;
    assert_eq!(by_staff.status, 200, "{}", by_staff.body);
    let list = by_staff.json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["id"], first.id.as_str());
    assert_eq!(list[0]["status"], "confirmed");
    let by_office = api
        .get(&format!(
            "/api/v1/appointments?office_id={}&date={date}&days=2",
            c.office
        ))
        .await
        .json();
    assert_eq!(by_office, list);
    let bad = api.get("/api/v1/appointments?staff_id=x").await;
    assert_eq!(bad.status, 422);
    let bad = api
        .get(&format!(
            "/api/v1/appointments?staff_id={}&days=100",
            c.staff
        ))
        .await;
    assert_eq!(bad.json()["error"]["field"], "days");

    let cancelled = api
        .post(
            &format!("/api/v1/appointments/{}/cancel", first.id),
            json!({}),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.json()["status"], "cancelled");
    let again = api
        .post(
            &format!("/api/v1/appointments/{}/cancel", first.id),
            json!({}),
        )
        .await;
    assert_eq!(again.status, 409);

    let mails = outbox(&store).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].kind, "cancelled");
    assert_eq!(mails[0].recipient, "erika@example.org");
    assert!(
        mails[0].body_eml.contains("METHOD:CANCEL"),
        "an .ics cancellation"
    );
    // Quoted-printable may break long lines with "=\r\n".
    let text = mails[0].body_eml.replace("=\r\n", "");
    assert!(
        text.contains(&format!("/book/services/{}", c.service)),
        "a link to book again"
    );

    let no_show = api
        .post(
            &format!("/api/v1/appointments/{}/no-show", second.id),
            json!({}),
        )
        .await;
    assert_eq!(no_show.json()["status"], "no_show");
    let done = api
        .post(
            &format!("/api/v1/appointments/{}/done", second.id),
            json!({}),
        )
        .await;
    assert_eq!(done.status, 409, "a no-show is not done");

    let unknown = api
        .get("/api/v1/appointments/0123456789abcdef0123456789abcdef")
        .await;
    assert_eq!(unknown.status, 404);
    let malformed = api
        .post("/api/v1/appointments/nope/cancel", json!({}))
        .await;
    assert_eq!(malformed.status, 404);
    app.stop().await;
}

#[tokio::test]
async fn bulk_cancel_sends_one_mail_per_appointment() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;
    let store = store(&app).await;
    let (monday, date) = next_monday_ten();
    for (i, email) in ["a@example.org", "b@example.org", "c@example.org"]
        .iter()
        .enumerate()
    {
        confirmed_appointment(&store, &c, monday + 3600 * i as i64, email).await;
    }
    // The next day's appointment stays.
    let tuesday = confirmed_appointment(&store, &c, monday + 24 * 3600, "d@example.org").await;

    let outcome = api
        .post(
            &format!("/api/v1/offices/{}/cancel-day", c.office),
            json!({"date": date}),
        )
        .await;
    assert_eq!(outcome.status, 200, "{}", outcome.body);
    assert_eq!(outcome.json(), json!({"cancelled": 3, "mails_queued": 3}));

    let mails = outbox(&store).await;
    let recipients: BTreeSet<_> = mails.iter().map(|m| m.recipient.as_str()).collect();
    assert_eq!(
        recipients,
        BTreeSet::from(["a@example.org", "b@example.org", "c@example.org"])
    );
    assert!(mails.iter().all(|m| m.kind == "cancelled"));
    let kept = store.appointment(&tuesday.id).await.unwrap().unwrap();
    assert_eq!(kept.status.as_str(), "confirmed");

    // Several days at once (an office closing for longer).
    let path = format!("/api/v1/offices/{}/cancel-day", c.office);
    let bad = api.post(&path, json!({"date": date, "days": 0})).await;
    assert_eq!(
        (bad.status, bad.json()["error"]["field"].clone()),
        (422, json!("days"))
    );
    let two = api.post(&path, json!({"date": date, "days": 2})).await;
    assert_eq!(two.json(), json!({"cancelled": 1, "mails_queued": 1}));
    let gone = store.appointment(&tuesday.id).await.unwrap().unwrap();
    assert_eq!(gone.status.as_str(), "cancelled");
    app.stop().await;
}

#[tokio::test]
async fn free_slots_are_public_and_follow_the_rules() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;
    let (monday, date) = next_monday_ten();
    let public = Api::anonymous(&app);
    let path = format!("/api/v1/services/{}/slots?from={date}&to={date}", c.service);
    let slots = public.get(&path).await;
    assert_eq!(slots.status, 200, "{path}: {}", slots.body);
    let slots = slots.json();
    // 08:00-16:00 in 30-minute steps.
    assert_eq!(slots.as_array().unwrap().len(), 16);
    assert_eq!(slots[0]["local_start"], format!("{date}T08:00"));
    assert_eq!(slots[0]["seats_left"], 1);

    // A confirmed appointment at 10:00 takes its slot away.
    let store = store(&app).await;
    confirmed_appointment(&store, &c, monday, "erika@example.org").await;
    let slots = public.get(&path).await.json();
    assert_eq!(slots.as_array().unwrap().len(), 15);
    assert!(
        slots
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["local_start"] != format!("{date}T10:00"))
    );

    assert_eq!(public.get("/api/v1/services/999/slots").await.status, 404);
    let bad = public
        .get(&format!(
            "/api/v1/services/{}/slots?from=tomorrow",
            c.service
        ))
        .await;
    assert_eq!(
        (bad.status, bad.json()["error"]["field"].clone()),
        (422, json!("from"))
    );
    let bad = public
        .get(&format!(
            "/api/v1/services/{}/slots?from=2030-01-10&to=2030-01-01",
            c.service
        ))
        .await;
    assert_eq!(bad.status, 422);
    let bad = public
        .get(&format!("/api/v1/services/{}/slots?when=now", c.service))
        .await;
    assert_eq!(bad.status, 422);
    app.stop().await;
}

#[tokio::test]
async fn the_public_slots_are_rate_limited_per_address() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;
    let public = Api::anonymous(&app);
    let path = format!("/api/v1/services/{}/slots", c.service);
    // The default booking limit is 10 a minute, so slots allow 100.
    let mut limited = None;
    for _ in 0..110 {
        let response = public.get(&path).await;
        if response.status == 429 {
            limited = Some(response);
            break;
        }
        assert_eq!(response.status, 200, "{}", response.body);
    }
    let limited = limited.expect("a 429 within 110 requests");
    assert!(
        limited
            .header("retry-after")
            .parse::<u64>()
            .is_ok_and(|s| s >= 1)
    );
    assert_eq!(limited.json()["error"]["code"], "too_many_requests");
    // The admin API is not limited by it.
    assert_eq!(api.get("/api/v1/offices").await.status, 200);
    app.stop().await;
}

/// Every mail in the app's outbox (pending ones are due at once).
/// Every mail queued so far, in any status. Read by id, not by leasing due
/// mails: the app's own mail sender works the same outbox meanwhile, and a
/// mail it has leased or sent would be missing from a lease.
async fn outbox(store: &civicmeet_store::Store) -> Vec<civicmeet_store::OutboxMail> {
    let mut mails = Vec::new();
    // A fresh database numbers mails from 1; these tests queue a handful.
    for id in 1..=100 {
        if let Some(mail) = store.mail(id).await.unwrap() {
            mails.push(mail);
        }
    }
    mails
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_routes() {
    let app = spawn_app().await;
    let response = Api::anonymous(&app).get("/api/openapi.json").await;
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .starts_with("application/json")
    );
    let document = response.json();
    assert_eq!(document["openapi"], "3.1.0");

    let mut documented = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().unwrap() {
            assert!(operation["responses"].is_object(), "{method} {path}");
            documented.insert((method.clone(), path.clone()));
        }
    }
    let routed: BTreeSet<_> = civicmeet::api::PROTECTED
        .iter()
        .chain(civicmeet::api::PUBLIC)
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, routed);

    // Every $ref points at a schema that exists.
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let mut refs = Vec::new();
    collect_refs(&document, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let name = r.strip_prefix("#/components/schemas/").expect("local ref");
        assert!(schemas.contains_key(name), "{r}");
    }
    app.stop().await;
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    out.push(v.as_str().unwrap().to_string());
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}
