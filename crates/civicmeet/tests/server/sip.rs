//! The SIP gateway through the running server: a raw UDP "phone" here
//! (SIP as plain text, G.711 RTP) calls a meeting's number; the meeting
//! sees the call as a participant over the real WebSocket.

use crate::common;
use crate::str0m_peer::Str0mPeer;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use civicmeet::Config;
use civicmeet_sip::sdp::{MediaKind, SessionDescription};
use civicmeet_sip::{Message, StartLine, StreamFramer, StreamItem};
use civicmeet_sip_media::{AudioDecoder, AudioEncoder, Codec, Packetizer, RtpPacket};
use civicmeet_sip_media::{DtmfKey, RtpHeader, TelephoneEvent};
use common::{TestApp, TestMeeting, WAIT};
use serde_json::{Value, json};
use tokio::net::UdpSocket;

/// How long a farewell prompt may delay the server's BYE.
const FAREWELL: Duration = Duration::from_secs(15);

/// A server with SIP on a free loopback port.
pub(crate) async fn spawn_sip_app() -> (TestApp, SocketAddr, tempfile::TempDir) {
    spawn_sip_app_with(|_| {}).await
}

/// The same, with `change` made to its config first.
pub(crate) async fn spawn_sip_app_with(
    change: impl FnOnce(&mut Config),
) -> (TestApp, SocketAddr, tempfile::TempDir) {
    let temp = tempfile::tempdir().expect("temp dir");
    let mut config = Config::default();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.media.listen = "127.0.0.1:0".parse().unwrap();
    config.storage.data_dir = temp.path().to_path_buf();
    config.booking.seed_demo = false;
    // Port 0: the server finds a port free for UDP and TCP alike.
    config.sip.listen = "127.0.0.1:0".to_owned();
    change(&mut config);
    let app = common::spawn_app_with_config(config).await;
    let sip = app.sip.expect("SIP is on");
    (app, sip, temp)
}

