//! A dropped socket keeps its seat (issue 6, resilience): within the grace
//! period a `join` with the seat's resume secret gets the same participant
//! back, admitted, without a second waiting-room pass and without the
//! others seeing a leave or a join. Too late, a wrong secret, a removal or
//! the end of the meeting make it a normal join (or no join at all), and
//! the secret is never written to the log or the audit log.
//!
//! "Dropping" a socket here is dropping the client's TCP connection without
//! a WebSocket Close frame, as a network change or a proxy's idle timeout
//! does; a Close frame is a page closing on purpose (see `signalling.rs`).

use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use civicmeet_store::{AuditAction, AuditQuery};
use serde_json::{Value, json};

use crate::common::{self, Client, TestApp, TestMeeting, join_message, spawn_app};

/// An app whose seats are kept `grace_secs`.
async fn app_with_grace(grace_secs: u64) -> (TestApp, tempfile::TempDir) {
    let temp = tempfile::tempdir().unwrap();
    let mut config = civicmeet::Config::default();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.media.listen = "127.0.0.1:0".parse().unwrap();
    config.storage.data_dir = temp.path().to_path_buf();
    config.booking.seed_demo = false;
    config.meetings.rejoin_grace_secs = grace_secs;
    (common::spawn_app_with_config(config).await, temp)
}

/// A guest who waited and was admitted by `host`; returns its socket and
/// its welcome.
async fn admitted(
    app: &TestApp,
    meeting: &TestMeeting,
    host: &mut Client,
    name: &str,
) -> (Client, Value) {
    let (mut guest, waiting) = app.join_with(meeting, &meeting.guest, name).await;
    assert_eq!(waiting["type"], "waiting", "{waiting}");
    host.recv_type("waiting_list").await;
    host.send(json!({"type": "admit", "id": waiting["you"]}))
        .await;
    let welcome = guest.recv_type("welcome").await;
    host.recv_type("participant_joined").await;
    (guest, welcome)
}

/// The seat's secret from a `welcome` or `waiting`.
fn secret_of(message: &Value) -> String {
    let secret = message["resume"].as_str().expect("a resume secret");
    assert_eq!(secret.len(), 43, "256 bits in base64url: {secret}");
    secret.to_owned()
}

/// A `join` with `key` that brings `secret` back.
async fn rejoin(app: &TestApp, meeting: &TestMeeting, key: &str, secret: &str) -> (Client, Value) {
    let mut join = join_message(key, "Gina");
    join["resume"] = json!(secret);
    app.join_with_message(meeting, join).await
}

/// The host's messages up to its answer to a lock, which it sends now:
/// everything the server told it meanwhile, in order.
async fn host_messages_until_lock(host: &mut Client) -> Vec<Value> {
    host.send(json!({"type": "lock", "locked": true})).await;
    let mut seen = Vec::new();
    loop {
        let message = host.recv().await;
        if message["type"] == "meeting_updated" {
            return seen;
        }
        seen.push(message);
    }
}

/// What the servers of this test binary log from the first call on: every
/// level of civicmeet's own crates, warnings of the rest. One subscriber
/// for the whole process (the first caller installs it): a subscriber per
/// test thread misses events whose callsites other test threads
/// registered first.
fn captured_logs() -> &'static Mutex<Vec<u8>> {
    static LOGS: OnceLock<&'static Mutex<Vec<u8>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs: &'static Mutex<Vec<u8>> = Box::leak(Box::default());
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter("warn,civicmeet=trace,civicmeet_store=trace,civicmeet_wire=trace")
            .with_ansi(false)
            .with_writer(move || Captured(logs))
            .finish();
        // Only this file installs one; should another ever do so first,
        // the assertion that the resume was logged fails.
        let _ = tracing::subscriber::set_global_default(subscriber);
        logs
    })
}

struct Captured(&'static Mutex<Vec<u8>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logged() -> String {
    let logs = captured_logs()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    String::from_utf8_lossy(&logs).into_owned()
}

