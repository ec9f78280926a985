//! One simulated WebRTC participant: str0m `Rtc`s driven by a small tokio
//! loop over one UDP socket, signalling through a [`Session`].
//!
//! The loop waits for whichever comes first: a datagram, a server offer,
//! the earliest str0m timeout or media frame due, or the stop signal. Then
//! it feeds str0m, writes due frames and drains str0m's output. Frames are
//! stamped ([`crate::media::Stamp`]) so receivers measure latency and loss.
//! Nothing from the network panics: unparseable frames are skipped, str0m
//! errors end this participant alone and are reported.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::change::{SdpAnswer, SdpOffer};
use str0m::format::Codec;
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;
use tokio::sync::watch;

use crate::clock::now_ns;
use crate::media::{self, Kind, Schedule, Stamp};
use crate::stats::{Recorder, Window};
use crate::target::{Error, Pc, Role, Session};

/// Who this participant is in the scenario.
#[derive(Debug, Clone)]
pub struct PeerSpec {
    /// The load generator's number for this participant (in stamps).
    pub id: u32,
    pub role: Role,
    pub window: Arc<Window>,
    /// Becomes true when the participant should stop.
    pub stop: watch::Receiver<bool>,
    /// The address the participant's UDP socket binds: loopback, unless
    /// the target's media server does not do ICE on loopback (Janus: see
    /// [`crate::target::Target::media_bind_ip`]).
    pub bind: IpAddr,
}

/// One peer connection of the participant.
struct Conn {
    pc: Pc,
    rtc: Rtc,
    audio_mid: Option<Mid>,
    video_mid: Option<Mid>,
    next_timeout: Instant,
}

struct Peer<S> {
    spec: PeerSpec,
    session: S,
    socket: UdpSocket,
    local: SocketAddr,
    conns: Vec<Conn>,
    schedule: Option<Schedule>,
    recorder: Recorder,
}

/// Runs a participant that has joined (its `session`) until `spec.stop`;
/// returns what it recorded. A failure is in `Recorder::error`, with the
/// counts up to then.
pub async fn run<S: Session>(session: S, spec: PeerSpec) -> Recorder {
    let mut peer = match Peer::start(session, spec).await {
        Ok(peer) => peer,
        Err(e) => {
            return Recorder {
                error: Some(e.to_string()),
                ..Recorder::default()
            };
        }
    };
    if let Err(e) = peer.run().await {
        peer.recorder.error = Some(e.to_string());
    }
    peer.recorder
}

fn new_rtc(local: SocketAddr) -> Result<Rtc, Error> {
    let mut rtc = Rtc::builder()
        .clear_codecs()
        .enable_opus(true, false)
        .enable_vp8(true)
        .build(Instant::now());
    let candidate =
        Candidate::host(local, "udp").map_err(|e| Error::Signalling(format!("candidate: {e}")))?;
    if rtc.add_local_candidate(candidate).is_none() {
        return Err(Error::Signalling("str0m refused the host candidate".into()));
    }
    Ok(rtc)
}

fn sdp_error(e: impl std::fmt::Display) -> Error {
    Error::Signalling(format!("SDP: {e}"))
}

