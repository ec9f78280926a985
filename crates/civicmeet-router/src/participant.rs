//! One participant: its str0m `Rtc`, the tracks it publishes, and the
//! tracks of others it receives, with their SDP negotiation state.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use str0m::bwe::BweKind;
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::media::{Direction, KeyframeRequestKind, MediaData, MediaKind, Mid, Rid};
use str0m::net::Protocol;
use str0m::{Event, IceConnectionState, Input, Output, Rtc};

use crate::gate::{Admit, PublishGate, TrackKind};
use crate::keyframes::KeyframeThrottle;
use crate::layers::Layer;
use crate::router::{RouterEvent, Transmit};
use crate::send_stream::{SendStream, Verdict};
use crate::timeline::Timeline;
use crate::{ParticipantId, RoomId, RouterError, TrackLabel, Transport};

/// How long the bit rate of each simulcast layer is measured over.
const RATE_WINDOW: Duration = Duration::from_secs(1);

/// Pacer rounds taken at once in [`Participant::drain`] (each releases a
/// packet); the rest wait for the router's next timeout, so one busy
/// subscriber cannot hold the media task for long.
const MAX_PACER_ROUNDS: u32 = 64;

/// How long a participant whose ICE connectivity is lost may take to come
/// back (an ICE restart after a network change: a new offer with new
/// credentials, or checks from a new address) before it is disconnected.
/// str0m's ICE-lite agent reports the loss 15 s after the browser's last
/// check; the browser notices sooner and restarts through signalling.
const ICE_RESTART_GRACE: Duration = Duration::from_secs(20);

/// A track as the router names it: the publisher and the publisher's mid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TrackRef {
    pub participant: ParticipantId,
    pub mid: Mid,
}

/// What one participant's output asks the router to do with the others.
/// `Media` is the common and large variant; boxing it would cost an
/// allocation per frame.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Propagated {
    /// The participant started publishing a track; the others subscribe.
    TrackOpened {
        source: TrackRef,
        kind: MediaKind,
        label: Option<TrackLabel>,
    },
    /// A frame to forward to the others in the room.
    Media {
        origin: ParticipantId,
        data: MediaData,
    },
    /// A subscriber asked the publisher of `source` for a keyframe (of one
    /// simulcast layer, or of every layer it sends when `rid` is `None`).
    KeyframeRequest {
        source: TrackRef,
        kind: KeyframeRequestKind,
        rid: Option<Rid>,
    },
}

/// What [`Participant::forward`] did with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forwarded {
    Written,
    /// Not for this subscriber: no such track, paused, another layer.
    Skipped,
    /// Dropped for the subscriber's backlog (see [`crate::send_stream`]); with
    /// `keyframe`, the track resumes only after a keyframe, so the
    /// publisher should be asked for one.
    Shed {
        keyframe: bool,
    },
}

/// Where output of a participant goes while the router drives it.
#[derive(Default)]
pub(crate) struct Outputs {
    pub transmits: VecDeque<Transmit>,
    pub events: VecDeque<RouterEvent>,
    pub propagate: VecDeque<Propagated>,
    /// Frames the publish gate dropped, for [`crate::RouterStats`].
    pub gated_frames: u64,
    /// Subscribers whose layers should be chosen again (their bandwidth
    /// estimate moved).
    pub reallocate: Vec<ParticipantId>,
    /// Audio levels (RFC 6464, -dBov: 0 loudest, 127 silence) of frames
    /// published just now, for active speaker detection.
    pub audio_levels: Vec<(ParticipantId, u8)>,
    /// Publishers that started or stopped sending a simulcast layer.
    pub layers_changed: Vec<ParticipantId>,
}

/// A track this participant publishes.
#[derive(Debug)]
struct TrackIn {
    mid: Mid,
    keyframes: KeyframeThrottle,
    /// Frames arrive in simulcast layers (with a rid).
    simulcast: bool,
    rates: LayerRates,
    /// Picture height of each layer, read from its VP8 keyframes.
    heights: [Option<u32>; 3],
    /// What the shell said this track is (see [`Participant::set_label`]).
    label: Option<TrackLabel>,
}

