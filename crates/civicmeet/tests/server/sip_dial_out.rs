//! Dial-out through the running server (issue 7, part 6): a host sends
//! `dial_out` over the meeting WebSocket and a raw UDP "room system" here
//! (SIP as plain text, G.711 RTP) receives our INVITE and answers it, or
//! refuses it. The host follows the call through `dial_out_status`; the
//! answered call is a participant of the meeting, let in by the host's
//! call although the meeting has a waiting room and a guest PIN.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use civicmeet_sip::sdp::{MediaKind, SessionDescription};
use civicmeet_sip::{Message, Method, StartLine};
use civicmeet_sip_media::{AudioDecoder, Codec, RtpPacket};
use serde_json::{Value, json};
use tokio::net::UdpSocket;

use crate::common::{Client, WAIT};
use crate::sip::{
    heard, meeting_with_number, power_at, send_tone, spawn_sip_app, spawn_sip_app_with, status,
    tone_peer,
};
use crate::str0m_peer::Str0mPeer;

/// How long a test waits to be sure something does not happen.
const QUIET: Duration = Duration::from_secs(1);
/// How long a farewell prompt may delay the server's BYE.
const FAREWELL: Duration = Duration::from_secs(15);
/// The room system's To tag.
const ROOM_TAG: &str = "room-tag";

/// A meeting that would hold a caller: waiting room and a guest PIN.
fn guarded_meeting() -> Value {
    json!({"waiting_room": true, "guest_pin": "4321"})
}

/// A SIP room system on loopback that the server dials: it answers what
/// the test tells it to, as a UDP user agent server.
struct RoomSystem {
    sip: UdpSocket,
    rtp: Arc<UdpSocket>,
    /// Where the server's SIP comes from (learnt from its INVITE).
    server: Option<SocketAddr>,
}

impl RoomSystem {
    async fn new() -> RoomSystem {
        RoomSystem {
            sip: UdpSocket::bind("127.0.0.1:0").await.unwrap(),
            rtp: Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap()),
            server: None,
        }
    }

    /// The address a host dials.
    fn uri(&self) -> String {
        format!("sip:saal3@{}", self.sip.local_addr().unwrap())
    }

    /// The next SIP message within `within`, if any.
    async fn next(&mut self, within: Duration) -> Option<Message> {
        let mut buffer = vec![0u8; 65_536];
        let (len, from) = tokio::time::timeout(within, self.sip.recv_from(&mut buffer))
            .await
            .ok()?
            .unwrap();
        self.server = Some(from);
        Some(civicmeet_sip::parse(&buffer[..len]).expect("the server sends valid SIP"))
    }

    /// The next request of `method` within `within` (retransmissions of
    /// others skipped).
    async fn expect(&mut self, method: Method, within: Duration) -> Message {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self
                .next(left)
                .await
                .unwrap_or_else(|| panic!("no {method:?} from the server in time"));
            if message.method() == Some(&method) {
                return message;
            }
        }
    }

    async fn send(&self, message: &Message) {
        let to = self.server.expect("the server wrote first");
        self.sip.send_to(&message.to_bytes(), to).await.unwrap();
    }

    /// Answers `request` with `status`, with our tag.
    async fn respond(&self, request: &Message, status: u16, reason: &str) {
        self.send(&request.response(status, reason, Some(ROOM_TAG)))
            .await;
    }

    /// Answers the INVITE 200 with a PCMU answer to its offer (other
    /// m-lines refused with port 0); returns where the server wants RTP.
    async fn answer(&self, invite: &Message) -> SocketAddr {
        let offer = SessionDescription::parse(&invite.body).expect("the INVITE carries an offer");
        let audio = offer
            .media
            .iter()
            .find(|m| m.kind == MediaKind::Audio)
            .expect("audio offered");
        assert!(
            audio.payloads.iter().any(|p| p.payload_type == 0),
            "PCMU offered: {:?}",
            audio.formats
        );
        let server_rtp =
            SocketAddr::new(audio.connection.or(offer.connection).unwrap(), audio.port);
        let mut sdp = String::from(
            "v=0\r\no=- 7 7 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n",
        );
        for media in &offer.media {
            if media.kind == MediaKind::Audio {
                sdp.push_str(&format!(
                    "m=audio {} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n",
                    self.rtp.local_addr().unwrap().port()
                ));
            } else {
                let kind = if media.kind == MediaKind::Video {
                    "video"
                } else {
                    "application"
                };
                // Our offers over UDP are plain RTP.
                sdp.push_str(&format!(
                    "m={kind} 0 RTP/AVP {}\r\n",
                    media.formats.join(" ")
                ));
            }
        }
        self.accept(invite, &sdp).await;
        server_rtp
    }

    /// Answers the INVITE 200 with `sdp` and our Contact.
    async fn accept(&self, invite: &Message, sdp: &str) {
        let mut ok = invite.response(200, "OK", Some(ROOM_TAG));
        ok.push_header(
            "Contact",
            format!("<sip:saal3@{}>", self.sip.local_addr().unwrap()),
        );
        ok.set_body("application/sdp", sdp.as_bytes().to_vec());
        self.send(&ok).await;
    }

    /// Hangs up the call the ACK confirmed (a BYE in its dialog, to the
    /// INVITE's Contact); returns the server's answer.
    async fn bye(&mut self, invite: &Message, ack: &Message) -> Message {
        let contact = invite.header("Contact").expect("our INVITE has a Contact");
        let target = contact
            .trim_start_matches('<')
            .split('>')
            .next()
            .unwrap()
            .to_string();
        let bye = format!(
            "BYE {target} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {me};branch=z9hG4bKroombye;rport\r\n\
             Max-Forwards: 70\r\n\
             From: {from}\r\nTo: {to}\r\nCall-ID: {call_id}\r\n\
             CSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n",
            me = self.sip.local_addr().unwrap(),
            from = ack.header("To").unwrap(),
            to = ack.header("From").unwrap(),
            call_id = ack.header("Call-ID").unwrap(),
        );
        let to = self.server.expect("the server wrote first");
        self.sip.send_to(bye.as_bytes(), to).await.unwrap();
        loop {
            let message = self.next(WAIT).await.expect("an answer to our BYE");
            if let StartLine::Response { .. } = message.start {
                return message;
            }
        }
    }

    /// Whether any INVITE arrives within `within`.
    async fn invited_within(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while let Some(message) = self
            .next(deadline.saturating_duration_since(Instant::now()))
            .await
        {
            if message.method() == Some(&Method::Invite) {
                return true;
            }
        }
        false
    }
}