impl<S: Session> Peer<S> {
    async fn start(mut session: S, spec: PeerSpec) -> Result<Peer<S>, Error> {
        let socket = UdpSocket::bind((spec.bind, 0)).await?;
        let local = socket.local_addr()?;
        let mut conns = Vec::new();
        let role = spec.role;
        if role.publishes() || session.client_offers(role) {
            let mut rtc = new_rtc(local)?;
            let mut change = rtc.sdp_api();
            let audio_mid = role
                .audio
                .then(|| change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None));
            let video_mid = role
                .video
                .then(|| change.add_media(MediaKind::Video, Direction::SendOnly, None, None, None));
            if !role.publishes() {
                // What a browser without camera and microphone offers.
                change.add_media(MediaKind::Audio, Direction::RecvOnly, None, None, None);
            }
            let (offer, pending) = change
                .apply()
                .ok_or_else(|| Error::Signalling("no offer to make".into()))?;
            let answer = session.offer(Pc::Main, offer.to_sdp_string()).await?;
            let answer = SdpAnswer::from_sdp_string(&answer).map_err(sdp_error)?;
            rtc.sdp_api()
                .accept_answer(pending, answer)
                .map_err(sdp_error)?;
            conns.push(Conn {
                pc: Pc::Main,
                rtc,
                audio_mid,
                video_mid,
                next_timeout: Instant::now(),
            });
        }
        Ok(Peer {
            spec,
            session,
            socket,
            local,
            conns,
            schedule: None,
            recorder: Recorder::default(),
        })
    }

    async fn run(&mut self) -> Result<(), Error> {
        let mut buf = vec![0u8; 2048];
        loop {
            self.drain().await?;
            let wake = self.next_wake();
            let mut stop = self.spec.stop.clone();
            if *stop.borrow_and_update() {
                return Ok(());
            }
            tokio::select! {
                received = self.socket.recv_from(&mut buf) => {
                    let (len, source) = received?;
                    self.on_datagram(&buf[..len], source)?;
                    // Take what else is queued before polling str0m again.
                    while let Ok((len, source)) = self.socket.try_recv_from(&mut buf) {
                        self.on_datagram(&buf[..len], source)?;
                    }
                }
                offer = self.session.next_offer() => {
                    let (pc, sdp) = offer?;
                    self.on_offer(pc, &sdp).await?;
                }
                _ = tokio::time::sleep_until(wake.into()) => {}
                // Only ever set to true: any change means stop.
                _ = stop.changed() => return Ok(()),
            }
            let now = Instant::now();
            for conn in &mut self.conns {
                if conn.next_timeout <= now {
                    conn.rtc
                        .handle_input(Input::Timeout(now))
                        .map_err(|e| Error::Signalling(format!("str0m: {e}")))?;
                }
            }
            self.publish_due(now);
        }
    }

    /// The earliest str0m timeout or frame due.
    fn next_wake(&self) -> Instant {
        let mut wake = Instant::now() + Duration::from_millis(100);
        for conn in &self.conns {
            wake = wake.min(conn.next_timeout);
        }
        if let Some(schedule) = &self.schedule {
            if self.spec.role.audio {
                wake = wake.min(schedule.next_audio);
            }
            if self.spec.role.video {
                wake = wake.min(schedule.next_video);
            }
        }
        wake
    }

    fn on_datagram(&mut self, bytes: &[u8], source: SocketAddr) -> Result<(), Error> {
        let now = Instant::now();
        self.recorder.on_datagram(&self.spec.window, now_ns());
        let Ok(contents) = bytes.try_into() else {
            // Not STUN, DTLS or (S)RTP: nothing str0m would take.
            return Ok(());
        };
        let input = Input::Receive(
            now,
            Receive {
                proto: Protocol::Udp,
                source,
                destination: self.local,
                contents,
            },
        );
        if let Some(conn) = self.conns.iter_mut().find(|c| c.rtc.accepts(&input)) {
            conn.rtc
                .handle_input(input)
                .map_err(|e| Error::Signalling(format!("str0m: {e}")))?;
        }
        Ok(())
    }

    async fn on_offer(&mut self, pc: Pc, sdp: &str) -> Result<(), Error> {
        let offer = SdpOffer::from_sdp_string(sdp).map_err(sdp_error)?;
        if !self.conns.iter().any(|c| c.pc == pc) {
            // A server that subscribes on a connection of its own opens it
            // with its first offer.
            self.conns.push(Conn {
                pc,
                rtc: new_rtc(self.local)?,
                audio_mid: None,
                video_mid: None,
                next_timeout: Instant::now(),
            });
        }
        let Some(conn) = self.conns.iter_mut().find(|c| c.pc == pc) else {
            return Ok(()); // Pushed just above when missing.
        };
        let answer = conn.rtc.sdp_api().accept_offer(offer).map_err(sdp_error)?;
        self.session.answer(pc, answer.to_sdp_string()).await
    }

    /// Writes the frames that are due on the publishing connection.
    fn publish_due(&mut self, now: Instant) {
        let Some(schedule) = &mut self.schedule else {
            return;
        };
        let Some(conn) = self.conns.iter_mut().find(|c| c.pc == Pc::Main) else {
            return;
        };
        let window = &self.spec.window;
        let id = self.spec.id;
        if let Some(mid) = conn.audio_mid {
            while schedule.next_audio <= now {
                let stamp = Stamp {
                    sender: id,
                    kind: Kind::Audio,
                    seq: schedule.audio_seq,
                    sent_ns: now_ns(),
                };
                let time = MediaTime::new(
                    u64::from(schedule.audio_seq) * 960,
                    Frequency::FORTY_EIGHT_KHZ,
                );
                if write(
                    &mut conn.rtc,
                    mid,
                    Codec::Opus,
                    now,
                    time,
                    media::audio_frame(&stamp),
                ) {
                    self.recorder.on_sent(window, &stamp);
                }
                schedule.audio_seq = schedule.audio_seq.wrapping_add(1);
                schedule.next_audio += media::AUDIO_INTERVAL;
            }
        }
        if let Some(mid) = conn.video_mid {
            while schedule.next_video <= now {
                let key = schedule.take_keyframe();
                let stamp = Stamp {
                    sender: id,
                    kind: Kind::Video,
                    seq: schedule.video_seq,
                    sent_ns: now_ns(),
                };
                let time = MediaTime::from_90khz(u64::from(schedule.video_seq) * 3_000);
                let frame = media::video_frame(&stamp, key);
                if write(&mut conn.rtc, mid, Codec::Vp8, now, time, frame) {
                    self.recorder.on_sent(window, &stamp);
                }
                schedule.video_seq = schedule.video_seq.wrapping_add(1);
                schedule.next_video += media::VIDEO_INTERVAL;
            }
        }
    }

    /// Sends what str0m has to send and handles its events.
    async fn drain(&mut self) -> Result<(), Error> {
        for i in 0..self.conns.len() {
            loop {
                let output = self.conns[i]
                    .rtc
                    .poll_output()
                    .map_err(|e| Error::Signalling(format!("str0m: {e}")))?;
                match output {
                    Output::Timeout(t) => {
                        self.conns[i].next_timeout = t;
                        break;
                    }
                    Output::Transmit(t) => {
                        if self.socket.try_send_to(&t.contents, t.destination).is_err() {
                            // A full socket buffer: wait for room rather
                            // than drop our own packets.
                            self.socket.send_to(&t.contents, t.destination).await?;
                        }
                    }
                    Output::Event(event) => self.on_event(i, event),
                }
            }
        }
        Ok(())
    }

    fn on_event(&mut self, conn: usize, event: Event) {
        match event {
            Event::Connected => {
                self.recorder.connected = true;
                if self.conns[conn].pc == Pc::Main && self.spec.role.publishes() {
                    self.schedule = Some(Schedule::starting(Instant::now()));
                }
            }
            Event::MediaData(data) => {
                let kind = match self.conns[conn].rtc.media(data.mid).map(|m| m.kind()) {
                    Some(MediaKind::Audio) => Kind::Audio,
                    Some(MediaKind::Video) => Kind::Video,
                    None => return,
                };
                if let Some(stamp) = Stamp::read_frame(kind, &data.data) {
                    self.recorder
                        .on_received(&self.spec.window, &stamp, now_ns());
                }
            }
            Event::KeyframeRequest(_) => {
                if let Some(schedule) = &mut self.schedule {
                    schedule.keyframe_requested = true;
                }
            }
            _ => {}
        }
    }
}

/// Writes one frame with the negotiated payload type of `codec`; false
/// when the track cannot send (not negotiated yet).
fn write(
    rtc: &mut Rtc,
    mid: Mid,
    codec: Codec,
    now: Instant,
    time: MediaTime,
    frame: Vec<u8>,
) -> bool {
    let Some(writer) = rtc.writer(mid) else {
        return false;
    };
    let Some(pt) = writer
        .payload_params()
        .find(|p| p.spec().codec == codec)
        .map(|p| p.pt())
    else {
        return false;
    };
    writer.write(pt, now, time, frame).is_ok()
}
