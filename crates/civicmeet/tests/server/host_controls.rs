//! The waiting room and host controls over a real socket: who waits, what
//! the host sees, and what each control does to the others. Also the
//! hearing notice, 1:1 consultations, and the permission table applied to
//! every signalling message for every meeting role.

use crate::common;

use civicmeet::access::{self, Action, Role};
use common::{Client, TestApp, TestMeeting, join_message, spawn_app};
use serde_json::{Value, json};

/// Joins with `key` and, if the answer is `waiting`, has `host` admit.
async fn admitted(
    app: &TestApp,
    meeting: &TestMeeting,
    host: &mut Client,
    name: &str,
) -> (Client, Value) {
    let (mut guest, waiting) = app.join_with(meeting, &meeting.guest, name).await;
    assert_eq!(waiting["type"], "waiting", "{waiting}");
    let list = host.recv_type("waiting_list").await;
    assert!(
        list["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["id"] == waiting["you"]),
        "{list}"
    );
    host.send(json!({"type": "admit", "id": waiting["you"]}))
        .await;
    let welcome = guest.recv_type("welcome").await;
    assert_eq!(welcome["role"], "guest");
    (guest, welcome)
}

#[tokio::test]
async fn guests_wait_before_any_host_and_the_host_sees_them_by_name() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut guest, waiting) = app.join_with(&meeting, &meeting.guest, "Gina").await;
    assert_eq!(waiting["type"], "waiting");
    assert_eq!(waiting["meeting"], json!({"kind": "open", "locked": false}));

    let (mut host, welcome) = app.join(&meeting, "Hanna").await;
    assert_eq!(welcome["role"], "host");
    // The guest is not among the participants, but in the waiting list.
    assert_eq!(welcome["participants"], json!([]));
    let list = host.recv().await;
    assert_eq!(
        list,
        json!({"type": "waiting_list", "waiting": [{"id": waiting["you"], "name": "Gina", "verified": false}]})
    );

    host.send(json!({"type": "admit", "id": waiting["you"]}))
        .await;
    let welcome = guest.recv().await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    assert_eq!(welcome["participants"][0]["name"], "Hanna");
    assert_eq!(welcome["participants"][0]["role"], "host");
    assert_eq!(host.recv_type("waiting_list").await["waiting"], json!([]));
    assert_eq!(
        host.recv_type("participant_joined").await["participant"]["name"],
        "Gina"
    );

    // Admitting again names nobody.
    host.send(json!({"type": "admit", "id": waiting["you"]}))
        .await;
    assert_eq!(host.recv_type("error").await["code"], "unknown_participant");
}

#[tokio::test]
async fn a_rejected_guest_is_told_and_the_list_updates() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    let (mut guest, waiting) = app.join_with(&meeting, &meeting.guest, "Gina").await;
    host.recv_type("waiting_list").await;
    host.send(json!({"type": "reject", "id": waiting["you"]}))
        .await;
    let error = guest.recv().await;
    assert_eq!(
        (error["code"].as_str(), error["fatal"].as_bool()),
        (Some("rejected"), Some(true))
    );
    assert!(guest.expect_close().await.is_some());
    assert_eq!(host.recv_type("waiting_list").await["waiting"], json!([]));
}

#[tokio::test]
async fn mute_is_told_to_everyone_and_only_the_participant_switches_back_on() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    let (mut guest, welcome) = admitted(&app, &meeting, &mut host, "Gina").await;
    let gina = welcome["you"].clone();
    host.recv_type("participant_joined").await;

    host.send(json!({"type": "mute", "id": gina, "kind": "audio"}))
        .await;
    assert_eq!(
        guest.recv().await,
        json!({"type": "muted_by_host", "kind": "audio"})
    );
    let update = host.recv_type("participant_updated").await;
    assert_eq!(
        update["participant"]["media"],
        json!({"audio": false, "video": true})
    );

    // The guest may not mute the host back.
    let hanna = welcome["participants"][0]["id"].clone();
    guest
        .send(json!({"type": "mute", "id": hanna, "kind": "audio"}))
        .await;
    let error = guest.recv().await;
    assert_eq!(
        (error["code"].as_str(), error["fatal"].as_bool()),
        (Some("not_allowed"), Some(false))
    );

    // Switching on again is the guest's own decision.
    guest
        .send(json!({"type": "media_state", "media": {"audio": true, "video": true}}))
        .await;
    let update = host.recv_type("participant_updated").await;
    assert_eq!(update["participant"]["media"]["audio"], true);
}

