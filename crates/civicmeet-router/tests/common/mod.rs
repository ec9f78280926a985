//! A simulated network of str0m peers around one router, on a virtual clock.
//!
//! Every peer is a full WebRTC endpoint (ICE, DTLS, SRTP, RTCP) built with
//! str0m, like a browser would be. Datagrams travel through [`Sim`], which
//! can drop them per link with a seeded, deterministic generator, and delay
//! them ([`Link`]: latency, jitter, a bandwidth cap with a bounded queue,
//! like `tc tbf`). Time only
//! moves when [`Sim::run_for`] advances it, so every scenario gives the same
//! result on every run and runs faster than real time.
//!
//! Synthetic media: each frame's payload names its sender, so a receiver can
//! count frames per sender without decoding anything. Video frames start
//! with a VP8 frame tag whose lowest bit marks keyframes (RFC 6386 §9.1),
//! which is how str0m's depacketizer tells keyframes apart.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use civicmeet_router::{ParticipantId, RoomId, Router, RouterConfig, RouterEvent, TrackLabel};
use str0m::change::{SdpAnswer, SdpOffer};
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, MediaTime, Mid, Rid, Simulcast, SimulcastLayer};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};

pub const AUDIO_INTERVAL: Duration = Duration::from_millis(20);
pub const VIDEO_INTERVAL: Duration = Duration::from_millis(33);
/// Large enough that every video frame spans several RTP packets, so lost
/// packets break frames unless retransmission repairs them.
pub const VIDEO_FRAME_BYTES: usize = 3_000;
pub const KEYFRAME_BYTES: usize = 9_000;

/// Frames a peer received from one sender.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub audio: u64,
    pub video: u64,
    pub keyframes: u64,
    /// Video frames str0m could not assemble contiguously.
    pub broken: u64,
    /// Video frames per simulcast layer (low, medium, high) received.
    pub layers: [u64; 3],
    /// The media time and arrival of the last video frame received.
    pub last_video: Option<(MediaTime, Instant)>,
    /// Video frames whose media time moved from the frame before by a
    /// second more or less than the time between their arrivals: a jitter
    /// buffer would hold them for a render time far off.
    pub video_time_jumps: u64,
    /// When the last audio frame received was sent (since the start of the
    /// simulation) and when it arrived.
    pub last_audio: Option<(Duration, Instant)>,
    /// When the last unlayered video frame received was sent.
    pub last_video_sent: Option<Duration>,
    /// Unlayered video frames that came after one or more that never did.
    pub video_gaps: u64,
    /// Of those, the ones that were no keyframe: a decoder could not use
    /// them (their reference frame is missing).
    pub resumed_without_keyframe: u64,
}

pub struct Peer {
    pub id: ParticipantId,
    pub addr: SocketAddr,
    pub rtc: Rtc,
    pub audio_mid: Option<Mid>,
    pub video_mid: Option<Mid>,
    /// A second video track, labelled as the screen; it carries the same
    /// frames as the camera.
    pub screen_mid: Option<Mid>,
    pub video_codec: Codec,
    /// Sends video in three simulcast layers (rids l, m, h).
    pub simulcast: bool,
    /// The audio level (RFC 6464) put on every audio frame.
    pub audio_level: u8,
    pub active_speakers_seen: Vec<ParticipantId>,
    /// Whether this peer sends media (a peer that left does not).
    pub publishing: bool,
    /// Whether the peer's network is cut (all its datagrams vanish).
    pub offline: bool,
    next_audio: Instant,
    next_video: Instant,
    frame_no: u64,
    keyframe_requested: bool,
    /// Send a keyframe only at start and on request: a late joiner then
    /// decodes only if the router asked for one.
    pub periodic_keyframes: bool,
    pub received: HashMap<ParticipantId, Received>,
    pub keyframe_requests_seen: u64,
    /// Video frames received per codec.
    pub h264_frames: u64,
    pub vp8_frames: u64,
    /// Video frames received per mid of this peer (the subscriber side).
    pub video_by_mid: HashMap<Mid, u64>,
}

