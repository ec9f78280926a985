//! Every way past the waiting room or into a meeting without a valid link
//! that we could think of, each refused by the server itself.

use crate::api_support;
use crate::common;

use civicmeet_store::{MeetingKind, NewMeeting, TokenPurpose, TokenSubject};
use common::{join_message, spawn_app};
use serde_json::json;

#[tokio::test]
async fn a_waiting_guest_cannot_signal_its_way_in() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    let (mut guest, first) = app.join_with(&meeting, &meeting.guest, "Gina").await;
    assert_eq!(first["type"], "waiting", "{first}");
    host.recv_type("waiting_list").await;

    // No offer, answer, media state or host action is taken from the
    // waiting room: the guest is not in the router at all.
    for message in [
        json!({"type": "offer", "sdp": "v=0\r\n"}),
        json!({"type": "answer", "sdp": "v=0\r\n"}),
        json!({"type": "media_state", "media": {"audio": true, "video": true}}),
        json!({"type": "tiles", "tiles": [{"id": 1, "height": 720}]}),
        json!({"type": "admit", "id": first["you"]}),
        json!({"type": "lock", "locked": false}),
        common::join_message(&meeting.host, "Gina"),
    ] {
        guest.send(message.clone()).await;
        let error = guest.recv().await;
        assert_eq!(error["type"], "error", "{message}: {error}");
        assert_eq!(error["code"], "unexpected_message", "{message}");
        assert_eq!(error["fatal"], false);
    }
    // The host saw no one join: its next message is about the lock.
    host.send(json!({"type": "lock", "locked": false})).await;
    let next = host.recv().await;
    assert_eq!(next["type"], "meeting_updated", "{next}");
}

#[tokio::test]
async fn keys_that_are_missing_wrong_or_of_another_meeting_are_refused() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let other = app.create_meeting().await;
    for key in [
        String::new(),
        "not-a-key".to_owned(),
        "A".repeat(43),
        "x".repeat(5000),
        // A real key, of another meeting.
        other.host.clone(),
        other.guest.clone(),
    ] {
        let (mut client, answer) = app.join_with(&meeting, &key, "Mallory").await;
        assert_eq!(answer["code"], "link_invalid", "{key:.20}: {answer}");
        assert_eq!(answer["fatal"], true);
        assert!(client.expect_close().await.is_some());
    }
    // A join with no key field at all is not a valid message.
    let mut client = app.connect(&meeting).await;
    client
        .send(
            json!({"type": "join", "version": civicmeet_wire::PROTOCOL_VERSION, "name": "Mallory"}),
        )
        .await;
    assert_eq!(client.recv().await["code"], "bad_message");
}

#[tokio::test]
async fn guessed_meeting_ids_find_nothing() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    // A valid key under a guessed id, and guessed ids on their own.
    let mut guessed = meeting.id.clone();
    guessed.replace_range(0..1, if guessed.starts_with('0') { "1" } else { "0" });
    for id in [
        guessed.as_str(),
        "00000000000000000000000000000000",
        "not-hex-at-all",
    ] {
        let (mut client, answer) = app.join_with(id, &meeting.host, "Mallory").await;
        assert_eq!(answer["code"], "meeting_not_found", "{id}: {answer}");
        assert!(client.expect_close().await.is_some());
    }
    // The meeting page of a guessed id is the not-found page.
    assert_eq!(app.get(&format!("/m/{guessed}")).await.status, 404);
}

#[tokio::test]
async fn a_removed_participants_link_cannot_rejoin() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    let (mut guest, waiting) = app.join_with(&meeting, &meeting.guest, "Gina").await;
    let gina = waiting["you"].clone();
    host.recv_type("waiting_list").await;
    host.send(json!({"type": "admit", "id": gina})).await;
    assert_eq!(guest.recv_type("welcome").await["you"], gina);

    host.send(json!({"type": "remove", "id": gina})).await;
    let error = guest.recv_type("error").await;
    assert_eq!(
        (error["code"].as_str(), error["fatal"].as_bool()),
        (Some("removed"), Some(true))
    );
    assert!(guest.expect_close().await.is_some());
    assert_eq!(host.recv_type("participant_left").await["id"], gina);

    // The same link again: refused, a replay of a revoked key.
    let (_again, answer) = app.join_with(&meeting, &meeting.guest, "Gina").await;
    assert_eq!(answer["code"], "link_invalid", "{answer}");
}

