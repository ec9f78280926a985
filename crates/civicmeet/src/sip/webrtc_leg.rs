//! The leg's WebRTC side: a str0m client (full ICE, DTLS-SRTP) on a UDP
//! socket of its own, talking to the server's router like a browser.
//!
//! It publishes one Opus track (the phone's voice) and, when the SIP side
//! has a camera, one video track (the room system's picture, in the codec
//! it arrives in: VP8 or H.264). It receives whatever the router offers:
//! the others' audio, and the video of the tiles the call reports visible
//! (the one it shows the room system). The router's offers name each
//! track's owner in the m-line's msid ([`super::msid`]).
//! Nothing from the network ends it by panic: unreadable datagrams are
//! skipped, str0m errors end this leg alone.

use std::net::SocketAddr;
use std::time::Instant;

use civicmeet_wire::ParticipantId;
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::format::Codec;
use str0m::media::{Direction, Frequency, KeyframeRequestKind, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};
use tokio::net::UdpSocket;

use super::SipError;
use super::msid::{TrackOwner, track_owners};

/// Audio samples per 20 ms frame at 48 kHz: the media time step.
const FRAME_TICKS: u64 = 960;

/// What the leg's connection reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegEvent {
    /// ICE and DTLS are up: media flows.
    Connected,
    /// An Opus frame of a received track (its mid).
    Audio { track: String, payload: Vec<u8> },
    /// A whole video frame of a received track: VP8, or H.264 as Annex B.
    Video(ReceivedVideo),
    /// Someone in the meeting wants a keyframe of the room system's camera.
    KeyframeWanted,
    /// ICE gave up: the router is unreachable.
    Disconnected,
}

/// A video frame the router forwarded to the leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedVideo {
    pub mid: Mid,
    pub codec: VideoCodec,
    pub keyframe: bool,
    pub data: Vec<u8>,
    /// When it arrived (its capture times are the publisher's own clock).
    pub arrived: Instant,
}

/// The video codecs that travel between a SIP leg and the meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoCodec {
    Vp8,
    H264,
}

pub struct WebRtcLeg {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    audio_mid: Mid,
    /// The room system's camera, when the call has one.
    video_mid: Option<Mid>,
    /// Whose each received track is, from the router's last offer.
    owners: Vec<TrackOwner>,
    pending: Option<SdpPendingOffer>,
    next_timeout: Instant,
    /// The media time of the next frame we publish.
    media_time: u64,
}

fn webrtc_error(e: impl std::fmt::Display) -> SipError {
    SipError::WebRtc(e.to_string())
}

impl WebRtcLeg {
    /// A connection to the router at `media`, and the SDP offer (one
    /// sendonly Opus track, and a sendonly video track when `camera`) to
    /// send in the meeting's `offer` message.
    pub async fn new(media: SocketAddr, camera: bool) -> Result<(WebRtcLeg, String), SipError> {
        let socket = UdpSocket::bind(SocketAddr::new(media.ip(), 0))
            .await
            .map_err(webrtc_error)?;
        let local = socket.local_addr().map_err(webrtc_error)?;
        let now = Instant::now();
        // Both video codecs, so the router's video m-lines are answered as
        // a browser's would be, and a room system's picture goes in as it
        // comes.
        let mut rtc = Rtc::builder()
            .clear_codecs()
            .enable_opus(true, false)
            .enable_vp8(true)
            .enable_h264(true)
            .build(now);
        let candidate = Candidate::host(local, "udp").map_err(webrtc_error)?;
        if rtc.add_local_candidate(candidate).is_none() {
            return Err(SipError::WebRtc("the host candidate was refused".into()));
        }
        // The router's answer names its public addresses, which this host
        // may not reach itself (NAT); its listen address it always can.
        rtc.add_remote_candidate(Candidate::host(media, "udp").map_err(webrtc_error)?);
        let mut change = rtc.sdp_api();
        let audio_mid = change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
        let video_mid = camera
            .then(|| change.add_media(MediaKind::Video, Direction::SendOnly, None, None, None));
        let (offer, pending) = change
            .apply()
            .ok_or_else(|| SipError::WebRtc("no offer to make".into()))?;
        let leg = WebRtcLeg {
            rtc,
            socket,
            local,
            audio_mid,
            video_mid,
            owners: Vec::new(),
            pending: Some(pending),
            next_timeout: now,
            media_time: 0,
        };
        Ok((leg, offer.to_sdp_string()))
    }

