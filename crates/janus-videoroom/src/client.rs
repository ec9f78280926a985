//! The Janus API of one server: its info, and new sessions.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::http::{Endpoint, timed};
use crate::session::Session;
use crate::wire;

/// How long a request waits for its result by default.
pub const DEFAULT_REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// The Janus API of one server (the HTTP transport, base path `/janus`).
#[derive(Debug, Clone)]
pub struct JanusClient {
    endpoint: Endpoint,
    reply_timeout: Duration,
}

/// What `GET /janus/info` tells about a server.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ServerInfo {
    /// E.g. 1102 for 1.1.2.
    pub version: u32,
    pub version_string: String,
    /// The package names of the loaded plugins, e.g.
    /// `janus.plugin.videoroom`.
    #[serde(default, deserialize_with = "plugin_names")]
    pub plugins: Vec<String>,
    /// The address Janus takes for its own (the first IPv4 address of an
    /// interface that is up, loopback excepted).
    #[serde(default, rename = "local-ip")]
    pub local_ip: Option<IpAddr>,
}

fn plugin_names<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let map: HashMap<String, Value> = serde::Deserialize::deserialize(d)?;
    let mut names: Vec<String> = map.into_keys().collect();
    names.sort();
    Ok(names)
}

impl JanusClient {
    /// A client for the Janus API at `addr` (HTTP, base path `/janus`).
    pub fn new(addr: SocketAddr) -> JanusClient {
        JanusClient {
            endpoint: Endpoint::new(addr),
            reply_timeout: DEFAULT_REPLY_TIMEOUT,
        }
    }

    /// How long each request waits for its result (an asynchronous one for
    /// its event) before failing with [`ApiError::Timeout`].
    pub fn with_reply_timeout(mut self, timeout: Duration) -> JanusClient {
        self.reply_timeout = timeout;
        self
    }

    pub fn addr(&self) -> SocketAddr {
        self.endpoint.addr()
    }

    /// `GET /janus/info`.
    pub async fn info(&self) -> Result<ServerInfo, ApiError> {
        let bytes = self.endpoint.get("/janus/info").await?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::Malformed(format!("info: {e}")))?;
        if value.get("janus").and_then(Value::as_str) != Some("server_info") {
            return Err(ApiError::Unexpected {
                request: "info",
                got: wire::truncated(&value),
            });
        }
        serde_json::from_value(value).map_err(|e| ApiError::Malformed(format!("info: {e}")))
    }

    /// Creates a session and starts its long poll.
    pub async fn create_session(&self) -> Result<Session, ApiError> {
        let body = wire::request("create", "create", json!({}));
        let reply = timed(
            self.reply_timeout,
            "create",
            self.endpoint.post("/janus", body),
        )
        .await?;
        let id = wire::new_id(&wire::parse_reply(&reply)?, "create")?;
        Ok(Session::start(
            self.endpoint.clone(),
            id,
            self.reply_timeout,
        ))
    }
}
