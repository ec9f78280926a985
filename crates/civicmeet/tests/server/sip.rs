//! The SIP gateway through the running server: a raw UDP "phone" here
//! (SIP as plain text, G.711 RTP) calls a meeting's number; the meeting
//! sees the call as a participant over the real WebSocket.

use crate::common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use civicmeet::Config;
use civicmeet_sip::sdp::{MediaKind, SessionDescription};
use civicmeet_sip::{Message, StartLine};
use civicmeet_sip_media::{AudioEncoder, Codec, Packetizer, RtpPacket};
use common::{TestApp, TestMeeting, WAIT};
use serde_json::{Value, json};
use tokio::net::UdpSocket;

/// A server with SIP on a free loopback port.
async fn spawn_sip_app() -> (TestApp, SocketAddr, tempfile::TempDir) {
    let temp = tempfile::tempdir().expect("temp dir");
    let sip = free_udp_port();
    let mut config = Config::default();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.media.listen = "127.0.0.1:0".parse().unwrap();
    config.storage.data_dir = temp.path().to_path_buf();
    config.booking.seed_demo = false;
    config.sip.listen = sip.to_string();
    (common::spawn_app_with_config(config).await, sip, temp)
}

/// A free port, found by binding port 0 and letting go; nothing else on
/// the test machine takes it in between.
fn free_udp_port() -> SocketAddr {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap()
}

/// A meeting made through the API, with its dial-in number.
async fn meeting_with_number(app: &TestApp, request: Value) -> (TestMeeting, String) {
    let response = app.post_json("/api/meetings", &request.to_string()).await;
    assert_eq!(response.status, 201, "{}", response.body);
    let body = response.json();
    let key = |field: &str| {
        body[field]
            .as_str()
            .map(|url| url.rsplit_once('#').expect("a key after #").1.to_owned())
    };
    let meeting = TestMeeting {
        id: body["id"].as_str().unwrap().to_owned(),
        host: key("host_url").unwrap(),
        guest: key("guest_url").unwrap(),
        judge: key("judge_url"),
    };
    let number = body["dial_number"].as_str().unwrap().to_owned();
    (meeting, number)
}

/// A SIP phone on loopback: plain-text requests, one call at a time.
struct Phone {
    sip: UdpSocket,
    rtp: Arc<UdpSocket>,
    server: SocketAddr,
    call_id: String,
    from_tag: String,
    to_tag: Option<String>,
    cseq: u32,
    branches: u32,
    /// Where the server wants our RTP (from its answer).
    server_rtp: Option<SocketAddr>,
    /// Requests the server sent us (BYE), answered already.
    requests: Vec<Message>,
}