/// The bit rate of each simulcast layer a publisher sends, measured over
/// [`RATE_WINDOW`], so layer choices use what the layers really cost.
#[derive(Debug, Default)]
struct LayerRates {
    window_start: Option<Instant>,
    bytes: [u64; 3],
    rates: [Option<u64>; 3],
}

impl LayerRates {
    /// Counts a frame; returns whether the set of layers sent changed
    /// with the window that just closed (subscribers must choose again).
    fn count(&mut self, now: Instant, layer: Layer, bytes: usize) -> bool {
        let start = *self.window_start.get_or_insert(now);
        let elapsed = now.saturating_duration_since(start);
        let mut changed = false;
        if elapsed >= RATE_WINDOW {
            for (rate, bytes) in self.rates.iter_mut().zip(self.bytes) {
                // A layer that sent nothing is not sent (the browser
                // dropped it): `None`, not a rate of zero.
                let new = (bytes > 0).then(|| bytes * 8 * 1000 / elapsed.as_millis().max(1) as u64);
                changed |= new.is_some() != rate.is_some();
                *rate = new;
            }
            self.bytes = [0; 3];
            self.window_start = Some(now);
        }
        self.bytes[layer as usize] += bytes as u64;
        changed
    }
}

/// A track of another participant that this participant receives.
#[derive(Debug)]
struct TrackOut {
    source: TrackRef,
    kind: MediaKind,
    /// The publisher's label, named in the m-line's msid track id.
    label: Option<TrackLabel>,
    state: TrackOutState,
    /// The simulcast layer the allocation chose (`None`: paused, e.g. a
    /// tile that is not visible or a budget too small).
    target: Option<Layer>,
    /// The layer frames are forwarded from now. It moves to `target` on a
    /// keyframe of the target layer, so the decoder never sees a frame it
    /// cannot decode.
    current: Option<Layer>,
    /// Whether the publisher sends layers, once a frame has said so. An
    /// unlayered stream has nothing to switch: a new target needs no
    /// keyframe (asking for one on every new bandwidth estimate made
    /// publishers send keyframes all the time).
    layered: Option<bool>,
    /// The subscriber's one clock across the layers forwarded.
    timeline: Timeline,
    /// The subscriber's send stream: retransmission history, shedding.
    send: SendStream,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrackOutState {
    /// Waiting for the next offer to add an m-line.
    ToOpen,
    /// In an offer that the browser has not answered yet.
    Negotiating(Mid),
    /// Negotiated; frames are written to this mid.
    Open(Mid),
    /// The publisher left; the m-line is stopped in the next offer.
    ToStop(Mid),
    /// A stop is in an offer that is not answered yet.
    NegotiatingStop(Mid),
}

impl TrackOut {
    /// Whether a video frame goes to this subscriber: none while paused;
    /// of a simulcast publisher only the current layer, and the target
    /// layer from its first keyframe on (which makes it current).
    fn admit(&mut self, data: &MediaData) -> bool {
        if self.target.is_none() {
            self.current = None;
            return false;
        }
        let Some(rid) = data.rid else {
            // Not simulcast: one stream for everyone.
            self.layered = Some(false);
            self.current = self.target;
            return true;
        };
        self.layered = Some(true);
        let Some(layer) = Layer::from_rid(rid) else {
            return false;
        };
        if self.current == Some(layer) {
            return true;
        }
        if self.target == Some(layer) && data.is_keyframe() {
            self.current = Some(layer);
            return true;
        }
        false
    }

