//! A str0m WebRTC peer on a real UDP socket on this machine, driven by a
//! small tokio loop: what a browser would be to Janus, minus the codecs.
//!
//! Synthetic media, as in the router's tests: every frame's second byte is
//! the publisher's marker, so a subscriber can tell the frames came from
//! that publisher without decoding anything. Video frames start with a VP8
//! frame tag whose lowest bit is clear on keyframes (RFC 6386 §9.1), which
//! is how str0m's depacketizer tells keyframes apart. Audio is a 20 ms Opus
//! packet's worth of filler every 20 ms, video ~30 frames per second with a
//! keyframe every second and on request.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::format::Codec;
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};
use tokio::net::UdpSocket;

const AUDIO_INTERVAL: Duration = Duration::from_millis(20);
const VIDEO_INTERVAL: Duration = Duration::from_millis(33);
const KEYFRAME_INTERVAL: Duration = Duration::from_secs(1);
const VIDEO_FRAME_BYTES: usize = 2_500;
const KEYFRAME_BYTES: usize = 6_000;

/// What a peer received from one publisher (one marker).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Opus frames on an audio track.
    pub audio: u64,
    /// Whole VP8 frames on a video track.
    pub video: u64,
    pub keyframes: u64,
}

/// The synthetic media a publishing peer sends.
struct Source {
    audio: Mid,
    video: Mid,
    next_audio: Instant,
    next_video: Instant,
    audio_frames: u64,
    video_frames: u64,
    keyframe_due: bool,
    last_keyframe: Option<Instant>,
}

pub struct Peer {
    pub rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    /// The marker this peer puts into the frames it sends.
    marker: u8,
    source: Option<Source>,
    pending: Option<SdpPendingOffer>,
    /// What arrived, by the sender's marker.
    pub received: HashMap<u8, Received>,
    /// Frames of another codec or kind, or without a marker: none should
    /// arrive.
    pub foreign: u64,
    /// Frames with a gap (a packet lost on a busy machine): a few may.
    pub broken: u64,
    pub keyframe_requests: u64,
    pub ice: Option<IceConnectionState>,
}

impl Peer {
    /// A peer on a fresh UDP socket on `ip` (Janus's media address) that
    /// marks what it sends with `marker`.
    pub async fn bind(ip: IpAddr, marker: u8) -> Peer {
        let socket = UdpSocket::bind((ip, 0))
            .await
            .expect("a loopback UDP socket");
        let local = socket.local_addr().expect("a bound socket has an address");
        let mut rtc = Rtc::builder()
            .clear_codecs()
            .enable_opus(true, false)
            .enable_vp8(true)
            .enable_h264(true)
            .build(Instant::now());
        rtc.add_local_candidate(Candidate::host(local, "udp").expect("a host candidate"))
            .expect("candidate accepted");
        Peer {
            rtc,
            socket,
            local,
            marker,
            source: None,
            pending: None,
            received: HashMap::new(),
            foreign: 0,
            broken: 0,
            keyframe_requests: 0,
            ice: None,
        }
    }

    /// The offer of a publisher: one sendonly audio and one sendonly video
    /// track. Answer it with [`Peer::accept_answer`].
    pub fn publish_offer(&mut self) -> String {
        let mut change = self.rtc.sdp_api();
        let audio = change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
        let video = change.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
        let (offer, pending) = change.apply().expect("an offer with two tracks");
        let now = Instant::now();
        self.source = Some(Source {
            audio,
            video,
            next_audio: now,
            next_video: now,
            audio_frames: 0,
            video_frames: 0,
            keyframe_due: true,
            last_keyframe: None,
        });
        self.pending = Some(pending);
        offer.to_sdp_string()
    }

    /// What arrived from the publisher that marks its frames `marker`.
    pub fn received_from(&self, marker: u8) -> Received {
        self.received.get(&marker).copied().unwrap_or_default()
    }

    pub fn accept_answer(&mut self, sdp: &str) {
        let answer = SdpAnswer::from_sdp_string(sdp).expect("Janus's answer parses");
        let pending = self.pending.take().expect("an offer was made");
        self.rtc
            .sdp_api()
            .accept_answer(pending, answer)
            .expect("str0m accepts Janus's answer");
    }

    /// Answers an offer (Janus's, to a subscriber).
    pub fn answer_offer(&mut self, sdp: &str) -> String {
        let offer = SdpOffer::from_sdp_string(sdp).expect("Janus's offer parses");
        self.rtc
            .sdp_api()
            .accept_offer(offer)
            .expect("str0m accepts Janus's offer")
            .to_sdp_string()
    }

