//! A meeting participant as a browser would be, for server tests: str0m (an
//! independent WebRTC stack, not our router) on loopback UDP, signalling
//! over the real meeting WebSocket, publishing one Opus track. The frames
//! it sends are made by the test; the frames it receives are kept.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, StreamExt};
use serde_json::{Value, json};
use str0m::change::{SdpAnswer, SdpOffer};
use str0m::format::Codec;
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;
use tokio_tungstenite::tungstenite::Message;

use crate::common::{Client, TestApp, TestMeeting};

const AUDIO_INTERVAL: Duration = Duration::from_millis(20);

/// Makes the payload of audio frame `n` for the participant `id`.
pub type Payload = Box<dyn FnMut(u64, u64) -> Vec<u8> + Send>;

pub struct Str0mPeer {
    pub id: u64,
    pub ws: Client,
    rtc: Rtc,
    socket: UdpSocket,
    addr: SocketAddr,
    audio_mid: Mid,
    pub connected: bool,
    frames_sent: u64,
    next_audio: Instant,
    payload: Payload,
    /// Payloads of the audio frames received, in order.
    pub received: Vec<Vec<u8>>,
    /// Video frames received: (codec, keyframe, payload), in order.
    pub received_video: Vec<(Codec, bool, Vec<u8>)>,
    /// Server messages other than offers, in order.
    pub messages: Vec<Value>,
    /// The SDP of every offer the server sent.
    pub server_offers: Vec<String>,
}

impl Str0mPeer {
    /// Joins `meeting` and negotiates one sendonly Opus track whose frames
    /// `payload` makes.
    pub async fn join(
        app: &TestApp,
        meeting: &TestMeeting,
        name: &str,
        payload: Payload,
    ) -> Str0mPeer {
        let (mut ws, welcome) = app.join(meeting, name).await;
        let id = welcome["you"].as_u64().expect("an id");
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let now = Instant::now();
        let mut rtc = Rtc::builder().build(now);
        rtc.add_local_candidate(Candidate::host(addr, "udp").unwrap())
            .expect("candidate accepted");
        let mut change = rtc.sdp_api();
        let audio_mid = change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
        let (offer, pending) = change.apply().expect("an offer");

        ws.send(json!({"type": "offer", "sdp": offer.to_sdp_string()}))
            .await;
        let answer = ws.recv_type("answer").await;
        let answer =
            SdpAnswer::from_sdp_string(answer["sdp"].as_str().unwrap()).expect("answer parses");
        rtc.sdp_api()
            .accept_answer(pending, answer)
            .expect("answer accepted");
        Str0mPeer {
            id,
            ws,
            rtc,
            socket,
            addr,
            audio_mid,
            connected: false,
            frames_sent: 0,
            next_audio: now,
            payload,
            received: Vec::new(),
            received_video: Vec::new(),
            messages: Vec::new(),
            server_offers: Vec::new(),
        }
    }

    /// One round: signalling in, datagrams in, time, media out, output out.
    pub async fn step(&mut self) {
        while let Some(Some(Ok(message))) = self.ws.socket.next().now_or_never() {
            let Message::Text(text) = message else {
                continue;
            };
            let message: Value = serde_json::from_str(&text).unwrap();
            if message["type"] == "offer" {
                let sdp = message["sdp"].as_str().unwrap().to_string();
                let offer = SdpOffer::from_sdp_string(&sdp).expect("server offer parses");
                let answer = self
                    .rtc
                    .sdp_api()
                    .accept_offer(offer)
                    .expect("server offer accepted");
                self.server_offers.push(sdp);
                self.ws
                    .send(json!({"type": "answer", "sdp": answer.to_sdp_string()}))
                    .await;
            } else {
                self.messages.push(message);
            }
        }
        let mut buffer = [0u8; 2000];
        while let Ok((len, source)) = self.socket.try_recv_from(&mut buffer) {
            let Ok(contents) = buffer[..len].try_into() else {
                continue;
            };
            let input = Input::Receive(
                Instant::now(),
                Receive {
                    proto: Protocol::Udp,
                    source,
                    destination: self.addr,
                    contents,
                },
            );
            self.rtc.handle_input(input).expect("input handled");
        }
        let now = Instant::now();
        self.rtc
            .handle_input(Input::Timeout(now))
            .expect("timeout handled");
        while self.connected && self.next_audio <= now {
            self.send_audio_frame(now);
            self.next_audio += AUDIO_INTERVAL;
        }
        loop {
            match self.rtc.poll_output().expect("output") {
                Output::Timeout(_) => break,
                Output::Transmit(t) => {
                    let _ = self.socket.try_send_to(&t.contents, t.destination);
                }
                Output::Event(Event::Connected) => {
                    self.connected = true;
                    self.next_audio = Instant::now();
                }
                Output::Event(Event::MediaData(data)) => {
                    if self.rtc.media(data.mid).map(|m| m.kind()) == Some(MediaKind::Video) {
                        let codec = data.params.spec().codec;
                        let keyframe = data.is_keyframe();
                        self.received_video
                            .push((codec, keyframe, data.data.to_vec()));
                    } else {
                        self.received.push(data.data.to_vec());
                    }
                }
                Output::Event(_) => {}
            }
        }
    }

    fn send_audio_frame(&mut self, now: Instant) {
        let Some(writer) = self.rtc.writer(self.audio_mid) else {
            return;
        };
        let Some(pt) = writer
            .payload_params()
            .find(|p| p.spec().codec == Codec::Opus)
            .map(|p| p.pt())
        else {
            return;
        };
        let time = MediaTime::new(self.frames_sent * 960, Frequency::FORTY_EIGHT_KHZ);
        let payload = (self.payload)(self.id, self.frames_sent);
        let _ = writer.write(pt, now, time, payload);
        self.frames_sent += 1;
    }
}
