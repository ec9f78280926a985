//! The meeting WebSocket with a real client: joins, typed errors, bad
//! input that must not disturb anyone else, and garbage on the media port.

use crate::common;

use std::time::Duration;

use civicmeet_wire::{MAX_MESSAGE_BYTES, PROTOCOL_VERSION};
use common::spawn_app;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn join_is_welcomed_with_the_others() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;

    let (_ada, welcome) = app.join(&meeting, "  Ada ").await;
    assert_eq!(welcome["version"], PROTOCOL_VERSION);
    assert!(welcome["you"].is_u64());
    assert_eq!(welcome["participants"], json!([]));

    let (_bob, welcome) = app.join(&meeting, "Bob").await;
    let others = welcome["participants"].as_array().unwrap();
    assert_eq!(others.len(), 1);
    assert_eq!(others[0]["name"], "Ada");
    assert_eq!(others[0]["media"], json!({"audio": true, "video": true}));
}

#[tokio::test]
async fn others_see_joins_updates_and_leaves() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut ada, _) = app.join(&meeting, "Ada").await;
    let (mut bob, bob_welcome) = app.join(&meeting, "Bob").await;
    let bob_id = bob_welcome["you"].clone();

    let joined = ada.recv().await;
    assert_eq!(joined["type"], "participant_joined");
    assert_eq!(joined["participant"]["id"], bob_id);
    assert_eq!(joined["participant"]["name"], "Bob");

    bob.send(json!({"type": "media_state", "media": {"audio": false, "video": true}}))
        .await;
    let updated = ada.recv().await;
    assert_eq!(updated["type"], "participant_updated");
    assert_eq!(updated["participant"]["media"]["audio"], false);

    // Bob's socket just closes, without `leave`.
    bob.close().await;
    let left = ada.recv().await;
    assert_eq!(left, json!({"type": "participant_left", "id": bob_id}));
}

#[tokio::test]
async fn leave_is_answered_with_a_normal_close() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut ada, _) = app.join(&meeting, "Ada").await;
    let (mut bob, welcome) = app.join(&meeting, "Bob").await;
    ada.recv_type("participant_joined").await;
    bob.send(json!({"type": "leave"})).await;
    assert_eq!(bob.expect_close().await, Some(1000));
    let left = ada.recv().await;
    assert_eq!(
        left,
        json!({"type": "participant_left", "id": welcome["you"]})
    );
}

#[tokio::test]
async fn an_unknown_meeting_gets_a_typed_error_then_a_close() {
    let app = spawn_app().await;
    for id in ["ffffffffffffffffffffffffffffffff", "garbage%20id"] {
        let mut client = app.connect(id).await;
        let error = client.recv().await;
        assert_eq!(error["type"], "error");
        assert_eq!(error["code"], "meeting_not_found");
        assert_eq!(error["fatal"], true);
        assert!(client.expect_close().await.is_some());
    }
}

#[tokio::test]
async fn malformed_messages_are_answered_and_the_socket_keeps_working() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;

    // Before join: bad input is answered, then join still works.
    let mut ada = app.connect(&meeting).await;
    ada.send_text("{not json".into()).await;
    let error = ada.recv().await;
    assert_eq!(
        (error["code"].as_str(), error["fatal"].as_bool()),
        (Some("bad_message"), Some(false))
    );
    ada.send(common::join_message(&meeting.host, "Ada")).await;
    assert_eq!(ada.recv().await["type"], "welcome");

    let (mut bob, _) = app.join(&meeting, "Bob").await;
    ada.recv_type("participant_joined").await;

    // After join: garbage, unknown types, unknown fields, binary frames.
    for text in [
        "{not json".to_string(),
        json!({"type": "shout"}).to_string(),
        json!({"type": "leave", "extra": 1}).to_string(),
        json!({"type": "media_state", "media": {"audio": true, "video": true}, "extra": 1})
            .to_string(),
        json!({"type": "media_state", "media": "loud"}).to_string(),
        json!({"type": "tiles", "tiles": [{"id": 1, "height": -5}]}).to_string(),
        json!({"type": "tiles", "tiles": [{"id": "x", "height": 100}]}).to_string(),
        json!({"type": "tiles", "tiles": [{"id": 1, "height": 100, "width": 5}]}).to_string(),
        json!({"type": "tiles", "tiles": vec![json!({"id": 1, "height": 100}); 101]}).to_string(),
        "null".to_string(),
    ] {
        bob.send_text(text).await;
        let error = bob.recv().await;
        assert_eq!(error["code"], "bad_message");
        assert_eq!(error["fatal"], false);
    }
    bob.socket.send_binary_frame().await;
    let error = bob.recv().await;
    assert_eq!(error["code"], "bad_message");

    // A second join is refused without ending the session.
    bob.send(common::join_message(&meeting.host, "Bob")).await;
    let error = bob.recv().await;
    assert_eq!(
        (error["code"].as_str(), error["fatal"].as_bool()),
        (Some("unexpected_message"), Some(false))
    );

    // Bob's socket still works: Ada sees his mute.
    bob.send(json!({"type": "media_state", "media": {"audio": true, "video": false}}))
        .await;
    let updated = ada.recv().await;
    assert_eq!(updated["type"], "participant_updated");
    assert_eq!(updated["participant"]["media"]["video"], false);
}