    /// Runs the peer until `done` holds for what it received (true) or
    /// `deadline` passes (false). Safe to cancel between iterations: all
    /// state lives in `self`.
    pub async fn run(
        &mut self,
        deadline: Instant,
        done: impl Fn(&HashMap<u8, Received>) -> bool,
    ) -> bool {
        let mut buf = vec![0u8; 2_000];
        loop {
            let now = Instant::now();
            if done(&self.received) {
                return true;
            }
            if now >= deadline {
                return false;
            }
            self.send_due_media(now);
            let Some(rtc_wake) = self.drain().await else {
                return false;
            };
            let wake = rtc_wake.min(self.next_media()).min(deadline);
            let input = tokio::select! {
                received = self.socket.recv_from(&mut buf) => received.ok(),
                _ = tokio::time::sleep_until(wake.into()) => None,
            };
            let now = Instant::now();
            let result = match input {
                Some((n, source)) => {
                    // What str0m does not recognise (not STUN, DTLS or
                    // SRTP) is not ours to handle.
                    let Ok(contents) = buf[..n].try_into() else {
                        continue;
                    };
                    self.rtc.handle_input(Input::Receive(
                        now,
                        Receive {
                            proto: Protocol::Udp,
                            source,
                            destination: self.local,
                            contents,
                        },
                    ))
                }
                None => self.rtc.handle_input(Input::Timeout(now)),
            };
            if result.is_err() {
                return false;
            }
        }
    }

    /// Sends what str0m wants sent and takes its events; returns when it
    /// next wants to be woken, or `None` once it has given up.
    async fn drain(&mut self) -> Option<Instant> {
        loop {
            match self.rtc.poll_output() {
                Ok(Output::Timeout(at)) => return Some(at),
                Ok(Output::Transmit(t)) => {
                    // A lost datagram is what UDP is for; str0m retries.
                    let _ = self.socket.send_to(&t.contents, t.destination).await;
                }
                Ok(Output::Event(event)) => self.on_event(event),
                Err(_) => return None,
            }
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::IceConnectionStateChange(state) => self.ice = Some(state),
            Event::KeyframeRequest(_) => {
                self.keyframe_requests += 1;
                if let Some(source) = &mut self.source {
                    source.keyframe_due = true;
                }
            }
            Event::MediaData(data) => {
                let kind = self.rtc.media(data.mid).map(|m| m.kind());
                if !data.contiguous {
                    self.broken += 1;
                    return;
                }
                let Some(&marker) = data.data.get(1) else {
                    self.foreign += 1;
                    return;
                };
                let from = self.received.entry(marker).or_default();
                match (kind, data.params.spec().codec) {
                    (Some(MediaKind::Audio), Codec::Opus) => from.audio += 1,
                    (Some(MediaKind::Video), Codec::Vp8) => {
                        from.video += 1;
                        if data.is_keyframe() {
                            from.keyframes += 1;
                        }
                    }
                    _ => self.foreign += 1,
                }
            }
            _ => {}
        }
    }

    fn next_media(&self) -> Instant {
        match &self.source {
            Some(source) => source.next_audio.min(source.next_video),
            None => Instant::now() + Duration::from_secs(3_600),
        }
    }

    /// Writes the frames that are due. str0m drops media written before
    /// ICE connects, so nothing is written until then.
    fn send_due_media(&mut self, now: Instant) {
        let marker = self.marker;
        let Some(source) = &mut self.source else {
            return;
        };
        if !self.rtc.is_connected() {
            source.next_audio = now;
            source.next_video = now;
            return;
        }
        while source.next_audio <= now {
            let rtp_time = MediaTime::new(source.audio_frames * 960, Frequency::FORTY_EIGHT_KHZ);
            let mut frame = vec![0xfc, marker];
            frame.resize(80, 0x55);
            write(
                &mut self.rtc,
                source.audio,
                Codec::Opus,
                now,
                rtp_time,
                frame,
            );
            source.audio_frames += 1;
            source.next_audio += AUDIO_INTERVAL;
        }
        while source.next_video <= now {
            let key = source.keyframe_due
                || source
                    .last_keyframe
                    .is_none_or(|at| now.duration_since(at) >= KEYFRAME_INTERVAL);
            if key {
                source.keyframe_due = false;
                source.last_keyframe = Some(now);
            }
            let rtp_time = MediaTime::from_90khz(source.video_frames * 3_000);
            write(
                &mut self.rtc,
                source.video,
                Codec::Vp8,
                now,
                rtp_time,
                vp8_frame(marker, key),
            );
            source.video_frames += 1;
            source.next_video += VIDEO_INTERVAL;
        }
    }
}

/// Writes one frame on `mid` with the payload type negotiated for `codec`.
fn write(rtc: &mut Rtc, mid: Mid, codec: Codec, now: Instant, rtp_time: MediaTime, frame: Vec<u8>) {
    let Some(writer) = rtc.writer(mid) else {
        return;
    };
    let Some(pt) = writer
        .payload_params()
        .find(|p| p.spec().codec == codec)
        .map(|p| p.pt())
    else {
        return;
    };
    let _ = writer.write(pt, now, rtp_time, frame);
}

/// A synthetic VP8 frame: the 3-byte frame tag (bit 0 clear on keyframes)
/// with the marker in its second byte, then filler.
fn vp8_frame(marker: u8, key: bool) -> Vec<u8> {
    let tag = if key { 0x10 } else { 0x11 };
    let mut frame = vec![tag, marker, 0x00];
    if key {
        // Keyframe start code and a 640x360 size (RFC 6386 §9.1).
        frame.extend_from_slice(&[0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01]);
    }
    frame.resize(
        if key {
            KEYFRAME_BYTES
        } else {
            VIDEO_FRAME_BYTES
        },
        0xaa,
    );
    frame
}
