//! Test harness: a real Application on free ports with its own data
//! folder, a small HTTP/1 client and a real WebSocket client.
#![allow(dead_code)] // Each test file uses a different part of the harness.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use civicmeet::{Application, Config};
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::HeaderMap;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const WAIT: Duration = Duration::from_secs(5);

pub struct TestApp {
    pub http: SocketAddr,
    pub media: SocketAddr,
    /// The SIP port (UDP and TCP), when the config turned SIP on.
    pub sip: Option<SocketAddr>,
    /// The SIP TLS port, when the config turned it on.
    pub sip_tls: Option<SocketAddr>,
    pub data_dir: PathBuf,
    /// The clock of logins and sessions: tests move it forward.
    pub clock: civicmeet::accounts::Clock,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    // Dropped last: removes the data folder when the test ends.
    _temp: Option<tempfile::TempDir>,
}

/// An application on loopback with free ports and a fresh data folder.
pub async fn spawn_app() -> TestApp {
    let temp = tempfile::tempdir().expect("temp dir");
    let mut app = spawn_app_in(temp.path()).await;
    app._temp = Some(temp);
    app
}

/// An application on loopback with free ports, storing in `data_dir`.
pub async fn spawn_app_in(data_dir: &Path) -> TestApp {
    let mut config = Config::default();
    config.http.listen = "127.0.0.1:0".parse().unwrap();
    config.media.listen = "127.0.0.1:0".parse().unwrap();
    config.storage.data_dir = data_dir.to_path_buf();
    // Tests plant their own catalogue; the booking tests seed it on purpose.
    config.booking.seed_demo = false;
    spawn_app_with_config(config).await
}

/// An application built from `config` (whose addresses and data folder
/// the caller sets).
pub async fn spawn_app_with_config(config: Config) -> TestApp {
    let data_dir = config.storage.data_dir.clone();
    let app = Application::build(config)
        .await
        .expect("application builds");
    let (http, media, sip) = (app.http_addr(), app.media_addr(), app.sip_addr());
    let sip_tls = app.sip_tls_addr();
    let clock = app.accounts_clock();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        app.run_until(async {
            let _ = stopped.await;
        })
        .await
        .expect("application runs");
    });
    TestApp {
        http,
        media,
        sip,
        sip_tls,
        data_dir: data_dir.to_path_buf(),
        clock,
        stop: Some(stop),
        task,
        _temp: None,
    }
}

