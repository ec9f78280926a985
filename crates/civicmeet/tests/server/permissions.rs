//! The permission table, applied to every HTTP route: each route is
//! requested as every role and the answer must be "allowed" exactly when
//! `access::allows` says so. Signalling messages get the same treatment in
//! `host_controls.rs`.
//!
//! How each role comes to the server over HTTP: admin with the configured
//! admin credential (HTTP Basic, the only way into the JSON API) and with
//! an admin account's session; staff with a staff account's session; host,
//! judge and guest with nothing, because meeting roles live in a link key
//! and hold only in their meeting's socket.

use std::collections::BTreeSet;

use civicmeet::access::{self, Action, Role};
use civicmeet_store::AccountRole;

use crate::accounts::{CSRF, CSRF_COOKIE, PASSWORD, account, login, send, session_cookie};
use crate::api_support::{admin_password, basic, store};
use crate::common::{Response, TestApp, spawn_app};

/// Who may use a route.
#[derive(Debug, Clone, Copy)]
enum Need {
    /// Anyone: the route protects itself (a token, a link key) or is public.
    Public,
    Act(Action),
}

use Need::{Act, Public};

/// Every page route, by method and path template (the JSON API's routes
/// come from its OpenAPI document). `completeness` below checks that the
/// source registers no route missing here.
const ROUTES: &[(&str, &str, Need)] = &[
    ("GET", "/", Public),
    ("GET", "/health", Public),
    ("GET", "/assets/{*path}", Public),
    ("GET", "/m/{id}", Public),
    ("POST", "/meetings", Public),
    ("POST", "/api/meetings", Public),
    ("GET", "/api/meetings/{id}", Public),
    ("GET", "/api/meetings/{id}/ws", Public),
    ("GET", "/api/openapi.json", Public),
    ("GET", "/feeds/staff/{file}", Public),
    ("GET", "/login", Public),
    ("POST", "/login", Public),
    ("GET", "/login/oidc/start", Public),
    ("GET", "/login/oidc/callback", Public),
    ("GET", "/book", Public),
    ("GET", "/book/offices", Public),
    ("GET", "/book/services/{id}", Public),
    ("GET", "/book/services/{id}/form", Public),
    ("POST", "/book/services/{id}/form", Public),
    ("GET", "/book/sent", Public),
    ("GET", "/book/confirm/{token}", Public),
    ("POST", "/book/confirm/{token}", Public),
    ("GET", "/book/cancel/{token}", Public),
    ("POST", "/book/cancel/{token}", Public),
    ("GET", "/book/rebook/{token}", Public),
    ("GET", "/book/rebook/{token}/slot", Public),
    ("POST", "/book/rebook/{token}/slot", Public),
    ("GET", "/book/ics/{token}", Public),
    ("GET", "/a/{token}", Public),
    ("GET", "/staff", Act(Action::ViewDashboard)),
    // The confirmation pages of staff actions are views; acting is a POST.
    (
        "GET",
        "/staff/appointments/{id}/cancel",
        Act(Action::ViewDashboard),
    ),
    (
        "POST",
        "/staff/appointments/{id}/cancel",
        Act(Action::ManageAppointments),
    ),
    (
        "POST",
        "/staff/appointments/{id}/no-show",
        Act(Action::ManageAppointments),
    ),
    (
        "POST",
        "/staff/appointments/{id}/done",
        Act(Action::ManageAppointments),
    ),
    (
        "POST",
        "/staff/appointments/{id}/host",
        Act(Action::ManageAppointments),
    ),
    ("GET", "/staff/cancel-day", Act(Action::ViewDashboard)),
    ("POST", "/staff/cancel-day", Act(Action::ManageAppointments)),
    (
        "POST",
        "/staff/staff/{id}/feed-link",
        Act(Action::ManageAppointments),
    ),
    (
        "POST",
        "/staff/mails/{id}/retry",
        Act(Action::ManageAppointments),
    ),
    (
        "POST",
        "/staff/deliveries/{id}/retry",
        Act(Action::ManageAppointments),
    ),
    ("GET", "/admin", Act(Action::Administer)),
    ("GET", "/admin/offices/new", Act(Action::Administer)),
    ("POST", "/admin/offices", Act(Action::Administer)),
    ("GET", "/admin/offices/{id}", Act(Action::Administer)),
    ("POST", "/admin/offices/{id}", Act(Action::Administer)),
    ("GET", "/admin/services/new", Act(Action::Administer)),
    ("POST", "/admin/services", Act(Action::Administer)),
    ("GET", "/admin/services/{id}", Act(Action::Administer)),
    ("POST", "/admin/services/{id}", Act(Action::Administer)),
    ("GET", "/admin/staff/new", Act(Action::Administer)),
    ("POST", "/admin/staff", Act(Action::Administer)),
    ("GET", "/admin/staff/{id}", Act(Action::Administer)),
    ("POST", "/admin/staff/{id}", Act(Action::Administer)),
    ("GET", "/admin/webhooks/new", Act(Action::Administer)),
    ("POST", "/admin/webhooks", Act(Action::Administer)),
    ("GET", "/admin/webhooks/{id}", Act(Action::Administer)),
    ("POST", "/admin/webhooks/{id}", Act(Action::Administer)),
    (
        "POST",
        "/admin/webhooks/{id}/delete",
        Act(Action::Administer),
    ),
    ("GET", "/admin/accounts", Act(Action::Administer)),
    ("POST", "/admin/accounts", Act(Action::Administer)),
    ("GET", "/admin/accounts/new", Act(Action::Administer)),
    ("GET", "/admin/accounts/{id}", Act(Action::Administer)),
    ("POST", "/admin/accounts/{id}", Act(Action::Administer)),
    ("GET", "/admin/audit", Act(Action::Administer)),
    // Last: it ends the sessions the rows above use.
    ("POST", "/logout", Public),
];

