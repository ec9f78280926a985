//! The leg's side of the meeting socket, as a browser's page has it:
//! joining with the call's own guest link, what the server says (welcome,
//! waiting room, offers and answers, roster news, a host's mute), what the
//! leg tells it (media state, visible tiles, its WebRTC offer), and the
//! link revoked when the call ends.

use std::time::Instant;

use civicmeet_store::LinkRole;
use civicmeet_wire::{ClientMessage, MediaState, PROTOCOL_VERSION, ServerMessage, TileView};

use super::{End, Leg, Place, ROOM_SYSTEM_HEIGHT, WAITING_REPEAT};
use crate::prompts::Prompt;
use crate::sip::SipError;
use crate::sip::meeting_client::MeetingClient;
use crate::sip::webrtc_leg::WebRtcLeg;

impl Leg {
    /// Issues this call's guest link, opens the meeting socket and sends
    /// `join`.
    pub(super) async fn join(&mut self) -> Result<(), SipError> {
        let now = crate::booking::now().timestamp();
        let key = self
            .gateway
            .store
            .issue_meeting_link(&self.meeting_id, LinkRole::Guest, now)
            .await
            .map_err(|e| SipError::Signalling(e.to_string()))?;
        if self.pre_admitted {
            match self.gateway.store.meeting_link(&key, now).await {
                Ok(Some(link)) => self.gateway.pre_admitted.insert(link.link),
                _ => {
                    tracing::warn!(call = %self.call, "a dialled call's link is not found; it waits like any guest")
                }
            }
        }
        self.key = Some(key);
        let (http, tls) = (self.gateway.http, self.gateway.tls.clone());
        self.client = Some(MeetingClient::connect(http, tls, &self.meeting_id).await?);
        self.send_join(None).await
    }

    pub(super) async fn send_join(&mut self, pin: Option<String>) -> Result<(), SipError> {
        let camera = self.has_camera();
        let (Some(client), Some(key)) = (&mut self.client, &self.key) else {
            return Ok(());
        };
        let join = ClientMessage::Join {
            version: PROTOCOL_VERSION,
            name: self.name.clone(),
            media: MediaState {
                audio: true,
                video: camera,
            },
            key: key.clone(),
            pin,
            notice_acknowledged: self.notice_acknowledged,
            resume: None,
        };
        self.place = Place::Joining;
        client.send(&join).await
    }

    pub(super) async fn on_server(&mut self, message: Option<ServerMessage>) -> Result<(), End> {
        let Some(message) = message else {
            return Err(End::Meeting("the meeting socket closed"));
        };
        if self.closing.is_some() {
            return Ok(());
        }
        match message {
            ServerMessage::Welcome {
                participants, you, ..
            } => {
                self.me = Some(you);
                tracing::info!(call = %self.call, meeting = %self.short, participant = %you, "in the meeting");
                self.place = Place::Meeting;
                self.waiting_prompt_due = None;
                if let Some(out) = &mut self.audio_out {
                    out.stop_prompt();
                }
                self.others = participants
                    .iter()
                    .map(|p| p.id)
                    .filter(|&id| id != you)
                    .collect();
                self.start_webrtc().await?;
                self.send_tiles().await
            }
            ServerMessage::Waiting { .. } => {
                tracing::info!(call = %self.call, meeting = %self.short, "in the waiting room");
                self.place = Place::Waiting;
                self.play(Prompt::Waiting);
                self.waiting_prompt_due = Some(Instant::now() + WAITING_REPEAT);
                // Sent back by a host: the router dropped our participant.
                self.webrtc = None;
                self.connected = false;
                Ok(())
            }
            ServerMessage::Answer { sdp } => self.with_webrtc(|leg| leg.accept_answer(&sdp)),
            ServerMessage::Offer { sdp } => {
                let mut answer = None;
                self.with_webrtc(|leg| {
                    answer = Some(leg.accept_offer(&sdp)?);
                    Ok(())
                })?;
                if let Some(sdp) = answer {
                    self.send(&ClientMessage::Answer { sdp }).await?;
                }
                // The track of whom the room system should see may be new.
                self.choose_shown().await
            }
            ServerMessage::ParticipantJoined { participant } => {
                if self.others.insert(participant.id) {
                    self.send_tiles().await?;
                }
                Ok(())
            }
            ServerMessage::MutedByHost { kind } => {
                tracing::info!(call = %self.call, meeting = %self.short, ?kind, "muted by a host");
                match kind {
                    civicmeet_wire::MediaKind::Audio => self.muted = true,
                    civicmeet_wire::MediaKind::Video => self.camera_stopped = true,
                    // A call shares no screen.
                    civicmeet_wire::MediaKind::Screen => {}
                }
                Ok(())
            }
            ServerMessage::ParticipantLeft { id } => {
                self.others.remove(&id);
                if self.speaker == Some(id) {
                    self.speaker = None;
                }
                if self.sharer == Some(id) {
                    self.sharer = None;
                }
                self.choose_shown().await
            }
            ServerMessage::ActiveSpeaker { id } => {
                if Some(id) != self.me {
                    self.speaker = Some(id);
                    self.choose_shown().await?;
                }
                Ok(())
            }
            ServerMessage::ScreenShare { sharer } => {
                self.sharer = sharer.filter(|&id| Some(id) != self.me);
                self.choose_shown().await
            }
            ServerMessage::Error { code, fatal, .. } => self.on_error(code, fatal).await,
            // Roster news, speakers, screen shares: nothing a phone shows.
            _ => Ok(()),
        }
    }

