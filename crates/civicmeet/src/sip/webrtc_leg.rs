//! The leg's WebRTC side: a str0m client (full ICE, DTLS-SRTP) on a UDP
//! socket of its own, talking to the server's router like a browser.
//!
//! It publishes one Opus track (the phone's voice) and receives whatever
//! the router offers (the others' audio; video m-lines are accepted but
//! the leg reports no visible tiles, so the router sends no video).
//! Nothing from the network ends it by panic: unreadable datagrams are
//! skipped, str0m errors end this leg alone.

use std::net::SocketAddr;
use std::time::Instant;

use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::format::Codec;
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};
use tokio::net::UdpSocket;

use super::SipError;

/// Audio samples per 20 ms frame at 48 kHz: the media time step.
const FRAME_TICKS: u64 = 960;

/// What the leg's connection reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegEvent {
    /// ICE and DTLS are up: media flows.
    Connected,
    /// An Opus frame of a received track (its mid).
    Audio { track: String, payload: Vec<u8> },
    /// ICE gave up: the router is unreachable.
    Disconnected,
}

pub struct WebRtcLeg {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    audio_mid: Mid,
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
    /// sendonly Opus track) to send in the meeting's `offer` message.
    pub async fn new(media: SocketAddr) -> Result<(WebRtcLeg, String), SipError> {
        let socket = UdpSocket::bind(SocketAddr::new(media.ip(), 0))
            .await
            .map_err(webrtc_error)?;
        let local = socket.local_addr().map_err(webrtc_error)?;
        let now = Instant::now();
        // Video codecs too, so the router's video m-lines are answered as
        // a browser would; no video is sent or asked for.
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
        let (offer, pending) = change
            .apply()
            .ok_or_else(|| SipError::WebRtc("no offer to make".into()))?;
        let leg = WebRtcLeg {
            rtc,
            socket,
            local,
            audio_mid,
            pending: Some(pending),
            next_timeout: now,
            media_time: 0,
        };
        Ok((leg, offer.to_sdp_string()))
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
                    let audio =
                        self.rtc.media(data.mid).map(|m| m.kind()) == Some(MediaKind::Audio);
                    if audio && data.mid != self.audio_mid {
                        events.push(LegEvent::Audio {
                            track: data.mid.to_string(),
                            payload: data.data.to_vec(),
                        });
                    }
                }
                Output::Event(_) => {}
            }
        }
    }
}