    fn open_mid(&self) -> Option<Mid> {
        match self.state {
            TrackOutState::Open(m) => Some(m),
            _ => None,
        }
    }
}

pub(crate) struct Participant {
    pub id: ParticipantId,
    pub room: RoomId,
    rtc: Rtc,
    next_timeout: Option<Instant>,
    /// The timeout the router has filed for this participant (its entry
    /// in `Router::timeouts`); the router keeps the two in step.
    pub scheduled: Option<Instant>,
    /// Our offer that awaits the browser's answer.
    pending: Option<SdpPendingOffer>,
    /// The browser's first offer was accepted: only then do we make offers,
    /// so the browser's initial offer/answer never collides with ours.
    negotiated: bool,
    connected: bool,
    dead_reported: bool,
    /// ICE connectivity is lost: disconnect at this instant unless ICE is
    /// connected again by then.
    ice_deadline: Option<Instant>,
    tracks_in: Vec<TrackIn>,
    tracks_out: Vec<TrackOut>,
    gate: PublishGate,
    /// The bandwidth estimate towards this participant (str0m's TWCC
    /// estimator), bits per second.
    pub estimate: Option<u64>,
    /// The tile height this participant shows each other participant's
    /// video in, as its page reported (`None`: not visible).
    tiles: HashMap<ParticipantId, Option<u32>>,
    /// What the BWE was last told: (minimum, desired) bits per second.
    bwe_bitrate: (u64, u64),
    /// Labels the shell gave for mids of this participant's offers; a
    /// track takes its label when it appears (see [`Participant::set_label`]).
    labels: Vec<(Mid, TrackLabel)>,
}

impl Participant {
    pub fn new(id: ParticipantId, room: RoomId, rtc: Rtc) -> Participant {
        Participant {
            id,
            room,
            rtc,
            next_timeout: None,
            scheduled: None,
            pending: None,
            negotiated: false,
            connected: false,
            dead_reported: false,
            ice_deadline: None,
            tracks_in: Vec::new(),
            tracks_out: Vec::new(),
            gate: PublishGate::default(),
            estimate: None,
            tiles: HashMap::new(),
            bwe_bitrate: (0, 0),
            labels: Vec::new(),
        }
    }

    pub fn accepts(&self, input: &Input) -> bool {
        self.rtc.is_alive() && self.rtc.accepts(input)
    }

    /// When this participant next needs time: its `Rtc`'s timeout or a
    /// deferred keyframe request, whichever is first.
    pub fn next_timeout(&self) -> Option<Instant> {
        let deferred = self
            .tracks_in
            .iter()
            .filter_map(|t| t.keyframes.next_due())
            .min();
        [self.next_timeout, deferred, self.ice_deadline]
            .into_iter()
            .flatten()
            .min()
    }

    /// Advances time: sends deferred keyframe requests that are due and
    /// lets the `Rtc` handle its timers. Returns how many requests went out.
    pub fn handle_timeout(&mut self, now: Instant) -> u64 {
        let mut sent = 0;
        let due: Vec<(Mid, Option<Rid>, KeyframeRequestKind)> = self
            .tracks_in
            .iter()
            .flat_map(|t| {
                t.keyframes
                    .due(now)
                    .into_iter()
                    .map(|(rid, kind)| (t.mid, rid, kind))
            })
            .collect();
        for (mid, rid, kind) in due {
            sent += self.request_keyframe(now, mid, kind, rid);
        }
        if self.ice_deadline.is_some_and(|at| at <= now) {
            tracing::debug!(participant = %self.id, "ice not restarted in time, disconnecting");
            self.rtc.disconnect();
            return sent;
        }
        self.handle_input(Input::Timeout(now));
        sent
    }

    pub fn handle_input(&mut self, input: Input) {
        if !self.rtc.is_alive() {
            return;
        }
        if let Err(e) = self.rtc.handle_input(input) {
            tracing::debug!(participant = %self.id, error = %e, "input failed, disconnecting");
            self.rtc.disconnect();
        }
    }

    /// Accepts an offer from the browser and returns our answer.
    pub fn accept_offer(&mut self, sdp: &str) -> Result<String, RouterError> {
        let offer =
            SdpOffer::from_sdp_string(sdp).map_err(|e| RouterError::SdpParse(e.to_string()))?;
        let answer = self
            .rtc
            .sdp_api()
            .accept_offer(offer)
            .map_err(|e| RouterError::SdpNegotiation(e.to_string()))?;
        // Accepting an offer invalidates our own pending offer: put its
        // changes back so the next offer carries them again.
        self.pending = None;
        for track in &mut self.tracks_out {
            match track.state {
                TrackOutState::Negotiating(_) => track.state = TrackOutState::ToOpen,
                TrackOutState::NegotiatingStop(m) => track.state = TrackOutState::ToStop(m),
                _ => {}
            }
        }
        self.negotiated = true;
        Ok(answer.to_sdp_string())
    }

