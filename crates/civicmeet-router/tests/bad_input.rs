//! Hostile or broken input: it is refused or dropped, and calls go on.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use civicmeet_router::{ParticipantId, RoomId, RouterError};
use common::Sim;

const ROOM: RoomId = RoomId(1);

/// Datagrams that look like each protocol on the port (STUN, DTLS, RTP,
/// RTCP) but are not, plus plain noise. First bytes pick the demultiplexer
/// branch (RFC 7983).
fn garbage() -> Vec<Vec<u8>> {
    let mut all = vec![
        vec![],
        vec![0x00],
        vec![0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42], // truncated STUN
        vec![0x16, 0xfe, 0xfd, 0x00, 0x00],                   // truncated DTLS
        vec![0x80, 0x60, 0x00, 0x01],                         // truncated RTP
        vec![0x81, 0xc8, 0x00, 0x06, 0, 0, 0, 1],             // truncated RTCP SR
        vec![0xff; 1500],
    ];
    let mut x: u32 = 0x1234_5678;
    for len in [12, 20, 100, 1200] {
        all.push(
            (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect(),
        );
    }
    // A well-formed RTP header with an SSRC nobody announced.
    let mut rtp = vec![0x80, 0x60, 0x12, 0x34, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef];
    rtp.resize(200, 0);
    all.push(rtp);
    all
}

#[test]
fn garbage_datagrams_are_dropped_and_the_call_goes_on() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    let c = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));
    let before: Vec<_> = [(a, b), (b, c), (c, a)]
        .iter()
        .map(|&(r, s)| sim.peer(r).received_from(s).video)
        .collect();

    let stranger: SocketAddr = "10.9.9.9:4444".parse().unwrap();
    let router_addr = sim.router_addr;
    let now = sim.now;
    let dropped = sim.router.stats().datagrams_dropped;
    for datagram in garbage() {
        assert!(
            !sim.router
                .handle_datagram(now, stranger, router_addr, &datagram)
        );
    }
    assert_eq!(
        sim.router.stats().datagrams_dropped,
        dropped + garbage().len() as u64
    );

    sim.run_for(Duration::from_secs(1));
    let after: Vec<_> = [(a, b), (b, c), (c, a)]
        .iter()
        .map(|&(r, s)| sim.peer(r).received_from(s).video)
        .collect();
    for (before, after) in before.iter().zip(&after) {
        assert!(after >= &(before + 25), "{before} -> {after}");
    }
    assert!(sim.disconnected.is_empty());
}

#[test]
fn garbage_from_a_participants_own_address_ends_no_call() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    let c = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(2));

    // A spoofed source: the datagrams reach a's Rtc.
    let spoofed = sim.peer(a).addr;
    let router_addr = sim.router_addr;
    for datagram in garbage() {
        let now = sim.now;
        sim.router
            .handle_datagram(now, spoofed, router_addr, &datagram);
        sim.run_for(Duration::from_millis(5));
    }
    let b_from_c = sim.peer(b).received_from(c).video;
    sim.run_for(Duration::from_secs(1));
    assert!(sim.peer(b).received_from(c).video >= b_from_c + 25);
    let a_from_b = sim.peer(a).received_from(b).video;
    sim.run_for(Duration::from_secs(1));
    assert!(sim.peer(a).received_from(b).video >= a_from_b + 25);
    assert!(sim.disconnected.is_empty(), "{:?}", sim.disconnected);
}

#[test]
fn bad_sdp_is_refused_without_disturbing_others() {
    let mut sim = Sim::new();
    let a = sim.join(ROOM, true, true);
    let b = sim.join(ROOM, true, true);
    sim.run_for(Duration::from_secs(1));

    let now = sim.now;
    let newcomer = ParticipantId(99);
    sim.router.add_participant(now, ROOM, newcomer).unwrap();
    for sdp in ["", "v=0", "not sdp at all", &"a=x\r\n".repeat(10_000)] {
        let err = sim.router.accept_offer(now, newcomer, sdp).unwrap_err();
        assert!(
            matches!(
                err,
                RouterError::SdpParse(_) | RouterError::SdpNegotiation(_)
            ),
            "{err:?}"
        );
    }
    assert!(matches!(
        sim.router.accept_answer(now, newcomer, "v=0"),
        Err(RouterError::SdpParse(_) | RouterError::NoPendingOffer)
    ));
    assert!(matches!(
        sim.router.accept_offer(now, ParticipantId(1234), "v=0"),
        Err(RouterError::UnknownParticipant(_))
    ));
    assert!(matches!(
        sim.router.add_participant(now, ROOM, a),
        Err(RouterError::DuplicateParticipant(_))
    ));
    sim.router.remove_participant(now, newcomer);
    sim.router.remove_participant(now, newcomer);

    let before = sim.peer(b).received_from(a).video;
    sim.run_for(Duration::from_secs(1));
    assert!(sim.peer(b).received_from(a).video >= before + 25);
}