#[tokio::test]
async fn an_expired_appointment_link_opens_nothing() {
    let app = spawn_app().await;
    let api = api_support::Api::admin(&app);
    let catalogue = api_support::catalogue(&api).await;
    let store = api_support::store(&app).await;
    let now = chrono::Utc::now().timestamp();
    let appointment =
        api_support::confirmed_appointment(&store, &catalogue, now + 86_400, "e@example.org").await;
    let meeting = "abcdefabcdefabcdefabcdefabcdef01";
    store
        .create_meeting_with(&NewMeeting {
            kind: MeetingKind::Consultation,
            ..NewMeeting::open(meeting, now)
        })
        .await
        .unwrap();
    store
        .set_appointment_meeting(&appointment.id, meeting)
        .await
        .unwrap();
    let subject = TokenSubject::Appointment(appointment.id.clone());
    let expired = store
        .issue_token(TokenPurpose::Join, &subject, now - 1)
        .await
        .unwrap();
    let valid = store
        .issue_token(TokenPurpose::Join, &subject, now + 3600)
        .await
        .unwrap();
    let cancel = store
        .issue_token(TokenPurpose::Cancel, &subject, now + 3600)
        .await
        .unwrap();

    let (_c, answer) = app.join_with(meeting, &expired, "Erika").await;
    assert_eq!(answer["code"], "link_invalid", "{answer}");
    // A cancel link is not a join link.
    let (_c, answer) = app.join_with(meeting, &cancel, "Erika").await;
    assert_eq!(answer["code"], "link_invalid", "{answer}");
    // The valid join link leads to the waiting room, as a guest.
    let (_c, answer) = app.join_with(meeting, &valid, "Erika").await;
    assert_eq!(answer["type"], "waiting", "{answer}");
    assert_eq!(answer["meeting"]["kind"], "consultation");
}

#[tokio::test]
async fn wrong_pins_block_the_link_and_each_attempt_counts_across_sockets() {
    let app = spawn_app().await;
    let meeting = app
        .create_meeting_with(json!({"host_pin": "2468", "guest_pin": "13579"}))
        .await;
    let pin_join = |key: &str, pin: Option<&str>| {
        let mut message = join_message(key, "Gina");
        if let Some(pin) = pin {
            message["pin"] = json!(pin);
        }
        message
    };
    let mut guest = app.connect(&meeting).await;
    guest.send(pin_join(&meeting.guest, None)).await;
    let answer = guest.recv().await;
    assert_eq!(
        (answer["code"].as_str(), answer["fatal"].as_bool()),
        (Some("pin_required"), Some(false))
    );
    // The host PIN is not the guest PIN.
    guest.send(pin_join(&meeting.guest, Some("2468"))).await;
    assert_eq!(guest.recv().await["code"], "pin_wrong");
    guest.close().await;

    // A new socket does not buy new attempts: the count is per link.
    let mut guest = app.connect(&meeting).await;
    guest.send(pin_join(&meeting.guest, Some("0000"))).await;
    assert_eq!(guest.recv().await["code"], "pin_wrong");
    guest.send(pin_join(&meeting.guest, Some("1111"))).await;
    let answer = guest.recv().await;
    assert_eq!(
        (answer["code"].as_str(), answer["fatal"].as_bool()),
        (Some("pin_blocked"), Some(true))
    );
    assert!(guest.expect_close().await.is_some());

    // Blocked now, even with the right PIN.
    let (_g, answer) = app
        .join_with_message(&meeting, pin_join(&meeting.guest, Some("13579")))
        .await;
    assert_eq!(answer["code"], "pin_blocked");
    // The host's link is not affected, and malformed PINs are just wrong.
    let (mut host, answer) = app
        .join_with_message(&meeting, pin_join(&meeting.host, Some("24a8")))
        .await;
    assert_eq!(answer["code"], "pin_wrong");
    host.send(pin_join(&meeting.host, Some("2468"))).await;
    assert_eq!(host.recv().await["type"], "welcome");
}
