//! The admin pages: forms create and edit offices, services, staff and
//! webhooks; bad input re-renders with an error summary and changes
//! nothing; names are shown escaped.

use crate::api_support;
use crate::common;

use api_support::{Api, catalogue};
use common::spawn_app;

const CSRF: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
const COOKIE: &str = "csrf=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";

fn next_year() -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(365))
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn an_office_is_created_and_edited_by_form() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let form = api.get("/admin/offices/new").await;
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains(r#"<option value="Europe/Berlin" selected>"#),
        "{}",
        form.body
    );

    let closing = format!("{} Betriebsausflug", next_year());
    let created = api
        .form(
            "/admin/offices",
            &[
                ("csrf", CSRF),
                ("name", "<b>Bürgeramt</b>"),
                ("time_zone", "Europe/Berlin"),
                ("hours-monday", "08:00-12:00, 13:00-16:00"),
                ("hours-friday", "08:00-12:00"),
                ("closing_days", &closing),
            ],
            Some(COOKIE),
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let offices = api.get("/api/v1/offices").await.json();
    assert_eq!(offices[0]["name"], "<b>Bürgeramt</b>");
    assert_eq!(offices[0]["hours"].as_array().unwrap().len(), 3);
    assert_eq!(offices[0]["closing_days"][0]["label"], "Betriebsausflug");
    let id = offices[0]["id"].as_i64().unwrap();

    let index = api.get("/admin").await;
    assert!(index.body.contains("&lt;b&gt;Bürgeramt&lt;/b&gt;"));
    let edit = api.get(&format!("/admin/offices/{id}")).await;
    assert!(edit.body.contains("08:00-12:00, 13:00-16:00"));

    // Bad hours: the form comes back with a summary; nothing changes.
    let refused = api
        .form(
            &format!("/admin/offices/{id}"),
            &[
                ("csrf", CSRF),
                ("name", "Anders"),
                ("time_zone", "Europe/Berlin"),
                ("hours-monday", "16:00-08:00"),
            ],
            Some(COOKIE),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("error-summary"));
    assert!(refused.body.contains(r#"aria-invalid="true""#));
    let after = api.get(&format!("/api/v1/offices/{id}")).await.json();
    assert_eq!(after["name"], "<b>Bürgeramt</b>");

    let no_csrf = api
        .form(
            &format!("/admin/offices/{id}"),
            &[("csrf", CSRF), ("name", "X"), ("time_zone", "UTC")],
            None,
        )
        .await;
    assert_eq!(no_csrf.status, 403);

    let renamed = api
        .form(
            &format!("/admin/offices/{id}"),
            &[
                ("csrf", CSRF),
                ("name", "Bürgeramt Süd"),
                ("time_zone", "Europe/Vienna"),
            ],
            Some(COOKIE),
        )
        .await;
    assert_eq!(renamed.status, 303, "{}", renamed.body);
    let after = api.get(&format!("/api/v1/offices/{id}")).await.json();
    assert_eq!(after["time_zone"], "Europe/Vienna");
    assert_eq!(after["hours"], serde_json::json!([]));
    app.stop().await;
}

#[tokio::test]
async fn services_and_staff_by_form_with_refusals() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;
    let office = c.office.to_string();
    let staff = c.staff.to_string();

    let too_long = "x".repeat(201);
    for (field, value) in [
        ("name", too_long.as_str()),
        ("duration", "abc"),
        ("duration", "0"),
    ] {
        let mut fields = vec![
            ("csrf", CSRF),
            ("office", office.as_str()),
            ("name", "Meldebescheinigung"),
            ("duration", "15"),
            ("buffer_before", "0"),
            ("buffer_after", "0"),
            ("min_notice", "0"),
            ("horizon", "30"),
            ("seats", "1"),
            ("interval", "15"),
        ];
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value));
        let refused = api.form("/admin/services", &fields, Some(COOKIE)).await;
        assert_eq!(refused.status, 422, "{field}={value}");
        assert!(refused.body.contains("error-summary"));
    }
    assert_eq!(
        api.get("/api/v1/services")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let created = api
        .form(
            "/admin/services",
            &[
                ("csrf", CSRF),
                ("office", &office),
                ("name", "Meldebescheinigung"),
                ("description", "Kurz"),
                ("duration", "15"),
                ("buffer_before", "5"),
                ("buffer_after", "0"),
                ("min_notice", "0"),
                ("horizon", "30"),
                ("seats", "1"),
                ("interval", "15"),
                ("documents", "Ausweis\nMeldebogen"),
                ("service_staff", &staff),
            ],
            Some(COOKIE),
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let services = api.get("/api/v1/services").await.json();
    let new = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Meldebescheinigung")
        .expect("created");
    assert_eq!(
        new["documents"],
        serde_json::json!(["Ausweis", "Meldebogen"])
    );
    assert_eq!(new["staff_ids"], serde_json::json!([c.staff]));
    assert_eq!(new["buffer_before_min"], 5);
    let edit = api.get(&format!("/admin/services/{}", new["id"])).await;
    assert!(edit.body.contains("checked"), "the staff box is ticked");

    // Staff: a bad address is refused, an absence line is stored.
    let refused = api
        .form(
            &format!("/admin/staff/{}", c.staff),
            &[
                ("csrf", CSRF),
                ("office", &office),
                ("display_name", "A"),
                ("email", "nope"),
            ],
            Some(COOKIE),
        )
        .await;
    assert_eq!(refused.status, 422);
    let absence = format!("{} abwesend", next_year());
    let saved = api
        .form(
            &format!("/admin/staff/{}", c.staff),
            &[
                ("csrf", CSRF),
                ("office", &office),
                ("display_name", "Herr Weber"),
                ("email", "weber@amt.example"),
                ("active", "yes"),
                ("hours-tuesday", "09:00-15:00"),
                ("exceptions", &absence),
            ],
            Some(COOKIE),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let person = api.get(&format!("/api/v1/staff/{}", c.staff)).await.json();
    assert_eq!(person["display_name"], "Herr Weber");
    assert_eq!(person["exceptions"][0]["kind"], "absent");
    assert_eq!(person["hours"][0]["weekday"], "tuesday");
    app.stop().await;
}

#[tokio::test]
async fn a_webhook_is_added_with_its_secret_shown_once_and_deleted() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let refused = api
        .form(
            "/admin/webhooks",
            &[
                ("csrf", CSRF),
                ("url", "javascript:alert(1)"),
                ("events", "booked"),
            ],
            Some(COOKIE),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        api.get("/api/v1/webhooks").await.json(),
        serde_json::json!([])
    );

    let created = api
        .form(
            "/admin/webhooks",
            &[
                ("csrf", CSRF),
                ("url", "https://hooks.example.org/civicmeet"),
                ("events", "booked"),
                ("events", "cancelled"),
                ("active", "yes"),
            ],
            Some(COOKIE),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(created.body.contains("<code>"), "the secret is shown");
    let hooks = api.get("/api/v1/webhooks").await.json();
    assert_eq!(
        hooks[0]["events"],
        serde_json::json!(["booked", "cancelled"])
    );
    let id = hooks[0]["id"].as_i64().unwrap();
    let edit = api.get(&format!("/admin/webhooks/{id}")).await;
    assert!(!edit.body.contains("<code>"), "never shown again");
    let deleted = api
        .form(
            &format!("/admin/webhooks/{id}/delete"),
            &[("csrf", CSRF)],
            Some(COOKIE),
        )
        .await;
    assert_eq!(deleted.status, 303);
    assert_eq!(
        api.get("/api/v1/webhooks").await.json(),
        serde_json::json!([])
    );
    app.stop().await;
}
