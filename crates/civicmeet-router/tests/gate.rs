//! The publish gate: a host's mute and camera stop, enforced by the router
//! whatever the muted participant's browser keeps sending.

mod common;

use std::time::Duration;

use civicmeet_router::{ParticipantId, RoomId, RouterError, TrackKind};
use common::Sim;
use str0m::media::MediaKind;

const ROOM: RoomId = RoomId(1);

fn set(sim: &mut Sim, id: ParticipantId, kind: TrackKind, allowed: bool) {
    let now = sim.now;
    sim.router
        .set_publishing(now, id, kind, allowed)
        .expect("a participant of the router");
}

/// Runs in small steps after `publisher`'s video reopened, checking that
/// no subscriber gets a video frame of it before a keyframe: a delta frame
/// first would decode as a broken picture. Returns when every subscriber
/// had one, with how long that took.
fn first_video_is_a_keyframe(
    sim: &mut Sim,
    publisher: ParticipantId,
    subscribers: &[ParticipantId],
) -> Duration {
    let started = sim.now;
    let before: Vec<_> = subscribers
        .iter()
        .map(|s| sim.peer(*s).received_from(publisher))
        .collect();
    while sim.now - started < Duration::from_secs(3) {
        sim.run_for(Duration::from_millis(5));
        let mut all = true;
        for (s, before) in subscribers.iter().zip(&before) {
            let now = sim.peer(*s).received_from(publisher);
            if now.video > before.video {
                assert!(
                    now.keyframes > before.keyframes,
                    "{s} got a delta frame of {publisher} before a keyframe: {before:?} → {now:?}"
                );
            } else {
                all = false;
            }
        }
        if all {
            return sim.now - started;
        }
    }
    panic!("no video of {publisher} within 3 s of reopening");
}

#[test]
fn closed_audio_reaches_nobody_while_video_and_the_others_flow() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    let c = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));
    assert!(sim.peer(b).received_from(a).audio > 0);

    set(&mut sim, a, TrackKind::Audio, false);
    assert_eq!(sim.router.publishing(a, TrackKind::Audio), Some(false));
    assert_eq!(sim.router.publishing(a, TrackKind::Video), Some(true));
    let b_from_a = sim.peer(b).received_from(a);
    let c_from_a = sim.peer(c).received_from(a);
    let a_from_b = sim.peer(a).received_from(b);
    let a_from_c = sim.peer(a).received_from(c);
    let gated = sim.router.stats().gated_frames;
    sim.run_for(Duration::from_secs(3));

    for (s, before) in [(b, b_from_a), (c, c_from_a)] {
        let after = sim.peer(s).received_from(a);
        assert_eq!(after.audio, before.audio, "{s} heard the muted {a}");
        assert!(after.video >= before.video + 80, "{s} got {after:?}");
    }
    for (sender, before) in [(b, a_from_b), (c, a_from_c)] {
        let after = sim.peer(a).received_from(sender);
        assert!(after.audio >= before.audio + 140, "{a} got {after:?}");
        assert!(after.video >= before.video + 80, "{a} got {after:?}");
    }
    // 50 audio frames a second for 3 s, dropped once each at the router.
    let gated = sim.router.stats().gated_frames - gated;
    assert!((140..=160).contains(&gated), "{gated} frames gated");

    set(&mut sim, a, TrackKind::Audio, true);
    sim.run_for(Duration::from_secs(1));
    for (s, before) in [(b, b_from_a), (c, c_from_a)] {
        let after = sim.peer(s).received_from(a);
        assert!(after.audio >= before.audio + 45, "{s} got {after:?}");
    }
}

#[test]
fn reopened_video_restarts_from_a_requested_keyframe() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    let c = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));

    set(&mut sim, a, TrackKind::Video, false);
    let b_from_a = sim.peer(b).received_from(a);
    let requests = sim.peer(a).keyframe_requests_seen;
    sim.run_for(Duration::from_secs(2));
    assert_eq!(sim.peer(b).received_from(a).video, b_from_a.video);
    assert!(
        sim.peer(b).received_from(a).audio >= b_from_a.audio + 90,
        "audio is not affected"
    );
    assert_eq!(sim.peer(a).keyframe_requests_seen, requests);

    set(&mut sim, a, TrackKind::Video, true);
    let mut waited = Duration::ZERO;
    while sim.peer(a).keyframe_requests_seen == requests {
        assert!(waited < Duration::from_millis(600), "no keyframe request");
        sim.run_for(Duration::from_millis(10));
        waited += Duration::from_millis(10);
    }
    let took = first_video_is_a_keyframe(&mut sim, a, &[b, c]);
    assert!(
        took <= Duration::from_millis(600),
        "video resumed after {took:?}"
    );

    sim.run_for(Duration::from_secs(2));
    for s in [b, c] {
        let after = sim.peer(s).received_from(a);
        assert!(after.video >= b_from_a.video + 50, "{s} got {after:?}");
        assert!(after.broken <= b_from_a.broken + 2, "{s} got {after:?}");
    }
}