#[tokio::test]
async fn an_oversized_message_is_refused_and_ends_only_that_socket() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut ada, _) = app.join(&meeting, "Ada").await;
    let (mut bob, welcome) = app.join(&meeting, "Bob").await;
    ada.recv_type("participant_joined").await;

    let big = json!({"type": "offer", "sdp": "v".repeat(MAX_MESSAGE_BYTES)}).to_string();
    bob.send_text(big).await;
    let error = bob.recv().await;
    assert_eq!(error["code"], "message_too_large");
    assert_eq!(error["fatal"], true);
    assert_eq!(bob.expect_close().await, Some(1009));

    let left = ada.recv().await;
    assert_eq!(
        left,
        json!({"type": "participant_left", "id": welcome["you"]})
    );
    // Ada is unaffected: a newcomer still sees her.
    let (_cleo, welcome) = app.join(&meeting, "Cleo").await;
    assert_eq!(welcome["participants"][0]["name"], "Ada");
}

#[tokio::test]
async fn a_wrong_version_or_name_is_refused() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;

    let mut client = app.connect(&meeting).await;
    client
        .send(json!({"type": "join", "version": PROTOCOL_VERSION + 1, "name": "Ada", "key": meeting.host}))
        .await;
    let error = client.recv().await;
    assert_eq!(
        (error["code"].as_str(), error["fatal"].as_bool()),
        (Some("unsupported_version"), Some(true))
    );
    assert!(client.expect_close().await.is_some());

    for name in ["   ", &"x".repeat(65), "a\u{7}b"] {
        let mut client = app.connect(&meeting).await;
        client.send(common::join_message(&meeting.host, name)).await;
        let error = client.recv().await;
        assert_eq!(error["code"], "invalid_name");
        assert_eq!(error["fatal"], true);
        assert!(client.expect_close().await.is_some());
    }
}

#[tokio::test]
async fn a_message_before_join_is_refused() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let mut client = app.connect(&meeting).await;
    client
        .send(json!({"type": "media_state", "media": {"audio": true, "video": true}}))
        .await;
    let error = client.recv().await;
    assert_eq!(
        (error["code"].as_str(), error["fatal"].as_bool()),
        (Some("unexpected_message"), Some(true))
    );
    assert!(client.expect_close().await.is_some());
}

#[tokio::test]
async fn garbage_sdp_is_rejected_without_ending_the_session() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut ada, _) = app.join(&meeting, "Ada").await;
    ada.send(json!({"type": "offer", "sdp": "this is not sdp"}))
        .await;
    let error = ada.recv().await;
    assert_eq!(
        (error["code"].as_str(), error["fatal"].as_bool()),
        (Some("sdp_rejected"), Some(false))
    );
    ada.send(json!({"type": "answer", "sdp": "v=0"})).await;
    let error = ada.recv().await;
    assert_eq!(
        (error["code"].as_str(), error["fatal"].as_bool()),
        (Some("sdp_rejected"), Some(false))
    );

    let (_bob, welcome) = app.join(&meeting, "Bob").await;
    assert_eq!(welcome["participants"][0]["name"], "Ada");
}

#[tokio::test]
async fn garbage_datagrams_on_the_media_port_change_nothing() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut ada, _) = app.join(&meeting, "Ada").await;

    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for datagram in [
        &b""[..],
        b"\x00",
        b"hello",
        &[0x16; 1500],
        &[0x80; 3000],
        &[0x00, 0x01, 0x00, 0x00],
    ] {
        socket.send_to(datagram, app.media).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(100)).await;

    assert_eq!(app.get("/health").await.status, 200);
    let (_bob, welcome) = app.join(&meeting, "Bob").await;
    assert_eq!(welcome["participants"][0]["name"], "Ada");
    assert_eq!(ada.recv().await["type"], "participant_joined");
}

trait SendBinary {
    async fn send_binary_frame(&mut self);
}

impl SendBinary
    for tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>
{
    async fn send_binary_frame(&mut self) {
        use futures_util::SinkExt;
        self.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    }
}
