//! Staff accounts over real HTTP: the local login round trip, one answer
//! for wrong passwords and unknown names, the lockout with back-off (time
//! moved by the app's login clock, never by sleeping), idle and absolute
//! session expiry, logout, CSRF on the login form, roles (staff cannot
//! open /admin), the admin credential still opening the API, the account
//! admin pages, and the audit log they all write.

use civicmeet::accounts::password;
use civicmeet_store::{AccountRole, AuditAction, AuditQuery, NewAccount, Store};

use crate::api_support::{Api, store};
use crate::common::{Response, TestApp, spawn_app};

pub(crate) const CSRF: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
pub(crate) const CSRF_COOKIE: &str = "csrf=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
pub(crate) const PASSWORD: &str = "correct horse battery";

/// A request with any headers (cookies, Accept); a body is a form.
pub(crate) async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    let mut headers = headers.to_vec();
    if !body.is_empty() {
        headers.push(("content-type", "application/x-www-form-urlencoded"));
    }
    app.send(method, path, &headers, body.to_owned()).await
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

pub(crate) async fn account(store: &Store, login: &str, role: AccountRole) -> i64 {
    store
        .create_account(
            &NewAccount {
                login: Some(login.into()),
                display_name: format!("Display {login}"),
                role,
                password_hash: password::hash(PASSWORD),
                oidc: None,
            },
            chrono::Utc::now().timestamp(),
        )
        .await
        .expect("account")
        .id
}

pub(crate) async fn login(app: &TestApp, name: &str, secret: &str, next: &str) -> Response {
    send(
        app,
        "POST",
        "/login",
        &[("cookie", CSRF_COOKIE)],
        &form(&[
            ("csrf", CSRF),
            ("login", name),
            ("password", secret),
            ("next", next),
        ]),
    )
    .await
}

/// The `session=...` pair of a successful login.
pub(crate) fn session_cookie(response: &Response) -> String {
    let set = response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("session="))
        .expect("a session cookie")
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    set.split(';').next().unwrap().to_string()
}

fn cookies(session: &str) -> String {
    format!("{CSRF_COOKIE}; {session}")
}

async fn actions(store: &Store) -> Vec<AuditAction> {
    let mut entries = store.audit_entries(&AuditQuery::default()).await.unwrap();
    entries.reverse();
    entries.into_iter().map(|e| e.action).collect()
}

