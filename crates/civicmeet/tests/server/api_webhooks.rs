//! Webhooks delivered to a real HTTP server on loopback (the test checks
//! the HMAC itself), failures visible through the API, and the staff .ics
//! feed read back by Python's icalendar.

use crate::api_support;
use crate::common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use api_support::{Api, catalogue, confirmed_appointment, store};
use common::spawn_app;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// One request the receiver got.
struct Received {
    headers: hyper::HeaderMap,
    body: String,
}

/// An HTTP/1 server on loopback that answers 204 to everything and hands
/// each request to the test. Returns its URL.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/hooks/civicmeet?tenant=1",
        listener.local_addr().unwrap()
    );
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |request: hyper::Request<hyper::body::Incoming>| {
                        let tx = tx.clone();
                        async move {
                            let headers = request.headers().clone();
                            assert_eq!(request.uri().path(), "/hooks/civicmeet");
                            let body = request.into_body().collect().await?.to_bytes();
                            let _ = tx.send(Received {
                                headers,
                                body: String::from_utf8_lossy(&body).into_owned(),
                            });
                            Ok::<_, hyper::Error>(
                                hyper::Response::builder()
                                    .status(204)
                                    .body(Full::new(Bytes::new()))
                                    .unwrap(),
                            )
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, rx)
}