#[tokio::test]
async fn an_admitted_guest_whose_socket_drops_takes_its_seat_back() {
    captured_logs();
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut host, host_welcome) = app.join(&meeting, "Hanna").await;
    let (guest, welcome) = admitted(&app, &meeting, &mut host, "Gina").await;
    let gina = welcome["you"].clone();
    let secret = secret_of(&welcome);
    assert_ne!(secret, secret_of(&host_welcome), "one secret per seat");

    // The network goes: no Close frame, the TCP connection just ends.
    drop(guest);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A host's mute while the guest is away still counts, and is told later.
    host.send(json!({"type": "mute", "id": gina, "kind": "audio"}))
        .await;
    host.recv_type("participant_updated").await;

    let (mut guest, answer) = rejoin(&app, &meeting, &meeting.guest, &secret).await;
    assert_eq!(
        answer["type"], "welcome",
        "no second waiting-room pass: {answer}"
    );
    assert_eq!(answer["you"], gina, "the same seat");
    assert_eq!(answer["role"], "guest");
    assert_eq!(answer["participants"][0]["name"], "Hanna");
    assert_eq!(secret_of(&answer), secret);
    assert_eq!(
        guest.recv().await,
        json!({"type": "muted_by_host", "kind": "audio"}),
        "the mute made while away reaches the page"
    );

    // The host saw nobody leave or arrive, and nobody waits.
    let seen = host_messages_until_lock(&mut host).await;
    assert!(
        seen.iter().all(|m| m["type"] != "participant_left"
            && m["type"] != "participant_joined"
            && m["type"] != "waiting_list"),
        "{seen:?}"
    );
    // The resumed socket is the guest's now: the server talks to it...
    assert_eq!(
        guest.recv_type("meeting_updated").await["meeting"]["locked"],
        true
    );
    // ...and listens to it.
    guest
        .send(json!({"type": "media_state", "media": {"audio": true, "video": false}}))
        .await;
    let update = host.recv_type("participant_updated").await;
    assert_eq!(update["participant"]["id"], gina);
    assert_eq!(update["participant"]["media"]["video"], false);
    // A leave is a leave.
    guest.send(json!({"type": "leave"})).await;
    assert_eq!(host.recv_type("participant_left").await["id"], gina);

    // Audited like any entry, without the secret.
    let db = crate::api_support::store(&app).await;
    let query = AuditQuery {
        meeting: Some(meeting.id.clone()),
        ..AuditQuery::default()
    };
    let entries = db.audit_entries(&query).await.unwrap();
    let resumed: Vec<_> = entries
        .iter()
        .filter(|e| e.action == AuditAction::Resumed)
        .collect();
    assert_eq!(resumed.len(), 1, "{entries:?}");
    assert_eq!(resumed[0].actor, format!("guest:{gina} Gina"));
    for entry in &entries {
        assert!(!format!("{entry:?}").contains(&secret), "{entry:?}");
    }
    // The log saw the resume, never the secret.
    let text = logged();
    let short = &meeting.id[..6];
    assert!(
        text.contains(&format!("seat resumed meeting={short} participant={gina}")),
        "the log was captured"
    );
    assert!(!text.contains(&secret), "the secret was logged");
}

#[tokio::test]
async fn a_resume_while_the_old_socket_still_looks_open_closes_the_old_one() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    let (mut old, welcome) = admitted(&app, &meeting, &mut host, "Gina").await;
    let secret = secret_of(&welcome);

    // Half-open: the server has not noticed anything when the page, on
    // another network, comes back.
    let (_new, answer) = rejoin(&app, &meeting, &meeting.guest, &secret).await;
    assert_eq!(answer["type"], "welcome");
    assert_eq!(answer["you"], welcome["you"]);
    assert_eq!(old.expect_close().await, None, "the old socket is closed");
    let seen = host_messages_until_lock(&mut host).await;
    assert!(
        seen.iter().all(|m| m["type"] != "participant_left"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_late_or_wrong_resume_is_a_fresh_join_through_the_waiting_room() {
    let (app, _temp) = app_with_grace(1).await;
    let meeting = app.create_meeting().await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    let (guest, welcome) = admitted(&app, &meeting, &mut host, "Gina").await;
    let gina = welcome["you"].clone();
    let secret = secret_of(&welcome);
    drop(guest);

    // A wrong secret is an ordinary join: the waiting room, a new id.
    let wrong = "A".repeat(43);
    let (_other, answer) = rejoin(&app, &meeting, &meeting.guest, &wrong).await;
    assert_eq!(answer["type"], "waiting", "{answer}");
    assert_ne!(answer["you"], gina);
    host.recv_type("waiting_list").await;

    // After the grace period the seat is gone: the others see it leave...
    assert_eq!(host.recv_type("participant_left").await["id"], gina);
    // ...and its secret opens nothing any more.
    let (_late, answer) = rejoin(&app, &meeting, &meeting.guest, &secret).await;
    assert_eq!(answer["type"], "waiting", "{answer}");
    assert_ne!(answer["you"], gina);
    assert_ne!(secret_of(&answer), secret, "a new seat, a new secret");
}

#[tokio::test]
async fn a_secret_resumes_only_with_its_own_link() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    let (guest, welcome) = admitted(&app, &meeting, &mut host, "Gina").await;
    let secret = secret_of(&welcome);
    drop(guest);
    // The host link with the guest's secret is the host joining anew.
    let (_h, answer) = rejoin(&app, &meeting, &meeting.host, &secret).await;
    assert_eq!(answer["type"], "welcome");
    assert_ne!(answer["you"], welcome["you"]);
    assert_eq!(answer["role"], "host");
    // The guest's seat is still there for the guest's own link.
    let (_g, answer) = rejoin(&app, &meeting, &meeting.guest, &secret).await;
    assert_eq!(answer["you"], welcome["you"]);
}

#[tokio::test]
async fn a_participant_removed_while_away_cannot_resume() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    let (guest, welcome) = admitted(&app, &meeting, &mut host, "Gina").await;
    let gina = welcome["you"].clone();
    let secret = secret_of(&welcome);
    drop(guest);
    tokio::time::sleep(Duration::from_millis(300)).await;

    host.send(json!({"type": "remove", "id": gina})).await;
    assert_eq!(host.recv_type("participant_left").await["id"], gina);
    let (mut guest, answer) = rejoin(&app, &meeting, &meeting.guest, &secret).await;
    assert_eq!(
        (answer["code"].as_str(), answer["fatal"].as_bool()),
        (Some("link_invalid"), Some(true)),
        "{answer}"
    );
    assert!(guest.expect_close().await.is_some());
}

