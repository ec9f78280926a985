//! The leg's meeting WebSocket: the server's own signalling endpoint,
//! reached over loopback, speaking `civicmeet-wire` as a browser does.
//!
//! Only the transport is here; what to send when is the call's
//! (`super::call`). Messages the server sends that this version cannot
//! read are skipped, never fatal.

use std::net::SocketAddr;

use civicmeet_wire::{ClientMessage, ServerMessage};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::SipError;

pub struct MeetingClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl MeetingClient {
    /// Opens the meeting's WebSocket on the server at `http`.
    pub async fn connect(http: SocketAddr, meeting_id: &str) -> Result<MeetingClient, SipError> {
        let url = format!("ws://{http}/api/meetings/{meeting_id}/ws");
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| SipError::Signalling(format!("cannot open the meeting socket: {e}")))?;
        Ok(MeetingClient { socket })
    }

    pub async fn send(&mut self, message: &ClientMessage) -> Result<(), SipError> {
        let text = serde_json::to_string(message)
            .map_err(|e| SipError::Signalling(format!("cannot encode a message: {e}")))?;
        self.socket
            .send(Message::text(text))
            .await
            .map_err(|e| SipError::Signalling(format!("cannot send: {e}")))
    }

    /// The next server message; `None` once the socket is closed or
    /// broken. Cancel-safe: a message is either returned or still queued.
    pub async fn recv(&mut self) -> Option<ServerMessage> {
        loop {
            match self.socket.next().await? {
                Ok(Message::Text(text)) => match serde_json::from_str(&text) {
                    Ok(message) => return Some(message),
                    Err(e) => tracing::debug!(error = %e, "unreadable server message skipped"),
                },
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// Says `leave` and closes, for a call the phone ended.
    pub async fn leave(mut self) {
        let _ = self.send(&ClientMessage::Leave {}).await;
        let _ = self.socket.close(None).await;
    }
}
