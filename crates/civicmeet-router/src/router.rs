//! The router: all participants of all rooms behind one UDP port.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::time::Instant;

use str0m::media::KeyframeRequestKind;
use str0m::net::{Protocol, Receive, TcpType};
use str0m::{Candidate, Input, Rtc};

use crate::layers::{self, Layer, Need, Priority};
use crate::participant::{Forwarded, Outputs, Participant, Propagated, TrackRef};
use crate::speaker::SpeakerDetector;
use crate::{ParticipantId, RoomId, RouterConfig, RouterError, TrackKind, TrackLabel, Transport};

/// A datagram to send: from the router's UDP socket, or as one frame on
/// the ICE-TCP connection to `destination`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub transport: Transport,
    pub source: SocketAddr,
    pub destination: SocketAddr,
    pub contents: Vec<u8>,
}

/// What the router tells the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouterEvent {
    /// Send this SDP offer to the participant's browser and feed its
    /// answer to [`Router::accept_answer`].
    Offer {
        participant: ParticipantId,
        sdp: String,
    },
    /// ICE and DTLS are up: media can flow.
    Connected { participant: ParticipantId },
    /// The participant's media connection is gone for good (ICE timed out,
    /// DTLS closed, or a fatal error). The shell should remove it.
    Disconnected { participant: ParticipantId },
    /// `speaker` is now the one talking in `participant`'s room (told to
    /// every member, the speaker included, for a speaker-first layout).
    ActiveSpeaker {
        participant: ParticipantId,
        speaker: ParticipantId,
    },
}

/// The bandwidth estimate a subscriber starts with, before str0m's
/// estimator has measured: the middle layer of two videos and audio.
const INITIAL_ESTIMATE_KBPS: u64 = 2_500;

/// Counters since the router was made, for tests, metrics and benchmarks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RouterStats {
    pub datagrams_received: u64,
    /// Datagrams that were not WebRTC or that no participant accepted.
    pub datagrams_dropped: u64,
    /// Frames written to a subscriber (one per subscriber per frame).
    pub frames_forwarded: u64,
    /// Keyframe requests sent to publishers (relayed or on loss/subscribe).
    pub keyframe_requests: u64,
    /// Frames of publishers whose gate was closed, dropped before
    /// forwarding (one per frame, not per subscriber), including reopened
    /// video held back until its keyframe. See [`Router::set_publishing`].
    pub gated_frames: u64,
    /// Frames not written to a subscriber whose send queue had fallen too
    /// far behind (one per subscriber per frame). See `send_stream.rs`.
    pub frames_shed: u64,
}

pub struct Router {
    config: RouterConfig,
    candidates: Vec<Candidate>,
    /// Ordered, so that time and output are handled in the same order on
    /// every run: the simulations stay deterministic.
    participants: BTreeMap<ParticipantId, Participant>,
    rooms: HashMap<RoomId, Vec<ParticipantId>>,
    /// Where each participant's datagrams came from last: a shortcut past
    /// asking every `Rtc` whether it accepts a datagram.
    by_source: HashMap<(Transport, SocketAddr), ParticipantId>,
    out: Outputs,
    /// Participants with new input whose output is not drained yet.
    dirty: Vec<ParticipantId>,
    /// Every participant's next timeout, earliest first, so that
    /// [`Router::poll_timeout`] and [`Router::handle_timeout`] do not walk
    /// all participants (the shell asks after every batch of datagrams).
    /// Kept in step with `Participant::scheduled` by [`Router::reschedule`].
    timeouts: BTreeSet<(Instant, ParticipantId)>,
    /// A list reused per frame and per timeout round, to save an
    /// allocation on the hot path.
    scratch: Vec<ParticipantId>,
    speakers: HashMap<RoomId, SpeakerDetector>,
    /// The active speaker of each room that has one.
    active_speaker: HashMap<RoomId, ParticipantId>,
    stats: RouterStats,
}