impl TestApp {
    /// Stops serving and waits until the store is closed.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task)
            .await
            .expect("application task ends cleanly");
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request("GET", path).await
    }

    pub async fn post(&self, path: &str) -> Response {
        self.request("POST", path).await
    }

    /// One HTTP/1.1 request on a fresh connection, with a form content
    /// type and no body.
    pub async fn request(&self, method: &str, path: &str) -> Response {
        let form = [("content-type", "application/x-www-form-urlencoded")];
        self.send(method, path, &form, String::new()).await
    }

    /// One HTTP/1.1 request on a fresh connection with these headers and
    /// body: the one HTTP client of these tests.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Response {
        let stream = TcpStream::connect(self.http).await.expect("connect");
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.http.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(Bytes::from(body))).unwrap();
        Response::read(sender.send_request(request).await.expect("response")).await
    }

    /// A new open meeting made through the API, with its first links.
    pub async fn create_meeting(&self) -> TestMeeting {
        self.create_meeting_with(serde_json::json!({})).await
    }

    /// A new meeting as `request` (the API's JSON body) describes.
    pub async fn create_meeting_with(&self, request: Value) -> TestMeeting {
        let response = self.post_json("/api/meetings", &request.to_string()).await;
        assert_eq!(response.status, 201, "{}", response.body);
        let body = response.json();
        let key = |field: &str| {
            body[field]
                .as_str()
                .map(|url| url.rsplit_once('#').expect("a key after #").1.to_owned())
        };
        TestMeeting {
            id: body["id"].as_str().expect("id").to_owned(),
            host: key("host_url").expect("host link"),
            guest: key("guest_url").expect("guest link"),
            judge: key("judge_url"),
        }
    }

    /// A POST with a JSON body.
    pub async fn post_json(&self, path: &str, body: &str) -> Response {
        let json = [("content-type", "application/json")];
        self.send("POST", path, &json, body.to_owned()).await
    }

    /// A WebSocket to a meeting's signalling endpoint.
    pub async fn connect(&self, meeting: &str) -> Client {
        let url = format!("ws://{}/api/meetings/{meeting}/ws", self.http);
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("websocket");
        Client { socket }
    }

    /// A WebSocket to a meeting, sending `cookie` with the upgrade (as a
    /// browser of a logged-in staff member does).
    pub async fn connect_with_cookie(&self, meeting: &str, cookie: &str) -> Client {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = format!("ws://{}/api/meetings/{meeting}/ws", self.http);
        let mut request = url.into_client_request().expect("a request");
        request
            .headers_mut()
            .insert("cookie", cookie.parse().expect("a header value"));
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket");
        Client { socket }
    }

    /// A socket that has joined `meeting` as a host named `name` (hosts
    /// skip the waiting room); returns it and its welcome.
    pub async fn join(&self, meeting: &TestMeeting, name: &str) -> (Client, Value) {
        let (client, welcome) = self.join_with(meeting, &meeting.host, name).await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        (client, welcome)
    }

    /// A socket that sent `join` with `key`; returns it and the first answer
    /// (welcome, waiting or an error).
    pub async fn join_with(&self, meeting: &str, key: &str, name: &str) -> (Client, Value) {
        self.join_with_message(meeting, join_message(key, name))
            .await
    }

    /// A socket that sent this `join`; returns it and the first answer.
    pub async fn join_with_message(&self, meeting: &str, join: Value) -> (Client, Value) {
        let mut client = self.connect(meeting).await;
        client.send(join).await;
        let first = client.recv().await;
        (client, first)
    }

    /// A new hearing without a waiting room, joined by "Actor" with the
    /// link of `role` (notice acknowledged): for checks that go through
    /// every meeting role. Returns the meeting, the socket and `welcome`.
    pub async fn join_hearing_as(
        &self,
        role: civicmeet::access::Role,
    ) -> (TestMeeting, Client, Value) {
        use civicmeet::access::Role;
        let meeting = self
            .create_meeting_with(serde_json::json!({"kind": "hearing", "waiting_room": false}))
            .await;
        let key = match role {
            Role::Host => meeting.host.clone(),
            Role::Judge => meeting.judge.clone().expect("a hearing has a judge link"),
            _ => meeting.guest.clone(),
        };
        let mut join = join_message(&key, "Actor");
        join["notice_acknowledged"] = serde_json::json!(true);
        let (actor, welcome) = self.join_with_message(&meeting, join).await;
        (meeting, actor, welcome)
    }
}

/// A `join` of the current protocol version.
pub fn join_message(key: &str, name: &str) -> Value {
    serde_json::json!({
        "type": "join",
        "version": civicmeet_wire::PROTOCOL_VERSION,
        "name": name,
        "key": key,
    })
}

/// A meeting made through the API: its id and the keys of its first links.
/// Derefs to the id.
pub struct TestMeeting {
    pub id: String,
    pub host: String,
    pub guest: String,
    pub judge: Option<String>,
}

impl std::ops::Deref for TestMeeting {
    type Target = str;
    fn deref(&self) -> &str {
        &self.id
    }
}

impl std::fmt::Display for TestMeeting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.id)
    }
}

pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Response {
    /// Reads a whole hyper response.
    pub async fn read(response: hyper::Response<hyper::body::Incoming>) -> Response {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Response {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

pub struct Client {
    pub socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    pub async fn send(&mut self, message: Value) {
        self.send_text(message.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.socket.send(Message::text(text)).await.expect("send");
    }

    /// The next text message as JSON; fails after [`WAIT`].
    pub async fn recv(&mut self) -> Value {
        tokio::time::timeout(WAIT, async {
            loop {
                match self.socket.next().await {
                    Some(Ok(Message::Text(text))) => {
                        return serde_json::from_str(&text).expect("server sends JSON");
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    other => panic!("expected a text message, got {other:?}"),
                }
            }
        })
        .await
        .expect("a message in time")
    }

    /// The next message of `kind`, skipping others (e.g. renegotiation offers).
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        loop {
            let message = self.recv().await;
            if message["type"] == kind {
                return message;
            }
        }
    }

    /// Waits for the server's Close frame (or the end of the stream) and
    /// returns its close code, if any.
    pub async fn expect_close(&mut self) -> Option<u16> {
        tokio::time::timeout(WAIT, async {
            loop {
                match self.socket.next().await {
                    Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                    Some(Ok(Message::Text(text))) => panic!("expected close, got {text}"),
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => return None,
                }
            }
        })
        .await
        .expect("the server closes in time")
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}