#[tokio::test]
async fn a_local_login_opens_staff_pages_and_logout_ends_it() {
    let app = spawn_app().await;
    let db = store(&app).await;
    account(&db, "erika", AccountRole::Staff).await;

    let page = send(&app, "GET", "/login?next=/staff", &[], "").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(r#"autocomplete="current-password""#),
        "{}",
        page.body
    );
    // Names are case-insensitive; `next` is followed.
    let response = login(&app, "  Erika ", PASSWORD, "/staff?x=1").await;
    assert_eq!(response.status, 303, "{}", response.body);
    assert_eq!(response.header("location"), "/staff?x=1");
    let session = session_cookie(&response);

    let staff = send(&app, "GET", "/staff", &[("cookie", &cookies(&session))], "").await;
    assert_eq!(staff.status, 200, "{}", staff.body);
    assert!(
        staff.body.contains("Display erika"),
        "the page names who is logged in"
    );
    // A staff role may not administer.
    let admin = send(
        &app,
        "GET",
        "/admin",
        &[("cookie", &cookies(&session)), ("accept", "text/html")],
        "",
    )
    .await;
    assert_eq!(admin.status, 403);
    assert!(admin.body.contains("Nicht erlaubt"), "{}", admin.body);

    let out = send(
        &app,
        "POST",
        "/logout",
        &[("cookie", &cookies(&session))],
        &form(&[("csrf", CSRF)]),
    )
    .await;
    assert_eq!(out.status, 303);
    assert!(
        out.header("set-cookie").starts_with("session=;"),
        "{:?}",
        out.headers
    );
    let after = send(
        &app,
        "GET",
        "/staff",
        &[("cookie", &cookies(&session)), ("accept", "text/html")],
        "",
    )
    .await;
    assert_eq!(after.status, 303, "the old cookie opens nothing");
    assert_eq!(after.header("location"), "/login?next=%2Fstaff");
    assert_eq!(
        actions(&db).await,
        [AuditAction::Login, AuditAction::Logout]
    );
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_name_looks_exactly_like_a_wrong_password() {
    let app = spawn_app().await;
    let db = store(&app).await;
    account(&db, "erika", AccountRole::Staff).await;
    let mut known = std::time::Duration::MAX;
    let mut unknown = std::time::Duration::MAX;
    let (mut known_body, mut unknown_body) = (String::new(), String::new());
    for _ in 0..3 {
        let start = std::time::Instant::now();
        let a = login(&app, "erika", "wrong password!", "/staff").await;
        known = known.min(start.elapsed());
        let start = std::time::Instant::now();
        let b = login(&app, "nobodyxx", "wrong password!", "/staff").await;
        unknown = unknown.min(start.elapsed());
        assert_eq!((a.status, b.status), (401, 401));
        known_body = a.body.replace("erika", "NAME");
        unknown_body = b.body.replace("nobodyxx", "NAME");
    }
    assert_eq!(known_body, unknown_body);
    assert!(known_body.contains("Die Anmeldung ist fehlgeschlagen"));
    // Both run one argon2id verification: within a factor of three.
    assert!(
        unknown * 3 > known && known * 3 > unknown,
        "{known:?} vs {unknown:?}"
    );
    let entries = db.audit_entries(&AuditQuery::default()).await.unwrap();
    assert!(entries.iter().all(|e| e.action == AuditAction::LoginFailed));
    assert!(
        entries
            .iter()
            .all(|e| !format!("{e:?}").contains("wrong password!")
                && !format!("{e:?}").contains("nobodyxx")),
        "no typed secrets or names in the audit log"
    );
    app.stop().await;
}

#[tokio::test]
async fn five_failures_lock_the_account_for_a_doubling_period() {
    let app = spawn_app().await;
    let db = store(&app).await;
    account(&db, "erika", AccountRole::Staff).await;
    let fail_five = || async {
        for _ in 0..5 {
            assert_eq!(
                login(&app, "erika", "not the password", "/staff")
                    .await
                    .status,
                401
            );
        }
    };
    fail_five().await;
    // Locked: even the right password is refused, with the same answer.
    let locked = login(&app, "erika", PASSWORD, "/staff").await;
    assert_eq!(locked.status, 401);
    assert!(locked.body.contains("Die Anmeldung ist fehlgeschlagen"));
    app.clock.advance(61);
    fail_five().await;
    // The second lock lasts 120 s: still locked after 61 s...
    app.clock.advance(61);
    assert_eq!(login(&app, "erika", PASSWORD, "/staff").await.status, 401);
    // ...and open after 121 s.
    app.clock.advance(60);
    assert_eq!(login(&app, "erika", PASSWORD, "/staff").await.status, 303);
    let locks = actions(&db)
        .await
        .into_iter()
        .filter(|a| *a == AuditAction::AccountLocked)
        .count();
    assert_eq!(locks, 2);
    let entries = db.audit_entries(&AuditQuery::default()).await.unwrap();
    let lock = entries
        .iter()
        .find(|e| e.action == AuditAction::AccountLocked)
        .unwrap();
    assert_eq!(lock.detail.as_deref(), Some("locked for 120 s"));
    // The admin sees it on the audit page.
    let page = Api::admin(&app).get("/admin/audit").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Konto vorübergehend gesperrt"),
        "{}",
        page.body
    );
    app.stop().await;
}

