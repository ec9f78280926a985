//! Helpers for the API and staff tests: requests with the admin
//! credential and a body, a direct handle on the app's store to plant
//! appointments, and a small catalogue.
#![allow(dead_code)] // Each test file uses a different part.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use civicmeet_store::{Appointment, HoldRequest, Store};
use serde_json::{Value, json};

use crate::common::{Response, TestApp};

/// The admin password the app generated into its data folder.
pub fn admin_password(app: &TestApp) -> String {
    std::fs::read_to_string(app.data_dir.join("admin-password"))
        .expect("the app wrote its generated password")
        .trim()
        .to_string()
}

pub fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// A client that sends the admin credential (or the one given).
pub struct Api<'a> {
    pub app: &'a TestApp,
    pub authorization: Option<String>,
}

impl<'a> Api<'a> {
    pub fn admin(app: &'a TestApp) -> Api<'a> {
        Api {
            app,
            authorization: Some(basic("admin", &admin_password(app))),
        }
    }

    pub fn anonymous(app: &'a TestApp) -> Api<'a> {
        Api {
            app,
            authorization: None,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send("GET", path, None, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.send(
            "POST",
            path,
            Some("application/json"),
            Some(body.to_string()),
        )
        .await
    }

    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.send(
            "PUT",
            path,
            Some("application/json"),
            Some(body.to_string()),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.send("DELETE", path, None, None).await
    }

    /// A form POST (staff pages).
    pub async fn form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Response {
        let body: String = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send_with(
            "POST",
            path,
            Some("application/x-www-form-urlencoded"),
            Some(body),
            cookie,
        )
        .await
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Option<String>,
    ) -> Response {
        self.send_with(method, path, content_type, body, None).await
    }

    pub async fn send_with(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Option<String>,
        cookie: Option<&str>,
    ) -> Response {
        let mut headers = Vec::new();
        if let Some(auth) = &self.authorization {
            headers.push(("authorization", auth.as_str()));
        }
        if let Some(content_type) = content_type {
            headers.push(("content-type", content_type));
        }
        if let Some(cookie) = cookie {
            headers.push(("cookie", cookie));
        }
        self.app
            .send(method, path, &headers, body.unwrap_or_default())
            .await
    }
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The app's own database, opened beside it (SQLite in WAL mode allows it).
pub async fn store(app: &TestApp) -> Store {
    Store::open(&app.data_dir.join("civicmeet.db"))
        .await
        .expect("store opens")
}

/// An office open on weekdays, a staff member, and a service they offer.
pub struct Catalogue {
    pub office: i64,
    pub staff: i64,
    pub service: i64,
}

pub async fn catalogue(api: &Api<'_>) -> Catalogue {
    let weekdays: Vec<Value> = ["monday", "tuesday", "wednesday", "thursday", "friday"]
        .iter()
        .map(|d| json!({"weekday": d, "start": "08:00", "end": "16:00"}))
        .collect();
    let office = api
        .post(
            "/api/v1/offices",
            json!({"name": "Bürgeramt Mitte", "time_zone": "Europe/Berlin", "hours": weekdays}),
        )
        .await;
    assert_eq!(office.status, 201, "{}", office.body);
    let office = office.json()["id"].as_i64().unwrap();
    let staff = api
        .post(
            "/api/v1/staff",
            json!({"office_id": office, "display_name": "Frau Schmidt",
                   "email": "schmidt@amt.example", "hours": weekdays}),
        )
        .await;
    assert_eq!(staff.status, 201, "{}", staff.body);
    let staff = staff.json()["id"].as_i64().unwrap();
    let service = api
        .post(
            "/api/v1/services",
            json!({"office_id": office, "name": "Wohngeld-Beratung", "duration_min": 30,
                   "documents": ["Personalausweis"], "staff_ids": [staff]}),
        )
        .await;
    assert_eq!(service.status, 201, "{}", service.body);
    let service = service.json()["id"].as_i64().unwrap();
    Catalogue {
        office,
        staff,
        service,
    }
}

/// A confirmed appointment planted straight in the store, starting at
/// `starts_at` (Unix seconds) for 30 minutes.
pub async fn confirmed_appointment(
    store: &Store,
    c: &Catalogue,
    starts_at: i64,
    email: &str,
) -> Appointment {
    let now = chrono::Utc::now().timestamp();
    let held = store
        .hold_slot(&HoldRequest {
            service_id: c.service,
            staff_id: c.staff,
            starts_at,
            ends_at: starts_at + 1800,
            block_start: starts_at,
            block_end: starts_at + 1800,
            seats_per_slot: 1,
            citizen_name: "Erika Mustermann".into(),
            citizen_email: email.into(),
            citizen_phone: None,
            locale: "de".into(),
            hold_expires_at: now + 900,
            now,
        })
        .await
        .expect("slot held");
    store.confirm_hold(&held.id, now).await.expect("confirmed")
}
