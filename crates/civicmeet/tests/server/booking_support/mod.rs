//! Helpers for the booking tests: a browser-like client with a cookie jar
//! and form posts, a small planted catalogue, reading the mail folder, and
//! picking values out of the server-rendered HTML.
#![allow(dead_code)] // Each test file uses a different part.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use civicmeet::Config;
use civicmeet_store::{NewOffice, NewService, NewStaff, Store, WeeklyHours};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::common::{Response, TestApp, spawn_app_with_config};

/// A booking app on loopback: cheap proof of work, a generous rate limit,
/// `adjust` for the rest. `seed` keeps the demo catalogue.
pub async fn booking_app(
    seed: bool,
    adjust: impl FnOnce(&mut Config),
) -> (TestApp, tempfile::TempDir) {
    let temp = tempfile::tempdir().expect("temp dir");
    let app = booking_app_in(temp.path(), seed, adjust).await;
    (app, temp)
}

/// The same, storing in `data_dir` (to start again on the same data).
pub async fn booking_app_in(
    data_dir: &Path,
    seed: bool,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    let mut config = Config::default();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.media.listen = "127.0.0.1:0".parse().unwrap();
    config.storage.data_dir = data_dir.to_path_buf();
    config.booking.seed_demo = seed;
    config.booking.proof_of_work_bits = 4;
    config.booking.rate_limit_per_minute = 10_000;
    config.booking.max_open_bookings_per_email = 100;
    adjust(&mut config);
    spawn_app_with_config(config).await
}

/// A second handle on the app's SQLite file (WAL allows it).
pub async fn store(app: &TestApp) -> Store {
    Store::open(&app.data_dir.join("civicmeet.db"))
        .await
        .expect("store")
}

/// Leaves one staff member on `service`. The demo office's two people
/// overlap from 10:00 to 16:00, where a slot stays on offer after one
/// booking (the other person is still free): whether a held slot vanishes
/// would then depend on the time of day the test runs.
pub async fn single_staffed(app: &TestApp, service: i64) {
    let store = store(app).await;
    let staff = store.service_staff(service).await.expect("service staff");
    store
        .set_service_staff(service, &staff[..1])
        .await
        .expect("one staff member");
}

/// "Testamt" open every day around the clock, one staff member, and
/// "Testberatung": 30 minutes, one seat, no notice, a week ahead. Returns
/// the service id.
pub async fn plant_catalogue(store: &Store) -> i64 {
    let office = store
        .create_office(
            &NewOffice {
                name: "Testamt".into(),
                time_zone: "Europe/Berlin".into(),
            },
            0,
        )
        .await
        .unwrap();
    let always: Vec<WeeklyHours> = (0..7)
        .map(|weekday| WeeklyHours {
            weekday,
            start_minute: 0,
            end_minute: 24 * 60,
        })
        .collect();
    store.set_office_hours(office.id, &always).await.unwrap();
    let staff = store
        .create_staff(&NewStaff {
            office_id: office.id,
            display_name: "Sachbearbeitung".into(),
            email: "sb@test.invalid".into(),
            active: true,
        })
        .await
        .unwrap();
    store.set_staff_hours(staff.id, &always).await.unwrap();
    let service = store
        .create_service(&NewService {
            office_id: office.id,
            name: "Testberatung".into(),
            description: String::new(),
            duration_min: 30,
            buffer_before_min: 0,
            buffer_after_min: 0,
            min_notice_min: 0,
            horizon_days: 7,
            seats_per_slot: 1,
            slot_interval_min: 30,
            documents: vec!["Ausweis".into()],
        })
        .await
        .unwrap();
    store
        .set_service_staff(service.id, &[staff.id])
        .await
        .unwrap();
    service.id
}

/// A form's fields in order, as `(name, value)`.
pub type Form = Vec<(String, String)>;