#[tokio::test]
async fn sessions_end_when_idle_and_after_their_absolute_lifetime() {
    let app = spawn_app().await;
    let db = store(&app).await;
    account(&db, "erika", AccountRole::Staff).await;
    let open = |session: String| {
        let app = &app;
        async move {
            send(app, "GET", "/staff", &[("cookie", &cookies(&session))], "")
                .await
                .status
        }
    };
    let session = session_cookie(&login(&app, "erika", PASSWORD, "/staff").await);
    app.clock.advance(29 * 60);
    assert_eq!(open(session.clone()).await, 200);
    app.clock.advance(31 * 60);
    assert_eq!(open(session).await, 401, "idle for 31 minutes");

    let session = session_cookie(&login(&app, "erika", PASSWORD, "/staff").await);
    for _ in 0..20 {
        app.clock.advance(29 * 60);
        assert_eq!(open(session.clone()).await, 200);
    }
    app.clock.advance(29 * 60);
    assert_eq!(open(session).await, 401, "ten hours after the login");
    app.stop().await;
}

#[tokio::test]
async fn the_login_form_needs_its_csrf_token_and_next_stays_on_site() {
    let app = spawn_app().await;
    let db = store(&app).await;
    account(&db, "erika", AccountRole::Staff).await;
    let body = form(&[("csrf", CSRF), ("login", "erika"), ("password", PASSWORD)]);
    let forged = send(&app, "POST", "/login", &[], &body).await;
    assert_eq!(forged.status, 403);
    assert!(forged.header("set-cookie").find("session=").is_none());
    for evil in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let response = login(&app, "erika", PASSWORD, evil).await;
        assert_eq!(response.status, 303);
        assert_eq!(response.header("location"), "/staff", "{evil}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_admin_credential_still_opens_the_api_and_a_session_does_not() {
    let app = spawn_app().await;
    let db = store(&app).await;
    account(&db, "root", AccountRole::Admin).await;
    assert_eq!(Api::admin(&app).get("/api/v1/offices").await.status, 200);
    assert_eq!(Api::admin(&app).get("/admin").await.status, 200);
    let session = session_cookie(&login(&app, "root", PASSWORD, "/admin").await);
    let admin = send(&app, "GET", "/admin", &[("cookie", &cookies(&session))], "").await;
    assert_eq!(admin.status, 200, "an admin account administers");
    let api = send(
        &app,
        "GET",
        "/api/v1/offices",
        &[("cookie", &cookies(&session))],
        "",
    )
    .await;
    assert_eq!(api.status, 401, "no cookie authorises a JSON call");
    // Without anything: browsers go to the login page, other clients get 401.
    let browser = send(
        &app,
        "GET",
        "/admin/accounts",
        &[("accept", "text/html")],
        "",
    )
    .await;
    assert_eq!(browser.status, 303);
    assert_eq!(
        browser.header("location"),
        "/login?next=%2Fadmin%2Faccounts"
    );
    let script = send(&app, "GET", "/admin/accounts", &[], "").await;
    assert_eq!(script.status, 401);
    assert!(script.header("www-authenticate").starts_with("Basic"));
    app.stop().await;
}

#[tokio::test]
async fn admins_create_edit_and_disable_accounts_and_it_is_audited() {
    let app = spawn_app().await;
    let db = store(&app).await;
    let api = Api::admin(&app);
    let bad = api
        .form(
            "/admin/accounts",
            &[
                ("csrf", CSRF),
                ("display_name", ""),
                ("login", "Bad Name"),
                ("role", "king"),
                ("password", "short"),
            ],
            Some(CSRF_COOKIE),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("error-summary"));
    assert!(
        db.accounts().await.unwrap().is_empty(),
        "bad input changes nothing"
    );

    let fields = [
        ("csrf", CSRF),
        ("display_name", "Erika Muster"),
        ("login", "erika"),
        ("role", "staff"),
        ("password", PASSWORD),
    ];
    let created = api
        .form("/admin/accounts", &fields, Some(CSRF_COOKIE))
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let taken = api
        .form("/admin/accounts", &fields, Some(CSRF_COOKIE))
        .await;
    assert_eq!(taken.status, 422);
    let erika = db
        .account_by_login("erika")
        .await
        .unwrap()
        .expect("created");
    assert!(
        erika
            .password_hash
            .as_deref()
            .unwrap()
            .starts_with("$argon2id$")
    );
    let list = api.get("/admin/accounts").await;
    assert!(list.body.contains("Erika Muster"));

    let session = session_cookie(&login(&app, "erika", PASSWORD, "/staff").await);
    let path = format!("/admin/accounts/{}", erika.id);
    let promoted = api
        .form(
            &path,
            &[
                ("csrf", CSRF),
                ("display_name", "Erika M."),
                ("role", "admin"),
                ("active", "yes"),
            ],
            Some(CSRF_COOKIE),
        )
        .await;
    assert_eq!(promoted.status, 303, "{}", promoted.body);
    let admin = send(&app, "GET", "/admin", &[("cookie", &cookies(&session))], "").await;
    assert_eq!(
        admin.status, 200,
        "a role change applies to the running session"
    );
    let disabled = api
        .form(
            &path,
            &[
                ("csrf", CSRF),
                ("display_name", "Erika M."),
                ("role", "admin"),
            ],
            Some(CSRF_COOKIE),
        )
        .await;
    assert_eq!(disabled.status, 303);
    let after = send(&app, "GET", "/staff", &[("cookie", &cookies(&session))], "").await;
    assert_eq!(after.status, 401, "disabling ends the session");
    assert_eq!(login(&app, "erika", PASSWORD, "/staff").await.status, 401);

    let entries = db.audit_entries(&AuditQuery::default()).await.unwrap();
    let created = entries
        .iter()
        .find(|e| e.action == AuditAction::AccountCreated)
        .unwrap();
    assert_eq!(created.actor, "admin:admin");
    assert!(
        entries.iter().any(|e| e.action == AuditAction::RoleChanged
            && e.detail.as_deref() == Some("staff -> admin"))
    );
    assert!(
        entries
            .iter()
            .any(|e| e.action == AuditAction::AccountDisabled)
    );
    let text = format!("{entries:?}");
    assert!(
        !text.contains(PASSWORD) && !text.contains("argon2"),
        "no secrets in the audit log"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_logged_in_guest_waits_under_the_verified_account_name() {
    let app = spawn_app().await;
    let db = store(&app).await;
    account(&db, "erika", AccountRole::Staff).await;
    let session = session_cookie(&login(&app, "erika", PASSWORD, "/staff").await);
    let meeting = app.create_meeting().await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;

    // The typed name is replaced by the account's; the mark says so.
    let mut guest = app.connect_with_cookie(&meeting, &session).await;
    guest
        .send(crate::common::join_message(&meeting.guest, "Anyone"))
        .await;
    assert_eq!(guest.recv().await["type"], "waiting");
    let list = host.recv_type("waiting_list").await;
    assert_eq!(list["waiting"][0]["name"], "Display erika");
    assert_eq!(list["waiting"][0]["verified"], true);

    // Without a login the typed name stands, unverified.
    let (_other, _) = app.join_with(&meeting, &meeting.guest, "Otto").await;
    let list = host.recv_type("waiting_list").await;
    let otto = list["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "Otto")
        .expect("Otto waits")
        .clone();
    assert_eq!(otto["verified"], false);
}

#[tokio::test]
async fn a_fresh_install_asks_the_browser_for_the_admin_credential_until_an_account_exists() {
    let app = spawn_app().await;
    let html = [("accept", "text/html")];
    // No account yet: the browser gets a Basic challenge, so the first
    // admin can reach /admin/accounts with the generated password.
    let first = send(&app, "GET", "/admin/accounts", &html, "").await;
    assert_eq!(first.status, 401, "{}", first.body);
    assert!(
        first.header("www-authenticate").starts_with("Basic"),
        "{:?}",
        first.headers
    );
    let db = store(&app).await;
    account(&db, "erika", AccountRole::Staff).await;
    // From then on, browsers log in at /login.
    let later = send(&app, "GET", "/admin/accounts", &html, "").await;
    assert_eq!(later.status, 303);
    assert!(later.header("location").starts_with("/login?next="));
}
