//! Screen sharing over real sockets: who may share (the permission table,
//! never from the waiting room), one share per meeting, everyone told who
//! shares, and every way a share ends: the sharer stops, a host stops it,
//! the sharer leaves or is sent back to the waiting room.

use crate::common;

use civicmeet::access::{self, Action, Role};
use common::{Client, TestApp, TestMeeting, spawn_app};
use serde_json::{Value, json};

const START: &str = r#"{"type":"screen_share","sharing":true}"#;
const STOP: &str = r#"{"type":"screen_share","sharing":false}"#;

fn start() -> Value {
    serde_json::from_str(START).unwrap()
}

fn stop() -> Value {
    serde_json::from_str(STOP).unwrap()
}

/// The next `screen_share` message's sharer (`Value::Null` for nobody).
async fn sharer(client: &mut Client) -> Value {
    client.recv_type("screen_share").await["sharer"].clone()
}

/// A guest, let in by `host`.
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
    (guest, welcome["you"].clone())
}

#[tokio::test]
async fn everyone_hears_who_shares_and_a_second_share_is_refused_until_the_first_stops() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut hanna, _) = app.join(&meeting, "Hanna").await;
    let (mut gina, gina_id) = admitted(&app, &meeting, &mut hanna, "Gina").await;

    // A citizen (a guest) shows a document.
    gina.send(start()).await;
    assert_eq!(
        sharer(&mut gina).await,
        gina_id,
        "the sharer's confirmation"
    );
    assert_eq!(sharer(&mut hanna).await, gina_id);

    // One share at a time: the host's own share is refused, not taken over.
    hanna.send(start()).await;
    let error = hanna.recv_type("error").await;
    assert_eq!(
        (error["code"].as_str(), error["fatal"].as_bool()),
        (Some("screen_share_busy"), Some(false)),
        "{error}"
    );

    // Someone who comes in meanwhile hears of the share right after welcome.
    let (mut hugo, welcome) = app.join(&meeting, "Hugo").await;
    assert_eq!(welcome["type"], "welcome");
    assert_eq!(
        hugo.recv().await,
        json!({"type": "screen_share", "sharer": gina_id})
    );

    // Stopping tells everyone; then the host may share.
    gina.send(stop()).await;
    for client in [&mut gina, &mut hanna, &mut hugo] {
        assert_eq!(sharer(client).await, Value::Null);
    }
    hanna.send(start()).await;
    let hanna_id = sharer(&mut hanna).await;
    assert!(hanna_id.is_u64(), "{hanna_id}");
    assert_eq!(sharer(&mut hugo).await, hanna_id);
    assert_eq!(sharer(&mut gina).await, hanna_id);

    // `stop` ends only the sender's own share: Gina's changes nothing for
    // Hugo, whose next message is her camera going off.
    gina.send(stop()).await;
    gina.send(json!({"type": "media_state", "media": {"audio": true, "video": false}}))
        .await;
    let update = hugo.recv().await;
    assert_eq!(update["type"], "participant_updated", "{update}");
}

#[tokio::test]
async fn a_share_ends_when_its_sharer_leaves_or_is_sent_back() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut hanna, _) = app.join(&meeting, "Hanna").await;
    let (mut gina, gina_id) = admitted(&app, &meeting, &mut hanna, "Gina").await;
    let (mut hugo, _) = app.join(&meeting, "Hugo").await;
    hanna.recv_type("participant_joined").await;

    // Sent back to the waiting room: the share goes with them.
    gina.send(start()).await;
    assert_eq!(sharer(&mut hanna).await, gina_id);
    assert_eq!(sharer(&mut hugo).await, gina_id);
    hanna
        .send(json!({"type": "send_to_waiting_room", "id": gina_id}))
        .await;
    assert_eq!(hugo.recv_type("participant_left").await["id"], gina_id);
    assert_eq!(
        hugo.recv().await,
        json!({"type": "screen_share", "sharer": null})
    );
    assert_eq!(sharer(&mut hanna).await, Value::Null);
    // From the waiting room nobody shares: the message is refused there.
    gina.recv_type("waiting").await;
    gina.send(start()).await;
    assert_eq!(gina.recv().await["code"], "unexpected_message");

    // Leaving ends the share too, and the slot is free for the next.
    hugo.send(start()).await;
    let hugo_id = sharer(&mut hanna).await;
    assert!(hugo_id.is_u64(), "{hugo_id}");
    hugo.send(json!({"type": "leave"})).await;
    assert_eq!(hanna.recv_type("participant_left").await["id"], hugo_id);
    assert_eq!(sharer(&mut hanna).await, Value::Null);
    hanna.send(start()).await;
    assert!(sharer(&mut hanna).await.is_u64());

    // Let back in, Gina hears of Hanna's share right after welcome; then
    // she shares and closes her socket without a word: that ends it too.
    hanna.send(json!({"type": "admit", "id": gina_id})).await;
    gina.recv_type("welcome").await;
    assert!(gina.recv().await["sharer"].is_u64());
    hanna.send(stop()).await;
    assert_eq!(sharer(&mut hanna).await, Value::Null);
    assert_eq!(sharer(&mut gina).await, Value::Null);
    gina.send(start()).await;
    assert_eq!(sharer(&mut hanna).await, gina_id);
    gina.close().await;
    assert_eq!(hanna.recv_type("participant_left").await["id"], gina_id);
    assert_eq!(sharer(&mut hanna).await, Value::Null);
}

