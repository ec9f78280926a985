//! One meeting socket, from `join` to the end.
//!
//! After [`entry`](super::entry) has checked the link, the session moves
//! between two places: the waiting room (no media at all: the participant
//! is not in the router, and any offer is refused) and the meeting (in the
//! router, media flows). Hosts' decisions reach it as roster notices. On
//! every way out (leave, close, media loss, removal, end) it leaves both
//! roster and router again.
//!
//! Screen sharing: the roster decides who shares; the session keeps the
//! router's screen gate in step with the roster's `screen_share` messages
//! it passes on, so a screen track reaches the others only while its
//! sender is the meeting's sharer, whatever the sender's page does.
//!
//! A socket that breaks without a closing handshake does not end the
//! session: the participant is *away* for up to `rejoin_grace_secs`. The
//! seat stays in the roster (the others see no leave) and in the router,
//! host decisions still take effect, and a `join` with the seat's resume
//! secret hands its socket over ([`seats`](super::seats)). The browser
//! then gets a fresh `welcome` (or `waiting`) and what it missed that is
//! still owed: a host's mute, the router's unanswered offer.
//!
//! The router participant is kept across a resume, on purpose: a dropped
//! socket says nothing about the media path, which runs on its own UDP or
//! TCP flow, so the browser's RTCPeerConnection carries on and nobody
//! renegotiates or sees a tile flicker. When the network itself changed,
//! the browser restarts ICE through the usual `offer` once it is back,
//! and the router takes the new credentials (see the router's participant).

mod resume;

use std::time::Duration;

use axum::extract::ws::WebSocket;
use civicmeet_router::{TrackKind, TrackLabel};
use civicmeet_wire::{
    ClientMessage, ErrorCode, MediaKind, MediaState, MeetingKind, Participant, ParticipantId,
    ResumeSecret, ServerMessage,
};
use tokio::sync::mpsc;

use super::entry::{self, Entrant};
use super::host;
use super::roster::{self, Entered, Newcomer, Notice, ShareRefused, role_of};
use super::seats::{self, Handover};
use super::socket::{Ending, Incoming, finish, handle_frame, refuse, send};
use crate::access::{self, Action};
use crate::accounts::session::SignedIn;
use crate::audit::{self, AuditAction};
use crate::media_task::{MediaError, MediaEvent};
use crate::meeting_id::MeetingId;
use crate::state::AppState;
use resume::{Presence, away_until};

/// Runs one socket. `meeting` is `None` when the id in the URL was not a
/// meeting id at all.
pub async fn run(
    mut socket: WebSocket,
    state: AppState,
    meeting: Option<MeetingId>,
    login: Option<SignedIn>,
) {
    let ending = match entry::enter(&mut socket, &state, meeting, login).await {
        Ok(mut entrant) => match resume::hand_over(&state, &mut entrant, socket) {
            None => return,
            Some(back) => {
                socket = back;
                Session::new(state, entrant).run(&mut socket).await
            }
        },
        Err(ending) => ending,
    };
    finish(socket, ending).await;
}

/// Where the participant goes next.
enum Next {
    /// A host admitted them: into the meeting.
    Admitted,
    /// A host sent them back: into the waiting room.
    SentBack,
}

pub(super) struct Session {
    pub state: AppState,
    pub entrant: Entrant,
    pub id: ParticipantId,
    outbox: roster::Outbox,
    inbox: mpsc::Receiver<Notice>,
    /// Kinds of media a host stopped and the participant has not switched
    /// on again: the router's gate for them is closed.
    host_muted: Vec<MediaKind>,
    /// Sent in `welcome` and `waiting`; `None` if no secret could be made
    /// (then a dropped socket ends the session, as a closed one does).
    secret: Option<ResumeSecret>,
    /// Keeps the secret claimable while the session runs.
    _seat: Option<seats::Registration>,
    handovers: mpsc::Receiver<Handover>,
    presence: Presence,
    /// The router's offer the browser has not answered: sent again after a
    /// resume (the browser may never have seen it, or its answer was lost).
    unanswered_offer: Option<String>,
    /// Messages that arose while away and must still reach the browser
    /// after its `welcome` (a host's mute).
    owed: Vec<ServerMessage>,
}