/// A client that keeps cookies like a browser.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookies: Mutex<BTreeMap<String, String>>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Browser<'a> {
        Browser {
            app,
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send("GET", path, String::new()).await
    }

    /// A form POST (fields are URL-encoded here).
    pub fn post<'s>(
        &'s self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> impl std::future::Future<Output = Response> + use<'s, 'a> {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let path = path.to_string();
        async move { self.send("POST", &path, body).await }
    }

    /// The CSRF cookie the server set (after a first GET).
    pub fn csrf(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .get("csrf")
            .cloned()
            .expect("a csrf cookie")
    }

    async fn send(&self, method: &str, path: &str, body: String) -> Response {
        let stream = TcpStream::connect(self.app.http).await.expect("connect");
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        let cookie = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.app.http.to_string())
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept-language", "de")
            .header("cookie", cookie)
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let response = sender.send_request(request).await.expect("response");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for value in headers.get_all("set-cookie") {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap();
            if let Some((k, v)) = pair.split_once('=') {
                self.cookies.lock().unwrap().insert(k.into(), v.into());
            }
        }
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Response {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The `value` of the input named `name`.
pub fn input_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Every `start=` of the slot links on a page, in order.
pub fn slot_starts(html: &str) -> Vec<i64> {
    html.match_indices("/form?start=")
        .chain(html.match_indices("/slot?start="))
        .filter_map(|(i, m)| {
            html[i + m.len()..]
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
        })
        .collect()
}

/// The `href` of the link just before `rel="next"`, if any.
pub fn next_week(html: &str) -> Option<String> {
    let at = html.find("rel=\"next\"")?;
    let start = html[..at].rfind("href=\"")? + 6;
    Some(html[start..].split('"').next()?.replace("&amp;", "&"))
}

/// The slot starts of a service, following "next week" until some show.
pub async fn free_starts(browser: &Browser<'_>, service: i64) -> Vec<i64> {
    let mut path = format!("/book/services/{service}");
    for _ in 0..6 {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let starts = slot_starts(&page.body);
        if !starts.is_empty() {
            return starts;
        }
        path = next_week(&page.body).expect("a next week with slots");
    }
    panic!("no free slots within six weeks");
}

/// Opens the form for `start` and fills in valid values; returns the fields.
pub async fn filled_form(
    browser: &Browser<'_>,
    service: i64,
    start: i64,
    email: &str,
) -> Vec<(String, String)> {
    let form = browser
        .get(&format!("/book/services/{service}/form?start={start}"))
        .await;
    assert_eq!(form.status, 200, "{}", form.body);
    let challenge = input_value(&form.body, "challenge");
    let nonce = civicmeet::booking::pow::solve(&challenge, 4);
    vec![
        ("csrf".into(), browser.csrf()),
        ("start".into(), start.to_string()),
        ("name".into(), "Erika Mustermann".into()),
        ("email".into(), email.into()),
        ("phone".into(), "+49 30 123456".into()),
        ("consent".into(), "yes".into()),
        ("challenge".into(), challenge),
        ("nonce".into(), nonce),
    ]
}

pub fn fields(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Replaces one field.
pub fn with(form: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    form.iter()
        .map(|(k, v)| {
            (
                k.clone(),
                if k == name {
                    value.to_string()
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

/// Every .eml in the mail folder, decoded from quoted-printable enough to
/// read links, waiting up to 10 s until `predicate` holds for one of them.
pub async fn wait_for_mail(data_dir: &Path, predicate: impl Fn(&str) -> bool) -> String {
    for _ in 0..100 {
        if let Ok(entries) = std::fs::read_dir(data_dir.join("mail")) {
            for entry in entries.flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                let text = text.replace("=\r\n", "").replace("=3D", "=");
                if predicate(&text) {
                    return text;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no matching mail within 10 s");
}

/// The token after `prefix` (base64url characters).
pub fn token_after(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"))
        + prefix.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Waits up to 10 s until `n` mails match `predicate`.
pub async fn wait_for_mails(data_dir: &Path, n: usize, predicate: impl Fn(&str) -> bool) {
    for _ in 0..100 {
        let count = std::fs::read_dir(data_dir.join("mail"))
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                    .map(|t| t.replace("=\r\n", "").replace("=3D", "="))
                    .filter(|t| predicate(t))
                    .count()
            })
            .unwrap_or(0);
        if count >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("fewer than {n} matching mails within 10 s");
}

/// Books `start` and confirms it through the mailed link; returns the
/// confirmation page.
pub async fn book_and_confirm(
    browser: &Browser<'_>,
    service: i64,
    start: i64,
    email: &str,
) -> String {
    let form = filled_form(browser, service, start, email).await;
    let sent = browser
        .post(&format!("/book/services/{service}/form"), &fields(&form))
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let mail = wait_for_mail(&browser.app.data_dir, |m| {
        m.contains("/book/confirm/") && m.contains(&email.to_lowercase())
    })
    .await;
    let confirm = token_after(&mail, "/book/confirm/");
    let done = browser
        .post(
            &format!("/book/confirm/{confirm}"),
            &[("csrf", &browser.csrf())],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    done.body
}
