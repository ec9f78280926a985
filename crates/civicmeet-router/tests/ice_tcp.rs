//! ICE over TCP (RFC 6544): a browser that cannot send UDP connects to the
//! shell's TCP port; the router announces that port as a passive candidate,
//! takes the frames the shell cuts from the stream, and marks what goes
//! back as TCP. Here a str0m peer plays the browser, as the active side,
//! on a virtual clock; the "connection" is the frames handed across.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use civicmeet_router::{ParticipantId, RoomId, Router, RouterConfig, RouterEvent, Transport};
use str0m::change::SdpAnswer;
use str0m::media::{Direction, MediaKind};
use str0m::net::{Protocol, Receive, TcpType};
use str0m::{Candidate, Event, Input, Output, Rtc};

const UDP: &str = "192.0.2.1:10000";
const TCP: &str = "192.0.2.1:443";
const BROWSER: &str = "198.51.100.7:53211";

fn router() -> Router {
    let mut config = RouterConfig::new(UDP.parse().unwrap());
    config.tcp_candidate_addrs = vec![TCP.parse().unwrap()];
    Router::new(config).expect("valid candidates")
}

/// A str0m peer behind a firewall that lets only TCP out: its one local
/// candidate is an active TCP one.
fn tcp_only_peer(now: Instant) -> Rtc {
    let mut rtc = Rtc::builder()
        .clear_codecs()
        .enable_opus(true, false)
        .enable_vp8(true)
        .build(now);
    let local = Candidate::builder()
        .tcp()
        .host(BROWSER.parse().unwrap())
        .tcptype(TcpType::Active)
        .build()
        .expect("a valid candidate");
    rtc.add_local_candidate(local).expect("candidate accepted");
    rtc
}

#[test]
fn the_answer_announces_a_passive_tcp_candidate_besides_udp() {
    let now = Instant::now();
    let mut router = router();
    let mut peer = tcp_only_peer(now);
    let mut change = peer.sdp_api();
    change.add_media(MediaKind::Audio, Direction::SendRecv, None, None, None);
    let (offer, _) = change.apply().expect("an offer");
    let id = ParticipantId(1);
    router.add_participant(now, RoomId(1), id).unwrap();
    let answer = router
        .accept_offer(now, id, &offer.to_sdp_string())
        .unwrap();
    let candidates: Vec<&str> = answer
        .lines()
        .filter(|l| l.starts_with("a=candidate"))
        .collect();
    assert!(
        candidates
            .iter()
            .any(|c| c.contains(" udp ") && c.contains("192.0.2.1 10000 typ host")),
        "{candidates:?}"
    );
    assert!(
        candidates
            .iter()
            .any(|c| c.contains(" tcp ") && c.contains("192.0.2.1 443 typ host tcptype passive")),
        "{candidates:?}"
    );
}

#[test]
fn a_browser_connects_over_tcp_and_everything_back_goes_over_tcp() {
    let start = Instant::now();
    let mut now = start;
    let mut router = router();
    let mut peer = tcp_only_peer(now);
    let mut change = peer.sdp_api();
    change.add_media(MediaKind::Audio, Direction::SendRecv, None, None, None);
    let (offer, pending) = change.apply().expect("an offer");
    let id = ParticipantId(1);
    router.add_participant(now, RoomId(1), id).unwrap();
    let answer = router
        .accept_offer(now, id, &offer.to_sdp_string())
        .unwrap();
    peer.sdp_api()
        .accept_answer(pending, SdpAnswer::from_sdp_string(&answer).unwrap())
        .unwrap();

    let (browser, server): (SocketAddr, SocketAddr) =
        (BROWSER.parse().unwrap(), TCP.parse().unwrap());
    let mut peer_connected = false;
    let mut router_connected = false;
    let mut frames_up = 0;
    let mut frames_down = 0;
    while now < start + Duration::from_secs(5) && !(peer_connected && router_connected) {
        // The peer's output: frames onto the TCP connection.
        let peer_timeout = loop {
            match peer.poll_output().expect("peer output") {
                Output::Timeout(t) => break t,
                Output::Transmit(t) => {
                    assert_eq!(t.proto, Protocol::Tcp, "a TCP-only peer sends nothing else");
                    assert_eq!(t.destination, server);
                    frames_up += 1;
                    assert!(router.handle_tcp_frame(now, t.source, t.destination, &t.contents));
                }
                // ICE and DTLS are up.
                Output::Event(Event::Connected) => peer_connected = true,
                Output::Event(_) => {}
            }
        };
        // The router's output: everything for this browser goes back on TCP.
        while let Some(t) = router.poll_transmit() {
            assert_eq!(t.transport, Transport::Tcp, "{t:?}");
            assert_eq!((t.source, t.destination), (server, browser));
            frames_down += 1;
            let receive = Receive::new(Protocol::Tcp, t.source, t.destination, &t.contents)
                .expect("a frame the peer can parse");
            peer.handle_input(Input::Receive(now, receive))
                .expect("peer input");
        }
        while let Some(event) = router.poll_event() {
            if event == (RouterEvent::Connected { participant: id }) {
                router_connected = true;
            }
        }
        let next = router
            .poll_timeout()
            .map_or(peer_timeout, |t| t.min(peer_timeout));
        now = next.max(now + Duration::from_millis(1));
        peer.handle_input(Input::Timeout(now))
            .expect("peer timeout");
        router.handle_timeout(now);
    }
    assert!(
        peer_connected && router_connected,
        "ICE and DTLS came up over TCP: peer {peer_connected}, router {router_connected}, \
         {frames_up} up, {frames_down} down"
    );
    assert!(
        frames_up > 2 && frames_down > 2,
        "{frames_up} up, {frames_down} down"
    );
    assert_eq!(router.stats().datagrams_dropped, 0);
}

#[test]
fn a_tcp_frame_nobody_accepts_is_dropped_and_counted() {
    let mut router = router();
    let now = Instant::now();
    router
        .add_participant(now, RoomId(1), ParticipantId(1))
        .unwrap();
    for garbage in [
        &b""[..],
        b"\x00\x01\x00\x08",
        &[0x16, 0xfe, 0xfd],
        &[0xff; 1200],
    ] {
        assert!(!router.handle_tcp_frame(
            now,
            BROWSER.parse().unwrap(),
            TCP.parse().unwrap(),
            garbage
        ));
    }
    assert_eq!(router.stats().datagrams_dropped, 4);
    assert!(router.poll_transmit().is_none());
}