    /// Accepts the browser's answer to our pending offer. Returns the
    /// tracks that became open, whose publishers owe us a keyframe.
    pub fn accept_answer(&mut self, sdp: &str) -> Result<Vec<TrackRef>, RouterError> {
        let answer =
            SdpAnswer::from_sdp_string(sdp).map_err(|e| RouterError::SdpParse(e.to_string()))?;
        let pending = self.pending.take().ok_or(RouterError::NoPendingOffer)?;
        self.rtc
            .sdp_api()
            .accept_answer(pending, answer)
            .map_err(|e| RouterError::SdpNegotiation(e.to_string()))?;
        let mut opened = Vec::new();
        for track in &mut self.tracks_out {
            if let TrackOutState::Negotiating(m) = track.state {
                track.state = TrackOutState::Open(m);
                opened.push(track.source);
            }
        }
        // A stopped m-line is port 0 now; str0m may recycle it later.
        self.tracks_out
            .retain(|t| !matches!(t.state, TrackOutState::NegotiatingStop(_)));
        Ok(opened)
    }

    /// Starts receiving another participant's track (after negotiation).
    pub fn subscribe(&mut self, source: TrackRef, kind: MediaKind, label: Option<TrackLabel>) {
        if self.tracks_out.iter().any(|t| t.source == source) {
            return;
        }
        // Refined by the router's allocation once the track is open.
        let wanted = self.wanted_layer(source.participant, [None; 3]);
        self.tracks_out.push(TrackOut {
            source,
            kind,
            label,
            state: TrackOutState::ToOpen,
            target: wanted,
            current: None,
            layered: None,
            timeline: Timeline::default(),
            send: SendStream::default(),
        });
    }

    /// Labels the track this participant publishes (or will publish) on
    /// `mid`. Subscribers see the label in the m-lines made from then on,
    /// so the shell sets it before the offer that adds the track. Labels
    /// are few (one per kind of label), so a new one replaces the old.
    pub fn set_label(&mut self, mid: Mid, label: TrackLabel) {
        self.labels.retain(|(m, l)| *m != mid && *l != label);
        self.labels.push((mid, label));
        for track in &mut self.tracks_in {
            track.label = self
                .labels
                .iter()
                .find(|(m, _)| *m == track.mid)
                .map(|(_, l)| *l);
        }
    }

    /// The label of a published track, if it has one.
    pub fn published_label(&self, mid: Mid) -> Option<TrackLabel> {
        self.tracks_in.iter().find(|t| t.mid == mid)?.label
    }

    /// The gate's kind of a published track: its media kind, or the
    /// screen's own kind for a track labelled as the screen.
    fn gate_kind(&self, mid: Mid) -> Option<TrackKind> {
        match self.published_label(mid) {
            Some(TrackLabel::Screen) => Some(TrackKind::Screen),
            None => self.published_kind(mid).map(TrackKind::from),
        }
    }

    /// Stops receiving everything `publisher` sent us.
    pub fn unsubscribe_from(&mut self, publisher: ParticipantId) {
        self.tiles.remove(&publisher);
        self.tracks_out.retain_mut(|t| {
            if t.source.participant != publisher {
                return true;
            }
            match t.state {
                // Never offered: forget it.
                TrackOutState::ToOpen => false,
                TrackOutState::Negotiating(m) | TrackOutState::Open(m) => {
                    t.state = TrackOutState::ToStop(m);
                    true
                }
                TrackOutState::ToStop(_) | TrackOutState::NegotiatingStop(_) => true,
            }
        });
    }

    /// The sources of the tracks this participant publishes.
    pub fn published(&self) -> impl Iterator<Item = TrackRef> + '_ {
        self.tracks_in.iter().map(|t| TrackRef {
            participant: self.id,
            mid: t.mid,
        })
    }

