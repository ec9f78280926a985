//! One call, from the INVITE to the end: find the meeting by its number,
//! answer, join the meeting as a participant and carry the audio.
//!
//! The leg is a participant like a browser: a guest link issued for this
//! call (revoked when it ends), the meeting WebSocket, WebRTC to the
//! router. What the server says decides what happens to the call:
//! `welcome` → media flows; `waiting` → the call stays up, silent, until
//! a host admits it; `notice_required` (a hearing) → the notice is read
//! and `1` confirms it; `pin_required` / `pin_wrong` → keys typed on the
//! phone become the PIN, three wrong ones end the call; a fatal error
//! (rejected, removed, meeting ended) or a closed socket → BYE. A BYE or
//! CANCEL from the phone → `leave`.
//!
//! The caller hears why (`crate::prompts`, German then English): asked
//! for the PIN (a key press stops the prompt), told it was wrong, asked
//! to wait (again every [`WAITING_REPEAT`]), and before our BYE that the
//! meeting ended or that it was not let in.
//!
//! With video (a room system), the call also carries its camera into the
//! meeting and shows it one picture of the meeting: a shared screen, else
//! the active speaker, else whoever it showed last ([`super::video`]).
//!
//! Everything here is the shell around sans-IO parts (`audio_in`,
//! `audio_out`, `video`, `pin`): sockets, the tick, the order of things.
//! This file has the [`Leg`] and its loop; `setup` how a call in or out
//! starts, `meeting` the meeting socket (join, what the server says, what
//! the leg tells it, the link revoked at the end), `admission` the keypad
//! on the way in (notice, PIN) and the server's refusals, `room_video` a
//! room system's video.

mod admission;
mod meeting;
mod room_video;
mod setup;

pub use setup::{CallMedia, Incoming, Start, run};

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use civicmeet_sip::sdp::MediaSession;
use civicmeet_sip::{CallId, EndReason};
use civicmeet_sip_media::{AudioEncoder, MIX_FRAME};
use civicmeet_wire::{ParticipantId, ServerMessage};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

use super::Gateway;
use super::audio_in::{Inbound, PhoneAudioIn, audio_level};
use super::audio_out::{PhoneAudioOut, StreamStart};
use super::keypad::Keypad;
use super::media_ports::VideoSockets;
use super::meeting_client::MeetingClient;
use super::pin::PinEntry;
use super::remote_source::RemoteSource;
use super::rtp_socket::RtpSocket;
use super::shell::{CallInput, Command};
use super::video::{PhoneVideo, VideoIn};
use super::webrtc_leg::{LegEvent, WebRtcLeg};
use crate::prompts::Prompt;

/// The audio tick.
const FRAME: Duration = Duration::from_millis(20);
/// Larger than any RTP or WebRTC datagram we take.
const DATAGRAM: usize = 2048;
/// The picture height the room system's tile asks of the router: the
/// 720p we send it.
const ROOM_SYSTEM_HEIGHT: u32 = 720;
/// How often a hearing's notice is read again while the caller has not
/// confirmed it, and how many times in all before the call ends.
const NOTICE_REPEAT: Duration = Duration::from_secs(20);
const NOTICE_PLAYS: u8 = 3;
/// How often the waiting prompt is played again while a caller waits.
const WAITING_REPEAT: Duration = Duration::from_secs(30);
/// The longest a farewell prompt may hold up the hang-up (the prompts
/// are a few seconds per language).
const FAREWELL_LIMIT: Duration = Duration::from_secs(20);

/// Why the meeting side ends a call, as logged; the farewell prompt
/// follows from it.
const REFUSED: &str = "not let in";
const WRONG_PINS: &str = "three wrong PINs";
/// A hearing's notice was read three times and never confirmed.
const NOTICE: &str = "the hearing's notice was not confirmed";
const ENDED: &str = "the meeting ended the call";
/// Nothing came from the phone for too long (no prompt: nobody listens).
const MEDIA_LOST: &str = "no media from the phone";

/// Where the leg is in the meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// `join` sent, no answer yet.
    Joining,
    /// A hearing: its notice is read, `1` confirms it.
    Notice,
    /// The server asked for a PIN: keys are collected.
    Pin,
    /// In the waiting room.
    Waiting,
    /// In the meeting.
    Meeting,
}