impl Router {
    pub fn new(config: RouterConfig) -> Result<Router, RouterError> {
        let udp = config.candidate_addrs.iter().map(|addr| {
            Candidate::host(*addr, "udp").map_err(|e| RouterError::BadCandidate(e.to_string()))
        });
        // Passive: the browser connects, the router never dials out.
        let tcp = config.tcp_candidate_addrs.iter().map(|addr| {
            Candidate::builder()
                .tcp()
                .host(*addr)
                .tcptype(TcpType::Passive)
                .build()
                .map_err(|e| RouterError::BadCandidate(e.to_string()))
        });
        let candidates = udp.chain(tcp).collect::<Result<Vec<_>, _>>()?;
        Ok(Router {
            config,
            candidates,
            participants: BTreeMap::new(),
            rooms: HashMap::new(),
            by_source: HashMap::new(),
            out: Outputs::default(),
            dirty: Vec::new(),
            timeouts: BTreeSet::new(),
            scratch: Vec::new(),
            speakers: HashMap::new(),
            active_speaker: HashMap::new(),
            stats: RouterStats::default(),
        })
    }

    pub fn config(&self) -> &RouterConfig {
        &self.config
    }

    pub fn stats(&self) -> RouterStats {
        self.stats
    }

    /// How many participants are in the router (connected or not).
    pub fn participant_count(&self) -> usize {
        self.participants.len()
    }

    /// Adds a participant to a room. Media flows after the browser's offer
    /// is accepted and ICE/DTLS complete.
    pub fn add_participant(
        &mut self,
        now: Instant,
        room: RoomId,
        id: ParticipantId,
    ) -> Result<(), RouterError> {
        if self.participants.contains_key(&id) {
            return Err(RouterError::DuplicateParticipant(id));
        }
        // Only codecs every browser decodes: without transcoding, a frame
        // can reach a subscriber only in the codec its publisher chose.
        // Browsers list VP8 before H.264, so VP8 wins unless a browser
        // offers only H.264.
        let mut rtc = Rtc::builder()
            .set_ice_lite(true)
            .clear_codecs()
            .enable_opus(true, false)
            .enable_vp8(true)
            .enable_h264(true)
            // The send-side estimate per subscriber that layer choice needs.
            .enable_bwe(
                self.config
                    .bandwidth_estimation
                    .then(|| str0m::bwe::Bitrate::kbps(INITIAL_ESTIMATE_KBPS)),
            )
            .build(now);
        for candidate in &self.candidates {
            // A host candidate that parsed in `new` is accepted by every Rtc;
            // should str0m disagree, the browser still reaches the others.
            if rtc.add_local_candidate(candidate.clone()).is_none() {
                tracing::warn!(participant = %id, "local candidate refused");
            }
        }
        let mut participant = Participant::new(id, room, rtc);
        let members = self.rooms.entry(room).or_default();
        for other in members.iter() {
            if let Some(publisher) = self.participants.get(other) {
                for source in publisher.published() {
                    if let Some(kind) = publisher.published_kind(source.mid) {
                        let label = publisher.published_label(source.mid);
                        participant.subscribe(source, kind, label);
                    }
                }
            }
        }
        members.push(id);
        self.participants.insert(id, participant);
        self.mark_dirty(id);
        self.drive(now);
        Ok(())
    }

    /// Removes a participant; the others stop receiving its tracks (their
    /// browsers get an offer that stops the m-lines). Idempotent.
    pub fn remove_participant(&mut self, now: Instant, id: ParticipantId) {
        let Some(participant) = self.participants.remove(&id) else {
            return;
        };
        if let Some(at) = participant.scheduled {
            self.timeouts.remove(&(at, id));
        }
        self.by_source.retain(|_, p| *p != id);
        if let Some(members) = self.rooms.get_mut(&participant.room) {
            members.retain(|p| *p != id);
            if members.is_empty() {
                self.rooms.remove(&participant.room);
                self.speakers.remove(&participant.room);
            }
        }
        if let Some(detector) = self.speakers.get_mut(&participant.room)
            && detector.remove(id)
        {
            self.active_speaker.remove(&participant.room);
        }
        for other in self.room_members(participant.room) {
            if let Some(p) = self.participants.get_mut(&other) {
                p.unsubscribe_from(id);
                self.dirty.push(other);
            }
        }
        self.drive(now);
    }