    /// The kind of a published track.
    pub fn published_kind(&self, mid: Mid) -> Option<MediaKind> {
        self.rtc.media(mid).map(|m| m.kind())
    }

    pub fn publishing(&self, kind: TrackKind) -> bool {
        self.gate.allows(kind)
    }

    /// Opens or closes the publish gate for `kind`. Reopened video (or
    /// screen) asks for a keyframe on every track of that kind it
    /// publishes. Returns how many requests went out now (the throttle may
    /// defer some).
    pub fn set_publishing(&mut self, now: Instant, kind: TrackKind, allowed: bool) -> u64 {
        if !self.gate.set(kind, allowed) || !kind.is_picture() || !allowed {
            return 0;
        }
        let pictures: Vec<Mid> = self
            .tracks_in
            .iter()
            .map(|t| t.mid)
            .filter(|mid| self.gate_kind(*mid) == Some(kind))
            .collect();
        let mut sent = 0;
        for mid in pictures {
            self.gate.await_keyframe(kind, mid);
            sent += self.request_keyframe(now, mid, KeyframeRequestKind::Pli, None);
        }
        sent
    }

    /// Writes a frame of another participant into the matching track.
    pub fn forward(&mut self, origin: ParticipantId, data: &MediaData) -> Forwarded {
        let source = TrackRef {
            participant: origin,
            mid: data.mid,
        };
        let Some(track) = self.tracks_out.iter_mut().find(|t| t.source == source) else {
            return Forwarded::Skipped;
        };
        let Some(mid) = track.open_mid() else {
            return Forwarded::Skipped;
        };
        if track.kind == MediaKind::Video && !track.admit(data) {
            return Forwarded::Skipped;
        }
        if track.send.verdict(&mut self.rtc, mid, track.kind, data) == Verdict::Shed {
            return Forwarded::Shed {
                keyframe: track.kind == MediaKind::Video,
            };
        }
        let Some(writer) = self.rtc.writer(mid) else {
            return Forwarded::Skipped;
        };
        // The subscriber may have negotiated other payload types for the
        // same codec; a codec it does not have at all cannot be forwarded.
        let Some(pt) = writer.match_params(data.params) else {
            return Forwarded::Skipped;
        };
        let layer = data.rid.and_then(Layer::from_rid);
        let time = track.timeline.map(layer, data.time, data.network_time);
        if let Err(e) = writer.write(pt, data.network_time, time, data.data.clone()) {
            tracing::debug!(participant = %self.id, error = %e, "write failed, disconnecting");
            self.rtc.disconnect();
            return Forwarded::Skipped;
        }
        Forwarded::Written
    }

    /// Asks this participant's browser for a keyframe on a track it
    /// publishes: of one simulcast layer, or of every layer when `rid` is
    /// `None`, each at most once per throttle interval (a request within it
    /// is deferred to its end). Returns how many requests went out now.
    pub fn request_keyframe(
        &mut self,
        now: Instant,
        mid: Mid,
        kind: KeyframeRequestKind,
        rid: Option<Rid>,
    ) -> u64 {
        // A screen track asks while the screen's gate is open; every other
        // track while video's is (audio has no keyframes to ask for).
        let open = match self.gate_kind(mid) {
            Some(TrackKind::Screen) => self.gate.allows(TrackKind::Screen),
            _ => self.gate.allows(TrackKind::Video),
        };
        let Some(index) = self.tracks_in.iter().position(|t| t.mid == mid) else {
            return 0;
        };
        if !open {
            // No frame of it reaches anyone; reopening asks afresh.
            self.tracks_in[index].keyframes.clear();
            return 0;
        }
        let simulcast = self.tracks_in[index].simulcast
            || self
                .rtc
                .media(mid)
                .is_some_and(|m| matches!(m.rids_rx(), str0m::media::Rids::Specific(_)));
        let rids: Vec<Option<Rid>> = match (simulcast, rid) {
            (false, _) => vec![None],
            (true, Some(rid)) => vec![Some(rid)],
            (true, None) => Layer::ALL.iter().map(|l| Some(l.rid())).collect(),
        };
        let mut sent = 0;
        for rid in rids {
            if !self.tracks_in[index].keyframes.admit(now, rid, kind) {
                continue;
            }
            let Some(mut writer) = self.rtc.writer(mid) else {
                return sent;
            };
            // Audio tracks or a track without a stream yet: nothing to ask.
            if writer.request_keyframe(rid, kind).is_ok() {
                self.tracks_in[index].keyframes.sent(now, rid);
                sent += 1;
            }
        }
        sent
    }