#[tokio::test]
async fn sent_back_to_the_waiting_room_and_admitted_again() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    let (mut guest, welcome) = admitted(&app, &meeting, &mut host, "Gina").await;
    let gina = welcome["you"].clone();

    host.send(json!({"type": "send_to_waiting_room", "id": gina}))
        .await;
    assert_eq!(guest.recv_type("waiting").await["you"], gina);
    assert_eq!(host.recv_type("participant_left").await["id"], gina);
    let list = host.recv_type("waiting_list").await;
    assert_eq!(list["waiting"][0]["id"], gina);
    // Back in the waiting room, the guest cannot negotiate media.
    guest.send(json!({"type": "offer", "sdp": "v=0\r\n"})).await;
    assert_eq!(guest.recv().await["code"], "unexpected_message");

    host.send(json!({"type": "admit", "id": gina})).await;
    assert_eq!(guest.recv_type("welcome").await["you"], gina);
    // A host cannot send itself back or remove itself.
    let hanna = welcome["participants"][0]["id"].clone();
    host.send(json!({"type": "send_to_waiting_room", "id": hanna}))
        .await;
    assert_eq!(host.recv_type("error").await["code"], "unknown_participant");
}

#[tokio::test]
async fn a_locked_meeting_holds_guests_even_without_a_waiting_room() {
    let app = spawn_app().await;
    let meeting = app
        .create_meeting_with(json!({"waiting_room": false}))
        .await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    // Unlocked, without a waiting room: a guest walks in.
    let (_gus, answer) = app.join_with(&meeting, &meeting.guest, "Gus").await;
    assert_eq!(answer["type"], "welcome", "{answer}");
    host.recv_type("participant_joined").await;

    host.send(json!({"type": "lock", "locked": true})).await;
    assert_eq!(
        host.recv_type("meeting_updated").await["meeting"],
        json!({"kind": "open", "locked": true})
    );
    let (_gina, answer) = app.join_with(&meeting, &meeting.guest, "Gina").await;
    assert_eq!(answer["type"], "waiting", "{answer}");
    assert_eq!(answer["meeting"]["locked"], true);
    // Hosts still walk in.
    let (_h2, answer) = app.join_with(&meeting, &meeting.host, "Hugo").await;
    assert_eq!(answer["type"], "welcome", "{answer}");
}

#[tokio::test]
async fn ending_the_meeting_ends_it_for_everyone_including_the_waiting_room() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    let (mut guest, _) = admitted(&app, &meeting, &mut host, "Gina").await;
    let (mut waiting, _) = app.join_with(&meeting, &meeting.guest, "Wanda").await;
    host.send(json!({"type": "end_meeting"})).await;
    for client in [&mut host, &mut guest, &mut waiting] {
        let error = client.recv_type("error").await;
        assert_eq!(
            (error["code"].as_str(), error["fatal"].as_bool()),
            (Some("meeting_ended"), Some(true))
        );
        assert!(client.expect_close().await.is_some());
    }
}

#[tokio::test]
async fn a_consultation_ends_when_one_side_leaves() {
    let app = spawn_app().await;
    let meeting = app
        .create_meeting_with(json!({"kind": "consultation"}))
        .await;
    let (mut host, welcome) = app.join(&meeting, "Frau Schmidt").await;
    assert_eq!(welcome["meeting"]["kind"], "consultation");
    let (mut citizen, _) = admitted(&app, &meeting, &mut host, "Erika").await;
    citizen.send(json!({"type": "leave"})).await;
    assert_eq!(citizen.expect_close().await, Some(1000));
    assert_eq!(host.recv_type("error").await["code"], "meeting_ended");

    // In an open meeting, a guest leaving ends nothing.
    let open = app.create_meeting().await;
    let (mut host, _) = app.join(&open, "Hanna").await;
    let (mut guest, _) = admitted(&app, &open, &mut host, "Gina").await;
    guest.send(json!({"type": "leave"})).await;
    host.recv_type("participant_left").await;
    host.send(json!({"type": "lock", "locked": true})).await;
    assert_eq!(
        host.recv_type("meeting_updated").await["meeting"]["locked"],
        true
    );
}