#[tokio::test]
async fn a_host_stops_a_share_and_the_sharer_is_told_why() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut hanna, welcome) = app.join(&meeting, "Hanna").await;
    let hanna_id = welcome["you"].clone();
    let (mut gina, gina_id) = admitted(&app, &meeting, &mut hanna, "Gina").await;

    // Stopping the share of someone who does not share changes nothing
    // and tells them nothing.
    hanna
        .send(json!({"type": "mute", "id": gina_id, "kind": "screen"}))
        .await;
    gina.send(start()).await;
    assert_eq!(
        gina.recv().await,
        json!({"type": "screen_share", "sharer": gina_id})
    );
    assert_eq!(sharer(&mut hanna).await, gina_id);

    hanna
        .send(json!({"type": "mute", "id": gina_id, "kind": "screen"}))
        .await;
    assert_eq!(sharer(&mut hanna).await, Value::Null);
    assert_eq!(
        gina.recv().await,
        json!({"type": "screen_share", "sharer": null})
    );
    assert_eq!(
        gina.recv().await,
        json!({"type": "muted_by_host", "kind": "screen"})
    );
    // She may share again.
    gina.send(start()).await;
    assert_eq!(sharer(&mut gina).await, gina_id);
    assert_eq!(sharer(&mut hanna).await, gina_id, "she may share again");

    // A guest may not stop the host's share.
    gina.send(stop()).await;
    assert_eq!(sharer(&mut gina).await, Value::Null);
    assert_eq!(sharer(&mut hanna).await, Value::Null);
    hanna.send(start()).await;
    assert_eq!(sharer(&mut gina).await, hanna_id);
    gina.send(json!({"type": "mute", "id": hanna_id, "kind": "screen"}))
        .await;
    assert_eq!(gina.recv_type("error").await["code"], "not_allowed");
}

#[tokio::test]
async fn sharing_follows_the_permission_table_for_every_meeting_role() {
    let app = spawn_app().await;
    for (role, wire_role) in [
        (Role::Host, "host"),
        (Role::Judge, "judge"),
        (Role::Guest, "guest"),
    ] {
        let (_meeting, mut actor, welcome) = app.join_hearing_as(role).await;
        assert_eq!(welcome["role"], wire_role, "{welcome}");

        actor.send(start()).await;
        let answer = actor.recv().await;
        if access::allows(role, Action::ShareScreen) {
            assert_eq!(
                answer,
                json!({"type": "screen_share", "sharer": welcome["you"]}),
                "{wire_role}"
            );
        } else {
            assert_eq!(answer["code"], "not_allowed", "{wire_role}: {answer}");
        }
        // Stopping another's share is a host's control.
        actor
            .send(json!({"type": "mute", "id": 999_999, "kind": "screen"}))
            .await;
        let answer = actor.recv_type("error").await;
        let expected = if access::allows(role, Action::MuteOthers) {
            "unknown_participant"
        } else {
            "not_allowed"
        };
        assert_eq!(answer["code"], expected, "{wire_role}");
        actor.close().await;
    }
}

#[tokio::test]
async fn an_offer_may_name_its_screen_mid_and_a_bad_one_harms_nobody() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut hanna, _) = app.join(&meeting, "Hanna").await;
    // Not an SDP: refused as before, whatever `screen` says.
    hanna
        .send(json!({"type": "offer", "sdp": "garbage", "screen": "ü".repeat(5000)}))
        .await;
    let error = hanna.recv_type("error").await;
    assert_eq!(
        (error["code"].as_str(), error["fatal"].as_bool()),
        (Some("sdp_rejected"), Some(false))
    );
    // A `screen` that is not a string is not an offer at all.
    hanna
        .send(json!({"type": "offer", "sdp": "v=0", "screen": 1}))
        .await;
    assert_eq!(hanna.recv_type("error").await["code"], "bad_message");
    // The session goes on.
    hanna.send(start()).await;
    assert!(sharer(&mut hanna).await.is_u64());
}