impl Peer {
    pub fn received_from(&self, other: ParticipantId) -> Received {
        self.received.get(&other).copied().unwrap_or_default()
    }
}

/// Per-direction loss in percent, for packets between the router and a peer.
#[derive(Debug, Default, Clone, Copy)]
pub struct Loss {
    pub to_router: u32,
    pub to_peer: u32,
}

/// A peer's network path besides loss: one-way latency and up to `jitter`
/// more (both ways; packets reorder when it exceeds their spacing), and a
/// bandwidth cap towards the peer whose queue holds at most
/// [`CAP_QUEUE`] of data, the rest is dropped (like `tc tbf latency`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Link {
    pub delay: Duration,
    pub jitter: Duration,
    pub cap_to_peer_bps: Option<u64>,
}

/// How long a capped link queues before it drops.
pub const CAP_QUEUE: Duration = Duration::from_millis(100);

/// A router that is not infinitely fast: every call into it takes
/// `per_call` of virtual time and every datagram it sends `per_datagram`
/// more. Datagrams that arrive while it works wait in its inbox, and its
/// timers fire only when it is free, as on a server short of CPU.
#[derive(Debug, Clone, Copy)]
pub struct Cpu {
    pub per_call: Duration,
    pub per_datagram: Duration,
}

/// Datagrams the router's inbox holds (a socket receive buffer).
pub const INBOX: usize = 4_096;
/// Datagrams a busy router takes from its inbox in one turn, as the media
/// task reads a few `recvmmsg` batches before it looks at its timers.
pub const INBOX_BATCH: usize = 128;

/// A datagram on its way, delivered at its time.
struct InFlight {
    to_router: bool,
    peer: ParticipantId,
    transmit: str0m::net::Transmit,
}

pub struct Sim {
    pub now: Instant,
    pub start: Instant,
    pub router: Router,
    pub router_addr: SocketAddr,
    pub peers: Vec<Peer>,
    pub loss: HashMap<ParticipantId, Loss>,
    pub dropped_by_loss: u64,
    pub links: HashMap<ParticipantId, Link>,
    /// Datagrams a full capped queue dropped.
    pub dropped_by_cap: u64,
    /// Datagrams in flight on delayed links, by delivery time and order.
    in_flight: BTreeMap<(Instant, u64), InFlight>,
    in_flight_seq: u64,
    /// When each capped link to a peer is free to send again.
    cap_busy_until: HashMap<ParticipantId, Instant>,
    /// Participants the router reported as disconnected.
    pub disconnected: Vec<ParticipantId>,
    /// Every offer the router made, in order.
    pub offers: Vec<(ParticipantId, String)>,
    /// Wall time spent inside router calls, for the benchmark; the peers'
    /// own work is not in it.
    pub router_busy: Duration,
    /// Datagrams the router emitted.
    pub router_transmits: u64,
    /// When set, the router has a CPU of this speed (see [`Cpu`]).
    pub cpu: Option<Cpu>,
    /// Virtual time until which the router is busy with work already done.
    router_free_at: Instant,
    /// Datagrams that reached the router while it was busy, as in a
    /// socket's receive buffer (at most [`INBOX`]).
    inbox: std::collections::VecDeque<InFlight>,
    /// Datagrams a full inbox dropped.
    pub dropped_by_inbox: u64,
    /// Whether the busy router's timers go before its inbox next.
    timers_turn: bool,
    rng: u64,
    next_id: u64,
}

impl Sim {
    pub fn new() -> Sim {
        Sim::with_config(|_| {})
    }

