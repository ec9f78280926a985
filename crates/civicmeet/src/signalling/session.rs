//! One meeting socket, from `join` to the end.
//!
//! The session owns the participant's lifecycle: it enters the roster and
//! the router after a valid `join`, relays SDP between the browser and the
//! media task, forwards roster messages to the browser, and on every way
//! out (leave, close, media loss, fatal error) removes the participant from
//! both again.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use civicmeet_wire::{
    ClientMessage, DecodeError, ErrorCode, MediaState, PROTOCOL_VERSION, Participant,
    ParticipantId, ServerMessage, normalize_name,
};
use tokio::sync::mpsc;

use crate::media_task::{MediaError, MediaEvent};
use crate::meeting_id::MeetingId;
use crate::signalling::roster;
use crate::state::AppState;

/// How long a socket may stay open without sending `join`.
const JOIN_TIMEOUT: Duration = Duration::from_secs(30);

/// How long to wait for the browser's Close reply after ours.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Why a session ends.
enum Ending {
    /// The browser sent `leave`.
    Left,
    /// The socket closed or failed; nothing more can be sent.
    Gone,
    /// The server ends it with this error (always fatal) and a Close code.
    Fatal(ServerMessage, u16),
}

impl Ending {
    fn fatal(code: ErrorCode, message: &str) -> Ending {
        let close = match code {
            ErrorCode::MessageTooLarge => close_code::SIZE,
            ErrorCode::Unavailable => close_code::AGAIN,
            _ => close_code::POLICY,
        };
        Ending::Fatal(ServerMessage::error(code, message, true), close)
    }
}

/// Runs one socket. `meeting` is `None` when the id in the URL was not a
/// meeting id at all.
pub async fn run(mut socket: WebSocket, state: AppState, meeting: Option<MeetingId>) {
    let ending = match admit(&mut socket, &state, meeting).await {
        Ok((meeting, join)) => attend(&mut socket, &state, meeting, join).await,
        Err(ending) => ending,
    };
    finish(socket, ending).await;
}

/// What a valid `join` carried.
struct Join {
    name: String,
    media: MediaState,
}

/// Checks the meeting and waits for a valid `join`.
async fn admit(
    socket: &mut WebSocket,
    state: &AppState,
    meeting: Option<MeetingId>,
) -> Result<(MeetingId, Join), Ending> {
    let not_found = || Ending::fatal(ErrorCode::MeetingNotFound, "no meeting has this id");
    let meeting = meeting.ok_or_else(not_found)?;
    match state.store.meeting(&meeting.to_string()).await {
        Ok(Some(_)) => {}
        Ok(None) => return Err(not_found()),
        Err(e) => {
            tracing::error!(error = %e, "cannot look up a meeting");
            return Err(Ending::fatal(
                ErrorCode::Unavailable,
                "the meeting cannot be looked up right now",
            ));
        }
    }
    let first = tokio::time::timeout(JOIN_TIMEOUT, first_message(socket))
        .await
        .map_err(|_| Ending::fatal(ErrorCode::BadMessage, "no join message arrived in time"))??;
    let ClientMessage::Join {
        version,
        name,
        media,
    } = first
    else {
        return Err(Ending::fatal(
            ErrorCode::UnexpectedMessage,
            "the first message must be join",
        ));
    };
    if version != PROTOCOL_VERSION {
        return Err(Ending::fatal(
            ErrorCode::UnsupportedVersion,
            &format!("this server speaks protocol version {PROTOCOL_VERSION}"),
        ));
    }
    let name = normalize_name(&name).ok_or_else(|| {
        Ending::fatal(
            ErrorCode::InvalidName,
            "the name must be 1 to 64 characters without control characters",
        )
    })?;
    Ok((meeting, Join { name, media }))
}

/// The first well-formed client message. Malformed ones are answered and
/// skipped, as they are later in the session.
async fn first_message(socket: &mut WebSocket) -> Result<ClientMessage, Ending> {
    loop {
        match socket.recv().await {
            Some(Ok(Message::Text(text))) => match read(&text) {
                Ok(message) => return Ok(message),
                Err(Reply::Fatal(ending)) => return Err(ending),
                Err(Reply::Send(error)) => send(socket, &error).await?,
            },
            Some(Ok(Message::Binary(_))) => send(socket, &binary_refused()).await?,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(Message::Close(_)) | Err(_)) | None => return Err(Ending::Gone),
        }
    }
}

/// A message that could not be used.
enum Reply {
    /// Answer with this non-fatal error and carry on.
    Send(ServerMessage),
    /// End the session.
    Fatal(Ending),
}

