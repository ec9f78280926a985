//! A room system's video in the call's loop: the agreed video session,
//! which picture of the meeting it sees (a shared screen, else the active
//! speaker, else whom it saw), its camera into the meeting, and keyframe
//! requests between the two sides. The sans-IO work is `crate::sip::video`'s;
//! this is where the call's sockets and connections meet it.

use std::net::SocketAddr;
use std::time::Instant;

use civicmeet_sip::sdp::{MediaSession, VideoStream};
use civicmeet_wire::{ClientMessage, MediaState, ParticipantId};

use super::{End, Leg, Place, random_start};
use crate::sip::shell::Command;
use crate::sip::video::{PhoneVideo, VideoIn};
use crate::sip::webrtc_leg::ReceivedVideo;

impl Leg {
    /// Takes the video the SIP side agreed (none, a new codec, another
    /// address).
    pub(super) fn apply_video_session(&mut self, session: &MediaSession, first: bool) {
        let (Some(stream), Some(sockets)) = (&session.video, &mut self.video_sockets) else {
            self.video = None;
            return;
        };
        let old = self.session.as_ref().and_then(|s| s.video.as_ref());
        let same =
            old.is_some_and(|o| o.codec == stream.codec && o.payload_type == stream.payload_type);
        if first || !same || self.video.is_none() {
            self.video = Some(PhoneVideo::new(
                stream,
                random_start(),
                self.gateway.transcode_h264,
            ));
        }
        if first || old.is_none_or(|o| o.remote_rtp != stream.remote_rtp) {
            sockets.peer.expect(stream.remote_rtp);
        }
        sockets.rtcp_peer = stream.remote_rtcp;
        sockets.rtcp_mux = stream.rtcp_mux;
        sockets.set_keys(stream.srtp.as_ref());
    }

    /// A re-INVITE added the room system's camera: publish it on the
    /// running connection and tell the meeting the camera is on.
    pub(super) async fn camera_added(&mut self) -> Result<(), End> {
        if self.place != Place::Meeting {
            // The connection made on admission will carry it.
            return Ok(());
        }
        let mut offer = None;
        self.with_webrtc(|leg| {
            offer = leg.add_camera()?;
            Ok(())
        })?;
        if let Some(sdp) = offer {
            tracing::info!(call = %self.call, meeting = %self.short, "video added");
            self.send(&ClientMessage::Offer { sdp, screen: None })
                .await?;
        }
        let media = MediaState {
            audio: !self.muted,
            video: true,
        };
        self.send(&ClientMessage::MediaState { media }).await
    }

    /// The call's negotiated video stream, when the call carries video.
    fn video_stream(&self) -> Option<&VideoStream> {
        self.video.as_ref()?;
        self.session.as_ref()?.video.as_ref()
    }

    /// The room system sends us its camera.
    pub(super) fn has_camera(&self) -> bool {
        self.video_stream().is_some_and(|v| v.direction.receives())
    }

    /// The room system takes a picture from us.
    pub(super) fn shows_video(&self) -> bool {
        self.video_stream().is_some_and(|v| v.direction.sends())
    }

    /// Whose tile the room system's picture is.
    pub(super) fn shown_participant(&self) -> Option<ParticipantId> {
        self.shows_video().then_some(self.showing).flatten()
    }

    /// Picks what the room system sees: a shared screen, else the active
    /// speaker's camera, else whom it saw, else anyone's camera. On a
    /// change, the router hears the new tile and the new track's
    /// publisher is asked for a keyframe.
    pub(super) async fn choose_shown(&mut self) -> Result<(), End> {
        if !self.shows_video() {
            return Ok(());
        }
        let Some(leg) = &self.webrtc else {
            return Ok(());
        };
        let track = |id: Option<ParticipantId>, screen: bool| {
            let id = id?;
            leg.video_track_of(id, screen).map(|mid| (id, mid))
        };
        let choice = track(self.sharer, true)
            .or_else(|| track(self.speaker, false))
            .or_else(|| track(self.showing, false))
            .or_else(|| self.others.iter().find_map(|&id| track(Some(id), false)));
        let mid = choice.map(|(_, mid)| mid);
        let Some(video) = &mut self.video else {
            return Ok(());
        };
        if video.shown() == mid {
            return Ok(());
        }
        video.show(mid);
        self.showing = choice.map(|(id, _)| id);
        if let (Some(mid), Some(leg)) = (mid, &mut self.webrtc) {
            leg.request_keyframe(mid);
        }
        self.send_tiles().await
    }

    /// A datagram on the video RTP port.
    pub(super) async fn on_video_rtp(
        &mut self,
        now: Instant,
        source: SocketAddr,
        bytes: &[u8],
    ) -> Result<(), End> {
        let (Some(video), Some(sockets)) = (&mut self.video, &mut self.video_sockets) else {
            return Ok(());
        };
        if !sockets.peer.admit(source, || video.is_ours(bytes)) {
            return Ok(());
        }
        self.last_heard = now;
        let mut inputs = vec![video.datagram(bytes)];
        inputs.extend(std::iter::from_fn(|| video.poll()));
        for input in inputs {
            self.on_video_in(now, input).await?;
        }
        Ok(())
    }

    pub(super) async fn on_video_in(&mut self, now: Instant, input: VideoIn) -> Result<(), End> {
        match input {
            VideoIn::Nothing => {}
            VideoIn::Frame { codec, time, data } => {
                let publish =
                    self.connected && self.place == Place::Meeting && !self.camera_stopped;
                if let (true, Some(leg)) = (publish, &mut self.webrtc) {
                    leg.write_video(now, codec, time, data);
                }
            }
            VideoIn::KeyframeWanted => {
                let from_publisher = self.video.as_mut().is_some_and(PhoneVideo::keyframe_wanted);
                let shown = self.video.as_ref().and_then(PhoneVideo::shown);
                if let (true, Some(mid), Some(leg)) = (from_publisher, shown, &mut self.webrtc) {
                    leg.request_keyframe(mid);
                }
            }
            VideoIn::Lost => self.ask_phone_for_keyframe(now),
        }
        Ok(())
    }

    /// The meeting (or our depacketizer, after a loss) wants a keyframe
    /// of the room system's camera: RTCP, and a SIP INFO for systems that
    /// only listen to that.
    pub(super) fn ask_phone_for_keyframe(&mut self, now: Instant) {
        let (Some(video), Some(sockets)) = (&mut self.video, &mut self.video_sockets) else {
            return;
        };
        if let Some(request) = video.keyframe_request(now) {
            sockets.send_rtcp(&request);
            let _ = self
                .gateway
                .commands
                .send(Command::PictureFastUpdate { call: self.call });
        }
    }

    /// A frame of the meeting for the room system, if it is the shown one.
    pub(super) fn on_meeting_video(&mut self, frame: &ReceivedVideo) {
        if !self.shows_video() || self.place != Place::Meeting {
            return;
        }
        let (Some(video), Some(sockets)) = (&mut self.video, &mut self.video_sockets) else {
            return;
        };
        let mut packets = Vec::new();
        let result = video.meeting_frame(Instant::now(), frame, &mut packets);
        for packet in &packets {
            sockets.send_rtp(packet);
        }
        if result.is_err()
            && let Some(leg) = &mut self.webrtc
        {
            leg.request_keyframe(frame.mid);
        }
    }
}