impl Session {
    fn new(state: AppState, entrant: Entrant) -> Session {
        let id = state.roster.allocate_participant();
        let (outbox, inbox) = roster::outbox();
        let (handover, handovers) = seats::handover_channel();
        let secret = seats::new_secret();
        let seat = secret.as_ref().map(|secret| {
            state
                .seats
                .register(secret, entrant.meeting, entrant.link.clone(), handover)
        });
        Session {
            state,
            entrant,
            id,
            outbox,
            inbox,
            host_muted: Vec::new(),
            secret,
            _seat: seat,
            handovers,
            presence: Presence::Here,
            unanswered_offer: None,
            owed: Vec::new(),
        }
    }

    fn meeting(&self) -> MeetingId {
        self.entrant.meeting
    }

    fn participant(&self, media: MediaState) -> Participant {
        Participant {
            id: self.id,
            name: self.entrant.name.clone(),
            media,
            role: self.entrant.role,
            verified: self.entrant.verified,
        }
    }

    /// This participant as the audit log names them: `role:id name`.
    pub fn actor(&self) -> String {
        format!(
            "{}:{} {}",
            role_of(self.entrant.role).as_str(),
            self.id,
            self.entrant.name
        )
    }

    /// Appends an audit entry about this meeting by this participant.
    pub async fn audit(
        &self,
        action: AuditAction,
        subject: Option<String>,
        detail: Option<String>,
    ) {
        let mut entry = audit::entry(crate::booking::now().timestamp(), self.actor(), action);
        entry.meeting = Some(self.meeting().to_string());
        entry.subject = subject;
        entry.detail = detail;
        audit::record(&self.state.store, entry).await;
    }

    async fn run(mut self, socket: &mut WebSocket) -> Ending {
        let newcomer = Newcomer {
            participant: self.participant(self.entrant.media),
            kind: self.entrant.kind(),
            waiting_room: self.entrant.record.waiting_room && !self.entrant.pre_admitted,
        };
        let mut place = self
            .state
            .roster
            .enter(self.meeting(), newcomer, self.outbox.clone());
        tracing::info!(meeting = %self.meeting().short(), participant = %self.id, "participant entered");
        let ending = loop {
            let next = match place {
                Entered::Waiting => self.wait(socket).await,
                Entered::Meeting(room) => self.attend(socket, room).await,
            };
            place = match next {
                Ok(Next::Admitted) => Entered::Meeting(self.state.roster.enter_admitted(
                    self.meeting(),
                    self.entrant.kind(),
                    self.participant(self.entrant.media),
                    self.outbox.clone(),
                )),
                Ok(Next::SentBack) => {
                    self.state.roster.back_to_waiting(self.meeting(), self.id);
                    Entered::Waiting
                }
                Err(ending) => break ending,
            };
        };
        // The seat goes first: a browser coming back from now on joins anew.
        self._seat = None;
        let was_member = self.state.roster.leave(self.meeting(), self.id);
        if was_member == Some(MeetingKind::Consultation) && ending.is_departure() {
            self.end_consultation(&ending);
        }
        tracing::info!(meeting = %self.meeting().short(), participant = %self.id, "participant left");
        ending
    }