/// A concrete path for a template.
fn sample(template: &str) -> String {
    template
        .replace("{*path}", "css/civicmeet.css")
        .replace("{file}", "nothing.ics")
        .replace("{token}", "no-such-token")
        .replace("{id}", "1")
}

/// Whether the server refused the request for lack of a role: 401, 403,
/// or a browser sent to log in.
fn refused(response: &Response) -> bool {
    matches!(response.status, 401 | 403)
        || (response.status == 303 && response.header("location").starts_with("/login?"))
}

/// The credentials each role brings, as request headers.
struct Credentials {
    basic: String,
    admin_session: String,
    staff_session: String,
}

impl Credentials {
    async fn make(app: &TestApp) -> Credentials {
        let db = store(app).await;
        account(&db, "root", AccountRole::Admin).await;
        account(&db, "erika", AccountRole::Staff).await;
        let admin_session = session_cookie(&login(app, "root", PASSWORD, "/staff").await);
        let staff_session = session_cookie(&login(app, "erika", PASSWORD, "/staff").await);
        Credentials {
            basic: basic("admin", &admin_password(app)),
            admin_session: format!("{CSRF_COOKIE}; {admin_session}"),
            staff_session: format!("{CSRF_COOKIE}; {staff_session}"),
        }
    }

    /// Each way `role` can come, as (label, headers). Meeting roles come
    /// with nothing but the CSRF cookie a browser would have.
    fn of(&self, role: Role) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
        let browser = |cookie: &str| {
            vec![
                ("cookie", cookie.to_owned()),
                ("accept", "text/html".to_owned()),
            ]
        };
        match role {
            Role::Admin => vec![
                (
                    "admin credential",
                    vec![
                        ("authorization", self.basic.clone()),
                        ("cookie", CSRF_COOKIE.to_owned()),
                    ],
                ),
                ("admin session", browser(&self.admin_session)),
            ],
            Role::Staff => vec![("staff session", browser(&self.staff_session))],
            Role::Host | Role::Judge | Role::Guest => vec![("no account", browser(CSRF_COOKIE))],
        }
    }
}

async fn request(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&'static str, String)],
) -> Response {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let body = if method == "GET" {
        String::new()
    } else {
        format!("csrf={CSRF}")
    };
    send(app, method, path, &headers, &body).await
}