fn header<'a>(r: &'a Received, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_cancellation_reaches_the_webhook_signed() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;
    let (url, mut received) = receiver().await;
    let secret = "a-long-shared-secret-for-hmac";
    let hook = api
        .post(
            "/api/v1/webhooks",
            json!({"url": url, "secret": secret, "events": ["cancelled"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.body);
    assert_eq!(hook.json()["secret"], secret);
    let listed = api.get("/api/v1/webhooks").await.json();
    assert!(
        listed[0].get("secret").is_none(),
        "the secret is never shown again"
    );

    let store = store(&app).await;
    let start = chrono::Utc::now().timestamp() + 8 * 24 * 3600;
    let appointment = confirmed_appointment(&store, &c, start, "erika@example.org").await;
    let cancel = api
        .post(
            &format!("/api/v1/appointments/{}/cancel", appointment.id),
            json!({}),
        )
        .await;
    assert_eq!(cancel.status, 200, "{}", cancel.body);

    let delivery = tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await
        .expect("a delivery in time")
        .expect("the receiver runs");
    assert_eq!(header(&delivery, "x-civicmeet-event"), "cancelled");
    assert_eq!(header(&delivery, "content-type"), "application/json");
    assert!(!header(&delivery, "x-civicmeet-delivery").is_empty());
    let timestamp = header(&delivery, "x-civicmeet-timestamp");
    let age = chrono::Utc::now().timestamp() - timestamp.parse::<i64>().expect("a number");
    assert!((0..60).contains(&age));

    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{}", delivery.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        header(&delivery, "x-civicmeet-signature"),
        format!("sha256={expected}")
    );

    let body: Value = serde_json::from_str(&delivery.body).expect("JSON body");
    assert_eq!(body["event"], "cancelled");
    assert_eq!(body["appointment"]["id"], appointment.id.as_str());
    assert_eq!(body["appointment"]["status"], "cancelled");
    assert!(
        !delivery.body.contains("erika"),
        "no citizen data in webhooks"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failed_delivery_is_visible_and_the_webhook_can_be_changed_and_deleted() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;
    // A port nobody listens on.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let hook = api
        .post(
            "/api/v1/webhooks",
            json!({"url": format!("http://{closed}/"), "events": ["cancelled", "booked"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.body);
    let id = hook.json()["id"].as_i64().unwrap();
    assert!(
        hook.json()["secret"].as_str().unwrap().len() >= 32,
        "a generated secret"
    );

    let store = store(&app).await;
    let start = chrono::Utc::now().timestamp() + 8 * 24 * 3600;
    let appointment = confirmed_appointment(&store, &c, start, "max@example.org").await;
    api.post(
        &format!("/api/v1/appointments/{}/cancel", appointment.id),
        json!({}),
    )
    .await;

    let failed = wait_for(|| async {
        let list = api.get("/api/v1/webhook-deliveries/failed").await.json();
        (!list.as_array().unwrap().is_empty()).then_some(list)
    })
    .await;
    assert_eq!(failed[0]["webhook_id"], id);
    assert_eq!(failed[0]["attempts"], 1);
    assert!(
        failed[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("connect")
    );

    let changed = api
        .put(
            &format!("/api/v1/webhooks/{id}"),
            json!({"url": "https://hooks.example.org/x", "events": ["confirmed"], "active": false}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.json()["events"], json!(["confirmed"]));
    assert_eq!(
        api.delete(&format!("/api/v1/webhooks/{id}")).await.status,
        204
    );
    assert_eq!(
        api.delete(&format!("/api/v1/webhooks/{id}")).await.status,
        404
    );
    assert_eq!(
        api.post("/api/v1/webhook-deliveries/999/retry", json!({}))
            .await
            .status,
        404
    );
    app.stop().await;
}

/// A TLS server on loopback with a self-signed certificate for
/// `localhost`; it completes handshakes only for clients that trust it.
async fn untrusted_tls_receiver() -> u16 {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn an_https_receiver_with_an_untrusted_certificate_is_refused() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;
    let port = untrusted_tls_receiver().await;
    let hook = api
        .post(
            "/api/v1/webhooks",
            json!({"url": format!("https://localhost:{port}/hook"), "events": ["cancelled"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.body);
    let store = store(&app).await;
    let start = chrono::Utc::now().timestamp() + 8 * 24 * 3600;
    let appointment = confirmed_appointment(&store, &c, start, "max@example.org").await;
    api.post(
        &format!("/api/v1/appointments/{}/cancel", appointment.id),
        json!({}),
    )
    .await;
    let failed = wait_for(|| async {
        let list = api.get("/api/v1/webhook-deliveries/failed").await.json();
        (!list.as_array().unwrap().is_empty()).then_some(list)
    })
    .await;
    let error = failed[0]["last_error"].as_str().unwrap();
    assert!(
        error.contains("TLS") || error.contains("trusted root"),
        "{error}"
    );
    app.stop().await;
}

async fn wait_for<T, F, Fut>(mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..100 {
        if let Some(value) = probe().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("condition not met in 10 seconds");
}

/// Python with icalendar (made by `cargo xtask test`).
fn python() -> PathBuf {
    match std::env::var_os("CIVICMEET_TEST_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-venv/bin/python"),
    }
}

#[tokio::test]
async fn the_staff_feed_lists_confirmed_appointments_without_citizen_data() {
    let app = spawn_app().await;
    let api = Api::admin(&app);
    let c = catalogue(&api).await;
    let store = store(&app).await;
    let start = chrono::Utc::now().timestamp() + 8 * 24 * 3600;
    let kept = confirmed_appointment(&store, &c, start, "erika@example.org").await;
    let gone = confirmed_appointment(&store, &c, start + 7200, "max@example.org").await;
    api.post(
        &format!("/api/v1/appointments/{}/cancel", gone.id),
        json!({}),
    )
    .await;

    let first = api
        .post(&format!("/api/v1/staff/{}/feed-link", c.staff), json!({}))
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let first_url = first.json()["url"].as_str().unwrap().to_string();
    let path = |url: &str| url[url.find("/feeds/").expect("a feed path")..].to_string();
    let feed = Api::anonymous(&app).get(&path(&first_url)).await;
    assert_eq!(feed.status, 200, "{}", feed.body);
    assert!(feed.header("content-type").starts_with("text/calendar"));
    let text = feed.body;
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 1);
    assert!(text.contains(&format!("UID:{}@", kept.id)));
    assert!(!text.contains("METHOD:"));
    for personal in ["erika", "Erika", "Mustermann", "max@"] {
        assert!(!text.contains(personal), "{personal} in the feed");
    }

    // An independent parser reads it.
    let python = python();
    assert!(
        python.exists(),
        "this test needs Python with icalendar at {} (run `cargo xtask test` once)",
        python.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feed.ics");
    std::fs::write(&file, &text).unwrap();
    let output = std::process::Command::new(&python)
        .arg("-c")
        .arg(
            "import sys, icalendar\n\
             cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n\
             events = [e for e in cal.walk('VEVENT')]\n\
             assert len(events) == 1, events\n\
             e = events[0]\n\
             assert e.decoded('dtstart') < e.decoded('dtend')\n\
             print(str(e.get('uid')))\n",
        )
        .arg(&file)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).starts_with(&kept.id));

    // A new link revokes the old one.
    let second = api
        .post(&format!("/api/v1/staff/{}/feed-link", c.staff), json!({}))
        .await;
    let second_url = second.json()["url"].as_str().unwrap().to_string();
    assert_ne!(first_url, second_url);
    assert_eq!(
        Api::anonymous(&app).get(&path(&first_url)).await.status,
        404
    );
    assert_eq!(
        Api::anonymous(&app).get(&path(&second_url)).await.status,
        200
    );
    assert_eq!(
        Api::anonymous(&app)
            .get("/feeds/staff/guess.ics")
            .await
            .status,
        404
    );
    app.stop().await;
}