#[test]
fn a_quick_close_and_reopen_still_restarts_from_a_keyframe() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));
    set(&mut sim, a, TrackKind::Video, false);
    sim.run_for(Duration::from_millis(500));
    set(&mut sim, a, TrackKind::Video, true);
    first_video_is_a_keyframe(&mut sim, a, &[b]);

    // A host who toggles again within the throttle interval: the second
    // reopening's request is deferred, and the frames until the keyframe
    // are held back rather than forwarded as a broken picture.
    sim.run_for(Duration::from_millis(100));
    set(&mut sim, a, TrackKind::Video, false);
    sim.run_for(Duration::from_millis(100));
    let requests = sim.peer(a).keyframe_requests_seen;
    let gated = sim.router.stats().gated_frames;
    set(&mut sim, a, TrackKind::Video, true);
    let took = first_video_is_a_keyframe(&mut sim, a, &[b]);
    assert!(
        took <= Duration::from_millis(600),
        "video came after {took:?}"
    );
    assert!(sim.peer(a).keyframe_requests_seen > requests);
    assert!(
        sim.router.stats().gated_frames > gated,
        "delta frames before the keyframe were held back"
    );
}

#[test]
fn a_joiner_while_audio_is_closed_hears_nothing_until_it_reopens() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(1));
    set(&mut sim, a, TrackKind::Audio, false);
    sim.run_for(Duration::from_millis(500));

    let late = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(3));
    let got = sim.peer(late).received_from(a);
    assert_eq!(got.audio, 0, "{late} heard the muted {a}");
    assert!(got.video >= 60, "{late} got {got:?}");
    assert!(sim.peer(late).received_from(b).audio >= 100);

    set(&mut sim, a, TrackKind::Audio, true);
    sim.run_for(Duration::from_secs(1));
    assert!(sim.peer(late).received_from(a).audio >= 45);
}

#[test]
fn a_joiner_while_video_is_closed_waits_for_a_keyframe() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(1));
    set(&mut sim, a, TrackKind::Video, false);
    let requests = sim.peer(a).keyframe_requests_seen;

    // The joiner's subscription asks for a keyframe; a closed gate keeps
    // that request from the publisher as it keeps the frames from the joiner.
    let late = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));
    assert_eq!(sim.peer(late).received_from(a).video, 0);
    assert!(sim.peer(late).received_from(a).audio >= 60);
    assert_eq!(sim.peer(a).keyframe_requests_seen, requests);

    set(&mut sim, a, TrackKind::Video, true);
    let took = first_video_is_a_keyframe(&mut sim, a, &[late]);
    assert!(
        took <= Duration::from_millis(600),
        "video came after {took:?}"
    );
}

#[test]
fn a_track_added_while_the_gate_is_closed_is_gated() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, false);
    let b = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(1));
    set(&mut sim, a, TrackKind::Video, false);

    // The camera comes on by renegotiation after the host stopped it.
    sim.publish_new_track(a, MediaKind::Video);
    sim.run_for(Duration::from_secs(2));
    assert_eq!(sim.peer(b).received_from(a).video, 0);
    assert!(
        sim.router.stats().gated_frames >= 50,
        "the new track's frames reached the router and were dropped"
    );

    set(&mut sim, a, TrackKind::Video, true);
    first_video_is_a_keyframe(&mut sim, a, &[b]);
    sim.run_for(Duration::from_secs(1));
    assert!(sim.peer(b).received_from(a).video >= 25);
}

#[test]
fn setting_the_current_state_again_changes_nothing() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));
    let requests = sim.peer(a).keyframe_requests_seen;

    set(&mut sim, a, TrackKind::Video, true);
    set(&mut sim, a, TrackKind::Audio, true);
    let before = sim.peer(b).received_from(a);
    sim.run_for(Duration::from_secs(1));
    assert_eq!(sim.peer(a).keyframe_requests_seen, requests);
    let after = sim.peer(b).received_from(a);
    assert!(after.audio >= before.audio + 45 && after.video >= before.video + 25);

    set(&mut sim, a, TrackKind::Audio, false);
    set(&mut sim, a, TrackKind::Audio, false);
    set(&mut sim, a, TrackKind::Audio, true);
    let before = sim.peer(b).received_from(a);
    sim.run_for(Duration::from_secs(1));
    assert!(sim.peer(b).received_from(a).audio >= before.audio + 45);
    assert_eq!(sim.router.stats().gated_frames, 0);
}

#[test]
fn a_gate_on_an_unknown_participant_is_refused_and_calls_go_on() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(1));

    let stranger = ParticipantId(99);
    let now = sim.now;
    let err = sim
        .router
        .set_publishing(now, stranger, TrackKind::Audio, false)
        .expect_err("nobody to gate");
    assert!(matches!(err, RouterError::UnknownParticipant(p) if p == stranger));
    assert_eq!(sim.router.publishing(stranger, TrackKind::Audio), None);

    sim.leave(b);
    let err = sim
        .router
        .set_publishing(now, b, TrackKind::Video, false)
        .expect_err("b left");
    assert!(matches!(err, RouterError::UnknownParticipant(p) if p == b));

    let c = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));
    let got = sim.peer(c).received_from(a);
    assert!(got.audio >= 60 && got.video >= 40, "{got:?}");
    assert_eq!(sim.router.stats().gated_frames, 0);
}