#[tokio::test]
async fn every_page_route_follows_the_permission_table_for_every_role() {
    let app = spawn_app().await;
    let credentials = Credentials::make(&app).await;
    let mut checked = 0;
    for (method, template, need) in ROUTES {
        let path = sample(template);
        let mut public_answers = BTreeSet::new();
        for role in Role::ALL {
            for (how, headers) in credentials.of(role) {
                let response = request(&app, method, &path, &headers).await;
                let allowed = match need {
                    Public => {
                        // A public route does not look at roles: everyone
                        // gets the same answer (a failed login is a 401
                        // for all of them alike).
                        public_answers.insert(response.status);
                        checked += 1;
                        continue;
                    }
                    Act(action) => access::allows(role, *action),
                };
                assert_eq!(
                    !refused(&response),
                    allowed,
                    "{method} {path} as {} ({how}): {} {}",
                    role.as_str(),
                    response.status,
                    response.header("location")
                );
                assert!(
                    response.status < 500,
                    "{method} {path} as {how}: {}",
                    response.status
                );
                checked += 1;
            }
        }
        assert!(
            public_answers.len() <= 1,
            "{method} {path} answers differently by role: {public_answers:?}"
        );
    }
    assert!(checked > ROUTES.len() * 5);
}

#[tokio::test]
async fn every_api_route_needs_the_admin_credential() {
    let app = spawn_app().await;
    let credentials = Credentials::make(&app).await;
    let document = send(&app, "GET", "/api/openapi.json", &[], "").await.json();
    let paths = document["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (template, operations) in paths {
        if !template.starts_with("/api/v1/") {
            continue;
        }
        for (method, operation) in operations.as_object().unwrap() {
            let method = method.to_uppercase();
            // The document marks public operations with `security: []`.
            let public = operation["security"].as_array().is_some_and(Vec::is_empty);
            let path = sample(template);
            for role in Role::ALL {
                for (how, headers) in credentials.of(role) {
                    let response = request(&app, &method, &path, &headers).await;
                    // A session cookie never opens the JSON API (no CSRF
                    // through cookies): only the admin credential does.
                    let allowed = public
                        || (access::allows(role, Action::UseApi) && how == "admin credential");
                    assert_eq!(
                        !refused(&response),
                        allowed,
                        "{method} {path} as {} ({how}): {}",
                        role.as_str(),
                        response.status
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 20, "{checked}");
}

/// Every `.route("...")` the server's source registers is in [`ROUTES`]
/// (the JSON API's routes are checked against its OpenAPI document in
/// `api.rs`).
#[test]
fn completeness() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut registered = BTreeSet::new();
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (at, _) in text.match_indices(".route(") {
                    let rest = text[at + ".route(".len()..].trim_start();
                    if let Some(literal) = rest.strip_prefix('"') {
                        let end = literal.find('"').unwrap();
                        registered.insert(literal[..end].to_owned());
                    }
                }
            }
        }
    }
    let listed: BTreeSet<String> = ROUTES.iter().map(|(_, t, _)| (*t).to_owned()).collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the permission test: {missing:?}"
    );
}

/// Account roles hold no meeting role: a logged-in admin or staff member
/// without a link key gets into no meeting (the signalling side of the
/// table's `JoinMeeting` row; the meeting roles' rows are in
/// `host_controls.rs`).
#[tokio::test]
async fn account_roles_join_no_meeting_without_a_link() {
    let app = spawn_app().await;
    let credentials = Credentials::make(&app).await;
    let meeting = app.create_meeting().await;
    for role in [Role::Admin, Role::Staff] {
        assert!(!access::allows(role, Action::JoinMeeting));
        for (how, headers) in credentials.of(role) {
            let cookie = headers
                .iter()
                .find(|(n, _)| *n == "cookie")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let mut client = app.connect_with_cookie(&meeting, &cookie).await;
            client.send(crate::common::join_message("", "Boss")).await;
            let answer = client.recv().await;
            assert_eq!(answer["code"], "link_invalid", "{how}: {answer}");
        }
    }
}