/// How the call ends.
#[derive(Debug)]
enum End {
    /// The phone hung up (or the shell stopped): leave the meeting.
    Phone(Option<EndReason>),
    /// The meeting side ended it: hang up.
    Meeting(&'static str),
}

/// What woke the call's loop. One lives for one turn of the loop, on the
/// stack: a session with SRTP keys makes `Input` large, not worth a Box.
#[allow(clippy::large_enum_variant)]
enum Wake {
    Input(Option<CallInput>),
    Server(Option<ServerMessage>),
    Rtp(std::io::Result<(usize, SocketAddr)>),
    VideoRtp(std::io::Result<(usize, SocketAddr)>),
    VideoRtcp(std::io::Result<(usize, SocketAddr)>),
    WebRtc(std::io::Result<(usize, SocketAddr)>),
    Tick,
    WebRtcTimeout,
}

pub struct Leg {
    gateway: Arc<Gateway>,
    /// Let in by a host's dial-out: its link is registered as such while
    /// the call lasts.
    pre_admitted: bool,
    call: CallId,
    meeting_id: String,
    /// The meeting as logs name it.
    short: String,
    /// The display name in the meeting. Never logged.
    name: String,
    inputs: mpsc::Receiver<CallInput>,
    /// RTP to and from the phone, SRTP when the call agreed keys.
    rtp: RtpSocket,
    /// The video ports, kept while the call may have video.
    video_sockets: Option<VideoSockets>,
    video: Option<PhoneVideo>,
    /// Our participant id in the meeting, once in.
    me: Option<ParticipantId>,
    /// Who talks now, and who shares a screen: what the room system sees.
    speaker: Option<ParticipantId>,
    sharer: Option<ParticipantId>,
    /// Whom the room system sees now.
    showing: Option<ParticipantId>,
    audio_in: Option<PhoneAudioIn>,
    audio_out: Option<PhoneAudioOut>,
    session: Option<MediaSession>,
    /// Where the phone's audio comes from and goes.
    phone: RemoteSource,
    client: Option<MeetingClient>,
    /// This call's link key. Never logged.
    key: Option<String>,
    place: Place,
    pin: PinEntry,
    webrtc: Option<WebRtcLeg>,
    connected: bool,
    opus: Option<AudioEncoder>,
    /// The other participants, for the `tiles` message that keeps their
    /// video away from the leg.
    others: BTreeSet<ParticipantId>,
    /// While waiting: when the waiting prompt plays again.
    waiting_prompt_due: Option<Instant>,
    /// The caller confirmed a hearing's notice (key `1`); every later
    /// `join` says so.
    notice_acknowledged: bool,
    /// While the notice waits for `1`: when it is read again, and how
    /// often it was read.
    notice_due: Option<Instant>,
    notice_plays: u8,
    /// The meeting side ended the call: a farewell prompt plays, then we
    /// hang up (at the latest at the instant given).
    closing: Option<(&'static str, Instant)>,
    /// A host stopped the room system's camera: nothing of it is published
    /// for the rest of the call (a keypad cannot switch it back on yet).
    camera_stopped: bool,
    /// When the phone last sent us anything (RTP or RTCP, audio or video).
    last_heard: Instant,
    /// Keys pressed in the meeting (`*6`).
    keypad: Keypad,
    /// The caller's microphone is off (by `*6` or a host's mute): nothing
    /// is published until `*6` switches it on again.
    muted: bool,
}

impl Leg {
    pub async fn run(mut self, session: MediaSession) {
        self.apply_session(session, true);
        let end = match self.join().await {
            Ok(()) => self.serve().await,
            Err(e) => {
                tracing::warn!(call = %self.call, meeting = %self.short, error = %e, "cannot join the meeting");
                End::Meeting("cannot join")
            }
        };
        let call = self.call;
        match &end {
            End::Phone(reason) => {
                tracing::info!(%call, meeting = %self.short, ?reason, "the phone hung up");
                if let Some(client) = self.client.take() {
                    client.leave().await;
                }
            }
            End::Meeting(why) => {
                tracing::info!(%call, meeting = %self.short, why, "hanging up");
                let _ = self.gateway.commands.send(Command::HangUp { call });
                // Still in the meeting (the phone fell silent, the media
                // connection failed): leave on purpose, or the seat would
                // wait out the grace period kept for dropped sockets.
                if let Some(client) = self.client.take() {
                    client.leave().await;
                }
            }
        }
        self.revoke_link().await;
    }

