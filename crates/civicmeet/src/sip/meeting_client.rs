//! The leg's meeting WebSocket: the server's own signalling endpoint,
//! reached over loopback, speaking `civicmeet-wire` as a browser does.
//!
//! Only the transport is here; what to send when is the call's
//! (`super::call`). Messages the server sends that this version cannot
//! read are skipped, never fatal.

use std::net::SocketAddr;
use std::sync::Arc;

use civicmeet_wire::{ClientMessage, ServerMessage};
use futures_util::{SinkExt, StreamExt};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use super::SipError;

/// A byte stream the socket runs over: plain TCP or TLS.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

pub struct MeetingClient {
    socket: WebSocketStream<Box<dyn Stream>>,
}

impl MeetingClient {
    /// Opens the meeting's WebSocket on the server at `http`, over TLS
    /// with `tls` when the server speaks it.
    pub async fn connect(
        http: SocketAddr,
        tls: Option<Arc<rustls::ClientConfig>>,
        meeting_id: &str,
    ) -> Result<MeetingClient, SipError> {
        let failed = |e: &dyn std::fmt::Display| {
            SipError::Signalling(format!("cannot open the meeting socket: {e}"))
        };
        let tcp = TcpStream::connect(http).await.map_err(|e| failed(&e))?;
        let (stream, scheme): (Box<dyn Stream>, &str) = match tls {
            Some(tls) => {
                let name = ServerName::IpAddress(http.ip().into());
                let stream = tokio_rustls::TlsConnector::from(tls)
                    .connect(name, tcp)
                    .await
                    .map_err(|e| failed(&e))?;
                (Box::new(stream), "wss")
            }
            None => (Box::new(tcp), "ws"),
        };
        let url = format!("{scheme}://{http}/api/meetings/{meeting_id}/ws");
        let (socket, _) = tokio_tungstenite::client_async(url, stream)
            .await
            .map_err(|e| failed(&e))?;
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