    /// Opens or closes a participant's publish gate for one kind of media.
    /// While closed, none of its frames of that kind reach anyone in the
    /// room, whatever its browser sends; tracks it adds later and
    /// subscribers who join later meet the same gate. Reopened audio simply
    /// flows again; reopened video asks the publisher for a keyframe and
    /// holds its frames back until that keyframe, so nobody decodes a
    /// broken picture. Open by default; setting the current state again
    /// changes nothing.
    pub fn set_publishing(
        &mut self,
        now: Instant,
        id: ParticipantId,
        kind: TrackKind,
        allowed: bool,
    ) -> Result<(), RouterError> {
        let participant = self
            .participants
            .get_mut(&id)
            .ok_or(RouterError::UnknownParticipant(id))?;
        self.stats.keyframe_requests += participant.set_publishing(now, kind, allowed);
        self.mark_dirty(id);
        self.drive(now);
        Ok(())
    }

    /// Whether a participant's gate lets `kind` through; `None` for a
    /// participant not in the router.
    pub fn publishing(&self, id: ParticipantId, kind: TrackKind) -> Option<bool> {
        self.participants.get(&id).map(|p| p.publishing(kind))
    }

    /// Labels the track a participant publishes on `mid` (a mid of its own
    /// offer), e.g. as its screen. Subscribers' m-lines for the track then
    /// carry the label's msid track id ([`TrackLabel::track_id`]), and its
    /// frames pass the gate of [`TrackKind::Screen`] instead of video. Set
    /// it before [`Router::accept_offer`] of the offer that adds the track:
    /// m-lines made before keep no label. A participant has at most one
    /// track per label; labelling another mid moves the label. A mid that
    /// names no track of the offer labels nothing.
    pub fn set_track_label(
        &mut self,
        id: ParticipantId,
        mid: &str,
        label: TrackLabel,
    ) -> Result<(), RouterError> {
        let participant = self
            .participants
            .get_mut(&id)
            .ok_or(RouterError::UnknownParticipant(id))?;
        participant.set_label(mid.into(), label);
        Ok(())
    }

    /// Accepts an SDP offer from the participant's browser; returns the answer.
    pub fn accept_offer(
        &mut self,
        now: Instant,
        id: ParticipantId,
        sdp: &str,
    ) -> Result<String, RouterError> {
        let participant = self
            .participants
            .get_mut(&id)
            .ok_or(RouterError::UnknownParticipant(id))?;
        let answer = participant.accept_offer(sdp)?;
        self.mark_dirty(id);
        self.drive(now);
        Ok(answer)
    }

    /// Accepts the browser's answer to the last [`RouterEvent::Offer`].
    pub fn accept_answer(
        &mut self,
        now: Instant,
        id: ParticipantId,
        sdp: &str,
    ) -> Result<(), RouterError> {
        let participant = self
            .participants
            .get_mut(&id)
            .ok_or(RouterError::UnknownParticipant(id))?;
        let opened = participant.accept_answer(sdp)?;
        self.mark_dirty(id);
        if !opened.is_empty() {
            // Choosing layers for the new tracks asks their publishers for
            // keyframes: a new subscriber can only decode from one.
            self.reallocate(id);
        }
        self.drive(now);
        Ok(())
    }