    /// A simulation whose router config `adjust` changed first.
    pub fn with_config(adjust: impl FnOnce(&mut RouterConfig)) -> Sim {
        let router_addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 10_000);
        let mut config = RouterConfig::new(router_addr);
        adjust(&mut config);
        // The one real clock read: an Instant cannot be made otherwise. From
        // here on time only moves by `run_for`.
        let now = Instant::now();
        let router = Router::new(config).expect("a valid router address");
        Sim {
            now,
            start: now,
            router,
            router_addr,
            peers: Vec::new(),
            loss: HashMap::new(),
            dropped_by_loss: 0,
            links: HashMap::new(),
            dropped_by_cap: 0,
            in_flight: BTreeMap::new(),
            in_flight_seq: 0,
            cap_busy_until: HashMap::new(),
            disconnected: Vec::new(),
            offers: Vec::new(),
            router_busy: Duration::ZERO,
            router_transmits: 0,
            cpu: None,
            router_free_at: now,
            inbox: std::collections::VecDeque::new(),
            dropped_by_inbox: 0,
            timers_turn: false,
            rng: 0x2545_f491_4f6c_dd1d,
            next_id: 1,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    pub fn peer(&self, id: ParticipantId) -> &Peer {
        self.peers
            .iter()
            .find(|p| p.id == id)
            .expect("a peer of this sim")
    }

    pub fn peer_mut(&mut self, id: ParticipantId) -> &mut Peer {
        self.peers
            .iter_mut()
            .find(|p| p.id == id)
            .expect("a peer of this sim")
    }

    /// A new peer joins `room`, publishing the given kinds, and makes the
    /// browser's first offer.
    pub fn join(&mut self, room: RoomId, audio: bool, video: bool) -> ParticipantId {
        self.join_with(room, audio, video, Codec::Vp8)
    }

    /// A peer that sends audio and VP8 video in three simulcast layers, as
    /// our browser client does.
    pub fn join_simulcast(&mut self, room: RoomId) -> ParticipantId {
        self.join_peer(room, true, true, Codec::Vp8, true)
    }

    /// Like [`Sim::join`], for a peer that offers only `video_codec` (and
    /// Opus), like a browser restricted with `setCodecPreferences`.
    pub fn join_with(
        &mut self,
        room: RoomId,
        audio: bool,
        video: bool,
        video_codec: Codec,
    ) -> ParticipantId {
        self.join_peer(room, audio, video, video_codec, false)
    }

    fn join_peer(
        &mut self,
        room: RoomId,
        audio: bool,
        video: bool,
        video_codec: Codec,
        simulcast: bool,
    ) -> ParticipantId {
        let id = ParticipantId(self.next_id);
        self.next_id += 1;
        let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 1, id.0 as u8)), 5_000);
        let config = Rtc::builder().clear_codecs().enable_opus(true, false);
        let config = match video_codec {
            Codec::H264 => config.enable_h264(true),
            _ => config.enable_vp8(true),
        };
        let mut rtc = config.build(self.now);
        rtc.add_local_candidate(Candidate::host(addr, "udp").expect("a valid peer address"))
            .expect("candidate accepted");
        let mut change = rtc.sdp_api();
        let audio_mid = audio
            .then(|| change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None));
        let layers = simulcast.then(|| {
            let mut layers = Simulcast::new();
            for rid in SIMULCAST_RIDS {
                layers.add_send_layer(SimulcastLayer::new(rid));
            }
            layers
        });
        let video_mid = video
            .then(|| change.add_media(MediaKind::Video, Direction::SendOnly, None, None, layers));
        if !audio && !video {
            // What a browser without camera and microphone offers.
            change.add_media(MediaKind::Audio, Direction::RecvOnly, None, None, None);
        }
        let (offer, pending) = change.apply().expect("an offer with media");

        self.router
            .add_participant(self.now, room, id)
            .expect("a new participant id");
        let answer = self
            .router
            .accept_offer(self.now, id, &offer.to_sdp_string())
            .expect("the router answers a str0m offer");
        let answer = SdpAnswer::from_sdp_string(&answer).expect("the router's answer parses");
        rtc.sdp_api()
            .accept_answer(pending, answer)
            .expect("the peer accepts the router's answer");

        self.peers.push(Peer {
            id,
            addr,
            rtc,
            audio_mid,
            video_mid,
            screen_mid: None,
            video_codec,
            simulcast,
            audio_level: 127,
            active_speakers_seen: Vec::new(),
            publishing: true,
            offline: false,
            next_audio: self.now,
            next_video: self.now,
            frame_no: 0,
            keyframe_requested: true,
            periodic_keyframes: false,
            received: HashMap::new(),
            keyframe_requests_seen: 0,
            h264_frames: 0,
            vp8_frames: 0,
            video_by_mid: HashMap::new(),
        });
        id
    }

    /// The peer adds a second video track and shares it as its screen: the
    /// shell labels the new mid before the offer reaches the router, as
    /// the server does with the mid a browser names in its offer.
    pub fn publish_screen(&mut self, id: ParticipantId) -> Mid {
        let mid = self.offer_new_track(id, MediaKind::Video, Some(TrackLabel::Screen));
        let peer = self.peer_mut(id);
        peer.screen_mid = Some(mid);
        peer.keyframe_requested = true;
        mid
    }

    /// The peer offers one more sendonly track of `kind` and takes the
    /// router's answer; a label is given to the router before the offer,
    /// as the server does with the mid a browser names.
    fn offer_new_track(
        &mut self,
        id: ParticipantId,
        kind: MediaKind,
        label: Option<TrackLabel>,
    ) -> Mid {
        let now = self.now;
        let mut change = self.peer_mut(id).rtc.sdp_api();
        let mid = change.add_media(kind, Direction::SendOnly, None, None, None);
        let (offer, pending) = change.apply().expect("an offer with the new track");
        if let Some(label) = label {
            self.router
                .set_track_label(id, &mid, label)
                .expect("a participant of the router");
        }
        let answer = self
            .router
            .accept_offer(now, id, &offer.to_sdp_string())
            .expect("the router answers a renegotiation");
        let answer = SdpAnswer::from_sdp_string(&answer).expect("the router's answer parses");
        self.peer_mut(id)
            .rtc
            .sdp_api()
            .accept_answer(pending, answer)
            .expect("the peer accepts the router's answer");
        mid
    }

    /// The peer starts publishing a track of `kind` it did not have, by
    /// offering it to the router (a browser that turns on its camera later).
    pub fn publish_new_track(&mut self, id: ParticipantId, kind: MediaKind) -> Mid {
        let now = self.now;
        let mid = self.offer_new_track(id, kind, None);
        let peer = self.peer_mut(id);
        match kind {
            MediaKind::Audio => {
                peer.audio_mid = Some(mid);
                peer.next_audio = now;
            }
            MediaKind::Video => {
                peer.video_mid = Some(mid);
                peer.next_video = now;
                peer.keyframe_requested = true;
            }
        }
        mid
    }

    /// The peer leaves through signalling: the router removes it.
    pub fn leave(&mut self, id: ParticipantId) {
        self.router.remove_participant(self.now, id);
        let peer = self.peer_mut(id);
        peer.publishing = false;
        peer.offline = true;
    }

    /// Runs the whole network for `duration` of virtual time.
    pub fn run_for(&mut self, duration: Duration) {
        let end = self.now + duration;
        while self.now < end {
            self.step();
            let next = self
                .next_wakeup()
                .min(end)
                .max(self.now + Duration::from_micros(100));
            self.now = next;
            // A busy router serves its inbox and its timers in turn, as the
            // media task does with a batch of datagrams and its timeouts.
            if self.router_free_at <= self.now && (self.inbox.is_empty() || self.timers_turn) {
                self.timers_turn = false;
                let started = Instant::now();
                self.router.handle_timeout(self.now);
                self.router_busy += started.elapsed();
                self.charge_call();
            }
            for peer in &mut self.peers {
                if !peer.offline {
                    let _ = peer.rtc.handle_input(Input::Timeout(self.now));
                }
            }
        }
        self.step();
    }

    fn next_wakeup(&mut self) -> Instant {
        let mut next = self
            .router
            .poll_timeout()
            .unwrap_or(self.now + Duration::from_millis(100));
        if self.router_free_at > self.now {
            // A busy router's timers wait until it is free.
            next = next.max(self.router_free_at);
        }
        if !self.inbox.is_empty() {
            next = next.min(self.router_free_at);
        }
        if let Some(((at, _), _)) = self.in_flight.first_key_value() {
            next = next.min(*at);
        }
        for peer in &self.peers {
            if peer.publishing {
                if peer.audio_mid.is_some() {
                    next = next.min(peer.next_audio);
                }
                if peer.video_mid.is_some() {
                    next = next.min(peer.next_video);
                }
            }
        }
        next.min(self.now + Duration::from_millis(10))
    }

    /// Sends due media, moves datagrams and SDP until nothing is left to do
    /// at this instant.
    fn step(&mut self) {
        self.publish_due_media();
        loop {
            let mut moved = false;
            // A busy router's inbox, one turn of the media task: a batch,
            // then its timers.
            if self.router_free_at <= self.now && !self.inbox.is_empty() {
                moved = true;
                let batch = self.inbox.len().min(INBOX_BATCH);
                for flight in self.inbox.drain(..batch).collect::<Vec<_>>() {
                    self.deliver_to_router(flight);
                }
                self.timers_turn = true;
            }
            // Router → peers.
            while let Some(t) = self.router.poll_transmit() {
                moved = true;
                self.router_transmits += 1;
                if let Some(cpu) = self.cpu {
                    self.router_free_at += cpu.per_datagram;
                }
                let Some(i) = self.peers.iter().position(|p| p.addr == t.destination) else {
                    continue;
                };
                let id = self.peers[i].id;
                if self.peers[i].offline || self.lose(id, false) {
                    continue;
                }
                let transmit = str0m::net::Transmit {
                    proto: Protocol::Udp,
                    source: t.source,
                    destination: t.destination,
                    contents: t.contents.into(),
                };
                self.send(id, false, transmit);
            }
            // Delayed datagrams whose time has come.
            while let Some(entry) = self.in_flight.first_entry() {
                if entry.key().0 > self.now {
                    break;
                }
                let flight = entry.remove();
                moved = true;
                self.deliver(flight);
            }
            // Router events.
            while let Some(event) = self.router.poll_event() {
                moved = true;
                match event {
                    RouterEvent::Offer { participant, sdp } => {
                        self.answer_offer(participant, &sdp);
                        self.offers.push((participant, sdp));
                    }
                    RouterEvent::Disconnected { participant } => {
                        self.disconnected.push(participant)
                    }
                    RouterEvent::Connected { .. } => {}
                    RouterEvent::ActiveSpeaker {
                        participant,
                        speaker,
                    } => {
                        if let Some(p) = self.peers.iter_mut().find(|p| p.id == participant) {
                            p.active_speakers_seen.push(speaker);
                        }
                    }
                }
            }
            // Peers → router.
            let mut outgoing = Vec::new();
            for peer in &mut self.peers {
                drain_peer(peer, &mut outgoing);
            }
            for (from, t) in outgoing {
                moved = true;
                if self.peer(from).offline || self.lose(from, true) {
                    continue;
                }
                self.send(from, true, t);
            }
            if !moved {
                break;
            }
        }
    }

    /// Puts a datagram on a peer's link: delivered now on a plain link,
    /// later (or dropped by a full queue) on a delayed or capped one.
    fn send(&mut self, peer: ParticipantId, to_router: bool, transmit: str0m::net::Transmit) {
        let link = self.links.get(&peer).copied().unwrap_or_default();
        let mut at = self.now + link.delay;
        if !link.jitter.is_zero() {
            let r = self.random() % (link.jitter.as_micros() as u64 + 1);
            at += Duration::from_micros(r);
        }
        if let (false, Some(cap)) = (to_router, link.cap_to_peer_bps) {
            let busy = self
                .cap_busy_until
                .get(&peer)
                .copied()
                .unwrap_or(self.now)
                .max(self.now);
            if busy - self.now > CAP_QUEUE {
                self.dropped_by_cap += 1;
                return;
            }
            let serialise =
                Duration::from_micros(transmit.contents.len() as u64 * 8 * 1_000_000 / cap);
            self.cap_busy_until.insert(peer, busy + serialise);
            at += busy + serialise - self.now;
        }
        let flight = InFlight {
            to_router,
            peer,
            transmit,
        };
        if at <= self.now {
            self.deliver(flight);
        } else {
            self.in_flight_seq += 1;
            self.in_flight.insert((at, self.in_flight_seq), flight);
        }
    }

    fn deliver(&mut self, flight: InFlight) {
        if flight.to_router {
            if self.router_free_at > self.now || !self.inbox.is_empty() {
                if self.inbox.len() >= INBOX {
                    self.dropped_by_inbox += 1;
                } else {
                    self.inbox.push_back(flight);
                }
                return;
            }
            self.deliver_to_router(flight);
            return;
        }
        let t = flight.transmit;
        let now = self.now;
        let Some(peer) = self.peers.iter_mut().find(|p| p.id == flight.peer) else {
            return;
        };
        if peer.offline {
            return;
        }
        let input = Input::Receive(
            now,
            Receive {
                proto: Protocol::Udp,
                source: t.source,
                destination: t.destination,
                contents: (&t.contents[..])
                    .try_into()
                    .expect("str0m sends valid datagrams"),
            },
        );
        let _ = peer.rtc.handle_input(input);
    }

    fn deliver_to_router(&mut self, flight: InFlight) {
        let t = flight.transmit;
        let started = Instant::now();
        self.router
            .handle_datagram(self.now, t.source, t.destination, &t.contents);
        self.router_busy += started.elapsed();
        self.charge_call();
    }

    /// Makes the router busy for one call of the [`Cpu`] model.
    fn charge_call(&mut self) {
        if let Some(cpu) = self.cpu {
            self.router_free_at = self.router_free_at.max(self.now) + cpu.per_call;
        }
    }

    fn random(&mut self) -> u64 {
        // xorshift64: deterministic, good enough to spread losses.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    fn answer_offer(&mut self, id: ParticipantId, sdp: &str) {
        let now = self.now;
        let peer = self.peer_mut(id);
        if peer.offline {
            return;
        }
        let offer = SdpOffer::from_sdp_string(sdp).expect("the router's offer parses");
        let answer = peer
            .rtc
            .sdp_api()
            .accept_offer(offer)
            .expect("the peer accepts the router's offer");
        let answer = answer.to_sdp_string();
        self.router
            .accept_answer(now, id, &answer)
            .expect("the router accepts the peer's answer");
    }

    fn publish_due_media(&mut self) {
        let now = self.now;
        let start = self.start;
        for peer in &mut self.peers {
            if !peer.publishing || peer.offline || !peer.rtc.is_connected() {
                continue;
            }
            if let Some(mid) = peer.audio_mid {
                while peer.next_audio <= now {
                    let ts = media_time_48k(peer.frame_no * 960);
                    let mut payload = vec![0xfc, peer.id.0 as u8];
                    // When it was sent, for the receiver's measure of delay.
                    let sent = (peer.next_audio - start).as_micros() as u64;
                    payload.extend_from_slice(&sent.to_le_bytes());
                    payload.resize(80, 0x55);
                    if let Some(w) = peer.rtc.writer(mid) {
                        let pt = w
                            .payload_params()
                            .find(|p| p.spec().codec == Codec::Opus)
                            .map(|p| p.pt());
                        let level = peer.audio_level as i8;
                        if let Some(pt) = pt {
                            let _ = w
                                .audio_level(-level, level < 127)
                                .write(pt, now, ts, payload);
                        }
                    }
                    peer.next_audio += AUDIO_INTERVAL;
                    peer.frame_no += 1;
                }
            }
            if let Some(camera) = peer.video_mid {
                while peer.next_video <= now {
                    let key = peer.keyframe_requested
                        || (peer.periodic_keyframes && peer.frame_no % 90 == 0);
                    peer.keyframe_requested = false;
                    // The capture time, as a camera stamps it.
                    let ts = MediaTime::from(peer.next_video - start)
                        .rebase(str0m::media::Frequency::NINETY_KHZ);
                    let codec = peer.video_codec;
                    if peer.simulcast {
                        for (layer, rid) in SIMULCAST_RIDS.iter().enumerate() {
                            let payload = vp8_layer_frame(peer.id, key, layer);
                            if let Some(w) = peer.rtc.writer(camera) {
                                let pt = w
                                    .payload_params()
                                    .find(|p| p.spec().codec == Codec::Vp8)
                                    .map(|p| p.pt());
                                // Each layer on its own clock, as a browser's
                                // separate RTP streams may be.
                                let ts =
                                    MediaTime::from_90khz(ts.numer() + LAYER_TIME_BASES[layer]);
                                if let Some(pt) = pt {
                                    let _ = w.rid(Rid::from(*rid)).write(pt, now, ts, payload);
                                }
                            }
                        }
                        peer.next_video += VIDEO_INTERVAL;
                        peer.frame_no += 1;
                        continue;
                    }
                    let mut payload = match codec {
                        Codec::H264 => h264_frame(peer.id, key),
                        _ => vp8_frame(peer.id, key),
                    };
                    // When it was sent, for the receiver to notice frames
                    // that never came.
                    let sent = (peer.next_video - start).as_micros() as u64;
                    payload[SENT_AT..SENT_AT + 8].copy_from_slice(&sent.to_le_bytes());
                    for mid in [Some(camera), peer.screen_mid].into_iter().flatten() {
                        if let Some(w) = peer.rtc.writer(mid) {
                            let pt = w
                                .payload_params()
                                .find(|p| p.spec().codec == codec)
                                .map(|p| p.pt());
                            if let Some(pt) = pt {
                                let _ = w.write(pt, now, ts, payload.clone());
                            }
                        }
                    }
                    peer.next_video += VIDEO_INTERVAL;
                    peer.frame_no += 1;
                }
            }
        }
    }

    /// Whether the generator drops this packet on the peer's link.
    fn lose(&mut self, id: ParticipantId, to_router: bool) -> bool {
        let Some(loss) = self.loss.get(&id).copied() else {
            return false;
        };
        let percent = if to_router {
            loss.to_router
        } else {
            loss.to_peer
        };
        if percent == 0 {
            return false;
        }
        let lost = (self.random() % 100) < percent as u64;
        if lost {
            self.dropped_by_loss += 1;
        }
        lost
    }
}