    /// The call's loop, until one side ends it.
    async fn serve(&mut self) -> End {
        let mut tick = tokio::time::interval(FRAME);
        tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let mut rtp_buffer = vec![0u8; DATAGRAM];
        let mut webrtc_buffer = vec![0u8; DATAGRAM];
        let mut video_buffer = vec![0u8; DATAGRAM];
        let mut rtcp_buffer = vec![0u8; DATAGRAM];
        let mut events = Vec::new();
        loop {
            let webrtc_timeout = self.webrtc.as_ref().map(WebRtcLeg::next_timeout);
            let (video_rtp, video_rtcp) = match &mut self.video_sockets {
                Some(sockets) => (Some(&mut sockets.rtp), Some(&mut sockets.rtcp)),
                None => (None, None),
            };
            let wake = tokio::select! {
                input = self.inputs.recv() => Wake::Input(input),
                message = recv_server(&mut self.client) => Wake::Server(message),
                received = self.rtp.recv_from(&mut rtp_buffer) => Wake::Rtp(received),
                received = recv_on(video_rtp, &mut video_buffer) => Wake::VideoRtp(received),
                received = recv_on(video_rtcp, &mut rtcp_buffer) => Wake::VideoRtcp(received),
                received = recv_webrtc(&self.webrtc, &mut webrtc_buffer) => Wake::WebRtc(received),
                _ = tick.tick() => Wake::Tick,
                () = sleep_until(webrtc_timeout) => Wake::WebRtcTimeout,
            };
            let now = Instant::now();
            let step = match wake {
                Wake::Input(input) => self.on_input(input).await,
                Wake::Server(message) => self.on_server(message).await,
                Wake::Rtp(Ok((len, source))) => {
                    let bytes = rtp_buffer.get(..len).unwrap_or_default();
                    self.on_rtp(now, source, bytes).await
                }
                Wake::VideoRtp(Ok((len, source))) => {
                    let bytes = video_buffer.get(..len).unwrap_or_default();
                    self.on_video_rtp(now, source, bytes).await
                }
                Wake::VideoRtcp(Ok((len, _))) => {
                    // Its reports say it is there, silent or not.
                    self.last_heard = now;
                    let bytes = rtcp_buffer.get(..len).unwrap_or_default();
                    let wants = self.video.as_mut().map(|v| v.rtcp(bytes));
                    self.on_video_in(now, wants.unwrap_or(VideoIn::Nothing))
                        .await
                }
                // ICMP errors of earlier sends; the phone may come back.
                Wake::Rtp(Err(_)) | Wake::VideoRtp(Err(_)) | Wake::VideoRtcp(Err(_)) => Ok(()),
                Wake::WebRtc(Ok((len, source))) => {
                    let bytes = webrtc_buffer.get(..len).unwrap_or_default();
                    self.with_webrtc(|leg| leg.handle_datagram(now, source, bytes))
                }
                Wake::WebRtc(Err(_)) => Ok(()),
                Wake::Tick => {
                    self.tick(now);
                    self.check_media(now)
                }
                Wake::WebRtcTimeout => self.with_webrtc(|leg| leg.handle_timeout(now)),
            };
            let step = match step {
                Err(End::Meeting(why)) => self.farewell(now, why),
                other => other,
            };
            if let Err(end) = step {
                return end;
            }
            if let Some((why, deadline)) = self.closing {
                let played = !self
                    .audio_out
                    .as_ref()
                    .is_some_and(PhoneAudioOut::is_playing);
                if played || now >= deadline {
                    return End::Meeting(why);
                }
            }
            if let Err(end) = self.drain_webrtc(&mut events).await {
                return end;
            }
        }
    }

    /// Runs `f` on the WebRTC connection; its failure ends the call.
    fn with_webrtc(
        &mut self,
        f: impl FnOnce(&mut WebRtcLeg) -> Result<(), super::SipError>,
    ) -> Result<(), End> {
        let Some(leg) = &mut self.webrtc else {
            return Ok(());
        };
        f(leg).map_err(|e| {
            tracing::warn!(call = %self.call, error = %e, "the media connection failed");
            End::Meeting("media connection failed")
        })
    }

