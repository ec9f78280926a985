//! ICE restart after a network change (issue 6, resilience), on the
//! virtual clock. A peer whose network goes away is not dropped when the
//! router's ICE-lite agent reports the loss (15 s after its last check):
//! it has a grace period to come back. A new offer with new ICE credentials
//! from a new address (Wi-Fi to mobile) brings its media back both ways;
//! without one it is disconnected once the grace period is over.

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use civicmeet_router::{ParticipantId, RoomId};
use common::Sim;
use str0m::Candidate;
use str0m::change::SdpAnswer;

const ROOM: RoomId = RoomId(1);

/// The peer is on a new network at `addr` and restarts ICE as a browser
/// does: a new offer with new credentials (and no old candidates) through
/// signalling, then checks from its new address.
fn restart_ice_from(sim: &mut Sim, id: ParticipantId, addr: SocketAddr) {
    let now = sim.now;
    let peer = sim.peer_mut(id);
    let mut change = peer.rtc.sdp_api();
    change.ice_restart(false);
    let (offer, pending) = change.apply().expect("an ICE restart makes an offer");
    let answer = sim
        .router
        .accept_offer(now, id, &offer.to_sdp_string())
        .expect("the router takes an offer that restarts ICE");
    let answer = SdpAnswer::from_sdp_string(&answer).expect("the router's answer parses");
    let peer = sim.peer_mut(id);
    peer.rtc
        .sdp_api()
        .accept_answer(pending, answer)
        .expect("the peer accepts the router's answer");
    peer.rtc
        .add_local_candidate(Candidate::host(addr, "udp").expect("a valid address"))
        .expect("the new address is a candidate");
    peer.addr = addr;
    peer.offline = false;
}

fn new_network(last_octet: u8) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 2, last_octet)), 6_000)
}

#[test]
fn a_peer_that_restarts_ice_from_a_new_network_within_the_grace_period_comes_back() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));
    assert!(sim.peer(b).received_from(a).video > 0);

    // The old network is gone. Long enough that the router's ICE-lite
    // agent has given up on the old path (15 s without a check).
    sim.peer_mut(a).offline = true;
    sim.run_for(Duration::from_secs(18));
    assert!(
        sim.disconnected.is_empty(),
        "within the grace period: {:?}",
        sim.disconnected
    );

    restart_ice_from(&mut sim, a, new_network(1));
    // Checks, DTLS carrying on, a keyframe, and the frames the peer could
    // not send while away (the simulation sends them in one burst).
    sim.run_for(Duration::from_secs(3));
    let (b_from_a, a_from_b) = (sim.peer(b).received_from(a), sim.peer(a).received_from(b));
    sim.run_for(Duration::from_secs(3));
    let (b_now, a_now) = (sim.peer(b).received_from(a), sim.peer(a).received_from(b));
    // Three seconds at 30 fps and 50 audio frames/s, with some slack.
    assert!(
        b_now.video >= b_from_a.video + 60,
        "{b_from_a:?} -> {b_now:?}"
    );
    assert!(
        b_now.audio >= b_from_a.audio + 100,
        "{b_from_a:?} -> {b_now:?}"
    );
    assert!(
        a_now.video >= a_from_b.video + 60,
        "{a_from_b:?} -> {a_now:?}"
    );
    assert!(
        a_now.audio >= a_from_b.audio + 100,
        "{a_from_b:?} -> {a_now:?}"
    );
    assert!(sim.disconnected.is_empty(), "{:?}", sim.disconnected);
    assert_eq!(sim.router.participant_count(), 2);

    // And it keeps flowing past the end of the grace period: coming back
    // called the disconnection off.
    sim.run_for(Duration::from_secs(20));
    assert!(sim.disconnected.is_empty(), "{:?}", sim.disconnected);
    assert!(sim.peer(b).received_from(a).video >= b_now.video + 500);
}

#[test]
fn a_peer_that_does_not_restart_ice_is_disconnected_after_the_grace_period() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));
    sim.peer_mut(a).offline = true;

    // ICE-lite gives up on the path after at most 15 s; the grace period
    // of 20 s runs from then.
    sim.run_for(Duration::from_secs(25));
    assert!(
        sim.disconnected.is_empty(),
        "still in the grace period: {:?}",
        sim.disconnected
    );
    sim.run_for(Duration::from_secs(20));
    assert_eq!(sim.disconnected, [a], "gone once the grace period is over");
    assert!(!sim.disconnected.contains(&b));
}

#[test]
fn a_restart_that_never_gets_through_is_disconnected_after_the_grace_period() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));

    // The browser notices first and restarts at once, but its new network
    // does not carry UDP either: the router's side of the restart never
    // sees a check.
    sim.peer_mut(a).offline = true;
    sim.run_for(Duration::from_secs(3));
    restart_ice_from(&mut sim, a, new_network(2));
    sim.peer_mut(a).offline = true;

    sim.run_for(Duration::from_secs(15));
    assert!(
        sim.disconnected.is_empty(),
        "still in the grace period: {:?}",
        sim.disconnected
    );
    sim.run_for(Duration::from_secs(10));
    assert_eq!(sim.disconnected, [a], "gone once the grace period is over");
    assert!(sim.peer(b).rtc.is_connected());
}