impl Phone {
    async fn new(server: SocketAddr, name: &str) -> Phone {
        Phone {
            sip: UdpSocket::bind("127.0.0.1:0").await.unwrap(),
            rtp: Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap()),
            server,
            call_id: format!("{name}-{}@127.0.0.1", std::process::id()),
            from_tag: format!("{name}-tag"),
            to_tag: None,
            cseq: 1,
            branches: 0,
            server_rtp: None,
            requests: Vec::new(),
        }
    }

    fn sip_addr(&self) -> SocketAddr {
        self.sip.local_addr().unwrap()
    }

    fn rtp_addr(&self) -> SocketAddr {
        self.rtp.local_addr().unwrap()
    }

    /// A desk phone's offer (PCMU, telephone-event), with a video
    /// m-line the gateway does not take yet.
    fn offer(&self) -> String {
        let rtp = self.rtp_addr();
        format!(
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=audio {} RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n\
             a=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n\
             m=video {} RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
             a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n",
            rtp.port(),
            rtp.port() + 2
        )
    }

    fn request(&mut self, method: &str, number: &str, cseq: u32, body: Option<&str>) -> String {
        self.branches += 1;
        let to_tag = self
            .to_tag
            .as_ref()
            .map(|t| format!(";tag={t}"))
            .unwrap_or_default();
        let (content_type, body) = match body {
            Some(body) => ("Content-Type: application/sdp\r\n", body),
            None => ("", ""),
        };
        format!(
            "{method} sip:{number}@{server} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {me};branch=z9hG4bK{tag}{n};rport\r\n\
             Max-Forwards: 70\r\n\
             From: \"Saal 3\" <sip:saal3@127.0.0.1>;tag={tag}\r\n\
             To: <sip:{number}@{server}>{to_tag}\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} {method}\r\n\
             Contact: <sip:saal3@{me}>\r\n\
             {content_type}Content-Length: {len}\r\n\r\n{body}",
            server = self.server,
            me = self.sip_addr(),
            tag = self.from_tag,
            n = self.branches,
            call_id = self.call_id,
            len = body.len(),
        )
    }

    async fn send(&self, text: &str) {
        self.sip
            .send_to(text.as_bytes(), self.server)
            .await
            .unwrap();
    }

    /// The next SIP response; requests of the server (its BYE) are
    /// answered 200 and kept.
    async fn response(&mut self) -> Message {
        loop {
            let message = self.next_message().await;
            match &message.start {
                StartLine::Response { .. } => return message,
                StartLine::Request { .. } => self.answer_request(message).await,
            }
        }
    }

    async fn next_message(&mut self) -> Message {
        let mut buffer = vec![0u8; 65_536];
        let (len, _) = tokio::time::timeout(WAIT, self.sip.recv_from(&mut buffer))
            .await
            .expect("a SIP message in time")
            .unwrap();
        civicmeet_sip::parse(&buffer[..len]).expect("the server sends valid SIP")
    }

    async fn answer_request(&mut self, request: Message) {
        let mut response = request.response(200, "OK", None);
        response.body.clear();
        self.sip
            .send_to(&response.to_bytes(), self.server)
            .await
            .unwrap();
        self.requests.push(request);
    }

    /// The final response to an INVITE of `number` (after 100 Trying).
    async fn invite(&mut self, number: &str) -> Message {
        let offer = self.offer();
        let invite = self.request("INVITE", number, self.cseq, Some(&offer));
        self.send(&invite).await;
        loop {
            let response = self.response().await;
            if status(&response) >= 200 {
                return response;
            }
        }
    }

    /// Calls `number`, checks the 200 and its answer, sends the ACK.
    async fn call(&mut self, number: &str) {
        let ok = self.invite(number).await;
        assert_eq!(status(&ok), 200);
        let to = ok.header("To").unwrap();
        self.to_tag = Some(to.split(";tag=").nth(1).unwrap().to_string());
        let answer = SessionDescription::parse(&ok.body).expect("an SDP answer");
        let audio = &answer.media[0];
        assert_eq!(audio.kind, MediaKind::Audio);
        assert_eq!(audio.payloads[0].payload_type, 0, "PCMU taken");
        assert_eq!(answer.media[1].kind, MediaKind::Video);
        assert_eq!(answer.media[1].port, 0, "no video yet");
        self.server_rtp = Some(SocketAddr::new(audio.connection.unwrap(), audio.port));
        let ack = self.request("ACK", number, self.cseq, None);
        self.send(&ack).await;
    }

    async fn bye(&mut self, number: &str) -> Message {
        self.cseq += 1;
        let bye = self.request("BYE", number, self.cseq, None);
        self.send(&bye).await;
        self.response().await
    }

    /// Waits for the server's BYE (answering it).
    async fn expect_bye(&mut self) {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if self
                .requests
                .iter()
                .any(|r| r.method() == Some(&civicmeet_sip::Method::Bye))
            {
                return;
            }
            let message = self.next_message().await;
            if let StartLine::Request { .. } = message.start {
                self.answer_request(message).await;
            }
        }
        panic!("no BYE from the server");
    }
}

fn status(message: &Message) -> u16 {
    match message.start {
        StartLine::Response { status, .. } => status,
        StartLine::Request { .. } => 0,
    }
}

/// Sends a 440 Hz tone as PCMU RTP, 20 ms apart, to `to` until aborted.
fn send_tone(rtp: Arc<UdpSocket>, to: SocketAddr) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut encoder = AudioEncoder::new(Codec::Pcmu).unwrap();
        let mut packetizer = Packetizer::new(Codec::Pcmu, 0, 0x5151, 1, 1);
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        for frame in 0u32.. {
            tick.tick().await;
            let pcm: Vec<i16> = (0..160)
                .map(|n| {
                    let t = f64::from(frame * 160 + n) / 8000.0;
                    (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as i16
                })
                .collect();
            let mut payload = Vec::new();
            encoder.encode(&pcm, &mut payload);
            let _ = rtp.send_to(&packetizer.packetize(&payload), to).await;
        }
    })
}

/// RTP the phone receives in `window` after the first packet: (count,
/// SSRCs seen, payload types seen).
async fn receive_rtp(phone: &Phone, window: Duration) -> (usize, Vec<u32>, Vec<u8>) {
    let mut buffer = vec![0u8; 2048];
    let (len, from) = tokio::time::timeout(WAIT, phone.rtp.recv_from(&mut buffer))
        .await
        .expect("RTP from the server in time")
        .unwrap();
    assert_eq!(
        Some(from),
        phone.server_rtp,
        "RTP comes from the answered port"
    );
    let first = RtpPacket::parse(&buffer[..len]).expect("RTP");
    let (mut ssrcs, mut types) = (vec![first.ssrc], vec![first.payload_type]);
    let mut count = 0;
    let end = tokio::time::Instant::now() + window;
    while let Ok(received) = tokio::time::timeout_at(end, phone.rtp.recv_from(&mut buffer)).await {
        let (len, _) = received.unwrap();
        let packet = RtpPacket::parse(&buffer[..len]).expect("RTP");
        count += 1;
        if !ssrcs.contains(&packet.ssrc) {
            ssrcs.push(packet.ssrc);
        }
        if !types.contains(&packet.payload_type) {
            types.push(packet.payload_type);
        }
    }
    (count, ssrcs, types)
}

