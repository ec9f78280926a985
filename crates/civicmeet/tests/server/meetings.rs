//! Meetings over HTTP, pages, assets and headers, against a real server.

use crate::common;

use common::{spawn_app, spawn_app_in};

fn is_meeting_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[tokio::test]
async fn the_api_creates_meetings_with_distinct_unguessable_ids() {
    let app = spawn_app().await;
    let first = app.post("/api/meetings").await;
    assert_eq!(first.status, 201);
    assert!(first.header("content-type").starts_with("application/json"));
    let body = first.json();
    let id = body["id"].as_str().unwrap();
    assert!(is_meeting_id(id), "{id}");
    assert_eq!(body["url"], format!("/m/{id}"));
    // The number room systems and phones dial: nine digits.
    let number = body["dial_number"].as_str().unwrap();
    assert!(
        number.len() == 9 && number.bytes().all(|b| b.is_ascii_digit()),
        "{number}"
    );

    let second = app.post("/api/meetings").await.json();
    assert_ne!(body["id"], second["id"]);
    assert_ne!(body["dial_number"], second["dial_number"]);
}

#[tokio::test]
async fn the_start_page_form_redirects_to_the_new_meeting() {
    let app = spawn_app().await;
    let response = app.post("/meetings").await;
    assert_eq!(response.status, 303);
    // The creator's host link: /m/<id>#<key>.
    let location = response.header("location");
    let (path, key) = location.split_once('#').expect("a key after #");
    let id = path.strip_prefix("/m/").expect("a meeting link");
    assert!(is_meeting_id(id), "{location}");
    assert!(key.len() >= 43, "{key}");
    let location = path;

    let page = app.get(location).await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").starts_with("text/html"));
    assert_eq!(page.body, meeting_html());
}

#[tokio::test]
async fn known_and_unknown_meetings() {
    let app = spawn_app().await;
    let id = app.create_meeting().await;

    let found = app.get(&format!("/api/meetings/{id}")).await;
    assert_eq!(found.status, 200);
    assert_eq!(found.json()["id"], id.id);

    for unknown in [
        "ffffffffffffffffffffffffffffffff",
        "not-an-id",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    ] {
        let missing = app.get(&format!("/api/meetings/{unknown}")).await;
        assert_eq!(missing.status, 404);
        assert_eq!(missing.json()["error"]["code"], "meeting_not_found");
        assert!(missing.json()["error"]["message"].is_string());

        let page = app.get(&format!("/m/{unknown}")).await;
        assert_eq!(page.status, 404);
        assert_eq!(page.body, not_found_html());
    }
}

#[tokio::test]
async fn meetings_survive_a_restart_on_the_same_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_app_in(dir.path()).await;
    let id = app.create_meeting().await;
    app.stop().await;
    assert!(dir.path().join("civicmeet.db").exists());

    let restarted = spawn_app_in(dir.path()).await;
    assert_eq!(
        restarted.get(&format!("/api/meetings/{id}")).await.status,
        200
    );
    assert_eq!(restarted.get(&format!("/m/{id}")).await.status, 200);
    restarted.stop().await;
}

#[tokio::test]
async fn pages_assets_and_health() {
    let app = spawn_app().await;
    let index = app.get("/").await;
    assert_eq!(index.status, 200);
    assert_eq!(index.body, include_str!("../../assets/index.html"));
    assert_eq!(index.header("cache-control"), "no-cache");

    let health = app.get("/health").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));

    let missing = app.get("/assets/nothing-here.js").await;
    assert_eq!(missing.status, 404);
    let escape = app.get("/assets/../Cargo.toml").await;
    assert_eq!(escape.status, 404);

    let unknown = app.get("/no/such/page").await;
    assert_eq!(unknown.status, 404);
    let unknown_api = app.get("/api/nothing").await;
    assert_eq!(unknown_api.status, 404);
    assert_eq!(unknown_api.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn every_embedded_asset_is_served_with_its_type() {
    let app = spawn_app().await;
    for path in civicmeet::http::assets::paths() {
        let response = app.get(&format!("/assets/{path}")).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(
            response.header("content-type"),
            civicmeet::http::assets::content_type(path),
            "{path}"
        );
        assert_ne!(
            response.header("content-type"),
            "application/octet-stream",
            "{path}"
        );
    }
}

#[tokio::test]
async fn security_headers_are_on_pages() {
    let app = spawn_app().await;
    let id = app.create_meeting().await;
    for path in [
        "/".to_string(),
        format!("/m/{id}"),
        "/m/unknown".into(),
        "/api/meetings".into(),
    ] {
        let response = app.get(&path).await;
        let csp = response.header("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            response.header("x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert_eq!(response.header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(
            response.header("permissions-policy"),
            "camera=(self), microphone=(self), display-capture=(self)",
            "{path}"
        );
    }
}

fn meeting_html() -> &'static str {
    include_str!("../../assets/meeting.html")
}

fn not_found_html() -> &'static str {
    include_str!("../../assets/not-found.html")
}