    async fn drain_webrtc(&mut self, events: &mut Vec<LegEvent>) -> Result<(), End> {
        events.clear();
        self.with_webrtc(|leg| leg.drain(events))?;
        for event in events.drain(..) {
            match event {
                LegEvent::Connected => {
                    tracing::info!(call = %self.call, meeting = %self.short, "media connected");
                    self.connected = true;
                }
                LegEvent::Audio { track, payload } => {
                    if let Some(out) = &mut self.audio_out {
                        out.opus_frame(&track, &payload);
                    }
                }
                LegEvent::Video(frame) => self.on_meeting_video(&frame),
                LegEvent::KeyframeWanted => {
                    if self
                        .video
                        .as_mut()
                        .is_some_and(PhoneVideo::meeting_wants_keyframe)
                    {
                        self.ask_phone_for_keyframe(Instant::now());
                    }
                }
                LegEvent::Disconnected => return Err(End::Meeting("media connection lost")),
            }
        }
        Ok(())
    }

    async fn on_input(&mut self, input: Option<CallInput>) -> Result<(), End> {
        match input {
            Some(CallInput::SessionChanged(session)) => {
                let had_camera = self.has_camera();
                self.apply_session(session, false);
                if !had_camera && self.has_camera() {
                    self.camera_added().await?;
                }
                self.choose_shown().await
            }
            Some(CallInput::Dtmf(key)) => self.on_key(key).await,
            Some(CallInput::KeyframeWanted) => {
                self.on_video_in(Instant::now(), VideoIn::KeyframeWanted)
                    .await
            }
            // Only the first ACK establishes; the shell sends one. A
            // dialled call rings only before it is answered.
            Some(CallInput::Established(_) | CallInput::Ringing) => Ok(()),
            Some(CallInput::Ended(reason)) => Err(End::Phone(Some(reason))),
            None => Err(End::Phone(None)),
        }
    }

    /// Takes the media the SIP side agreed: at the start, and after a
    /// re-INVITE (hold, resume, another address or codec).
    fn apply_session(&mut self, session: MediaSession, first: bool) {
        // A new session (or a resume from hold) starts the silence clock anew.
        self.last_heard = Instant::now();
        let audio = &session.audio;
        let same_codec = self.session.as_ref().is_some_and(|old| {
            old.audio.codec == audio.codec && old.audio.payload_type == audio.payload_type
        });
        let moved = self
            .session
            .as_ref()
            .is_some_and(|old| old.audio.remote_rtp != audio.remote_rtp);
        if first || !same_codec {
            let start = match &self.audio_out {
                Some(out) => out.next(),
                None => random_start(),
            };
            self.audio_in = PhoneAudioIn::new(audio);
            self.audio_out = PhoneAudioOut::new(audio, start);
        }
        self.rtp.set_keys(audio.srtp.as_ref());
        if first {
            let srtp = self.rtp.is_secure();
            tracing::info!(call = %self.call, meeting = %self.short, srtp, "media agreed");
        }
        if first || moved {
            self.phone.expect(audio.remote_rtp);
        }
        self.apply_video_session(&session, first);
        self.session = Some(session);
    }

    async fn on_rtp(&mut self, now: Instant, source: SocketAddr, bytes: &[u8]) -> Result<(), End> {
        let Some(audio) = &mut self.audio_in else {
            return Ok(());
        };
        if !self.phone.admit(source, || audio.is_ours(bytes)) {
            return Ok(());
        }
        self.last_heard = now;
        match audio.datagram(now, bytes) {
            Inbound::Key(key) => self.on_key(key).await,
            Inbound::Audio | Inbound::Ignored => Ok(()),
        }
    }

    /// A phone that lost power or its network sends no BYE: when nothing
    /// came from it for `sip.media_timeout_secs` while it should be
    /// sending (not on hold), the call ends and its seat in the meeting
    /// with it, so no ghost stays behind.
    fn check_media(&self, now: Instant) -> Result<(), End> {
        let sending = self
            .session
            .as_ref()
            .is_some_and(|s| s.audio.direction.receives());
        if sending && now.duration_since(self.last_heard) > self.gateway.media_timeout {
            tracing::info!(call = %self.call, meeting = %self.short, "no media from the phone");
            return Err(End::Meeting(MEDIA_LOST));
        }
        Ok(())
    }

    fn play(&mut self, prompt: Prompt) {
        if let Some(out) = &mut self.audio_out {
            out.play(&prompt.clips());
        }
    }