#[tokio::test]
async fn options_are_answered_and_unknown_numbers_refused() {
    let (app, sip, _temp) = spawn_sip_app().await;
    let mut phone = Phone::new(sip, "probe").await;
    let options = phone.request("OPTIONS", "probe", 1, None);
    phone.send(&options).await;
    let ok = phone.response().await;
    assert_eq!(status(&ok), 200);
    assert!(ok.header("Allow").unwrap().contains("INVITE"));

    let not_found = phone.invite("000000000").await;
    assert_eq!(status(&not_found), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_phone_joins_the_meeting_hears_it_and_leaves_with_bye() {
    let (app, sip, _temp) = spawn_sip_app().await;
    let (meeting, number) = meeting_with_number(&app, json!({"waiting_room": false})).await;
    let (mut host, _) = app.join(&meeting, "Host").await;

    let mut phone = Phone::new(sip, "saal3").await;
    phone.call(&number).await;
    // The leg enters as a guest under the caller's display name.
    let joined = host.recv_type("participant_joined").await;
    let leg = joined["participant"]["id"].as_u64().unwrap();
    assert_eq!(joined["participant"]["name"], "Saal 3");
    assert_eq!(joined["participant"]["role"], "guest");

    // Audio both ways: our tone in, the meeting's mix (silence: the host
    // sends no media) out, a packet every 20 ms with one SSRC of ours.
    let tone = send_tone(phone.rtp.clone(), phone.server_rtp.unwrap());
    let (count, ssrcs, types) = receive_rtp(&phone, Duration::from_secs(1)).await;
    assert!((45..=55).contains(&count), "{count} packets in a second");
    assert_eq!(ssrcs.len(), 1, "one SSRC: {ssrcs:?}");
    assert_ne!(ssrcs[0], 0x5151, "our own SSRC, not the phone's echoed");
    assert_eq!(types, [0], "PCMU as answered");

    // Garbage on the SIP port disturbs nothing: the call's audio goes on
    // and SIP still answers.
    let stranger = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for datagram in [
        &b"\r\n\r\n"[..],
        b"INVITE sip:x SIP/2.0\r\n\r\n",
        b"SIP/2.0 200 OK\r\nVia: nonsense\r\n\r\n",
        &[0xff; 3000][..],
        &[0u8; 0][..],
    ] {
        stranger.send_to(datagram, sip).await.unwrap();
    }
    let (count, ssrcs_after, _) = receive_rtp(&phone, Duration::from_millis(500)).await;
    assert!(count >= 20, "{count} packets in half a second");
    assert_eq!(ssrcs_after, ssrcs);
    let mut prober = Phone::new(sip, "prober").await;
    let options = prober.request("OPTIONS", "probe", 1, None);
    prober.send(&options).await;
    assert_eq!(status(&prober.response().await), 200);

    // BYE: answered, and the leg leaves the meeting.
    let ok = phone.bye(&number).await;
    assert_eq!(status(&ok), 200);
    let left = host.recv_type("participant_left").await;
    assert_eq!(left["id"].as_u64(), Some(leg));
    tone.abort();
    app.stop().await;
}

#[tokio::test]
async fn a_host_removes_the_phone_and_ends_the_meeting_with_bye() {
    let (app, sip, _temp) = spawn_sip_app().await;
    let (meeting, number) = meeting_with_number(&app, json!({"waiting_room": false})).await;
    let (mut host, _) = app.join(&meeting, "Host").await;

    // Removed by the host: the phone hears BYE, the others see it go.
    let mut phone = Phone::new(sip, "removed").await;
    phone.call(&number).await;
    let joined = host.recv_type("participant_joined").await;
    let leg = joined["participant"]["id"].as_u64().unwrap();
    host.send(json!({"type": "remove", "id": leg})).await;
    phone.expect_bye().await;
    let left = host.recv_type("participant_left").await;
    assert_eq!(left["id"].as_u64(), Some(leg));

    // The meeting ended for all: BYE too.
    let mut phone = Phone::new(sip, "ended").await;
    phone.call(&number).await;
    host.recv_type("participant_joined").await;
    host.send(json!({"type": "end_meeting"})).await;
    phone.expect_bye().await;
    app.stop().await;
}