#[tokio::test]
async fn a_hearing_needs_the_notice_acknowledged_and_knows_its_judges() {
    let app = spawn_app().await;
    let meeting = app.create_meeting_with(json!({"kind": "hearing"})).await;
    let judge_key = meeting.judge.clone().expect("a hearing has a judge link");
    let mut judge = app.connect(&meeting).await;
    judge.send(join_message(&judge_key, "Richterin Roth")).await;
    let answer = judge.recv().await;
    assert_eq!(
        (answer["code"].as_str(), answer["fatal"].as_bool()),
        (Some("notice_required"), Some(false))
    );
    let mut ack = join_message(&judge_key, "Richterin Roth");
    ack["notice_acknowledged"] = json!(true);
    judge.send(ack).await;
    let welcome = judge.recv().await;
    assert_eq!(welcome["role"], "judge", "{welcome}");
    assert_eq!(welcome["meeting"]["kind"], "hearing");

    // A guest must acknowledge too, then waits; the judge admits.
    let (mut guest, answer) = app.join_with(&meeting, &meeting.guest, "Zeuge").await;
    assert_eq!(answer["code"], "notice_required");
    let mut ack = join_message(&meeting.guest, "Zeuge");
    ack["notice_acknowledged"] = json!(true);
    guest.send(ack).await;
    let waiting = guest.recv().await;
    assert_eq!(waiting["type"], "waiting");
    judge.recv_type("waiting_list").await;
    judge
        .send(json!({"type": "admit", "id": waiting["you"]}))
        .await;
    let welcome = guest.recv_type("welcome").await;
    assert_eq!(welcome["participants"][0]["role"], "judge");
}

/// Sends a host message as a participant of `role` and reports whether it
/// was refused with `not_allowed`.
async fn refused(client: &mut Client, message: Value) -> bool {
    client.send(message).await;
    loop {
        let answer = client.recv().await;
        match answer["type"].as_str() {
            Some("error") => return answer["code"] == "not_allowed",
            // Any effect of the message means it was carried out.
            Some(
                "meeting_updated" | "invite_created" | "participant_updated" | "dial_out_status",
            ) => return false,
            _ => continue,
        }
    }
}

#[tokio::test]
async fn every_signalling_message_follows_the_permission_table_for_every_meeting_role() {
    let app = spawn_app().await;
    for (role, wire_role) in [
        (Role::Host, "host"),
        (Role::Judge, "judge"),
        (Role::Guest, "guest"),
    ] {
        let (meeting, mut actor, welcome) = app.join_hearing_as(role).await;
        assert_eq!(welcome["role"], wire_role, "{welcome}");
        // A target who stays: a second participant with the judge link.
        let mut join = join_message(meeting.judge.as_deref().unwrap(), "Target");
        join["notice_acknowledged"] = json!(true);
        let (_target, target_welcome) = app.join_with_message(&meeting, join).await;
        let target = target_welcome["you"].clone();

        // Messages whose effect the actor sees, and that leave the target
        // in place (remove, send back and end are checked with a target
        // each below).
        let cases = [
            (
                Action::MuteOthers,
                json!({"type": "mute", "id": target, "kind": "video"}),
            ),
            (Action::Lock, json!({"type": "lock", "locked": false})),
            (Action::Invite, json!({"type": "invite", "role": "guest"})),
            // SIP is off here: a host hears that dial-out is unavailable.
            (
                Action::DialOut,
                json!({"type": "dial_out", "uri": "sip:room@127.0.0.1"}),
            ),
        ];
        for (action, message) in cases {
            let expected_refused = !access::allows(role, action);
            assert_eq!(
                refused(&mut actor, message.clone()).await,
                expected_refused,
                "{wire_role}: {message}"
            );
        }
        // Admit/reject a nobody: allowed roles get unknown_participant, the
        // others not_allowed.
        for (action, message) in [
            (Action::Admit, json!({"type": "admit", "id": 999_999})),
            (Action::Admit, json!({"type": "reject", "id": 999_999})),
            (
                Action::SendToWaitingRoom,
                json!({"type": "send_to_waiting_room", "id": 999_999}),
            ),
            (Action::Remove, json!({"type": "remove", "id": 999_999})),
        ] {
            actor.send(message.clone()).await;
            let error = actor.recv_type("error").await;
            let expected = if access::allows(role, action) {
                "unknown_participant"
            } else {
                "not_allowed"
            };
            assert_eq!(error["code"], expected, "{wire_role}: {message}");
        }
        // Taking part is for everyone in the meeting.
        assert!(access::allows(role, Action::TakePart));
        actor
            .send(json!({"type": "media_state", "media": {"audio": false, "video": true}}))
            .await;
        // Tile sizes (simulcast layer choice) are taking part too; an id
        // that is nobody is simply nothing to choose a layer for. No
        // answer: the next error read below is the end's.
        actor
            .send(json!({"type": "tiles", "tiles": [{"id": target, "height": 180}, {"id": 999_999, "height": null}]}))
            .await;
        // Ending last: the end of this meeting for the allowed roles.
        actor.send(json!({"type": "end_meeting"})).await;
        let answer = actor.recv_type("error").await;
        let expected = if access::allows(role, Action::EndForAll) {
            "meeting_ended"
        } else {
            "not_allowed"
        };
        assert_eq!(answer["code"], expected, "{wire_role}");
    }
}