    /// The subscriber shows `publisher`'s video in a tile `height` CSS
    /// pixels tall, or not at all (`None`: scrolled away, minimised, a
    /// hidden tab): its layers are chosen again, and video of a tile that
    /// is not visible pauses.
    pub fn set_tile(
        &mut self,
        now: Instant,
        subscriber: ParticipantId,
        publisher: ParticipantId,
        height: Option<u32>,
    ) -> Result<(), RouterError> {
        let room = self
            .participants
            .get(&subscriber)
            .ok_or(RouterError::UnknownParticipant(subscriber))?
            .room;
        // Only someone in the same room has a tile: what a page reports
        // about anyone else is kept nowhere (the map stays bounded).
        if publisher == subscriber
            || self
                .participants
                .get(&publisher)
                .is_none_or(|p| p.room != room)
        {
            return Ok(());
        }
        let Some(participant) = self.participants.get_mut(&subscriber) else {
            return Ok(());
        };
        if participant.set_tile(publisher, height) {
            self.reallocate(subscriber);
            self.drive(now);
        }
        Ok(())
    }

    /// The simulcast layer `subscriber` receives of `publisher`'s video
    /// (the first video track): `None` while paused or not simulcast.
    pub fn receiving_layer(
        &self,
        subscriber: ParticipantId,
        publisher: ParticipantId,
    ) -> Option<Layer> {
        self.participants.get(&subscriber)?.current_layer(publisher)
    }

    /// The active speaker of `participant`'s room, if anyone talks.
    pub fn active_speaker(&self, participant: ParticipantId) -> Option<ParticipantId> {
        let room = self.participants.get(&participant)?.room;
        self.active_speaker.get(&room).copied()
    }