    /// Adds the room system's camera to a running connection (its
    /// re-INVITE added video): the offer to send, or `None` while another
    /// offer of ours waits for its answer (the caller tries again later).
    pub fn add_camera(&mut self) -> Result<Option<String>, SipError> {
        if self.video_mid.is_some() || self.pending.is_some() {
            return Ok(None);
        }
        let mut change = self.rtc.sdp_api();
        let mid = change.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
        let (offer, pending) = change
            .apply()
            .ok_or_else(|| SipError::WebRtc("no offer to make".into()))?;
        self.video_mid = Some(mid);
        self.pending = Some(pending);
        Ok(Some(offer.to_sdp_string()))
    }

    /// The router's answer to our offer.
    pub fn accept_answer(&mut self, sdp: &str) -> Result<(), SipError> {
        let pending = self
            .pending
            .take()
            .ok_or_else(|| SipError::WebRtc("an answer without an offer".into()))?;
        let answer = SdpAnswer::from_sdp_string(sdp).map_err(webrtc_error)?;
        self.rtc
            .sdp_api()
            .accept_answer(pending, answer)
            .map_err(webrtc_error)
    }

    /// The router's offer (others' tracks came or went); our answer.
    pub fn accept_offer(&mut self, sdp: &str) -> Result<String, SipError> {
        let offer = SdpOffer::from_sdp_string(sdp).map_err(webrtc_error)?;
        self.owners = track_owners(sdp);
        let answer = self
            .rtc
            .sdp_api()
            .accept_offer(offer)
            .map_err(webrtc_error)?;
        Ok(answer.to_sdp_string())
    }

    /// Receives the next datagram; cancel-safe.
    pub async fn recv(&self, buffer: &mut [u8]) -> std::io::Result<(usize, SocketAddr)> {
        self.socket.recv_from(buffer).await
    }

    /// When [`WebRtcLeg::handle_timeout`] is next due.
    pub fn next_timeout(&self) -> Instant {
        self.next_timeout
    }

    pub fn handle_datagram(
        &mut self,
        now: Instant,
        source: SocketAddr,
        bytes: &[u8],
    ) -> Result<(), SipError> {
        let Ok(contents) = bytes.try_into() else {
            // Not STUN, DTLS or SRTP: nothing str0m would take.
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
        if !self.rtc.accepts(&input) {
            return Ok(());
        }
        self.rtc.handle_input(input).map_err(webrtc_error)
    }

    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), SipError> {
        self.rtc
            .handle_input(Input::Timeout(now))
            .map_err(webrtc_error)
    }

    /// Publishes this tick's 20 ms Opus frame of the phone's voice with
    /// its RFC 6464 level (for the router's active speaker); dropped while
    /// the track cannot send yet.
    pub fn write_audio(&mut self, now: Instant, opus: Vec<u8>, level: i8) {
        let time = MediaTime::new(self.media_time, Frequency::FORTY_EIGHT_KHZ);
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
        // The level below which a frame counts as no voice: quiet rooms.
        let voice = level > -50;
        if let Err(e) = writer.audio_level(level, voice).write(pt, now, time, opus) {
            tracing::debug!(error = %e, "an audio frame was not sent");
        }
    }