fn read(text: &str) -> Result<ClientMessage, Reply> {
    ClientMessage::decode(text).map_err(|e| match e {
        DecodeError::TooLarge => Reply::Fatal(Ending::fatal(
            ErrorCode::MessageTooLarge,
            &format!(
                "messages may be at most {} bytes",
                civicmeet_wire::MAX_MESSAGE_BYTES
            ),
        )),
        DecodeError::Invalid(reason) => Reply::Send(ServerMessage::error(
            ErrorCode::BadMessage,
            format!("not a valid message: {reason}"),
            false,
        )),
    })
}

fn binary_refused() -> ServerMessage {
    ServerMessage::error(
        ErrorCode::BadMessage,
        "binary messages are not part of the protocol",
        false,
    )
}

/// In the meeting: enters roster and router, runs the message loop, and
/// leaves both again however the loop ends.
async fn attend(
    socket: &mut WebSocket,
    state: &AppState,
    meeting: MeetingId,
    join: Join,
) -> Ending {
    let id = state.roster.allocate_participant();
    let router_id = civicmeet_router::ParticipantId(id.0);
    let (outbox, mut inbox) = roster::outbox();
    let (media_events, mut media_inbox) = mpsc::unbounded_channel();
    let participant = Participant {
        id,
        name: join.name,
        media: join.media,
    };
    let room = state.roster.join(meeting, participant, outbox);
    if let Err(e) = state.media.join(room, router_id, media_events).await {
        tracing::error!(error = %e, "cannot add a participant to the router");
        state.roster.leave(meeting, id);
        return Ending::fatal(ErrorCode::Unavailable, "media is not available right now");
    }
    tracing::info!(meeting = %meeting.short(), participant = %id, "participant joined");

    let ending = loop {
        let step = tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => handle_text(socket, state, meeting, id, &text).await,
                Some(Ok(Message::Binary(_))) => send(socket, &binary_refused()).await,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
                Some(Ok(Message::Close(_)) | Err(_)) | None => Err(Ending::Gone),
            },
            message = inbox.recv() => match message {
                Some(message) => send(socket, &message).await,
                // The roster dropped us: this socket fell too far behind.
                None => Err(Ending::fatal(
                    ErrorCode::Unavailable,
                    "the connection fell too far behind; join again",
                )),
            },
            Some(event) = media_inbox.recv() => match event {
                MediaEvent::Offer(sdp) => send(socket, &ServerMessage::Offer { sdp }).await,
                MediaEvent::Connected => {
                    tracing::debug!(participant = %id, "media connected");
                    Ok(())
                }
                MediaEvent::Disconnected => Err(Ending::fatal(
                    ErrorCode::Unavailable,
                    "the media connection was lost; join again",
                )),
            },
        };
        if let Err(ending) = step {
            break ending;
        }
    };

    state.media.leave(router_id);
    state.roster.leave(meeting, id);
    tracing::info!(meeting = %meeting.short(), participant = %id, "participant left");
    ending
}

/// Handles one text message inside the meeting. `Err` ends the session.
async fn handle_text(
    socket: &mut WebSocket,
    state: &AppState,
    meeting: MeetingId,
    id: ParticipantId,
    text: &str,
) -> Result<(), Ending> {
    let router_id = civicmeet_router::ParticipantId(id.0);
    let message = match read(text) {
        Ok(message) => message,
        Err(Reply::Send(error)) => return send(socket, &error).await,
        Err(Reply::Fatal(ending)) => return Err(ending),
    };
    match message {
        ClientMessage::Join { .. } => {
            let error = ServerMessage::error(ErrorCode::UnexpectedMessage, "already joined", false);
            send(socket, &error).await
        }
        ClientMessage::Offer { sdp } => match state.media.offer(router_id, sdp).await {
            Ok(sdp) => send(socket, &ServerMessage::Answer { sdp }).await,
            Err(e) => sdp_refused(socket, id, e).await,
        },
        ClientMessage::Answer { sdp } => match state.media.answer(router_id, sdp).await {
            Ok(()) => Ok(()),
            Err(e) => sdp_refused(socket, id, e).await,
        },
        ClientMessage::MediaState { media } => {
            state.roster.update_media(meeting, id, media);
            Ok(())
        }
        ClientMessage::Leave {} => Err(Ending::Left),
    }
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

async fn send(socket: &mut WebSocket, message: &ServerMessage) -> Result<(), Ending> {
    socket
        .send(Message::Text(message.encode().into()))
        .await
        .map_err(|_| Ending::Gone)
}

/// Ends the socket as the ending says: a fatal error is sent before the
/// Close frame; then the browser's Close reply is awaited briefly so the
/// closing handshake completes.
async fn finish(mut socket: WebSocket, ending: Ending) {
    let close = match ending {
        Ending::Gone => return,
        Ending::Left => (close_code::NORMAL, "bye"),
        Ending::Fatal(error, code) => {
            if send(&mut socket, &error).await.is_err() {
                return;
            }
            (code, "error")
        }
    };
    let frame = CloseFrame {
        code: close.0,
        reason: close.1.into(),
    };
    if socket.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
        while let Some(Ok(message)) = socket.recv().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}
