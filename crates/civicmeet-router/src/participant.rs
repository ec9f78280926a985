//! One participant: its str0m `Rtc`, the tracks it publishes, and the
//! tracks of others it receives, with their SDP negotiation state.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::media::{Direction, KeyframeRequestKind, MediaData, MediaKind, Mid, Rid};
use str0m::net::Protocol;
use str0m::{Event, IceConnectionState, Input, Output, Rtc};

use crate::gate::{Admit, PublishGate, TrackKind};
use crate::router::{RouterEvent, Transmit};
use crate::{ParticipantId, RoomId, RouterError, Transport};

/// Keyframe requests to one publisher's track are sent at most this often.
/// A burst of subscribers or losses must not make the publisher send a
/// keyframe per request: keyframes are ten times the size of other frames.
const KEYFRAME_REQUEST_INTERVAL: Duration = Duration::from_millis(500);

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
    TrackOpened { source: TrackRef, kind: MediaKind },
    /// A frame to forward to the others in the room.
    Media {
        origin: ParticipantId,
        data: MediaData,
    },
    /// A subscriber asked the publisher of `source` for a keyframe.
    KeyframeRequest {
        source: TrackRef,
        kind: KeyframeRequestKind,
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
}

/// A track this participant publishes.
#[derive(Debug)]
struct TrackIn {
    mid: Mid,
    last_keyframe_request: Option<Instant>,
    /// A request that came within the throttle interval. It is sent when
    /// the interval ends rather than dropped, or a subscriber that arrived
    /// just after another would wait for the browser's next own keyframe.
    deferred: Option<KeyframeRequestKind>,
}

impl TrackIn {
    fn deferred_until(&self) -> Option<Instant> {
        self.deferred?;
        self.last_keyframe_request
            .map(|t| t + KEYFRAME_REQUEST_INTERVAL)
    }
}