#[tokio::test]
async fn pin_attempts_and_host_actions_are_audited_without_pins() {
    use civicmeet_store::{AuditAction, AuditQuery};
    let app = spawn_app().await;
    let meeting = app.create_meeting_with(json!({"guest_pin": "97531"})).await;
    let (mut host, _) = app.join(&meeting, "Hanna").await;
    let mut guest = app.connect(&meeting).await;
    let mut join = join_message(&meeting.guest, "Gina");
    join["pin"] = json!("11111");
    guest.send(join.clone()).await;
    assert_eq!(guest.recv().await["code"], "pin_wrong");
    join["pin"] = json!("97531");
    guest.send(join).await;
    let waiting = guest.recv().await;
    assert_eq!(waiting["type"], "waiting");
    let gina = waiting["you"].clone();
    host.recv_type("waiting_list").await;
    host.send(json!({"type": "admit", "id": gina})).await;
    guest.recv_type("welcome").await;
    host.send(json!({"type": "mute", "id": gina, "kind": "audio"}))
        .await;
    guest.recv_type("muted_by_host").await;
    host.send(json!({"type": "lock", "locked": true})).await;
    host.recv_type("meeting_updated").await;
    host.send(json!({"type": "remove", "id": gina})).await;
    guest.recv_type("error").await;
    host.send(json!({"type": "end_meeting"})).await;
    host.recv_type("error").await;

    let db = crate::api_support::store(&app).await;
    let query = AuditQuery {
        meeting: Some(meeting.id.clone()),
        ..AuditQuery::default()
    };
    let mut entries = db.audit_entries(&query).await.unwrap();
    entries.reverse();
    let actions: Vec<AuditAction> = entries.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::PinFailed,
            AuditAction::PinAccepted,
            AuditAction::Admitted,
            AuditAction::Muted,
            AuditAction::MeetingLocked,
            AuditAction::Removed,
            AuditAction::MeetingEnded,
        ]
    );
    // Who did it to whom: the host acts on Gina; never a PIN in the log.
    let admitted = &entries[2];
    assert!(
        admitted.actor.starts_with("host:") && admitted.actor.ends_with("Hanna"),
        "{admitted:?}"
    );
    assert_eq!(
        admitted.subject.as_deref(),
        Some(format!("guest:{gina} Gina").as_str())
    );
    assert_eq!(entries[3].detail.as_deref(), Some("microphone"));
    assert!(entries[0].actor.contains("Gina"));
    for entry in &entries {
        let text = format!("{entry:?}");
        assert!(!text.contains("97531") && !text.contains("11111"), "{text}");
        assert!(
            !text.contains(&meeting.guest) && !text.contains(&meeting.host),
            "no keys: {text}"
        );
    }
}

#[tokio::test]
async fn a_consultation_survives_a_dropped_socket_that_comes_back_in_time() {
    let temp = tempfile::tempdir().unwrap();
    let mut config = civicmeet::Config::default();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.media.listen = "127.0.0.1:0".parse().unwrap();
    config.storage.data_dir = temp.path().to_path_buf();
    config.booking.seed_demo = false;
    config.meetings.rejoin_grace_secs = 1;
    let app = common::spawn_app_with_config(config).await;
    let meeting = app
        .create_meeting_with(json!({"kind": "consultation"}))
        .await;
    let (mut host, _) = app.join(&meeting, "Frau Schmidt").await;

    // The citizen's page reloads: the socket closes without `leave`, and
    // the same link is back within the grace period.
    let (citizen, _) = admitted(&app, &meeting, &mut host, "Erika").await;
    citizen.close().await;
    host.recv_type("participant_left").await;
    let (_citizen, _) = admitted(&app, &meeting, &mut host, "Erika").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    host.send(json!({"type": "lock", "locked": true})).await;
    assert_eq!(
        host.recv_type("meeting_updated").await["meeting"]["locked"],
        true,
        "still in the consultation after the grace period"
    );
    drop(_citizen);

    // Gone for good: the consultation ends once the grace period is over.
    let meeting = app
        .create_meeting_with(json!({"kind": "consultation"}))
        .await;
    let (mut host, _) = app.join(&meeting, "Frau Schmidt").await;
    let (citizen, _) = admitted(&app, &meeting, &mut host, "Erika").await;
    citizen.close().await;
    assert_eq!(host.recv_type("error").await["code"], "meeting_ended");
}