    /// Publishes one frame of the room system's camera (VP8, or H.264 as
    /// Annex B) with its RTP time (90 kHz, unwrapped); dropped while the
    /// track cannot send yet or the router took no such codec.
    pub fn write_video(&mut self, now: Instant, codec: VideoCodec, time: u64, frame: Vec<u8>) {
        let Some(writer) = self.video_mid.and_then(|mid| self.rtc.writer(mid)) else {
            return;
        };
        let Some(pt) = writer
            .payload_params()
            .find(|p| match codec {
                VideoCodec::Vp8 => p.spec().codec == Codec::Vp8,
                // Room systems send packetization mode 1 (non-interleaved).
                VideoCodec::H264 => {
                    p.spec().codec == Codec::H264 && p.spec().format.packetization_mode == Some(1)
                }
            })
            .map(|p| p.pt())
        else {
            return;
        };
        let time = MediaTime::new(time, Frequency::NINETY_KHZ);
        if let Err(e) = writer.write(pt, now, time, frame) {
            tracing::debug!(error = %e, "a video frame was not sent");
        }
    }

    /// The received track that carries `participant`'s camera (or screen).
    pub fn video_track_of(&self, participant: ParticipantId, screen: bool) -> Option<Mid> {
        self.owners
            .iter()
            .find(|owner| {
                owner.kind == MediaKind::Video
                    && owner.participant == participant
                    && owner.screen == screen
            })
            .map(|owner| owner.mid)
    }

    /// Asks the publisher of a received video track for a keyframe.
    pub fn request_keyframe(&mut self, mid: Mid) {
        if let Some(mut writer) = self.rtc.writer(mid)
            && let Err(e) = writer.request_keyframe(None, KeyframeRequestKind::Pli)
        {
            tracing::debug!(error = %e, "no keyframe request possible");
        }
    }

    /// Every tick, sent or not: the media clock runs on through silence,
    /// so receivers place the next frame at its real time.
    pub fn next_frame(&mut self) {
        self.media_time = self.media_time.wrapping_add(FRAME_TICKS);
    }

    /// Sends what str0m has to send and returns what happened.
    pub fn drain(&mut self, events: &mut Vec<LegEvent>) -> Result<(), SipError> {
        loop {
            match self.rtc.poll_output().map_err(webrtc_error)? {
                Output::Timeout(at) => {
                    self.next_timeout = at;
                    return Ok(());
                }
                Output::Transmit(transmit) => {
                    // A full socket buffer drops the packet, as the network
                    // could; the next ones carry on.
                    let _ = self
                        .socket
                        .try_send_to(&transmit.contents, transmit.destination);
                }
                Output::Event(Event::Connected) => events.push(LegEvent::Connected),
                Output::Event(Event::IceConnectionStateChange(
                    IceConnectionState::Disconnected,
                )) => {
                    events.push(LegEvent::Disconnected);
                }
                Output::Event(Event::MediaData(data)) => {
                    let kind = self.rtc.media(data.mid).map(|m| m.kind());
                    if data.mid == self.audio_mid || Some(data.mid) == self.video_mid {
                        continue;
                    }
                    if kind == Some(MediaKind::Audio) {
                        events.push(LegEvent::Audio {
                            track: data.mid.to_string(),
                            payload: data.data.to_vec(),
                        });
                    } else if kind == Some(MediaKind::Video) {
                        let codec = match data.params.spec().codec {
                            Codec::Vp8 => VideoCodec::Vp8,
                            Codec::H264 => VideoCodec::H264,
                            _ => continue,
                        };
                        events.push(LegEvent::Video(ReceivedVideo {
                            mid: data.mid,
                            codec,
                            keyframe: data.is_keyframe(),
                            arrived: data.network_time,
                            data: data.data.to_vec(),
                        }));
                    }
                }
                Output::Event(Event::KeyframeRequest(request)) => {
                    if Some(request.mid) == self.video_mid {
                        events.push(LegEvent::KeyframeWanted);
                    }
                }
                Output::Event(_) => {}
            }
        }
    }
}
