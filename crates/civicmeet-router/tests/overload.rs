//! A router short of CPU (the [`Cpu`] model of the simulation): it sheds
//! what it cannot send in time instead of queueing it without bound.

mod common;

use std::time::Duration;

use civicmeet_router::{ParticipantId, RoomId};
use common::{Cpu, Sim};

const ROOM: RoomId = RoomId(1);

/// Every (receiver, sender) pair of `peers`.
fn pairs(peers: &[ParticipantId]) -> impl Iterator<Item = (ParticipantId, ParticipantId)> + '_ {
    peers.iter().flat_map(move |&receiver| {
        peers
            .iter()
            .filter(move |&&sender| sender != receiver)
            .map(move |&sender| (receiver, sender))
    })
}

/// The longest any receiver's newest audio frame from anyone has been on
/// its way, at the end of the simulation.
fn worst_audio_delay(sim: &Sim, peers: &[ParticipantId]) -> Duration {
    pairs(peers)
        .map(|(receiver, sender)| {
            let (sent, arrived) = sim
                .peer(receiver)
                .received_from(sender)
                .last_audio
                .unwrap_or_else(|| panic!("{receiver} never heard {sender}"));
            arrived - (sim.start + sent)
        })
        .max()
        .unwrap_or_default()
}

#[test]
fn an_overloaded_router_sheds_late_audio_instead_of_queueing_it() {
    let mut sim = Sim::new();
    let peers: Vec<ParticipantId> = (0..12).map(|_| sim.join(ROOM, true, false)).collect();
    sim.run_for(Duration::from_secs(2));
    assert!(worst_audio_delay(&sim, &peers) < Duration::from_millis(50));
    assert_eq!(
        sim.router.stats().frames_shed,
        0,
        "a router that keeps up sheds nothing"
    );

    // 12 × 11 × 50 = 6,600 audio packets a second to send; this CPU
    // sends at most 4,000.
    sim.cpu = Some(OVERLOADED);
    for _ in 0..2 {
        let before = heard(&sim, &peers);
        sim.run_for(Duration::from_secs(10));
        // Without shedding the delay grows by about 0.4 s every second
        // (4.4 s after these ten) and the server's queues with it.
        let delay = worst_audio_delay(&sim, &peers);
        assert!(
            delay < Duration::from_secs(1),
            "{delay:?}: {:?}",
            sim.router.stats()
        );
        for ((pair, now), (_, then)) in heard(&sim, &peers).into_iter().zip(before) {
            assert!(now > then, "{pair:?}: nothing heard in ten seconds");
        }
    }
    assert!(sim.router.stats().frames_shed > 0);
}

/// A CPU too slow for what the scenarios send.
const OVERLOADED: Cpu = Cpu {
    per_call: Duration::from_micros(20),
    per_datagram: Duration::from_micros(250),
};

/// How many audio frames each receiver got from each sender.
fn heard(sim: &Sim, peers: &[ParticipantId]) -> Vec<((ParticipantId, ParticipantId), u64)> {
    pairs(peers)
        .map(|(receiver, sender)| {
            let audio = sim.peer(receiver).received_from(sender).audio;
            ((receiver, sender), audio)
        })
        .collect()
}

#[test]
fn an_overloaded_router_resumes_shed_video_only_on_a_keyframe() {
    let mut sim = Sim::new();
    let peers: Vec<ParticipantId> = (0..6).map(|_| sim.join(ROOM, true, true)).collect();
    sim.run_for(Duration::from_secs(2));
    sim.cpu = Some(OVERLOADED);
    sim.run_for(Duration::from_secs(20));
    let mut gaps = 0;
    for (receiver, sender) in pairs(&peers) {
        let got = sim.peer(receiver).received_from(sender);
        gaps += got.video_gaps;
        assert_eq!(
            got.resumed_without_keyframe, 0,
            "{receiver} got video from {sender} it could not decode: {got:?}"
        );
    }
    assert!(gaps > 0, "no video was shed: {:?}", sim.router.stats());
    assert!(worst_audio_delay(&sim, &peers) < Duration::from_secs(1));
}
