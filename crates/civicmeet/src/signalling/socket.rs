//! The plumbing every phase of a session shares: reading and answering
//! client messages, and ending a socket with a typed error and a Close.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use civicmeet_wire::{ClientMessage, DecodeError, ErrorCode, ServerMessage};

/// How long to wait for the browser's Close reply after ours.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Why a session ends.
#[derive(Debug)]
pub enum Ending {
    /// The browser sent `leave`.
    Left,
    /// The browser closed the socket (a Close frame: the page's code
    /// chose to), or the seat it dropped was not taken back in time.
    /// Nothing more can be sent.
    Gone,
    /// The connection broke without a closing handshake: a network change,
    /// a proxy's idle timeout, a failed send. The session keeps the seat
    /// for the grace period (see `seats`); nothing more can be sent here.
    Dropped,
    /// The server ends it with this error (always fatal) and a Close code.
    Fatal(ServerMessage, u16),
}

impl Ending {
    pub fn fatal(code: ErrorCode, message: &str) -> Ending {
        let close = match code {
            ErrorCode::MessageTooLarge => close_code::SIZE,
            ErrorCode::Unavailable => close_code::AGAIN,
            ErrorCode::MeetingEnded => close_code::NORMAL,
            _ => close_code::POLICY,
        };
        Ending::Fatal(ServerMessage::error(code, message, true), close)
    }

    /// The participant chose to go, or their connection did: in a 1:1
    /// consultation that is "one side left".
    pub fn is_departure(&self) -> bool {
        match self {
            Ending::Left | Ending::Gone | Ending::Dropped => true,
            Ending::Fatal(ServerMessage::Error { code, .. }, _) => !matches!(
                code,
                ErrorCode::Removed | ErrorCode::MeetingEnded | ErrorCode::Rejected
            ),
            Ending::Fatal(..) => true,
        }
    }
}

/// A message that could not be used.
pub enum Reply {
    /// Answer with this non-fatal error and carry on.
    Send(ServerMessage),
    /// End the session.
    Fatal(Ending),
}

/// One incoming frame, sorted.
pub enum Incoming {
    Message(ClientMessage),
    /// Nothing to act on (ping, pong, or an error already answered).
    Nothing,
}

/// Reads a text frame. Malformed input is answered and skipped; oversized
/// input ends the session.
pub async fn handle_frame(
    socket: &mut WebSocket,
    frame: Option<Result<Message, axum::Error>>,
) -> Result<Incoming, Ending> {
    match frame {
        Some(Ok(Message::Text(text))) => match read(&text) {
            Ok(message) => Ok(Incoming::Message(message)),
            Err(Reply::Fatal(ending)) => Err(ending),
            Err(Reply::Send(error)) => send(socket, &error).await.map(|()| Incoming::Nothing),
        },
        Some(Ok(Message::Binary(_))) => send(socket, &binary_refused())
            .await
            .map(|()| Incoming::Nothing),
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(Incoming::Nothing),
        Some(Ok(Message::Close(_))) => Err(Ending::Gone),
        Some(Err(_)) | None => Err(Ending::Dropped),
    }
}

/// The next well-formed client message.
pub async fn next_message(socket: &mut WebSocket) -> Result<ClientMessage, Ending> {
    loop {
        let frame = socket.recv().await;
        if let Incoming::Message(message) = handle_frame(socket, frame).await? {
            return Ok(message);
        }
    }
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

pub async fn send(socket: &mut WebSocket, message: &ServerMessage) -> Result<(), Ending> {
    socket
        .send(Message::Text(message.encode().into()))
        .await
        .map_err(|_| Ending::Dropped)
}

/// Sends a non-fatal error.
pub async fn refuse(socket: &mut WebSocket, code: ErrorCode, message: &str) -> Result<(), Ending> {
    send(socket, &ServerMessage::error(code, message, false)).await
}

/// Ends the socket as the ending says: a fatal error is sent before the
/// Close frame; then the browser's Close reply is awaited briefly so the
/// closing handshake completes.
pub async fn finish(mut socket: WebSocket, ending: Ending) {
    let close = match ending {
        Ending::Gone | Ending::Dropped => return,
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