fn drain_peer(peer: &mut Peer, outgoing: &mut Vec<(ParticipantId, str0m::net::Transmit)>) {
    if peer.offline {
        return;
    }
    loop {
        match peer.rtc.poll_output() {
            Ok(Output::Timeout(_)) | Err(_) => return,
            Ok(Output::Transmit(t)) => outgoing.push((peer.id, t)),
            Ok(Output::Event(event)) => match event {
                Event::MediaData(data) => {
                    let sender_at = if data.data.starts_with(&ANNEX_B_START) {
                        5
                    } else {
                        1
                    };
                    match data.params.spec().codec {
                        Codec::H264 => peer.h264_frames += 1,
                        Codec::Vp8 => peer.vp8_frames += 1,
                        _ => {}
                    }
                    let Some(&sender) = data.data.get(sender_at) else {
                        continue;
                    };
                    let entry = peer
                        .received
                        .entry(ParticipantId(sender as u64))
                        .or_default();
                    match peer.rtc.media(data.mid).map(|m| m.kind()) {
                        Some(MediaKind::Audio) => {
                            entry.audio += 1;
                            if let Some(sent) = data.data.get(2..10) {
                                let sent = u64::from_le_bytes(sent.try_into().expect("8 bytes"));
                                entry.last_audio =
                                    Some((Duration::from_micros(sent), data.network_time));
                            }
                        }
                        Some(MediaKind::Video) => {
                            entry.video += 1;
                            if let Some(layer) = data
                                .data
                                .get(2)
                                .and_then(|b| b.checked_sub(LAYER_MARK))
                                .filter(|l| *l < 3)
                            {
                                entry.layers[layer as usize] += 1;
                            }
                            *peer.video_by_mid.entry(data.mid).or_default() += 1;
                            if data.is_keyframe() {
                                entry.keyframes += 1;
                            }
                            if !data.contiguous {
                                entry.broken += 1;
                            }
                            if let Some((time, arrived)) = entry.last_video {
                                let media = data.time.as_seconds() - time.as_seconds();
                                let wall = (data.network_time - arrived).as_secs_f64();
                                if (media - wall).abs() > 1.0 {
                                    entry.video_time_jumps += 1;
                                }
                            }
                            entry.last_video = Some((data.time, data.network_time));
                            let layered = data.data.get(2).is_some_and(|b| *b >= LAYER_MARK);
                            if let Some(sent) =
                                data.data.get(SENT_AT..SENT_AT + 8).filter(|_| !layered)
                            {
                                let sent = Duration::from_micros(u64::from_le_bytes(
                                    sent.try_into().expect("8 bytes"),
                                ));
                                if entry.last_video_sent.is_some_and(|last| {
                                    sent > last + VIDEO_INTERVAL + VIDEO_INTERVAL / 2
                                }) {
                                    entry.video_gaps += 1;
                                    if !data.is_keyframe() {
                                        entry.resumed_without_keyframe += 1;
                                    }
                                }
                                entry.last_video_sent = Some(sent);
                            }
                        }
                        None => {}
                    }
                }
                Event::KeyframeRequest(_) => {
                    peer.keyframe_requests_seen += 1;
                    peer.keyframe_requested = true;
                }
                _ => {}
            },
        }
    }
}