/// A meeting made through the API, with its dial-in number.
pub(crate) async fn meeting_with_number(app: &TestApp, request: Value) -> (TestMeeting, String) {
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

/// How a phone's SIP travels: datagrams, or one TLS connection whose
/// stream is cut into messages as the server cuts ours.
pub(crate) enum Signalling {
    Udp(UdpSocket),
    Tls {
        stream: Box<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>,
        framer: StreamFramer,
    },
}

impl Signalling {
    fn local_addr(&self) -> SocketAddr {
        match self {
            Signalling::Udp(socket) => socket.local_addr().unwrap(),
            Signalling::Tls { stream, .. } => stream.get_ref().0.local_addr().unwrap(),
        }
    }

    /// The Via transport and the Contact's `transport` parameter.
    fn names(&self) -> (&'static str, &'static str) {
        match self {
            Signalling::Udp(_) => ("UDP", ""),
            Signalling::Tls { .. } => ("TLS", ";transport=tls"),
        }
    }

    async fn send(&mut self, bytes: &[u8], to: SocketAddr) {
        use tokio::io::AsyncWriteExt;
        match self {
            Signalling::Udp(socket) => {
                socket.send_to(bytes, to).await.unwrap();
            }
            Signalling::Tls { stream, .. } => {
                stream.write_all(bytes).await.unwrap();
                stream.flush().await.unwrap();
            }
        }
    }

    /// The next message before `deadline` (keep-alives skipped).
    async fn recv(&mut self, deadline: tokio::time::Instant) -> Message {
        use tokio::io::AsyncReadExt;
        let mut buffer = vec![0u8; 65_536];
        match self {
            Signalling::Udp(socket) => {
                let (len, _) = tokio::time::timeout_at(deadline, socket.recv_from(&mut buffer))
                    .await
                    .expect("a SIP message in time")
                    .unwrap();
                civicmeet_sip::parse(&buffer[..len]).expect("the server sends valid SIP")
            }
            Signalling::Tls { stream, framer } => loop {
                if let Some(item) = framer.next_item() {
                    match item.expect("what the server sends frames") {
                        StreamItem::Message(bytes) => {
                            return civicmeet_sip::parse(&bytes).expect("valid SIP");
                        }
                        StreamItem::Ping => continue,
                    }
                }
                let read = tokio::time::timeout_at(deadline, stream.read(&mut buffer))
                    .await
                    .expect("a SIP message in time")
                    .expect("the TLS connection stays open");
                assert!(read > 0, "the server closed the TLS connection");
                framer.push(&buffer[..read]);
            },
        }
    }
}

/// A SIP phone on loopback: plain-text requests, one call at a time.
pub(crate) struct Phone {
    pub(crate) sip: Signalling,
    pub(crate) rtp: Arc<UdpSocket>,
    server: SocketAddr,
    call_id: String,
    from_tag: String,
    to_tag: Option<String>,
    cseq: u32,
    branches: u32,
    /// Where the server wants our RTP (from its answer).
    pub(crate) server_rtp: Option<SocketAddr>,
    /// Requests the server sent us (BYE), answered already.
    pub(crate) requests: Vec<Message>,
    /// Keys pressed so far by RTP.
    presses: u32,
    /// The phone's SDES key (key and salt): its offer is then RTP/SAVP
    /// with this key in an `a=crypto` line.
    pub(crate) sdes: Option<[u8; 30]>,
    /// The server's answer to the last INVITE.
    pub(crate) answer: Option<SessionDescription>,
}

impl Phone {
    pub(crate) async fn new(server: SocketAddr, name: &str) -> Phone {
        let sip = Signalling::Udp(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        Phone::with_signalling(sip, server, name).await
    }

    /// A phone whose SIP goes over `sip` to `server`.
    pub(crate) async fn with_signalling(sip: Signalling, server: SocketAddr, name: &str) -> Phone {
        Phone {
            sip,
            rtp: Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap()),
            server,
            call_id: format!("{name}-{}@127.0.0.1", std::process::id()),
            from_tag: format!("{name}-tag"),
            to_tag: None,
            cseq: 1,
            branches: 0,
            server_rtp: None,
            requests: Vec::new(),
            presses: 0,
            sdes: None,
            answer: None,
        }
    }

    fn sip_addr(&self) -> SocketAddr {
        self.sip.local_addr()
    }

    fn rtp_addr(&self) -> SocketAddr {
        self.rtp.local_addr().unwrap()
    }

    /// A video phone's offer (PCMU, telephone-event, H.264); SRTP with
    /// its SDES key when it has one.
    fn offer(&self) -> String {
        use base64::Engine;
        let rtp = self.rtp_addr();
        let (protocol, crypto) = match &self.sdes {
            Some(key) => (
                "RTP/SAVP",
                format!(
                    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{}\r\n",
                    base64::engine::general_purpose::STANDARD.encode(key)
                ),
            ),
            None => ("RTP/AVP", String::new()),
        };
        format!(
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=audio {} {protocol} 0 101\r\na=rtpmap:101 telephone-event/8000\r\n\
             a=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n{crypto}\
             m=video {} {protocol} 96\r\na=rtpmap:96 H264/90000\r\n\
             a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n{crypto}",
            rtp.port(),
            rtp.port() + 2
        )
    }

    /// An audio-only offer (a room system that starts without its camera).
    fn audio_offer(&self) -> String {
        let offer = self.offer();
        offer[..offer.find("m=video").unwrap()].to_string()
    }

    /// The re-offer that adds a VP8 camera, sent from `video`.
    fn video_offer(&self, version: u32, video: SocketAddr) -> String {
        format!(
            "{}m=video {} RTP/AVP 97\r\na=rtpmap:97 VP8/90000\r\na=rtcp-fb:97 nack pli\r\n\
             a=rtcp-mux\r\na=sendrecv\r\n",
            self.audio_offer()
                .replace("o=- 1 1 ", &format!("o=- 1 {version} ")),
            video.port()
        )
    }

    pub(crate) fn request(
        &mut self,
        method: &str,
        number: &str,
        cseq: u32,
        body: Option<&str>,
    ) -> String {
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
        let (via, transport) = self.sip.names();
        format!(
            "{method} sip:{number}@{server} SIP/2.0\r\n\
             Via: SIP/2.0/{via} {me};branch=z9hG4bK{tag}{n};rport\r\n\
             Max-Forwards: 70\r\n\
             From: \"Saal 3\" <sip:saal3@127.0.0.1>;tag={tag}\r\n\
             To: <sip:{number}@{server}>{to_tag}\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} {method}\r\n\
             Contact: <sip:saal3@{me}{transport}>\r\n\
             {content_type}Content-Length: {len}\r\n\r\n{body}",
            server = self.server,
            me = self.sip_addr(),
            tag = self.from_tag,
            n = self.branches,
            call_id = self.call_id,
            len = body.len(),
        )
    }

    pub(crate) async fn send(&mut self, text: &str) {
        self.sip.send(text.as_bytes(), self.server).await;
    }

    /// The next SIP response; requests of the server (its BYE) are
    /// answered 200 and kept.
    pub(crate) async fn response(&mut self) -> Message {
        loop {
            let message = self.next_message().await;
            match &message.start {
                StartLine::Response { .. } => return message,
                StartLine::Request { .. } => self.answer_request(message).await,
            }
        }
    }

    async fn next_message(&mut self) -> Message {
        self.sip.recv(tokio::time::Instant::now() + WAIT).await
    }

    async fn answer_request(&mut self, request: Message) {
        let mut response = request.response(200, "OK", None);
        response.body.clear();
        self.sip.send(&response.to_bytes(), self.server).await;
        self.requests.push(request);
    }

    /// The final response to an INVITE of `number` (after 100 Trying).
    pub(crate) async fn invite(&mut self, number: &str) -> Message {
        let offer = self.offer();
        self.invite_with(number, &offer).await
    }

    /// The final response to an INVITE (or re-INVITE) with `offer`.
    async fn invite_with(&mut self, number: &str, offer: &str) -> Message {
        let invite = self.request("INVITE", number, self.cseq, Some(offer));
        self.send(&invite).await;
        loop {
            let response = self.response().await;
            if status(&response) >= 200 {
                return response;
            }
        }
    }

    /// Calls `number`, checks the 200 and its answer, sends the ACK;
    /// the 200 comes back.
    pub(crate) async fn call(&mut self, number: &str) -> Message {
        let ok = self.invite(number).await;
        assert_eq!(status(&ok), 200);
        let to = ok.header("To").unwrap();
        self.to_tag = Some(to.split(";tag=").nth(1).unwrap().to_string());
        let answer = SessionDescription::parse(&ok.body).expect("an SDP answer");
        let audio = &answer.media[0];
        assert_eq!(audio.kind, MediaKind::Audio);
        assert_eq!(audio.payloads[0].payload_type, 0, "PCMU taken");
        assert_eq!(answer.media[1].kind, MediaKind::Video);
        assert_ne!(answer.media[1].port, 0, "video taken");
        assert_eq!(answer.media[1].payloads[0].payload_type, 96, "H.264 taken");
        self.server_rtp = Some(SocketAddr::new(audio.connection.unwrap(), audio.port));
        self.answer = Some(answer);
        let ack = self.request("ACK", number, self.cseq, None);
        self.send(&ack).await;
        ok
    }

    pub(crate) async fn bye(&mut self, number: &str) -> Message {
        self.cseq += 1;
        let bye = self.request("BYE", number, self.cseq, None);
        self.send(&bye).await;
        self.response().await
    }

    /// Waits for the server's BYE (answering it); farewell prompts play
    /// first, a few seconds.
    pub(crate) async fn expect_bye(&mut self) {
        let deadline = tokio::time::Instant::now() + FAREWELL;
        loop {
            if self
                .requests
                .iter()
                .any(|r| r.method() == Some(&civicmeet_sip::Method::Bye))
            {
                return;
            }
            let message = self.sip.recv(deadline).await;
            if let StartLine::Request { .. } = message.start {
                self.answer_request(message).await;
            }
        }
    }

    /// Presses `keys` as RFC 4733 telephone-events (payload type 101):
    /// four packets a key, the last with the end bit.
    pub(crate) async fn press_rtp(&mut self, keys: &str) {
        let to = self.server_rtp.unwrap();
        for key in keys.chars() {
            // Each press its own timestamp: a repeated one is the same press.
            let i = self.presses;
            self.presses += 1;
            let event = DtmfKey::from_char(key).unwrap().event();
            for step in 1..=4u16 {
                let block = TelephoneEvent {
                    event,
                    end: step == 4,
                    volume: 10,
                    duration: 160 * step,
                };
                let header = RtpHeader {
                    marker: step == 1,
                    payload_type: 101,
                    sequence: (i * 4) as u16 + step,
                    timestamp: 8000 + 1600 * i,
                    ssrc: 0x5151,
                };
                self.rtp
                    .send_to(&header.to_bytes(&block.to_bytes()), to)
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    /// Presses `keys` by SIP INFO (application/dtmf-relay), each answered.
    pub(crate) async fn press_info(&mut self, number: &str, keys: &str) {
        for key in keys.chars() {
            self.cseq += 1;
            let body = format!("Signal={key}\r\nDuration=160\r\n");
            let info = self
                .request("INFO", number, self.cseq, Some(&body))
                .replace("application/sdp", "application/dtmf-relay");
            self.send(&info).await;
            assert_eq!(status(&self.response().await), 200);
        }
    }

    /// What the phone hears for `duration` (decoded PCMU), after
    /// dropping what was queued before.
    pub(crate) async fn listen(&self, duration: Duration) -> Vec<i16> {
        let mut buffer = vec![0u8; 2048];
        while self.rtp.try_recv_from(&mut buffer).is_ok() {}
        let mut decoder = AudioDecoder::new(Codec::Pcmu).unwrap();
        let mut heard = Vec::new();
        let end = tokio::time::Instant::now() + duration;
        while let Ok(received) = tokio::time::timeout_at(end, self.rtp.recv_from(&mut buffer)).await
        {
            let (len, _) = received.unwrap();
            if let Ok(packet) = RtpPacket::parse(&buffer[..len]) {
                decoder.decode(packet.payload, &mut heard).unwrap();
            }
        }
        heard
    }
}

/// Whether the audio holds speech rather than silence.
pub(crate) fn is_speech(pcm: &[i16]) -> bool {
    let loud = pcm.iter().filter(|s| s.unsigned_abs() > 1000).count();
    loud > pcm.len() / 20
}

pub(crate) fn status(message: &Message) -> u16 {
    match message.start {
        StartLine::Response { status, .. } => status,
        StartLine::Request { .. } => 0,
    }
}

/// Sends a 440 Hz tone as PCMU RTP, 20 ms apart, to `to` until aborted.
pub(crate) fn send_tone(rtp: Arc<UdpSocket>, to: SocketAddr) -> tokio::task::JoinHandle<()> {
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
            encoder.encode(&pcm, &mut payload).unwrap();
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

/// A request as a room system sends it over TCP from `me`.
fn tcp_request(
    method: &str,
    number: &str,
    server: SocketAddr,
    me: SocketAddr,
    branch: &str,
) -> String {
    format!(
        "{method} sip:{number}@{server} SIP/2.0\r\n\
         Via: SIP/2.0/TCP {me};branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:saal3@{me}>;tag=t{branch}\r\n\
         To: <sip:{number}@{server}>\r\n\
         Call-ID: tcp-{branch}\r\n\
         CSeq: 1 {method}\r\n\
         Contact: <sip:saal3@{me};transport=tcp>\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// The next message (or keep-alive) from a SIP stream.
async fn next_on_stream(
    stream: &mut tokio::net::TcpStream,
    framer: &mut StreamFramer,
) -> StreamItem {
    use tokio::io::AsyncReadExt;
    let mut buffer = [0u8; 4096];
    loop {
        if let Some(item) = framer.next_item() {
            return item.expect("what the server sends frames");
        }
        let read = tokio::time::timeout(WAIT, stream.read(&mut buffer))
            .await
            .expect("an answer in time")
            .expect("the connection stays open");
        assert!(read > 0, "the server closed the connection");
        framer.push(&buffer[..read]);
    }
}

#[tokio::test]
async fn sip_over_tcp_answers_on_the_connection_and_keep_alives_get_a_pong() {
    use tokio::io::AsyncWriteExt;
    let (app, sip, _temp) = spawn_sip_app().await;
    let mut stream = tokio::net::TcpStream::connect(sip).await.unwrap();
    let me = stream.local_addr().unwrap();
    let mut framer = StreamFramer::new();

    // OPTIONS cut in two writes: framed by Content-Length, answered here.
    let options = tcp_request("OPTIONS", "probe", sip, me, "o1");
    let (first, second) = options.split_at(40);
    stream.write_all(first.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    stream.write_all(second.as_bytes()).await.unwrap();
    let StreamItem::Message(ok) = next_on_stream(&mut stream, &mut framer).await else {
        panic!("a response")
    };
    let ok = civicmeet_sip::parse(&ok).unwrap();
    assert_eq!(status(&ok), 200);
    assert!(ok.header("Via").unwrap().starts_with("SIP/2.0/TCP"));

    // An RFC 5626 ping gets a pong (a single CRLF: nothing the framer reports).
    stream.write_all(b"\r\n\r\n").await.unwrap();
    let mut pong = [0u8; 2];
    tokio::time::timeout(
        WAIT,
        tokio::io::AsyncReadExt::read_exact(&mut stream, &mut pong),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(&pong, b"\r\n");

    // An INVITE to no meeting: 100, then 404, on the same connection.
    let invite = tcp_request("INVITE", "000000000", sip, me, "i1");
    stream.write_all(invite.as_bytes()).await.unwrap();
    let mut statuses = Vec::new();
    while statuses.last() != Some(&404) {
        let StreamItem::Message(bytes) = next_on_stream(&mut stream, &mut framer).await else {
            continue;
        };
        statuses.push(status(&civicmeet_sip::parse(&bytes).unwrap()));
    }
    assert_eq!(statuses, [100, 404]);

    // A stream that cannot be framed is closed; UDP and new connections go on.
    stream
        .write_all(b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP 1.2.3.4\r\n\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        WAIT,
        tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut rest),
    )
    .await;
    assert!(
        closed.is_ok(),
        "closed after a message without Content-Length"
    );
    let mut phone = Phone::new(sip, "after").await;
    let options = phone.request("OPTIONS", "probe", 1, None);
    phone.send(&options).await;
    assert_eq!(status(&phone.response().await), 200);
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

/// A meeting participant publishing a 1 kHz Opus tone.
pub(crate) async fn tone_peer(app: &TestApp, meeting: &TestMeeting, name: &str) -> Str0mPeer {
    let mut encoder = AudioEncoder::new(Codec::Opus).unwrap();
    let payload = Box::new(move |_id: u64, frame: u64| {
        let pcm = tone(1000.0, 48_000, frame as usize * 960, 960);
        let mut payload = Vec::new();
        encoder.encode(&pcm, &mut payload).unwrap();
        payload
    });
    Str0mPeer::join(app, meeting, name, payload).await
}

/// Everything `peer` received, decoded (48 kHz).
pub(crate) fn heard(peer: &Str0mPeer) -> Vec<i16> {
    let mut decoder = AudioDecoder::new(Codec::Opus).unwrap();
    let mut heard = Vec::new();
    for frame in &peer.received {
        let _ = decoder.decode(frame, &mut heard);
    }
    heard
}

/// `len` samples of a sine at `freq` from sample `start`, amplitude 8000.
pub(crate) fn tone(freq: f64, rate: u32, start: usize, len: usize) -> Vec<i16> {
    (start..start + len)
        .map(|n| {
            let t = n as f64 / f64::from(rate);
            (8000.0 * (2.0 * std::f64::consts::PI * freq * t).sin()) as i16
        })
        .collect()
}

/// The power of `samples` at `freq` (Goertzel), per sample.
pub(crate) fn power_at(samples: &[i16], freq: f64, rate: u32) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / f64::from(rate);
    let (mut s1, mut s2) = (0.0, 0.0);
    for &x in samples {
        let s0 = f64::from(x) + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2) / samples.len() as f64
}

#[tokio::test]
async fn the_meeting_hears_the_phone_and_the_phone_hears_the_meeting() {
    let (app, sip, _temp) = spawn_sip_app().await;
    let (meeting, number) = meeting_with_number(&app, json!({"waiting_room": false})).await;
    let mut peer = tone_peer(&app, &meeting, "Ada").await;
    let mut phone = Phone::new(sip, "saal3").await;
    phone.call(&number).await;
    let tone_task = send_tone(phone.rtp.clone(), phone.server_rtp.unwrap());

    // Three seconds of both talking: the peer's 1 kHz Opus tone reaches
    // the phone as PCMU, the phone's 440 Hz tone reaches the peer as Opus.
    let mut ulaw = AudioDecoder::new(Codec::Pcmu).unwrap();
    let mut phone_heard = Vec::new();
    let mut buffer = vec![0u8; 2048];
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        peer.step().await;
        while let Ok((len, _)) = phone.rtp.try_recv_from(&mut buffer) {
            let packet = RtpPacket::parse(&buffer[..len]).unwrap();
            ulaw.decode(packet.payload, &mut phone_heard).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tone_task.abort();
    assert!(peer.connected);

    // The phone's voice carries its level (RFC 6464): it is the speaker.
    let leg = peer
        .messages
        .iter()
        .find(|m| m["type"] == "participant_joined")
        .map(|m| m["participant"]["id"].clone())
        .expect("the leg joined");
    assert!(
        peer.messages
            .iter()
            .any(|m| m["type"] == "active_speaker" && m["id"] == leg),
        "{:?}",
        peer.messages
    );

    // The last second the peer heard: the phone's voice, 440 Hz.
    let heard = heard(&peer);
    assert!(heard.len() >= 48_000, "{} samples heard", heard.len());
    let last = &heard[heard.len() - 48_000..];
    let (at_440, at_1000) = (
        power_at(last, 440.0, 48_000),
        power_at(last, 1000.0, 48_000),
    );
    assert!(
        at_440 > 1e6,
        "the phone's tone reaches the meeting: {at_440:e}"
    );
    assert!(
        at_440 > 100.0 * at_1000,
        "its own tone is not echoed: {at_440:e} / {at_1000:e}"
    );

    // The last second the phone heard: the peer's 1 kHz, not its own 440 Hz.
    assert!(phone_heard.len() >= 8_000, "{} samples", phone_heard.len());
    let last = &phone_heard[phone_heard.len() - 8_000..];
    let (at_1000, at_440) = (power_at(last, 1000.0, 8_000), power_at(last, 440.0, 8_000));
    assert!(at_1000 > 1e6, "the meeting reaches the phone: {at_1000:e}");
    assert!(
        at_1000 > 100.0 * at_440,
        "mix-minus: {at_1000:e} / {at_440:e}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_pin_typed_on_the_keypad_lets_the_phone_in() {
    let (app, sip, _temp) = spawn_sip_app().await;
    let (meeting, number) =
        meeting_with_number(&app, json!({"waiting_room": false, "guest_pin": "4321"})).await;
    let (mut host, _) = app.join(&meeting, "Host").await;

    let mut phone = Phone::new(sip, "pin").await;
    phone.call(&number).await;
    // Asked for the PIN by voice.
    assert!(
        is_speech(&phone.listen(Duration::from_secs(1)).await),
        "the PIN prompt"
    );
    // A wrong PIN by RFC 4733 events: told so, by voice.
    phone.press_rtp("1111#").await;
    assert!(
        is_speech(&phone.listen(Duration::from_secs(1)).await),
        "the wrong-PIN prompt"
    );
    // The right one by SIP INFO: in the meeting.
    phone.press_info(&number, "4321#").await;
    let joined = host.recv_type("participant_joined").await;
    assert_eq!(joined["participant"]["name"], "Saal 3");
    // The meeting is silent (the host sends nothing), and so is the phone
    // now: no prompt plays in the meeting.
    assert!(!is_speech(&phone.listen(Duration::from_millis(500)).await));
    assert_eq!(status(&phone.bye(&number).await), 200);
    app.stop().await;
}

#[tokio::test]
async fn three_wrong_pins_end_the_call() {
    let (app, sip, _temp) = spawn_sip_app().await;
    let (_meeting, number) =
        meeting_with_number(&app, json!({"waiting_room": false, "guest_pin": "4321"})).await;
    let mut phone = Phone::new(sip, "guesser").await;
    phone.call(&number).await;
    for pin in ["1111#", "2222#", "3333#"] {
        // Each attempt after the server has answered the last one.
        tokio::time::sleep(Duration::from_millis(700)).await;
        phone.press_rtp(pin).await;
    }
    // Told that it was not let in, then BYE.
    assert!(
        is_speech(&phone.listen(Duration::from_secs(1)).await),
        "the farewell"
    );
    phone.expect_bye().await;
    app.stop().await;
}

#[tokio::test]
async fn the_waiting_room_holds_phones_until_a_host_decides() {
    let (app, sip, _temp) = spawn_sip_app().await;
    let (meeting, number) = meeting_with_number(&app, json!({})).await;
    let (mut host, _) = app.join(&meeting, "Host").await;

    // Waiting: the host sees the caller, the caller hears that it waits.
    let mut phone = Phone::new(sip, "waiter").await;
    phone.call(&number).await;
    let list = host.recv_type("waiting_list").await;
    let waiting = &list["waiting"][0];
    assert_eq!(waiting["name"], "Saal 3");
    assert!(
        is_speech(&phone.listen(Duration::from_secs(1)).await),
        "the waiting prompt"
    );
    // Admitted: in the meeting.
    host.send(json!({"type": "admit", "id": waiting["id"]}))
        .await;
    let joined = host.recv_type("participant_joined").await;
    assert_eq!(joined["participant"]["id"], waiting["id"]);

    // Turned away: told so, then BYE.
    let mut turned_away = Phone::new(sip, "turned-away").await;
    turned_away.call(&number).await;
    let list = loop {
        let list = host.recv_type("waiting_list").await;
        if list["waiting"].as_array().is_some_and(|w| !w.is_empty()) {
            break list;
        }
    };
    host.send(json!({"type": "reject", "id": list["waiting"][0]["id"]}))
        .await;
    assert!(
        is_speech(&turned_away.listen(Duration::from_secs(1)).await),
        "the farewell"
    );
    turned_away.expect_bye().await;
    // The admitted phone is still in.
    assert_eq!(status(&phone.bye(&number).await), 200);
    assert_eq!(
        host.recv_type("participant_left").await["id"],
        waiting["id"]
    );
    app.stop().await;
}

/// A JSON POST over TLS to `app`, trusting the certificate in `pem`.
pub(crate) async fn https_post_json(app: SocketAddr, pem: &[u8], path: &str, body: &str) -> Value {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from_pem_slice(pem).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(app).await.unwrap();
    let name = rustls::pki_types::ServerName::IpAddress(app.ip().into());
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(connection);
    let request = hyper::Request::builder()
        .method("POST")
        .uri(path)
        .header("host", app.to_string())
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(hyper::body::Bytes::from(
            body.to_owned(),
        )))
        .unwrap();
    let response = common::Response::read(sender.send_request(request).await.unwrap()).await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.json()
}

/// Under `http.tls`, the leg reaches the meeting socket over TLS (it
/// trusts the server's own certificate): the meeting asks for its PIN.
#[tokio::test]
async fn calls_join_a_server_that_speaks_tls() {
    let (app, sip, temp) = spawn_sip_app_with(|config| {
        config.http.tls = civicmeet::config::TlsMode::SelfSigned;
    })
    .await;
    let pem = std::fs::read(temp.path().join("tls").join("cert.pem")).unwrap();
    let meeting = https_post_json(
        app.http,
        &pem,
        "/api/meetings",
        r#"{"waiting_room": false, "guest_pin": "4321"}"#,
    )
    .await;
    let number = meeting["dial_number"].as_str().unwrap();
    let mut phone = Phone::new(sip, "tls").await;
    phone.call(number).await;
    assert!(
        is_speech(&phone.listen(Duration::from_secs(1)).await),
        "the PIN prompt"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_host_mutes_the_phone_and_star_six_unmutes_it() {
    let (app, sip, _temp) = spawn_sip_app().await;
    let (meeting, number) = meeting_with_number(&app, json!({"waiting_room": false})).await;
    let (mut host, _) = app.join(&meeting, "Host").await;
    let mut phone = Phone::new(sip, "muted").await;
    phone.call(&number).await;
    let leg = host.recv_type("participant_joined").await["participant"]["id"].clone();

    host.send(json!({"type": "mute", "id": leg, "kind": "audio"}))
        .await;
    let updated = host.recv_type("participant_updated").await;
    assert_eq!(updated["participant"]["id"], leg);
    assert_eq!(updated["participant"]["media"]["audio"], false);
    // Only the participant switches its microphone on again: by keypad.
    tokio::time::sleep(Duration::from_millis(300)).await;
    phone.press_rtp("*6").await;
    let updated = host.recv_type("participant_updated").await;
    assert_eq!(updated["participant"]["id"], leg);
    assert_eq!(updated["participant"]["media"]["audio"], true);
    // And off again.
    phone.press_rtp("*6").await;
    let updated = host.recv_type("participant_updated").await;
    assert_eq!(updated["participant"]["media"]["audio"], false);
    app.stop().await;
}

/// A room system that joined without video adds its camera by re-INVITE:
/// the answer takes VP8, and the meeting receives the VP8 keyframes the
/// room system sends as a new video track of the call's participant.
#[tokio::test]
async fn a_reinvite_adds_the_room_systems_camera_to_the_meeting() {
    let (app, sip, _temp) = spawn_sip_app().await;
    let (meeting, number) = meeting_with_number(&app, json!({"waiting_room": false})).await;
    let mut peer = tone_peer(&app, &meeting, "Ada").await;
    let mut phone = Phone::new(sip, "camera").await;

    let offer = phone.audio_offer();
    let ok = phone.invite_with(&number, &offer).await;
    assert_eq!(status(&ok), 200);
    phone.to_tag = Some(
        ok.header("To")
            .unwrap()
            .split(";tag=")
            .nth(1)
            .unwrap()
            .to_string(),
    );
    let audio = &SessionDescription::parse(&ok.body).unwrap().media[0];
    phone.server_rtp = Some(SocketAddr::new(audio.connection.unwrap(), audio.port));
    let ack = phone.request("ACK", &number, phone.cseq, None);
    phone.send(&ack).await;
    let tone = send_tone(phone.rtp.clone(), phone.server_rtp.unwrap());

    // The call is in the meeting once the peer hears of it.
    let joined = Instant::now();
    while !peer
        .messages
        .iter()
        .any(|m| m["type"] == "participant_joined")
    {
        assert!(
            joined.elapsed() < WAIT,
            "the call never joined: {:?}",
            peer.messages
        );
        peer.step().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let camera = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    phone.cseq += 1;
    let reoffer = phone.video_offer(2, camera.local_addr().unwrap());
    let ok = phone.invite_with(&number, &reoffer).await;
    assert_eq!(status(&ok), 200, "{}", String::from_utf8_lossy(&ok.body));
    let answer = SessionDescription::parse(&ok.body).unwrap();
    let video = &answer.media[1];
    assert_eq!(
        (video.kind.clone(), video.payloads[0].payload_type),
        (MediaKind::Video, 97)
    );
    assert_ne!(video.port, 0, "the camera is taken");
    let ack = phone.request("ACK", &number, phone.cseq, None);
    phone.send(&ack).await;
    let server_video = SocketAddr::new(video.connection.or(answer.connection).unwrap(), video.port);

    // Keyframes (the room system answers our PLI with one anyway).
    let mut packetizer = civicmeet_sip_media::video::VideoPacketizer::new(
        civicmeet_sip_media::video::VideoFormat::Vp8,
        97,
        0xc0ffee,
        1,
        1200,
    );
    let mut keyframe = vec![0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xb4, 0x00];
    keyframe.resize(2500, 0x42);
    let started = Instant::now();
    let mut frame = 0u32;
    while peer.received_video.len() < 3 {
        assert!(
            started.elapsed() < WAIT,
            "the meeting received no video of the room system: {} frames, messages {:?}",
            peer.received_video.len(),
            peer.messages
        );
        for packet in packetizer.packetize(&keyframe, frame * 3000) {
            camera.send_to(&packet, server_video).await.unwrap();
        }
        frame += 1;
        for _ in 0..3 {
            peer.step().await;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let (codec, is_keyframe, payload) = &peer.received_video[0];
    assert_eq!(*codec, str0m::format::Codec::Vp8);
    assert!(*is_keyframe);
    assert_eq!(
        payload, &keyframe,
        "the frame arrives as the room system sent it"
    );
    assert!(
        peer.messages
            .iter()
            .any(|m| m["type"] == "participant_updated"
                && m["participant"]["media"]["video"] == true),
        "the meeting hears that the call's camera is on: {:?}",
        peer.messages
    );
    tone.abort();
}

/// A court hearing over the phone: the caller hears the recording
/// notice read out, other keys do nothing, `1` confirms it and the call
/// enters the hearing.
#[tokio::test]
async fn a_phone_confirms_a_hearings_notice_with_one_and_enters() {
    let (app, sip, _temp) = spawn_sip_app().await;
    let (meeting, number) =
        meeting_with_number(&app, json!({"kind": "hearing", "waiting_room": false})).await;
    let mut join = common::join_message(meeting.judge.as_deref().unwrap(), "Judge");
    join["notice_acknowledged"] = json!(true);
    let (mut judge, welcome) = app.join_with_message(&meeting, join).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");

    let mut phone = Phone::new(sip, "hearing").await;
    phone.call(&number).await;
    assert!(
        is_speech(&phone.listen(Duration::from_secs(1)).await),
        "the notice is read out"
    );
    phone.press_rtp("2#").await;
    let early = tokio::time::timeout(
        Duration::from_millis(500),
        judge.recv_type("participant_joined"),
    )
    .await;
    assert!(early.is_err(), "other keys do not confirm: {early:?}");
    phone.press_rtp("1").await;
    let joined = judge.recv_type("participant_joined").await;
    assert_eq!(joined["participant"]["name"], "Saal 3");
    assert_eq!(joined["participant"]["role"], "guest");
    assert_eq!(status(&phone.bye(&number).await), 200);
    app.stop().await;
}

/// With `sip.rtp_ports`, a call's audio and video ports (what the answer
/// tells the phone) are within the range, video on an even port.
#[tokio::test]
async fn calls_take_their_ports_from_the_configured_range() {
    let (app, sip, _temp) = spawn_sip_app_with(|config| {
        config.sip.rtp_ports = "41000-41099".to_owned();
    })
    .await;
    let (_meeting, number) = meeting_with_number(&app, json!({"waiting_room": false})).await;
    let mut phone = Phone::new(sip, "ports").await;
    phone.call(&number).await;
    let answer = phone.answer.clone().expect("an answer");
    let (audio, video) = (answer.media[0].port, answer.media[1].port);
    assert!((41000..=41099).contains(&audio), "audio on {audio}");
    assert!(
        (41000..=41098).contains(&video) && video % 2 == 0,
        "video on {video}"
    );
    assert_eq!(status(&phone.bye(&number).await), 200);
    app.stop().await;
}

/// A meeting made with a SIP alias is reached by dialling the alias (in
/// any case) as well as its number; a second meeting cannot take the same
/// alias, and a malformed one is refused.
#[tokio::test]
async fn a_room_system_dials_a_meeting_by_its_alias() {
    let (app, sip, _temp) = spawn_sip_app().await;
    let (meeting, _number) =
        meeting_with_number(&app, json!({"waiting_room": false, "sip_alias": "Saal-3"})).await;
    let (mut host, _) = app.join(&meeting, "Host").await;
    let mut phone = Phone::new(sip, "alias").await;
    phone.call("saal-3").await;
    let joined = host.recv_type("participant_joined").await;
    assert_eq!(joined["participant"]["name"], "Saal 3");
    assert_eq!(status(&phone.bye("saal-3").await), 200);

    let taken = app
        .post_json("/api/meetings", r#"{"sip_alias": "saal-3"}"#)
        .await;
    assert_eq!(taken.status, 409, "{}", taken.body);
    for bad in [
        r#"{"sip_alias": "123456789"}"#,
        r#"{"sip_alias": "saal 3"}"#,
    ] {
        let refused = app.post_json("/api/meetings", bad).await;
        assert_eq!(refused.status, 400, "{bad}: {}", refused.body);
    }
    let mut stranger = Phone::new(sip, "nobody").await;
    assert_eq!(status(&stranger.invite("saal-4").await), 404);
    app.stop().await;
}

/// A phone that goes silent without a BYE (power or network lost) is hung
/// up after `sip.media_timeout_secs`, and its seat in the meeting goes.
#[tokio::test]
async fn a_phone_that_falls_silent_is_hung_up_and_leaves_the_meeting() {
    let (app, sip, _temp) = spawn_sip_app_with(|config| config.sip.media_timeout_secs = 2).await;
    let (meeting, number) = meeting_with_number(&app, json!({"waiting_room": false})).await;
    let (mut host, _) = app.join(&meeting, "Host").await;
    let mut phone = Phone::new(sip, "silent").await;
    phone.call(&number).await;
    let tone = send_tone(phone.rtp.clone(), phone.server_rtp.unwrap());
    let joined = host.recv_type("participant_joined").await;
    let id = joined["participant"]["id"].clone();
    // Talking for longer than the timeout keeps the call.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        phone.requests.is_empty(),
        "no BYE while the phone sends: {:?}",
        phone.requests
    );
    tone.abort();
    let silent = Instant::now();
    phone.expect_bye().await;
    let after = silent.elapsed();
    // The last packet left up to a tick before the abort: a margin.
    assert!(
        after >= Duration::from_millis(1_500),
        "hung up after {after:?}, before the timeout"
    );
    let left = host.recv_type("participant_left").await;
    assert_eq!(left["id"], id);
    app.stop().await;
}