    /// Feeds one datagram received on the router's socket. Returns whether
    /// a participant accepted it; anything else is dropped and counted.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        source: SocketAddr,
        destination: SocketAddr,
        data: &[u8],
    ) -> bool {
        self.handle_input(now, Transport::Udp, source, destination, data)
    }

    /// Feeds one frame (its RFC 4571 length prefix removed) that arrived on
    /// an ICE-TCP connection from `source` to the shell's `destination`.
    /// Returns whether a participant accepted it: a connection whose first
    /// frame nobody accepts is not a browser of ours, and the shell should
    /// close it.
    pub fn handle_tcp_frame(
        &mut self,
        now: Instant,
        source: SocketAddr,
        destination: SocketAddr,
        data: &[u8],
    ) -> bool {
        self.handle_input(now, Transport::Tcp, source, destination, data)
    }

    fn handle_input(
        &mut self,
        now: Instant,
        transport: Transport,
        source: SocketAddr,
        destination: SocketAddr,
        data: &[u8],
    ) -> bool {
        self.stats.datagrams_received += 1;
        let Ok(contents) = data.try_into() else {
            self.stats.datagrams_dropped += 1;
            return false;
        };
        let input = Input::Receive(
            now,
            Receive {
                proto: match transport {
                    Transport::Udp => Protocol::Udp,
                    Transport::Tcp => Protocol::Tcp,
                },
                source,
                destination,
                contents,
            },
        );
        let cached = self
            .by_source
            .get(&(transport, source))
            .copied()
            .filter(|id| self.participants.get(id).is_some_and(|p| p.accepts(&input)));
        let found = cached.or_else(|| {
            self.participants
                .values()
                .find(|p| p.accepts(&input))
                .map(|p| p.id)
        });
        let Some(id) = found else {
            self.stats.datagrams_dropped += 1;
            return false;
        };
        if cached.is_none() {
            self.by_source.insert((transport, source), id);
        }
        if let Some(participant) = self.participants.get_mut(&id) {
            participant.handle_input(input);
        }
        self.mark_dirty(id);
        self.drive(now);
        true
    }

    /// Advances time. Call no later than [`Router::poll_timeout`].
    pub fn handle_timeout(&mut self, now: Instant) {
        // Each due participant once per call: str0m may hand back a
        // timeout that is due again at once, which must not spin here.
        let mut due = std::mem::take(&mut self.scratch);
        due.clear();
        while let Some(&(at, id)) = self.timeouts.first()
            && at <= now
        {
            self.timeouts.pop_first();
            due.push(id);
        }
        for &id in &due {
            if let Some(participant) = self.participants.get_mut(&id) {
                participant.scheduled = None;
                self.stats.keyframe_requests += participant.handle_timeout(now);
                self.dirty.push(id);
            }
        }
        self.scratch = due;
        self.drive(now);
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<RouterEvent> {
        self.out.events.pop_front()
    }

    /// When the router next needs [`Router::handle_timeout`]; `None` when
    /// no participant waits for time.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timeouts.first().map(|(at, _)| *at)
    }

    fn mark_dirty(&mut self, id: ParticipantId) {
        if !self.dirty.contains(&id) {
            self.dirty.push(id);
        }
    }

    /// Chooses the layer of every video track `id` receives (see
    /// `layers.rs`), asks publishers for keyframes where a layer changes,
    /// and tells `id`'s bandwidth estimator what to sustain and probe for.
    fn reallocate(&mut self, id: ParticipantId) {
        let Some(subscriber) = self.participants.get(&id) else {
            return;
        };
        let (video, audio_tracks) = subscriber.receiving();
        // Without an estimator the budget is open: tiles alone decide.
        let estimate = match (subscriber.estimate, self.config.bandwidth_estimation) {
            (Some(estimate), _) => estimate,
            (None, true) => INITIAL_ESTIMATE_KBPS * 1000,
            (None, false) => u64::MAX,
        };
        let speaker = self.active_speaker.get(&subscriber.room).copied();
        let needs: Vec<Need> = video
            .iter()
            .map(|source| {
                let publisher = self.participants.get(&source.participant);
                let (rates, heights) =
                    publisher.map_or(([None; 3], [None; 3]), |p| p.layers_of(source.mid));
                let screen = publisher.and_then(|p| p.published_label(source.mid))
                    == Some(TrackLabel::Screen);
                if screen {
                    // Shown large on the stage, whatever the sharer's
                    // camera tile does; text must stay legible.
                    return Need {
                        priority: Priority::ScreenShare,
                        wanted: Some(Layer::High),
                        rates,
                    };
                }
                Need {
                    priority: if Some(source.participant) == speaker {
                        Priority::ActiveSpeaker
                    } else {
                        Priority::Normal
                    },
                    wanted: subscriber.wanted_layer(source.participant, heights),
                    rates,
                }
            })
            .collect();
        let chosen = layers::allocate(estimate, audio_tracks, &needs);
        let rate = |need: &Need, layer: Option<Layer>| layer.map_or(0, |l| need.rate(l));
        let minimum: u64 = needs.iter().zip(&chosen).map(|(n, c)| rate(n, *c)).sum();
        let desired: u64 = needs.iter().map(|n| rate(n, n.wanted)).sum();
        let targets: Vec<(TrackRef, Option<Layer>)> = video.into_iter().zip(chosen).collect();
        let Some(subscriber) = self.participants.get_mut(&id) else {
            return;
        };
        let keyframes = subscriber.set_targets(&targets);
        if subscriber.set_bitrate(minimum, desired) {
            self.mark_dirty(id);
        }
        for (source, layer) in keyframes {
            self.out.propagate.push_back(Propagated::KeyframeRequest {
                source,
                kind: KeyframeRequestKind::Pli,
                rid: Some(layer.rid()),
            });
        }
    }

    /// Feeds one audio level to the room's speaker detection; a new active
    /// speaker is announced to the room and gets the better layers.
    fn observe_level(&mut self, now: Instant, id: ParticipantId, level: u8) {
        let Some(room) = self.participants.get(&id).map(|p| p.room) else {
            return;
        };
        let Some(speaker) = self
            .speakers
            .entry(room)
            .or_default()
            .observe(now, id, level)
        else {
            return;
        };
        self.active_speaker.insert(room, speaker);
        for member in self.room_members(room) {
            self.out.events.push_back(RouterEvent::ActiveSpeaker {
                participant: member,
                speaker,
            });
            self.reallocate(member);
        }
    }

    /// Polls one participant's `Rtc` until it waits for time, and files
    /// its next timeout.
    fn drain(&mut self, now: Instant, id: ParticipantId) {
        if let Some(participant) = self.participants.get_mut(&id) {
            participant.drain(now, &mut self.out);
            let next = participant.next_timeout();
            if next != participant.scheduled {
                if let Some(at) = participant.scheduled {
                    self.timeouts.remove(&(at, id));
                }
                if let Some(at) = next {
                    self.timeouts.insert((at, id));
                }
                participant.scheduled = next;
            }
        }
    }

    fn room_members(&self, room: RoomId) -> Vec<ParticipantId> {
        self.rooms.get(&room).cloned().unwrap_or_default()
    }

    /// Drains dirty participants and carries what they propagate to the
    /// others until nothing moves.
    fn drive(&mut self, now: Instant) {
        loop {
            while let Some(id) = self.dirty.pop() {
                self.drain(now, id);
            }
            self.stats.gated_frames += std::mem::take(&mut self.out.gated_frames);
            let levels = std::mem::take(&mut self.out.audio_levels);
            for (id, level) in levels {
                self.observe_level(now, id, level);
            }
            while let Some(publisher) = self.out.layers_changed.pop() {
                let room = self.participants.get(&publisher).map(|p| p.room);
                for member in room.map(|r| self.room_members(r)).unwrap_or_default() {
                    if member != publisher {
                        self.reallocate(member);
                    }
                }
            }
            while let Some(id) = self.out.reallocate.pop() {
                self.reallocate(id);
            }
            let Some(item) = self.out.propagate.pop_front() else {
                if self.dirty.is_empty() {
                    return;
                }
                continue;
            };
            self.propagate(now, item);
        }
    }

    fn propagate(&mut self, now: Instant, item: Propagated) {
        match item {
            Propagated::TrackOpened {
                source,
                kind,
                label,
            } => {
                let Some(room) = self.participants.get(&source.participant).map(|p| p.room) else {
                    return;
                };
                for other in self.room_members(room) {
                    if other == source.participant {
                        continue;
                    }
                    if let Some(p) = self.participants.get_mut(&other) {
                        p.subscribe(source, kind, label);
                        self.mark_dirty(other);
                    }
                }
            }
            Propagated::Media { origin, data } => {
                let Some(room) = self.participants.get(&origin).map(|p| p.room) else {
                    return;
                };
                let Some(members) = self.rooms.get(&room) else {
                    return;
                };
                // str0m wants every write drained before the next mutation
                // of the same `Rtc`; draining right here also saves a
                // search of the dirty list per subscriber.
                let mut subscribers = std::mem::take(&mut self.scratch);
                subscribers.clear();
                subscribers.extend(members.iter().copied().filter(|p| *p != origin));
                for &other in &subscribers {
                    let Some(p) = self.participants.get_mut(&other) else {
                        continue;
                    };
                    match p.forward(origin, &data) {
                        Forwarded::Written => {
                            self.stats.frames_forwarded += 1;
                            self.drain(now, other);
                        }
                        Forwarded::Skipped => {}
                        Forwarded::Shed { keyframe } => {
                            self.stats.frames_shed += 1;
                            if keyframe {
                                self.out.propagate.push_back(Propagated::KeyframeRequest {
                                    source: TrackRef {
                                        participant: origin,
                                        mid: data.mid,
                                    },
                                    kind: KeyframeRequestKind::Pli,
                                    rid: data.rid,
                                });
                            }
                        }
                    }
                }
                self.scratch = subscribers;
            }
            Propagated::KeyframeRequest { source, kind, rid } => {
                if let Some(p) = self.participants.get_mut(&source.participant) {
                    let sent = p.request_keyframe(now, source.mid, kind, rid);
                    if sent > 0 {
                        self.stats.keyframe_requests += sent;
                        self.mark_dirty(source.participant);
                    }
                }
            }
        }
    }
}