/// A track of another participant that this participant receives.
#[derive(Debug)]
struct TrackOut {
    source: TrackRef,
    kind: MediaKind,
    state: TrackOutState,
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
            .filter_map(TrackIn::deferred_until)
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
        let due: Vec<(Mid, KeyframeRequestKind)> = self
            .tracks_in
            .iter()
            .filter(|t| t.deferred_until().is_some_and(|d| d <= now))
            .filter_map(|t| Some((t.mid, t.deferred?)))
            .collect();
        for (mid, kind) in due {
            if self.request_keyframe(now, mid, kind) {
                sent += 1;
            }
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
    pub fn subscribe(&mut self, source: TrackRef, kind: MediaKind) {
        if self.tracks_out.iter().any(|t| t.source == source) {
            return;
        }
        self.tracks_out.push(TrackOut {
            source,
            kind,
            state: TrackOutState::ToOpen,
        });
    }

    /// Stops receiving everything `publisher` sent us.
    pub fn unsubscribe_from(&mut self, publisher: ParticipantId) {
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

    /// Opens or closes the publish gate for `kind`. Reopened video asks for
    /// a keyframe on every video track it publishes. Returns how many
    /// requests went out now (the throttle may defer some).
    pub fn set_publishing(&mut self, now: Instant, kind: TrackKind, allowed: bool) -> u64 {
        if !self.gate.set(kind, allowed) || kind != TrackKind::Video || !allowed {
            return 0;
        }
        let video: Vec<Mid> = self
            .tracks_in
            .iter()
            .map(|t| t.mid)
            .filter(|mid| self.published_kind(*mid) == Some(MediaKind::Video))
            .collect();
        let mut sent = 0;
        for mid in video {
            self.gate.await_keyframe(mid);
            if self.request_keyframe(now, mid, KeyframeRequestKind::Pli) {
                sent += 1;
            }
        }
        sent
    }

    /// Writes a frame of another participant into the matching track.
    /// Returns whether it was written.
    pub fn forward(&mut self, origin: ParticipantId, data: &MediaData) -> bool {
        let source = TrackRef {
            participant: origin,
            mid: data.mid,
        };
        let Some(mid) = self
            .tracks_out
            .iter()
            .find(|t| t.source == source)
            .and_then(TrackOut::open_mid)
        else {
            return false;
        };
        let Some(writer) = self.rtc.writer(mid) else {
            return false;
        };
        // The subscriber may have negotiated other payload types for the
        // same codec; a codec it does not have at all cannot be forwarded.
        let Some(pt) = writer.match_params(data.params) else {
            return false;
        };
        if let Err(e) = writer.write(pt, data.network_time, data.time, data.data.clone()) {
            tracing::debug!(participant = %self.id, error = %e, "write failed, disconnecting");
            self.rtc.disconnect();
            return false;
        }
        true
    }

    /// Asks this participant's browser for a keyframe on a track it
    /// publishes, at most once per [`KEYFRAME_REQUEST_INTERVAL`]; a request
    /// within the interval is deferred to its end. Returns whether a
    /// request went out now.
    pub fn request_keyframe(&mut self, now: Instant, mid: Mid, kind: KeyframeRequestKind) -> bool {
        let Some(track) = self.tracks_in.iter_mut().find(|t| t.mid == mid) else {
            return false;
        };
        if !self.gate.allows(TrackKind::Video) {
            // No frame of it reaches anyone; reopening asks afresh.
            track.deferred = None;
            return false;
        }
        if track
            .last_keyframe_request
            .is_some_and(|t| now.saturating_duration_since(t) < KEYFRAME_REQUEST_INTERVAL)
        {
            // A full intra request (FIR) outranks a picture loss (PLI).
            if track.deferred != Some(KeyframeRequestKind::Fir) {
                track.deferred = Some(kind);
            }
            return false;
        }
        track.deferred = None;
        let Some(mut writer) = self.rtc.writer(mid) else {
            return false;
        };
        if writer.request_keyframe(None, kind).is_err() {
            // Audio tracks or a track without a stream yet: nothing to ask.
            return false;
        }
        track.last_keyframe_request = Some(now);
        true
    }

    /// Polls the Rtc until it only has a timeout left, sorting its output.
    pub fn drain(&mut self, now: Instant, out: &mut Outputs) {
        self.negotiate_if_needed(out);
        while self.rtc.is_alive() {
            match self.rtc.poll_output() {
                Ok(Output::Timeout(t)) => {
                    self.next_timeout = Some(t);
                    break;
                }
                Ok(Output::Transmit(t)) => out.transmits.push_back(Transmit {
                    transport: match t.proto {
                        Protocol::Udp => Transport::Udp,
                        // ICE-TCP, the only TCP str0m speaks here.
                        _ => Transport::Tcp,
                    },
                    source: t.source,
                    destination: t.destination,
                    contents: t.contents.into(),
                }),
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
                self.tracks_in.push(TrackIn {
                    mid: added.mid,
                    last_keyframe_request: None,
                    deferred: None,
                });
                out.propagate.push_back(Propagated::TrackOpened {
                    source: TrackRef {
                        participant: self.id,
                        mid: added.mid,
                    },
                    kind: added.kind,
                });
            }
            Event::MediaData(data) => {
                if !forwardable_layer(data.rid) {
                    return;
                }
                let kind = self.published_kind(data.mid).map(TrackKind::from);
                match self.gate.admit(kind, data.mid, data.is_keyframe()) {
                    Admit::Forward => {}
                    Admit::Drop => {
                        out.gated_frames += 1;
                        return;
                    }
                    Admit::DropAndRequestKeyframe => {
                        out.gated_frames += 1;
                        self.request_keyframe(now, data.mid, KeyframeRequestKind::Pli);
                        return;
                    }
                }
                if !data.contiguous {
                    // Frames were lost beyond what NACK repaired: the
                    // decoders downstream need a fresh keyframe.
                    self.request_keyframe(now, data.mid, KeyframeRequestKind::Fir);
                }
                out.propagate.push_back(Propagated::Media {
                    origin: self.id,
                    data,
                });
            }
            Event::KeyframeRequest(req) => {
                let source = self
                    .tracks_out
                    .iter()
                    .find(|t| t.open_mid() == Some(req.mid))
                    .map(|t| t.source);
                if let Some(source) = source {
                    out.propagate.push_back(Propagated::KeyframeRequest {
                        source,
                        kind: req.kind,
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
                    let mid = change.add_media(
                        track.kind,
                        Direction::SendOnly,
                        Some(stream_id),
                        None,
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

/// Without simulcast selection (a later layer of work) the router forwards
/// the unlayered stream, or the highest layer if a browser sends layers.
fn forwardable_layer(rid: Option<Rid>) -> bool {
    rid.is_none() || rid == Some("h".into())
}