    /// Records the tile height this participant shows `publisher` in
    /// (`None`: not visible). Returns whether anything changed.
    pub fn set_tile(&mut self, publisher: ParticipantId, height: Option<u32>) -> bool {
        self.tiles.insert(publisher, height) != Some(height)
    }

    /// The layer a tile of `publisher` asks for, given the heights of the
    /// publisher's layers; before the page reports a size, the middle
    /// layer (a safe start for any tile).
    pub fn wanted_layer(
        &self,
        publisher: ParticipantId,
        heights: [Option<u32>; 3],
    ) -> Option<Layer> {
        match self.tiles.get(&publisher) {
            None => Some(Layer::Medium),
            Some(height) => height.map(|h| Layer::for_tile(h, heights)),
        }
    }

    /// The open video tracks this participant receives, and how many audio
    /// tracks it receives.
    pub fn receiving(&self) -> (Vec<TrackRef>, usize) {
        let video = self
            .tracks_out
            .iter()
            .filter(|t| t.kind == MediaKind::Video && t.open_mid().is_some())
            .map(|t| t.source)
            .collect();
        let audio = self
            .tracks_out
            .iter()
            .filter(|t| t.kind == MediaKind::Audio && t.open_mid().is_some())
            .count();
        (video, audio)
    }

    /// Applies an allocation. Returns the tracks whose new layer needs a
    /// keyframe from the publisher before it can be forwarded.
    pub fn set_targets(&mut self, chosen: &[(TrackRef, Option<Layer>)]) -> Vec<(TrackRef, Layer)> {
        let mut needs_keyframe = Vec::new();
        for (source, layer) in chosen {
            if let Some(track) = self.tracks_out.iter_mut().find(|t| t.source == *source) {
                track.target = *layer;
                match layer {
                    None => track.current = None,
                    // Unlayered and flowing: the "layer" is only a label.
                    Some(layer) if track.layered == Some(false) && track.current.is_some() => {
                        track.current = Some(*layer);
                    }
                    Some(layer) if track.current != Some(*layer) => {
                        needs_keyframe.push((*source, *layer));
                    }
                    Some(_) => {}
                }
            }
        }
        needs_keyframe
    }

    /// Tells the bandwidth estimator what is sent (the minimum to sustain)
    /// and what would be sent with every tile at its wish (worth probing
    /// for). Returns whether that changed (a mutation: drain afterwards).
    pub fn set_bitrate(&mut self, minimum: u64, desired: u64) -> bool {
        if self.bwe_bitrate == (minimum, desired) {
            return false;
        }
        self.bwe_bitrate = (minimum, desired);
        self.rtc.bwe().set_bitrate(
            str0m::bwe::Bitrate::bps(minimum),
            str0m::bwe::Bitrate::bps(desired.max(minimum)),
        );
        true
    }

    /// The layer forwarded now of `publisher`'s first video track.
    pub fn current_layer(&self, publisher: ParticipantId) -> Option<Layer> {
        self.tracks_out
            .iter()
            .find(|t| t.source.participant == publisher && t.kind == MediaKind::Video)?
            .current
    }

    /// The measured rate and the picture height of each layer of a
    /// published track.
    pub fn layers_of(&self, mid: Mid) -> ([Option<u64>; 3], [Option<u32>; 3]) {
        self.tracks_in
            .iter()
            .find(|t| t.mid == mid)
            .map_or(([None; 3], [None; 3]), |t| (t.rates.rates, t.heights))
    }