fn media_time_48k(samples: u64) -> MediaTime {
    MediaTime::new(samples, str0m::media::Frequency::FORTY_EIGHT_KHZ)
}

/// A synthetic VP8 frame: the 3-byte frame tag (bit 0 clear on keyframes),
/// the sender's id, filler.
fn vp8_frame(sender: ParticipantId, key: bool) -> Vec<u8> {
    let size = if key {
        KEYFRAME_BYTES
    } else {
        VIDEO_FRAME_BYTES
    };
    let tag = if key { 0x10 } else { 0x11 };
    let mut frame = vec![tag, sender.0 as u8, 0x00];
    if key {
        // Keyframe start code and a 640x360 size (RFC 6386 §9.1).
        frame.extend_from_slice(&[0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01]);
    }
    frame.resize(size, 0xaa);
    frame
}

/// The rids of the simulcast layers, low to high, as our client names them.
pub const SIMULCAST_RIDS: [&str; 3] = ["l", "m", "h"];
/// Bytes of a simulcast layer's delta frame: about 100, 360 and 1,000
/// kbit/s at 30 frames/s; keyframes are three times as large.
pub const LAYER_FRAME_BYTES: [usize; 3] = [400, 1_500, 4_000];
/// Where each layer's RTP timestamps start (90 kHz ticks): hours apart,
/// the way independent random bases are.
const LAYER_TIME_BASES: [u64; 3] = [3_000_000_000, 1_000, 1_500_000_000];
/// The third byte of a simulcast frame: this plus the layer index.
const LAYER_MARK: u8 = 0x20;