#[tokio::test]
async fn no_resume_after_the_meeting_ended() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    let (guest, welcome) = admitted(&app, &meeting, &mut host, "Gina").await;
    let secret = secret_of(&welcome);
    drop(guest);
    tokio::time::sleep(Duration::from_millis(300)).await;

    host.send(json!({"type": "end_meeting"})).await;
    assert_eq!(host.recv_type("error").await["code"], "meeting_ended");
    // The link still works, but only as a newcomer's: the old seat and
    // the meeting it was in are gone.
    // (Or, if the ending session has not let go of its seat yet, that
    // session's ending.)
    let (_guest, answer) = rejoin(&app, &meeting, &meeting.guest, &secret).await;
    let fresh = answer["type"] == "waiting" && answer["you"] != welcome["you"];
    assert!(fresh || answer["code"] == "meeting_ended", "{answer}");
}

#[tokio::test]
async fn a_pin_block_holds_a_resume_too() {
    let app = spawn_app().await;
    let meeting = app.create_meeting_with(json!({"guest_pin": "97531"})).await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    let mut guest = app.connect(&meeting).await;
    let mut join = join_message(&meeting.guest, "Gina");
    join["pin"] = json!("97531");
    guest.send(join.clone()).await;
    let waiting = guest.recv().await;
    host.recv_type("waiting_list").await;
    host.send(json!({"type": "admit", "id": waiting["you"]}))
        .await;
    let welcome = guest.recv_type("welcome").await;
    let secret = secret_of(&welcome);
    drop(guest);

    // Someone else with the same link guesses until it is blocked.
    let mut guesser = app.connect(&meeting).await;
    let mut wrong = join_message(&meeting.guest, "Mallory");
    wrong["pin"] = json!("11111");
    let blocked = async {
        for _ in 0..10 {
            guesser.send(wrong.clone()).await;
            if guesser.recv().await["code"] == "pin_blocked" {
                return true;
            }
        }
        false
    };
    assert!(blocked.await, "wrong PINs block the link");
    // The right PIN and the right secret: still blocked.
    join["resume"] = json!(secret);
    let (_again, answer) = app.join_with_message(&meeting, join).await;
    assert_eq!(answer["code"], "pin_blocked", "{answer}");
}

#[tokio::test]
async fn a_waiting_guest_keeps_its_place() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    let (guest, waiting) = app.join_with(&meeting, &meeting.guest, "Gina").await;
    assert_eq!(waiting["type"], "waiting");
    let secret = secret_of(&waiting);
    host.recv_type("waiting_list").await;
    drop(guest);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let (mut guest, answer) = rejoin(&app, &meeting, &meeting.guest, &secret).await;
    assert_eq!(answer["type"], "waiting", "{answer}");
    assert_eq!(answer["you"], waiting["you"]);
    // Still the one waiting entry; admitting it lets the same seat in.
    host.send(json!({"type": "admit", "id": waiting["you"]}))
        .await;
    assert_eq!(guest.recv_type("welcome").await["you"], waiting["you"]);
    let list = host.recv_type("waiting_list").await;
    assert_eq!(list["waiting"], json!([]));
}
