//! Real SDP and real media through the running server: str0m peers (an
//! independent WebRTC stack, not our router) on loopback UDP, signalling
//! over the real WebSocket. Also: bad input from strangers, on both the
//! socket and the media port, while a call runs, and the call goes on.

use crate::common;
use crate::str0m_peer::Str0mPeer as Peer;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{TestApp, TestMeeting, spawn_app};
use serde_json::json;
use str0m::Rtc;
use str0m::media::{Direction, MediaKind};
use tokio::net::UdpSocket;

/// A peer whose frames carry its id (the router forwards them untouched).
async fn join(app: &TestApp, meeting: &TestMeeting, name: &str) -> Peer {
    let payload = Box::new(|id: u64, _frame: u64| {
        let mut payload = vec![0xfc, id as u8];
        payload.resize(60, 0x55);
        payload
    });
    Peer::join(app, meeting, name, payload).await
}

/// Steps all peers until `done` holds; fails after `limit`.
async fn pump(
    peers: &mut [&mut Peer],
    limit: Duration,
    what: &str,
    done: impl Fn(&[&mut Peer]) -> bool,
) {
    let start = Instant::now();
    while !done(peers) {
        assert!(start.elapsed() < limit, "timed out waiting for: {what}");
        for peer in peers.iter_mut() {
            peer.step().await;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn two_str0m_peers_hear_each_other_and_strangers_cannot_disturb_them() {
    let app = spawn_app().await;
    let meeting = app.create_meeting().await;
    let mut ada = join(&app, &meeting, "Ada").await;
    let mut bob = join(&app, &meeting, "Bob").await;

    pump(
        &mut [&mut ada, &mut bob],
        Duration::from_secs(10),
        "both connected and hearing each other",
        |p| {
            p.iter()
                .all(|peer| peer.connected && peer.received.len() >= 10)
        },
    )
    .await;

    // The server's offers name the publisher in the msid stream id, which
    // the browser uses to put a track on the right tile.
    assert!(
        bob.server_offers
            .iter()
            .any(|sdp| sdp.contains(&format!("a=msid:{} ", ada.id))),
        "Bob's offers: {:?}",
        bob.server_offers
    );
    assert!(
        ada.server_offers
            .iter()
            .any(|sdp| sdp.contains(&format!("a=msid:{} ", bob.id)))
    );

    // Strangers: garbage on the media port, bad and oversized messages on
    // a socket of the same meeting, a socket to a meeting that does not exist.
    let stranger = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for datagram in [
        &b"garbage"[..],
        &[0x16, 0xfe, 0xfd, 0, 0][..],
        &[0x80; 1200][..],
        &[0u8; 20][..],
    ] {
        stranger.send_to(datagram, app.media).await.unwrap();
    }
    let mut troll = app.connect(&meeting).await;
    troll.send_text("{]".into()).await;
    assert_eq!(troll.recv().await["code"], "bad_message");
    troll
        .send(common::join_message(&meeting.host, "Troll"))
        .await;
    troll.recv_type("welcome").await;
    troll
        .send(json!({"type": "offer", "sdp": "v=0\r\nnonsense"}))
        .await;
    assert_eq!(troll.recv_type("error").await["code"], "sdp_rejected");
    troll
        .send_text(" ".repeat(civicmeet_wire::MAX_MESSAGE_BYTES + 1))
        .await;
    assert_eq!(troll.recv_type("error").await["code"], "message_too_large");
    let mut lost = app.connect("00000000000000000000000000000000").await;
    assert_eq!(lost.recv().await["code"], "meeting_not_found");

    // The call goes on: both keep receiving.
    let (ada_before, bob_before) = (ada.received.len(), bob.received.len());
    pump(
        &mut [&mut ada, &mut bob],
        Duration::from_secs(5),
        "media keeps flowing",
        |p| p[0].received.len() >= ada_before + 20 && p[1].received.len() >= bob_before + 20,
    )
    .await;
    assert!(ada.connected && bob.connected);

    // Ada leaves: Bob is told, and renegotiates her track away.
    let offers_before = bob.server_offers.len();
    ada.ws.send(json!({"type": "leave"})).await;
    let ada_id = ada.id;
    pump(
        &mut [&mut bob],
        Duration::from_secs(5),
        "Bob sees Ada leave",
        |p| {
            p[0].messages
                .iter()
                .any(|m| m["type"] == "participant_left" && m["id"] == ada_id)
                && p[0].server_offers.len() > offers_before
        },
    )
    .await;
}

/// A free TCP port on loopback (bound, read, released).
fn free_tcp_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Reads until the server closes the connection; fails if it stays open.
async fn closed_by_server(stream: &mut tokio::net::TcpStream, what: &str) {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server kept the connection open: {what}");
}

#[tokio::test]
async fn strangers_on_the_tcp_media_port_are_cut_off_and_the_call_goes_on() {
    use tokio::io::AsyncWriteExt;
    let temp = tempfile::tempdir().unwrap();
    let mut config = civicmeet::config::Config::default();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.media.listen = "127.0.0.1:0".parse().unwrap();
    config.media.tcp_port = free_tcp_port();
    config.storage.data_dir = temp.path().to_path_buf();
    config.booking.seed_demo = false;
    let tcp: SocketAddr = (
        "127.0.0.1".parse::<std::net::IpAddr>().unwrap(),
        config.media.tcp_port,
    )
        .into();
    let app = common::spawn_app_with_config(config).await;
    let meeting = app.create_meeting().await;
    let mut ada = join(&app, &meeting, "Ada").await;
    let mut bob = join(&app, &meeting, "Bob").await;
    pump(
        &mut [&mut ada, &mut bob],
        Duration::from_secs(10),
        "both connected and hearing each other",
        |p| {
            p.iter()
                .all(|peer| peer.connected && peer.received.len() >= 10)
        },
    )
    .await;
    // The TCP port is announced to browsers as a passive ICE-TCP candidate.
    let (mut ws, _) = app.join(&meeting, "Cy").await;
    let mut rtc = Rtc::builder().build(Instant::now());
    let mut change = rtc.sdp_api();
    change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
    let (offer, _) = change.apply().unwrap();
    ws.send(json!({"type": "offer", "sdp": offer.to_sdp_string()}))
        .await;
    let answer = ws.recv_type("answer").await;
    let sdp = answer["sdp"].as_str().unwrap();
    assert!(
        sdp.lines().any(|line| line.contains(" tcp ")
            && line.contains(&format!(
                "127.0.0.1 {} typ host tcptype passive",
                tcp.port()
            ))),
        "{sdp}"
    );

    // Framed garbage (STUN, DTLS and RTP lookalikes no participant takes),
    // an empty frame, an oversized frame: each connection is closed.
    let framed = |data: &[u8]| {
        let mut f = (data.len() as u16).to_be_bytes().to_vec();
        f.extend_from_slice(data);
        f
    };
    let attacks: Vec<(&str, Vec<u8>)> = vec![
        ("a garbage frame", framed(b"garbage")),
        (
            "a STUN lookalike",
            framed(&[
                0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                12,
            ]),
        ),
        ("a DTLS lookalike", framed(&[0x16, 0xfe, 0xfd, 0, 0])),
        ("an empty frame", vec![0, 0]),
        ("an oversized frame", vec![0xff, 0xff, 1, 2, 3]),
    ];
    for (what, bytes) in attacks {
        let mut stream = tokio::net::TcpStream::connect(tcp).await.unwrap();
        stream.write_all(&bytes).await.unwrap();
        closed_by_server(&mut stream, what).await;
    }

    // The call goes on: both keep receiving.
    let (ada_before, bob_before) = (ada.received.len(), bob.received.len());
    pump(
        &mut [&mut ada, &mut bob],
        Duration::from_secs(5),
        "media keeps flowing",
        |p| p[0].received.len() >= ada_before + 20 && p[1].received.len() >= bob_before + 20,
    )
    .await;
    assert!(ada.connected && bob.connected);
}