    /// Polls the Rtc until it only has a timeout left, sorting its output.
    pub fn drain(&mut self, now: Instant, out: &mut Outputs) {
        self.negotiate_if_needed(out);
        // str0m's pacer (on with bandwidth estimation) lets one packet out
        // per `handle_timeout` and asks for the next one at once; taking
        // those rounds here, while they still release packets, saves a
        // trip through the router's timer set per packet.
        let mut rounds = 0;
        let mut sent_this_round = false;
        while self.rtc.is_alive() {
            match self.rtc.poll_output() {
                Ok(Output::Timeout(t)) => {
                    if t <= now && sent_this_round && rounds < MAX_PACER_ROUNDS {
                        rounds += 1;
                        sent_this_round = false;
                        self.handle_input(Input::Timeout(now));
                        continue;
                    }
                    self.next_timeout = Some(t);
                    break;
                }
                Ok(Output::Transmit(t)) => {
                    sent_this_round = true;
                    out.transmits.push_back(Transmit {
                        transport: match t.proto {
                            Protocol::Udp => Transport::Udp,
                            // ICE-TCP, the only TCP str0m speaks here.
                            _ => Transport::Tcp,
                        },
                        source: t.source,
                        destination: t.destination,
                        contents: t.contents.into(),
                    })
                }
                Ok(Output::Event(e)) => self.handle_event(now, e, out),
                Err(e) => {
                    tracing::debug!(participant = %self.id, error = %e, "poll failed, disconnecting");
                    self.rtc.disconnect();
                }
            }
        }
        if !self.rtc.is_alive() {
            self.next_timeout = None;
            if !self.dead_reported {
                self.dead_reported = true;
                out.events.push_back(RouterEvent::Disconnected {
                    participant: self.id,
                });
            }
        }
    }

    fn handle_event(&mut self, now: Instant, event: Event, out: &mut Outputs) {
        match event {
            // ICE-lite cannot restart on its own, but the browser can: a new
            // offer with new credentials (or checks from a new address)
            // brings it back. Until then the participant stays, for a while:
            // from the loss, or from a restart (checking again once media
            // was connected) that may never get through. The first of these
            // sets the deadline, so a failing restart does not extend it.
            Event::IceConnectionStateChange(
                state @ (IceConnectionState::Disconnected | IceConnectionState::Checking),
            ) if (state == IceConnectionState::Disconnected || self.connected)
                && self.ice_deadline.is_none() =>
            {
                tracing::debug!(participant = %self.id, "ice connectivity lost, waiting for a restart");
                self.ice_deadline = Some(now + ICE_RESTART_GRACE);
            }
            Event::IceConnectionStateChange(
                IceConnectionState::Connected | IceConnectionState::Completed,
            ) => {
                self.ice_deadline = None;
            }
            Event::Connected if !self.connected => {
                self.connected = true;
                out.events.push_back(RouterEvent::Connected {
                    participant: self.id,
                });
            }
            Event::MediaAdded(added) if added.direction.is_receiving() => {
                let label = self
                    .labels
                    .iter()
                    .find(|(m, _)| *m == added.mid)
                    .map(|(_, l)| *l);
                self.tracks_in.push(TrackIn {
                    mid: added.mid,
                    keyframes: KeyframeThrottle::default(),
                    simulcast: false,
                    rates: LayerRates::default(),
                    heights: [None; 3],
                    label,
                });
                out.propagate.push_back(Propagated::TrackOpened {
                    source: TrackRef {
                        participant: self.id,
                        mid: added.mid,
                    },
                    kind: added.kind,
                    label,
                });
            }
            Event::EgressBitrateEstimate(BweKind::Twcc { estimate, .. }) => {
                let estimate = estimate.as_u64();
                // Choose layers again when the estimate moved by a tenth:
                // often enough to follow the network, rarely enough not to
                // chase every wobble of the estimator.
                let moved = self
                    .estimate
                    .is_none_or(|old| old.abs_diff(estimate) * 10 > old);
                if moved {
                    self.estimate = Some(estimate);
                    out.reallocate.push(self.id);
                }
            }
            Event::MediaData(data) => {
                let kind = self.gate_kind(data.mid);
                // An unlayered video stream counts as the top layer, so the
                // allocation budgets what it really costs (a shared screen
                // of text needs far less than a camera's full layer).
                let layer = match data.rid {
                    Some(rid) => Layer::from_rid(rid),
                    None if kind != Some(TrackKind::Audio) => Some(Layer::High),
                    None => None,
                };
                if let Some(track) = self.tracks_in.iter_mut().find(|t| t.mid == data.mid)
                    && let Some(layer) = layer
                {
                    track.simulcast |= data.rid.is_some();
                    if track.rates.count(now, layer, data.data.len()) {
                        out.layers_changed.push(self.id);
                    }
                    if let Some(height) = vp8_keyframe_height(&data) {
                        track.heights[layer as usize] = Some(height);
                    }
                }
                if kind == Some(TrackKind::Audio)
                    && let Some(level) = data.ext_vals.audio_level
                {
                    out.audio_levels
                        .push((self.id, level.unsigned_abs().min(127)));
                }
                match self.gate.admit(kind, data.mid, data.is_keyframe()) {
                    Admit::Forward => {}
                    Admit::Drop => {
                        out.gated_frames += 1;
                        return;
                    }
                    Admit::DropAndRequestKeyframe => {
                        out.gated_frames += 1;
                        self.request_keyframe(now, data.mid, KeyframeRequestKind::Pli, data.rid);
                        return;
                    }
                }
                if !data.contiguous {
                    // Frames were lost beyond what NACK repaired: the
                    // decoders downstream need a fresh keyframe.
                    self.request_keyframe(now, data.mid, KeyframeRequestKind::Fir, data.rid);
                }
                out.propagate.push_back(Propagated::Media {
                    origin: self.id,
                    data,
                });
            }
            Event::KeyframeRequest(req) => {
                // The subscriber lost the picture of the layer it gets now.
                let track = self
                    .tracks_out
                    .iter()
                    .find(|t| t.open_mid() == Some(req.mid));
                if let Some(track) = track {
                    out.propagate.push_back(Propagated::KeyframeRequest {
                        source: track.source,
                        kind: req.kind,
                        rid: track.current.or(track.target).map(Layer::rid),
                    });
                }
            }
            _ => {}
        }
    }

