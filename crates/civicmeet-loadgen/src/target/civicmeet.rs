//! civicmeet as a target: its HTTP API makes meetings, its meeting
//! WebSocket (protocol v2 of `civicmeet-wire`) carries the SDP.
//!
//! The server is either spawned here (the release binary on loopback with
//! free ports and a temporary data folder, so its CPU time and memory can
//! be read from `/proc`) or attached to by address (a server started
//! in-process by a test).

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use civicmeet_wire::{ClientMessage, MediaState, PROTOCOL_VERSION, ServerMessage};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{Error, Pc, Role, Session, Target, http};

/// How long a spawned server may take to answer `/health`.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the server may take to answer a signalling message.
const REPLY_TIMEOUT: Duration = Duration::from_secs(20);

/// A civicmeet server.
pub struct Civicmeet {
    http: SocketAddr,
    pid: Option<u32>,
    // Held for their Drop: the child is killed and the data folder removed
    // when the target goes.
    _child: Option<Child>,
    _data: Option<tempfile::TempDir>,
}

/// A meeting: its id and the key of a guest link (the meeting has no
/// waiting room, so guests enter directly).
#[derive(Debug, Clone)]
pub struct Meeting {
    pub id: String,
    pub key: String,
}

impl Civicmeet {
    /// A server someone else started, at `http`; `pid` if its cost should
    /// be measured.
    pub fn attach(http: SocketAddr, pid: Option<u32>) -> Civicmeet {
        Civicmeet {
            http,
            pid,
            _child: None,
            _data: None,
        }
    }

    /// Starts `binary` on loopback with free ports and a fresh data folder
    /// and waits until it answers `/health`.
    pub async fn spawn(binary: &Path) -> Result<Civicmeet, Error> {
        let data = tempfile::tempdir()?;
        let http = free_tcp_port()?;
        let media = free_udp_port()?;
        let mut child = Command::new(binary)
            .env("CIVICMEET_HTTP_LISTEN", http.to_string())
            .env("CIVICMEET_MEDIA_LISTEN", media.to_string())
            .env("CIVICMEET_DATA_DIR", data.path())
            .env("CIVICMEET_BOOKING_SEED_DEMO", "false")
            .env("CIVICMEET_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Error::Server(format!("cannot start {}: {e}", binary.display())))?;
        let pid = child.id();
        let started = tokio::time::Instant::now();
        loop {
            if let Ok(200) = http::get_status(http, "/health").await {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(Error::Server(format!("exited at start: {status}")));
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(Error::Server("no answer on /health".into()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Civicmeet {
            http,
            pid,
            _child: Some(child),
            _data: Some(data),
        })
    }
}

/// A free port, found by binding port 0 and letting go. Another process
/// could take it in between; on a benchmark machine nobody does.
fn free_tcp_port() -> Result<SocketAddr, Error> {
    Ok(std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?)
}

fn free_udp_port() -> Result<SocketAddr, Error> {
    Ok(std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?)
}

impl Target for Civicmeet {
    type Room = Meeting;
    type Session = Signalling;

    fn name(&self) -> &'static str {
        "civicmeet"
    }

    async fn create_room(&self) -> Result<Meeting, Error> {
        let (status, body) =
            http::post_json(self.http, "/api/meetings", r#"{"waiting_room": false}"#).await?;
        if status != 201 {
            return Err(Error::Http(format!("POST /api/meetings: {status}")));
        }
        let json: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| Error::Http(format!("meeting JSON: {e}")))?;
        let id = json["id"].as_str();
        // The link is `/m/<id>#<key>`; the key never travels in a request.
        let key = json["guest_url"]
            .as_str()
            .and_then(|url| url.rsplit_once('#'))
            .map(|(_, key)| key);
        match (id, key) {
            (Some(id), Some(key)) => Ok(Meeting {
                id: id.to_owned(),
                key: key.to_owned(),
            }),
            _ => Err(Error::Http("a meeting without id or guest link".into())),
        }
    }

    async fn join(&self, room: &Meeting, name: &str, role: Role) -> Result<Signalling, Error> {
        let url = format!("ws://{}/api/meetings/{}/ws", self.http, room.id);
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| Error::Signalling(format!("WebSocket: {e}")))?;
        let mut session = Signalling {
            socket,
            offers: VecDeque::new(),
        };
        session
            .send(&ClientMessage::Join {
                version: PROTOCOL_VERSION,
                name: name.to_owned(),
                media: MediaState {
                    audio: role.audio,
                    video: role.video,
                },
                key: room.key.clone(),
                pin: None,
                notice_acknowledged: false,
                resume: None,
            })
            .await?;
        match session.recv().await? {
            ServerMessage::Welcome { .. } => Ok(session),
            other => Err(Error::Signalling(format!("join answered with {other:?}"))),
        }
    }

    fn server_pid(&self) -> Option<u32> {
        self.pid
    }
}

/// A participant's meeting WebSocket.
pub struct Signalling {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Server offers that arrived while waiting for an answer.
    offers: VecDeque<String>,
}

impl Signalling {
    async fn send(&mut self, message: &ClientMessage) -> Result<(), Error> {
        let text = serde_json::to_string(message)
            .map_err(|e| Error::Signalling(format!("encoding: {e}")))?;
        self.socket
            .send(Message::text(text))
            .await
            .map_err(|e| Error::Signalling(format!("send: {e}")))
    }

    /// The next server message. Cancel-safe: a message is either returned
    /// or still in the stream.
    async fn recv(&mut self) -> Result<ServerMessage, Error> {
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    return match serde_json::from_str::<ServerMessage>(&text) {
                        Ok(ServerMessage::Error { code, message, .. }) => {
                            Err(Error::Server(format!("error {code:?}: {message}")))
                        }
                        Ok(message) => Ok(message),
                        Err(e) => Err(Error::Signalling(format!("unknown message: {e}"))),
                    };
                }
                Some(Ok(Message::Close(_))) | None => {
                    return Err(Error::Signalling("the server closed the socket".into()));
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(Error::Signalling(format!("receive: {e}"))),
            }
        }
    }
}

impl Session for Signalling {
    fn client_offers(&self, _role: Role) -> bool {
        true
    }

    async fn offer(&mut self, pc: Pc, sdp: String) -> Result<String, Error> {
        if pc != Pc::Main {
            return Err(Error::Signalling("civicmeet has one connection".into()));
        }
        self.send(&ClientMessage::Offer { sdp, screen: None })
            .await?;
        tokio::time::timeout(REPLY_TIMEOUT, async {
            loop {
                match self.recv().await? {
                    ServerMessage::Answer { sdp } => return Ok(sdp),
                    ServerMessage::Offer { sdp } => self.offers.push_back(sdp),
                    _ => {}
                }
            }
        })
        .await
        .map_err(|_| Error::Signalling("no answer to the offer".into()))?
    }

    async fn next_offer(&mut self) -> Result<(Pc, String), Error> {
        if let Some(sdp) = self.offers.pop_front() {
            return Ok((Pc::Main, sdp));
        }
        loop {
            // Roster news (joined, left, updated) is not the load
            // generator's business.
            if let ServerMessage::Offer { sdp } = self.recv().await? {
                return Ok((Pc::Main, sdp));
            }
        }
    }

    async fn answer(&mut self, _pc: Pc, sdp: String) -> Result<(), Error> {
        self.send(&ClientMessage::Answer { sdp }).await
    }
}