    /// A 1:1 consultation is over when one side leaves. Leaving on purpose
    /// ends it at once; dropping out (a reload, a network change) ends it
    /// only if nobody of that side is back within the grace period.
    fn end_consultation(&self, ending: &Ending) {
        let (roster, meeting) = (self.state.roster.clone(), self.meeting());
        if matches!(ending, Ending::Left) {
            tracing::info!(meeting = %meeting.short(), "consultation ended: one side left");
            roster.end(meeting);
            return;
        }
        let grace = Duration::from_secs(self.state.config.meetings.rejoin_grace_secs);
        let side = self.entrant.role;
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            if !roster.has_role(meeting, side) {
                tracing::info!(meeting = %meeting.short(), "consultation ended: one side did not come back");
                roster.end(meeting);
            }
        });
    }

    /// In the waiting room: no media, only `leave` is possible, until a
    /// host decides.
    async fn wait(&mut self, socket: &mut WebSocket) -> Result<Next, Ending> {
        loop {
            let here = self.presence == Presence::Here;
            let step = tokio::select! {
                frame = socket.recv(), if here => match handle_frame(socket, frame).await {
                    Ok(Incoming::Message(ClientMessage::Leave {})) => Err(Ending::Left),
                    Ok(Incoming::Message(_)) => {
                        refuse(socket, ErrorCode::UnexpectedMessage, "wait until a host admits you")
                            .await
                            .map(|()| None)
                    }
                    Ok(Incoming::Nothing) => Ok(None),
                    Err(ending) => Err(ending),
                },
                notice = self.inbox.recv() => match notice {
                    Some(Notice::Admitted) => Ok(Some(Next::Admitted)),
                    Some(Notice::Rejected) => {
                        Err(Ending::fatal(ErrorCode::Rejected, "a host did not let you in"))
                    }
                    Some(Notice::Ended) => Err(ended()),
                    // Meant for members; a waiting participant has no media.
                    Some(Notice::SentBack | Notice::Removed | Notice::MutedByHost(_)) => Ok(None),
                    Some(Notice::Send(message)) => self.deliver(socket, message).await.map(|()| None),
                    Some(Notice::Resumed(messages)) => self.resumed(socket, messages).await.map(|()| None),
                    None => Err(fell_behind()),
                },
                Some(handover) = self.handovers.recv() => {
                    self.take_over(socket, handover).await;
                    Ok(None)
                }
                () = away_until(self.presence) => Err(Ending::Gone),
            };
            if let Some(next) = self.settle(step)? {
                return Ok(next);
            }
        }
    }

    /// In the meeting: in the router, relaying SDP and acting on notices,
    /// until the participant goes or is sent back.
    async fn attend(
        &mut self,
        socket: &mut WebSocket,
        room: civicmeet_router::RoomId,
    ) -> Result<Next, Ending> {
        let router_id = civicmeet_router::ParticipantId(self.id.0);
        let (media_events, mut media_inbox) = mpsc::unbounded_channel();
        if let Err(e) = self.state.media.join(room, router_id, media_events).await {
            tracing::error!(error = %e, "cannot add a participant to the router");
            return Err(Ending::fatal(
                ErrorCode::Unavailable,
                "media is not available right now",
            ));
        }
        // Nobody's screen flows before the roster names them the sharer.
        self.state
            .media
            .set_publishing(router_id, TrackKind::Screen, false);
        // Host mutes outlive a trip to the waiting room.
        for kind in self.host_muted.clone() {
            self.state
                .media
                .set_publishing(router_id, track(kind), false);
        }
        let result = loop {
            let here = self.presence == Presence::Here;
            let step = tokio::select! {
                frame = socket.recv(), if here => match handle_frame(socket, frame).await {
                    Ok(Incoming::Message(message)) => self.handle(socket, message).await.map(|()| None),
                    Ok(Incoming::Nothing) => Ok(None),
                    Err(ending) => Err(ending),
                },
                notice = self.inbox.recv() => self.on_notice(socket, notice).await,
                Some(event) = media_inbox.recv() => match event {
                    MediaEvent::Offer(sdp) => {
                        self.unanswered_offer = Some(sdp.clone());
                        if self.presence == Presence::Here {
                            send(socket, &ServerMessage::Offer { sdp }).await.map(|()| None)
                        } else {
                            // Sent with the resume, if the browser comes back.
                            Ok(None)
                        }
                    }
                    MediaEvent::ActiveSpeaker(speaker) => {
                        let id = civicmeet_wire::ParticipantId(speaker.0);
                        if self.presence == Presence::Here {
                            send(socket, &ServerMessage::ActiveSpeaker { id }).await.map(|()| None)
                        } else {
                            // Not owed: the next change of speaker says it again.
                            Ok(None)
                        }
                    }
                    MediaEvent::Connected => {
                        tracing::debug!(participant = %self.id, "media connected");
                        Ok(None)
                    }
                    MediaEvent::Disconnected => Err(Ending::fatal(
                        ErrorCode::Unavailable,
                        "the media connection was lost; join again",
                    )),
                },
                Some(handover) = self.handovers.recv() => {
                    self.take_over(socket, handover).await;
                    Ok(None)
                }
                () = away_until(self.presence) => Err(Ending::Gone),
            };
            match self.settle(step) {
                Ok(None) => {}
                Ok(Some(next)) => break Ok(next),
                Err(ending) => break Err(ending),
            }
        };
        self.state.media.leave(router_id);
        // The router forgot its offer with the participant.
        self.unanswered_offer = None;
        result
    }

    async fn on_notice(
        &mut self,
        socket: &mut WebSocket,
        notice: Option<Notice>,
    ) -> Result<Option<Next>, Ending> {
        match notice {
            Some(Notice::Send(message)) => {
                if let ServerMessage::ScreenShare { sharer } = message {
                    // The screen gate follows the roster, whether or not the
                    // browser is here to hear it.
                    let router_id = civicmeet_router::ParticipantId(self.id.0);
                    let mine = sharer == Some(self.id);
                    self.state
                        .media
                        .set_publishing(router_id, TrackKind::Screen, mine);
                }
                self.deliver(socket, message).await.map(|()| None)
            }
            Some(Notice::Resumed(messages)) => self.resumed(socket, messages).await.map(|()| None),
            Some(Notice::SentBack) => Ok(Some(Next::SentBack)),
            Some(Notice::Removed) => {
                let now = crate::booking::now().timestamp();
                if let Err(e) = self
                    .state
                    .store
                    .revoke_meeting_link(&self.entrant.link, now)
                    .await
                {
                    tracing::error!(error = %e, "cannot revoke a removed participant's link");
                }
                Err(Ending::fatal(
                    ErrorCode::Removed,
                    "a host removed you from the meeting",
                ))
            }
            Some(Notice::MutedByHost(MediaKind::Screen)) => {
                // The share is already over: the roster's `screen_share`
                // message before this one closed the gate. The page stops
                // capturing and tells the user why.
                let kind = MediaKind::Screen;
                send(socket, &ServerMessage::MutedByHost { kind })
                    .await
                    .map(|()| None)
            }
            Some(Notice::MutedByHost(kind)) => {
                let router_id = civicmeet_router::ParticipantId(self.id.0);
                self.state
                    .media
                    .set_publishing(router_id, track(kind), false);
                if !self.host_muted.contains(&kind) {
                    self.host_muted.push(kind);
                }
                // As the roster now shows it, also after a trip to the
                // waiting room.
                match kind {
                    MediaKind::Audio => self.entrant.media.audio = false,
                    MediaKind::Video => self.entrant.media.video = false,
                    MediaKind::Screen => {}
                }
                // The page must switch its microphone or camera off too,
                // if not now then after a resume.
                let told = ServerMessage::MutedByHost { kind };
                if self.presence != Presence::Here {
                    if !self.owed.contains(&told) {
                        self.owed.push(told);
                    }
                    return Ok(None);
                }
                match send(socket, &told).await {
                    Ok(()) => Ok(None),
                    Err(ending) => {
                        self.owed.push(told);
                        Err(ending)
                    }
                }
            }
            Some(Notice::Ended) => Err(ended()),
            // Only waiting participants are admitted or rejected.
            Some(Notice::Admitted | Notice::Rejected) => Ok(None),
            None => Err(fell_behind()),
        }
    }

    /// Handles one client message inside the meeting. `Err` ends the session.
    async fn handle(
        &mut self,
        socket: &mut WebSocket,
        message: ClientMessage,
    ) -> Result<(), Ending> {
        let action = action_of(&message);
        if !access::allows(role_of(self.entrant.role), action) {
            return refuse(socket, ErrorCode::NotAllowed, "your role may not do this").await;
        }
        let router_id = civicmeet_router::ParticipantId(self.id.0);
        match message {
            ClientMessage::Join { .. } => {
                refuse(socket, ErrorCode::UnexpectedMessage, "already joined").await
            }
            ClientMessage::Offer { sdp, screen } => {
                // Before the offer: subscribers' m-lines for the track are
                // made while the router accepts it. A mid that is no track
                // of the offer labels nothing.
                if let Some(mid) = screen {
                    self.state
                        .media
                        .label_track(router_id, mid, TrackLabel::Screen);
                }
                match self.state.media.offer(router_id, sdp).await {
                    Ok(sdp) => {
                        // Taking the browser's offer dropped the router's own;
                        // it offers its changes again afterwards.
                        self.unanswered_offer = None;
                        send(socket, &ServerMessage::Answer { sdp }).await
                    }
                    Err(e) => sdp_refused(socket, self.id, e).await,
                }
            }
            ClientMessage::Answer { sdp } => match self.state.media.answer(router_id, sdp).await {
                Ok(()) => {
                    self.unanswered_offer = None;
                    Ok(())
                }
                Err(e) => sdp_refused(socket, self.id, e).await,
            },
            ClientMessage::MediaState { media } => {
                self.switched(media);
                self.state
                    .roster
                    .update_media(self.meeting(), self.id, media);
                Ok(())
            }
            ClientMessage::Tiles { tiles } => {
                if tiles.len() > civicmeet_wire::MAX_TILES {
                    return refuse(socket, ErrorCode::BadMessage, "too many tiles").await;
                }
                for tile in tiles {
                    self.state.media.set_tile(
                        router_id,
                        civicmeet_router::ParticipantId(tile.id.0),
                        tile.height,
                    );
                }
                Ok(())
            }
            ClientMessage::ScreenShare { sharing } => self.share_screen(socket, sharing).await,
            ClientMessage::Leave {} => Err(Ending::Left),
            other => host::act(self, socket, other).await,
        }
    }

    /// Starts or stops this participant's screen share. The roster tells
    /// everyone, this session included, whose `screen_share` message then
    /// opens or closes the router's gate (see [`Session::on_notice`]).
    async fn share_screen(&mut self, socket: &mut WebSocket, sharing: bool) -> Result<(), Ending> {
        if !sharing {
            self.state.roster.stop_share(self.meeting(), self.id);
            return Ok(());
        }
        match self.state.roster.start_share(self.meeting(), self.id) {
            Ok(()) => Ok(()),
            Err(ShareRefused::Busy) => {
                refuse(
                    socket,
                    ErrorCode::ScreenShareBusy,
                    "someone else shares their screen",
                )
                .await
            }
            // The roster dropped us meanwhile; the closed queue ends us.
            Err(ShareRefused::NotMember) => {
                refuse(socket, ErrorCode::UnexpectedMessage, "not in the meeting").await
            }
        }
    }

    /// The participant switched media on or off. Switching on what a host
    /// stopped opens the router's gate again: only they can do that.
    fn switched(&mut self, media: MediaState) {
        let router_id = civicmeet_router::ParticipantId(self.id.0);
        self.host_muted.retain(|kind| {
            let on = match kind {
                MediaKind::Audio => media.audio,
                MediaKind::Video => media.video,
                // Never held here: a stopped share is simply over.
                MediaKind::Screen => return false,
            };
            if on {
                self.state
                    .media
                    .set_publishing(router_id, track(*kind), true);
            }
            !on
        });
        self.entrant.media = media;
    }
}