    pub(super) async fn send(&mut self, message: &ClientMessage) -> Result<(), End> {
        let Some(client) = &mut self.client else {
            return Ok(());
        };
        client
            .send(message)
            .await
            .map_err(|_| End::Meeting("the meeting socket failed"))
    }

    /// Switches the caller's microphone, and tells the meeting as a
    /// browser does (which also reopens the router's gate after a host's
    /// mute: only the participant may).
    pub(super) async fn set_muted(&mut self, muted: bool) -> Result<(), End> {
        tracing::info!(call = %self.call, meeting = %self.short, muted, "microphone switched");
        self.muted = muted;
        let media = MediaState {
            audio: !muted,
            video: self.has_camera(),
        };
        self.send(&ClientMessage::MediaState { media }).await
    }

    /// Connects to the router: a fresh connection on every admission.
    pub(super) async fn start_webrtc(&mut self) -> Result<(), End> {
        let (leg, offer) = WebRtcLeg::new(self.gateway.media, self.has_camera())
            .await
            .map_err(|e| {
                tracing::warn!(call = %self.call, error = %e, "cannot start the media connection");
                End::Meeting("cannot start media")
            })?;
        self.webrtc = Some(leg);
        self.connected = false;
        self.send(&ClientMessage::Offer {
            sdp: offer,
            screen: None,
        })
        .await
    }

    /// Tells the router which tile is visible: the one the room system
    /// sees, at its size; none for a phone, so no video is sent to it.
    pub(super) async fn send_tiles(&mut self) -> Result<(), End> {
        let shown = self.shown_participant();
        let tiles = self
            .others
            .iter()
            .take(civicmeet_wire::MAX_TILES)
            .map(|&id| TileView {
                id,
                height: (Some(id) == shown).then_some(ROOM_SYSTEM_HEIGHT),
            })
            .collect();
        self.send(&ClientMessage::Tiles { tiles }).await
    }

    /// The call's link stops working with the call.
    pub(super) async fn revoke_link(&mut self) {
        let Some(key) = self.key.take() else {
            return;
        };
        let store = &self.gateway.store;
        let now = crate::booking::now().timestamp();
        let revoked = match store.meeting_link(&key, now).await {
            Ok(Some(link)) => {
                self.gateway.pre_admitted.remove(&link.link);
                store.revoke_meeting_link(&link.link, now).await
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = revoked {
            tracing::warn!(call = %self.call, error = %e, "cannot revoke a call's link");
        }
    }
}