    /// Emits an offer when tracks of others were added or stopped and no
    /// offer is outstanding.
    fn negotiate_if_needed(&mut self, out: &mut Outputs) {
        if !self.negotiated || self.pending.is_some() || !self.rtc.is_alive() {
            return;
        }
        let mut change = self.rtc.sdp_api();
        for track in &mut self.tracks_out {
            match track.state {
                TrackOutState::ToOpen => {
                    let stream_id = track.source.participant.to_string();
                    let track_id = track.label.map(|l| l.track_id().to_string());
                    let mid = change.add_media(
                        track.kind,
                        Direction::SendOnly,
                        Some(stream_id),
                        track_id,
                        None,
                    );
                    track.state = TrackOutState::Negotiating(mid);
                }
                TrackOutState::ToStop(mid) => {
                    change.stop_media(mid);
                    track.state = TrackOutState::NegotiatingStop(mid);
                }
                _ => {}
            }
        }
        let Some((offer, pending)) = change.apply() else {
            return;
        };
        self.pending = Some(pending);
        out.events.push_back(RouterEvent::Offer {
            participant: self.id,
            sdp: offer.to_sdp_string(),
        });
    }
}

/// The picture height a VP8 keyframe declares (RFC 6386 §9.1: a 3-byte
/// frame tag, the start code 9d 01 2a, then 14-bit width and height).
fn vp8_keyframe_height(data: &MediaData) -> Option<u32> {
    if data.params.spec().codec != str0m::format::Codec::Vp8 || !data.is_keyframe() {
        return None;
    }
    let bytes = data.data.get(0..10)?;
    if bytes[3..6] != [0x9d, 0x01, 0x2a] {
        return None;
    }
    Some(u32::from(u16::from_le_bytes([bytes[8], bytes[9]]) & 0x3fff))
}