/// A synthetic VP8 frame of one simulcast layer, marked with its layer.
fn vp8_layer_frame(sender: ParticipantId, key: bool, layer: usize) -> Vec<u8> {
    let mut frame = vp8_frame(sender, key);
    frame[2] = LAYER_MARK + layer as u8;
    if key {
        // Each layer's own picture size, as a 1280x720 camera's layers:
        // 320x180, 640x360, 1280x720.
        let (width, height) = (320u16 << layer, 180u16 << layer);
        frame[6..8].copy_from_slice(&width.to_le_bytes());
        frame[8..10].copy_from_slice(&height.to_le_bytes());
    }
    let size = LAYER_FRAME_BYTES[layer] * if key { 3 } else { 1 };
    frame.resize(size.max(12), 0xaa);
    frame
}

const ANNEX_B_START: [u8; 4] = [0, 0, 0, 1];

/// Where an unlayered video frame carries the time it was sent, past the
/// VP8 keyframe header and the H.264 NAL header.
const SENT_AT: usize = 16;

/// A synthetic H.264 access unit in Annex B form: one IDR (type 5) or
/// non-IDR (type 1) slice NAL unit whose first payload byte is the sender.
fn h264_frame(sender: ParticipantId, key: bool) -> Vec<u8> {
    let size = if key {
        KEYFRAME_BYTES
    } else {
        VIDEO_FRAME_BYTES
    };
    let nal_header = if key { 0x65 } else { 0x41 };
    let mut frame = ANNEX_B_START.to_vec();
    frame.extend_from_slice(&[nal_header, sender.0 as u8]);
    frame.resize(size, 0xaa);
    frame
}