    /// The meeting side ends the call: say why, then hang up (the serve
    /// loop ends once the prompt has played). A socket that closed or
    /// failed gets no prompt: there is nothing to explain.
    fn farewell(&mut self, now: Instant, why: &'static str) -> Result<(), End> {
        let prompt = match why {
            REFUSED | WRONG_PINS | NOTICE => Prompt::Refused,
            ENDED => Prompt::Ended,
            _ => return Err(End::Meeting(why)),
        };
        if self.closing.is_none() {
            tracing::info!(call = %self.call, meeting = %self.short, why, "saying goodbye");
            self.play(prompt);
            self.closing = Some((why, now + FAREWELL_LIMIT));
            // Out of the meeting at once; the prompt is for the caller only.
            self.webrtc = None;
            self.connected = false;
            self.client = None;
        }
        Ok(())
    }

    /// Every 20 ms: the phone's frame into the meeting, the meeting's mix
    /// to the phone.
    fn tick(&mut self, now: Instant) {
        if self.place == Place::Waiting
            && self.closing.is_none()
            && self.waiting_prompt_due.is_some_and(|due| now >= due)
        {
            self.play(Prompt::Waiting);
            self.waiting_prompt_due = Some(now + WAITING_REPEAT);
        }
        if self.place == Place::Notice
            && self.closing.is_none()
            && self.notice_due.is_some_and(|due| now >= due)
        {
            if self.notice_plays >= NOTICE_PLAYS {
                // Not confirmed: say goodbye (the loop hangs up after it).
                let _ = self.farewell(now, NOTICE);
            } else {
                self.play(Prompt::Notice);
                self.notice_plays += 1;
                self.notice_due = Some(now + NOTICE_REPEAT);
            }
        }
        // A keyframe request to the room system may have been lost: ask
        // again (at most every half second) while its picture is stuck.
        if self
            .video
            .as_ref()
            .is_some_and(PhoneVideo::waiting_for_keyframe)
        {
            self.ask_phone_for_keyframe(now);
        }
        let mut pcm = Vec::with_capacity(MIX_FRAME);
        let heard = self
            .audio_in
            .as_mut()
            .is_some_and(|a| a.tick(now, &mut pcm));
        if let Some(leg) = &mut self.webrtc {
            let publish = heard && self.connected && !self.muted && self.place == Place::Meeting;
            if let (true, Some(opus)) = (publish, &mut self.opus) {
                let mut payload = Vec::new();
                if opus.encode(&pcm, &mut payload).is_ok() {
                    leg.write_audio(now, payload, audio_level(&pcm));
                }
            }
            leg.next_frame();
        }
        let sends = self
            .session
            .as_ref()
            .is_some_and(|s| s.audio.direction.sends());
        if let (Some(out), Some(phone), true) = (&mut self.audio_out, self.phone.addr(), sends) {
            let mut packet = Vec::new();
            out.tick(&mut packet);
            // A full buffer or an unreachable phone loses this packet only.
            if !packet.is_empty() {
                let _ = self.rtp.try_send_to(&packet, phone);
            }
        }
    }
}

async fn recv_server(client: &mut Option<MeetingClient>) -> Option<ServerMessage> {
    match client {
        Some(client) => client.recv().await,
        None => std::future::pending().await,
    }
}

/// Receives on a socket the call may not have.
async fn recv_on(
    socket: Option<&mut RtpSocket>,
    buffer: &mut [u8],
) -> std::io::Result<(usize, SocketAddr)> {
    match socket {
        Some(socket) => socket.recv_from(buffer).await,
        None => std::future::pending().await,
    }
}

async fn recv_webrtc(
    leg: &Option<WebRtcLeg>,
    buffer: &mut [u8],
) -> std::io::Result<(usize, SocketAddr)> {
    match leg {
        Some(leg) => leg.recv(buffer).await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

/// A random SSRC, sequence number and timestamp (RFC 3550 §5.1).
fn random_start() -> StreamStart {
    let mut bytes = [0u8; 10];
    // Without the OS generator, fixed values still make a valid stream.
    let _ = getrandom::fill(&mut bytes);
    StreamStart {
        ssrc: u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
        sequence: u16::from_le_bytes([bytes[4], bytes[5]]),
        timestamp: u32::from_le_bytes([bytes[6], bytes[7], bytes[8], bytes[9]]),
    }
}
