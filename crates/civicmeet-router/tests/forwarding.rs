//! Scenarios of the router with simulated str0m peers on a virtual clock.

mod common;

use std::time::Duration;

use civicmeet_router::RoomId;
use common::{Loss, Sim};
use str0m::format::Codec;

const ROOM: RoomId = RoomId(1);

#[test]
fn three_peers_receive_each_others_audio_and_video() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    let c = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(3));

    for (receiver, senders) in [(a, [b, c]), (b, [a, c]), (c, [a, b])] {
        for sender in senders {
            let got = sim.peer(receiver).received_from(sender);
            // Two of three seconds at 30 fps and 50 audio frames/s is a
            // generous floor for set-up time (ICE, DTLS, renegotiation).
            assert!(got.video >= 60, "{receiver} got {got:?} from {sender}");
            assert!(sim.peer(receiver).vp8_frames >= 120);
            assert!(got.audio >= 100, "{receiver} got {got:?} from {sender}");
            assert!(
                got.keyframes >= 1,
                "{receiver} got no keyframe from {sender}"
            );
        }
        assert_eq!(
            sim.peer(receiver).received_from(receiver),
            Default::default(),
            "nobody receives their own media back"
        );
    }
}

#[test]
fn rooms_are_separate() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    let x = sim.join(RoomId(2), true, true);
    let y = sim.join(RoomId(2), true, true);
    sim.run_for(Duration::from_secs(2));

    assert!(sim.peer(a).received_from(b).video > 0);
    assert!(sim.peer(x).received_from(y).video > 0);
    for (receiver, stranger) in [(a, x), (a, y), (b, x), (x, a), (y, b)] {
        assert_eq!(
            sim.peer(receiver).received_from(stranger),
            Default::default()
        );
    }
}

#[test]
fn a_leaving_peer_stops_being_forwarded() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    let c = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));
    assert!(sim.peer(b).received_from(a).video > 0);

    sim.leave(a);
    // The leaver's own browser would keep sending for a moment: its
    // datagrams must be dropped, not forwarded.
    sim.peer_mut(a).offline = false;
    sim.peer_mut(a).publishing = true;
    sim.run_for(Duration::from_millis(200));
    let frozen_b = sim.peer(b).received_from(a);
    let frozen_c = sim.peer(c).received_from(a);
    let before = sim.router.stats();
    sim.run_for(Duration::from_secs(2));

    assert_eq!(sim.peer(b).received_from(a), frozen_b);
    assert_eq!(sim.peer(c).received_from(a), frozen_c);
    assert!(
        sim.router.stats().datagrams_dropped > before.datagrams_dropped,
        "the leaver's datagrams are dropped"
    );
    // The others go on.
    let b_from_c = sim.peer(b).received_from(c).video;
    sim.run_for(Duration::from_secs(1));
    assert!(sim.peer(b).received_from(c).video >= b_from_c + 25);
    assert_eq!(sim.router.participant_count(), 2);
}

#[test]
fn a_peer_whose_network_vanishes_is_reported_disconnected() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));
    sim.peer_mut(a).offline = true;
    sim.run_for(Duration::from_secs(60));
    assert!(
        sim.disconnected.contains(&a),
        "ICE consent expiry must surface as Disconnected, got {:?}",
        sim.disconnected
    );
    assert!(!sim.disconnected.contains(&b));
}

#[test]
fn packet_loss_is_repaired_by_retransmission() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));
    let before = sim.peer(b).received_from(a);

    // 10% loss on both of b's directions: a frame of three packets
    // would survive only 73% of the time without NACK/RTX.
    sim.loss.insert(
        b,
        Loss {
            to_router: 10,
            to_peer: 10,
        },
    );
    sim.run_for(Duration::from_secs(6));
    let after = sim.peer(b).received_from(a);

    let sent = 6_000 / 33;
    let delivered = after.video - before.video;
    assert!(sim.dropped_by_loss > 100, "the link lost packets");
    assert!(
        delivered * 100 >= sent * 95,
        "{delivered} of {sent} frames arrived despite loss"
    );
    assert!(
        (after.broken - before.broken) * 100 <= delivered * 2,
        "frames were repaired, not delivered broken: {after:?}"
    );
}

#[test]
fn a_late_joiner_gets_a_keyframe() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(5));
    // Publishers send keyframes only at start and on request.
    let requests_before = sim.peer(a).keyframe_requests_seen;

    let late = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));
    for sender in [a, b] {
        let got = sim.peer(late).received_from(sender);
        assert!(got.keyframes >= 1, "late joiner got {got:?} from {sender}");
        assert!(got.video >= 30, "late joiner got {got:?} from {sender}");
    }
    assert!(sim.peer(a).keyframe_requests_seen > requests_before);
}

#[test]
fn peers_that_offer_only_h264_exchange_h264() {
    let mut sim = Sim::new();
    let a = sim.join_with(ROOM, true, true, Codec::H264);
    let b = sim.join_with(ROOM, true, true, Codec::H264);
    sim.run_for(Duration::from_secs(2));
    for (receiver, sender) in [(a, b), (b, a)] {
        let got = sim.peer(receiver).received_from(sender);
        assert!(got.video >= 50, "{receiver} got {got:?} from {sender}");
        assert!(got.keyframes >= 1, "{receiver} got no IDR from {sender}");
        let peer = sim.peer(receiver);
        assert!(peer.h264_frames >= 50, "{} H.264 frames", peer.h264_frames);
        assert_eq!(peer.vp8_frames, 0);
    }
}

#[test]
fn two_joiners_in_quick_succession_both_get_a_keyframe() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(3));

    let first = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_millis(200));
    // The second one's request falls into the throttle interval of the
    // first: it must be deferred, not dropped.
    let second = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(1));
    for late in [first, second] {
        let got = sim.peer(late).received_from(a);
        assert!(got.keyframes >= 1, "{late} got {got:?}");
    }
}

#[test]
fn a_peer_without_camera_and_microphone_receives_the_others() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let listener = sim.join(ROOM, false, false);
    sim.run_for(Duration::from_secs(2));
    let got = sim.peer(listener).received_from(a);
    assert!(got.video >= 50 && got.audio >= 80, "{got:?}");
    assert_eq!(sim.peer(a).received_from(listener), Default::default());
}