/// The permission table's action for each client message.
pub fn action_of(message: &ClientMessage) -> Action {
    match message {
        ClientMessage::Join { .. } => Action::JoinMeeting,
        ClientMessage::Offer { .. }
        | ClientMessage::Answer { .. }
        | ClientMessage::MediaState { .. }
        | ClientMessage::Tiles { .. }
        | ClientMessage::Leave {} => Action::TakePart,
        ClientMessage::ScreenShare { .. } => Action::ShareScreen,
        ClientMessage::Admit { .. } | ClientMessage::Reject { .. } => Action::Admit,
        ClientMessage::Mute { .. } => Action::MuteOthers,
        ClientMessage::SendToWaitingRoom { .. } => Action::SendToWaitingRoom,
        ClientMessage::Remove { .. } => Action::Remove,
        ClientMessage::Lock { .. } => Action::Lock,
        ClientMessage::EndMeeting {} => Action::EndForAll,
        ClientMessage::Invite { .. } => Action::Invite,
        ClientMessage::DialOut { .. } => Action::DialOut,
    }
}

fn track(kind: MediaKind) -> TrackKind {
    match kind {
        MediaKind::Audio => TrackKind::Audio,
        MediaKind::Video => TrackKind::Video,
        MediaKind::Screen => TrackKind::Screen,
    }
}

fn ended() -> Ending {
    Ending::fatal(ErrorCode::MeetingEnded, "the meeting has ended")
}

fn fell_behind() -> Ending {
    // The roster dropped us: this socket fell too far behind.
    Ending::fatal(
        ErrorCode::Unavailable,
        "the connection fell too far behind; join again",
    )
}

/// Answers SDP the router refused. The error text goes to the browser that
/// sent the SDP only; the log gets no SDP details.
async fn sdp_refused(
    socket: &mut WebSocket,
    id: ParticipantId,
    error: MediaError,
) -> Result<(), Ending> {
    match error {
        MediaError::Router(e) => {
            tracing::debug!(participant = %id, "sdp refused");
            let error = ServerMessage::error(ErrorCode::SdpRejected, e.to_string(), false);
            send(socket, &error).await
        }
        MediaError::Stopped => Err(Ending::fatal(
            ErrorCode::Unavailable,
            "the server is shutting down",
        )),
    }
}