/// The dial-out message for `room`.
fn dial_out(room: &RoomSystem) -> Value {
    json!({"type": "dial_out", "uri": room.uri(), "name": "Saal 3"})
}

/// The next `dial_out_status` a host hears; other messages go to `seen`.
async fn next_status(host: &mut Client, seen: &mut Vec<Value>) -> Value {
    loop {
        let message = host.recv().await;
        if message["type"] == "dial_out_status" {
            return message;
        }
        seen.push(message);
    }
}

/// Steps `peer` until `found` picks one of its messages (a clone); fails
/// after [`WAIT`].
async fn step_until(peer: &mut Str0mPeer, what: &str, found: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        if let Some(message) = peer.messages.iter().find(|m| found(m)) {
            return message.clone();
        }
        assert!(
            start.elapsed() < WAIT,
            "no {what} in time: {:?}",
            peer.messages
        );
        peer.step().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn dial_status(state: &'static str) -> impl Fn(&Value) -> bool {
    move |m: &Value| m["type"] == "dial_out_status" && m["state"] == state
}

#[tokio::test]
async fn a_host_dials_a_room_system_that_rings_answers_talks_and_hangs_up() {
    let (app, sip, _temp) = spawn_sip_app().await;
    let (meeting, _number) = meeting_with_number(&app, guarded_meeting()).await;
    // The host publishes a 1 kHz tone: the room system must hear it.
    let mut peer = tone_peer(&app, &meeting, "Ada").await;
    let mut room = RoomSystem::new().await;
    peer.ws.send(dial_out(&room)).await;

    let invite = room.expect(Method::Invite, WAIT).await;
    match &invite.start {
        StartLine::Request { uri, .. } => assert_eq!(*uri, room.uri()),
        StartLine::Response { .. } => unreachable!("expect returns requests"),
    }
    // The room system's requests go to our Contact: the SIP port itself.
    let contact = invite.header("Contact").expect("a Contact");
    assert!(contact.contains(&sip.to_string()), "{contact}");
    assert_eq!(room.server, Some(sip), "the INVITE comes from our SIP port");
    let calling = step_until(&mut peer, "calling", dial_status("calling")).await;
    assert_eq!(calling["uri"], room.uri());
    assert!(calling.get("reason").is_none(), "{calling}");
    room.respond(&invite, 180, "Ringing").await;
    step_until(&mut peer, "ringing", dial_status("ringing")).await;

    let server_rtp = room.answer(&invite).await;
    let ack = room.expect(Method::Ack, WAIT).await;
    assert_eq!(ack.header("Call-ID"), invite.header("Call-ID"));
    assert!(
        ack.header("To").unwrap().contains(ROOM_TAG),
        "the ACK is in our dialog"
    );
    step_until(&mut peer, "answered", dial_status("answered")).await;

    // In the meeting as a guest under the host's name for it, though the
    // meeting has a waiting room and a PIN: never on the waiting list.
    let joined = step_until(&mut peer, "participant_joined", |m| {
        m["type"] == "participant_joined"
    })
    .await;
    assert_eq!(joined["participant"]["name"], "Saal 3");
    assert_eq!(joined["participant"]["role"], "guest");
    let leg = joined["participant"]["id"].clone();
    assert!(
        !peer.messages.iter().any(|m| m["type"] == "waiting_list"
            && m["waiting"].as_array().is_some_and(|w| !w.is_empty())),
        "the dialled call waited: {:?}",
        peer.messages
    );

    // Both ways for three seconds: the room's 440 Hz PCMU in, the host's
    // 1 kHz Opus out to the room system's port, as PCMU from the port the
    // server offered.
    let tone = send_tone(room.rtp.clone(), server_rtp);
    let mut ulaw = AudioDecoder::new(Codec::Pcmu).unwrap();
    let (mut room_heard, mut packets) = (Vec::new(), 0);
    let mut buffer = vec![0u8; 2048];
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        peer.step().await;
        while let Ok((len, from)) = room.rtp.try_recv_from(&mut buffer) {
            assert_eq!(from, server_rtp, "RTP comes from the offered port");
            let packet = RtpPacket::parse(&buffer[..len]).expect("RTP");
            assert_eq!(packet.payload_type, 0, "PCMU as answered");
            packets += 1;
            ulaw.decode(packet.payload, &mut room_heard).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tone.abort();
    assert!(packets >= 100, "{packets} RTP packets in three seconds");
    assert!(room_heard.len() >= 8_000, "{} samples", room_heard.len());
    let last = &room_heard[room_heard.len() - 8_000..];
    let (at_1000, at_440) = (power_at(last, 1000.0, 8_000), power_at(last, 440.0, 8_000));
    assert!(at_1000 > 1e6, "the room system hears the host: {at_1000:e}");
    assert!(
        at_1000 > 100.0 * at_440,
        "mix-minus: {at_1000:e} / {at_440:e}"
    );
    let host_heard = heard(&peer);
    assert!(host_heard.len() >= 48_000, "{} samples", host_heard.len());
    let last = &host_heard[host_heard.len() - 48_000..];
    let at_440 = power_at(last, 440.0, 48_000);
    assert!(at_440 > 1e6, "the host hears the room system: {at_440:e}");

    // The room system hangs up: answered, it leaves, the host hears so.
    let ok = room.bye(&invite, &ack).await;
    assert_eq!(status(&ok), 200);
    let left = step_until(&mut peer, "participant_left", |m| {
        m["type"] == "participant_left"
    })
    .await;
    assert_eq!(left["id"], leg);
    step_until(&mut peer, "ended", dial_status("ended")).await;
    app.stop().await;
}

#[tokio::test]
async fn a_busy_room_system_fails_the_dial_out_as_busy_and_joins_nothing() {
    let (app, _sip, _temp) = spawn_sip_app().await;
    let (meeting, _number) = meeting_with_number(&app, guarded_meeting()).await;
    let (mut host, _) = app.join(&meeting, "Host").await;
    let mut room = RoomSystem::new().await;
    host.send(dial_out(&room)).await;

    let invite = room.expect(Method::Invite, WAIT).await;
    let mut seen = Vec::new();
    assert_eq!(next_status(&mut host, &mut seen).await["state"], "calling");
    room.respond(&invite, 486, "Busy Here").await;
    // A final refusal is acknowledged (RFC 3261 §17.1.1.3).
    let ack = room.expect(Method::Ack, WAIT).await;
    assert_eq!(ack.header("Call-ID"), invite.header("Call-ID"));
    let failed = next_status(&mut host, &mut seen).await;
    assert_eq!(
        (&failed["state"], &failed["reason"]),
        (&json!("failed"), &json!("busy")),
        "{failed}"
    );

    let later = tokio::time::timeout(QUIET, host.recv_type("participant_joined")).await;
    assert!(later.is_err(), "nobody joined: {later:?}");
    assert!(
        !seen.iter().any(|m| m["type"] == "participant_joined"),
        "{seen:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_guest_cannot_dial_out() {
    let (app, _sip, _temp) = spawn_sip_app().await;
    let (meeting, _number) = meeting_with_number(&app, json!({"waiting_room": false})).await;
    let (mut guest, welcome) = app.join_with(&meeting, &meeting.guest, "Gast").await;
    assert_eq!(welcome["role"], "guest", "{welcome}");
    let mut room = RoomSystem::new().await;
    guest.send(dial_out(&room)).await;
    let refused = guest.recv_type("error").await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
    assert!(!room.invited_within(QUIET).await, "no INVITE for a guest");
    app.stop().await;
}

#[tokio::test]
async fn dial_out_domains_keep_a_host_from_calling_elsewhere() {
    let (app, _sip, _temp) = spawn_sip_app_with(|config| {
        config.sip.dial_out_domains = vec!["rooms.example.org".to_owned()];
    })
    .await;
    let (meeting, _number) = meeting_with_number(&app, guarded_meeting()).await;
    let (mut host, _) = app.join(&meeting, "Host").await;
    let mut room = RoomSystem::new().await;
    host.send(dial_out(&room)).await;
    let failed = next_status(&mut host, &mut Vec::new()).await;
    assert_eq!(
        (&failed["state"], &failed["reason"]),
        (&json!("failed"), &json!("not_allowed")),
        "{failed}"
    );
    assert!(
        !room.invited_within(QUIET).await,
        "no INVITE to a host the operator forbids"
    );
    app.stop().await;
}

#[tokio::test]
async fn ending_the_meeting_hangs_up_the_dialled_room_system() {
    let (app, _sip, _temp) = spawn_sip_app().await;
    let (meeting, _number) = meeting_with_number(&app, guarded_meeting()).await;
    let (mut host, _) = app.join(&meeting, "Host").await;
    let mut room = RoomSystem::new().await;
    host.send(dial_out(&room)).await;

    let invite = room.expect(Method::Invite, WAIT).await;
    room.answer(&invite).await;
    let ack = room.expect(Method::Ack, WAIT).await;
    let joined = host.recv_type("participant_joined").await;
    assert_eq!(joined["participant"]["name"], "Saal 3");

    host.send(json!({"type": "end_meeting"})).await;
    let bye = room.expect(Method::Bye, FAREWELL).await;
    assert_eq!(bye.header("Call-ID"), ack.header("Call-ID"));
    assert!(
        bye.header("To").unwrap().contains(ROOM_TAG),
        "the BYE is in our dialog"
    );
    room.respond(&bye, 200, "OK").await;
    app.stop().await;
}

/// A room system that answers with no codec we speak (G.729 only): the
/// 200 is acknowledged and the call ended with BYE at once; the host
/// hears that it failed, and nobody joins.
#[tokio::test]
async fn an_answer_without_a_common_codec_fails_and_is_hung_up() {
    let (app, _sip, _temp) = spawn_sip_app().await;
    let (meeting, _number) = meeting_with_number(&app, guarded_meeting()).await;
    let (mut host, _) = app.join(&meeting, "Host").await;
    let mut room = RoomSystem::new().await;
    host.send(dial_out(&room)).await;

    let invite = room.expect(Method::Invite, WAIT).await;
    let sdp = format!(
        "v=0\r\no=- 7 7 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {} RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n",
        room.rtp.local_addr().unwrap().port()
    );
    room.accept(&invite, &sdp).await;
    room.expect(Method::Ack, WAIT).await;
    let bye = room.expect(Method::Bye, WAIT).await;
    assert_eq!(bye.header("Call-ID"), invite.header("Call-ID"));
    room.respond(&bye, 200, "OK").await;

    let mut seen = Vec::new();
    let mut states = Vec::new();
    while states.last().is_none_or(|s| s != "failed" && s != "ended") {
        let status = next_status(&mut host, &mut seen).await;
        states.push(status["state"].as_str().unwrap().to_owned());
    }
    assert_eq!(states, ["calling", "failed"], "{seen:?}");
    let later = tokio::time::timeout(QUIET, host.recv_type("participant_joined")).await;
    assert!(later.is_err(), "nobody joined: {later:?}");
    assert!(
        !seen.iter().any(|m| m["type"] == "participant_joined"),
        "{seen:?}"
    );
    app.stop().await;
}
