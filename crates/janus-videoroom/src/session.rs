//! A Janus session over the HTTP transport, and the long poll that carries
//! its events.
//!
//! Janus answers asynchronous requests in two steps: the POST returns an
//! `ack`, and the result arrives later on the session's long poll
//! (`GET /janus/<session>?maxev=N`) with the same `transaction`. One task
//! per session keeps that long poll open and routes each event: to the
//! request waiting for its transaction, else to the handle named by
//! `sender`. An open long poll also counts as activity, so the session
//! never times out while this task runs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::error::ApiError;
use crate::http::{Endpoint, timed};
use crate::videoroom::VideoRoomHandle;
use crate::wire::{self, Envelope, Jsep};

/// How many events one long poll may return at once.
const MAX_EVENTS_PER_POLL: u32 = 16;
/// Consecutive failed long polls after which the session counts as gone.
const MAX_POLL_FAILURES: u32 = 5;

/// One Janus session. Its handles work only while it lives: dropping it
/// stops the long poll (their waiting requests fail with
/// [`ApiError::SessionClosed`]) without telling Janus, which times the
/// session out after 60 s; [`Session::destroy`] ends it at once.
pub struct Session {
    shared: Arc<Shared>,
    poller: JoinHandle<()>,
}

impl Session {
    /// Session `id` was created; its long poll starts now.
    pub(crate) fn start(endpoint: Endpoint, id: u64, reply_timeout: Duration) -> Session {
        let shared = Arc::new(Shared {
            endpoint,
            id,
            reply_timeout,
            next_transaction: AtomicU64::new(1),
            routes: Mutex::new(Routes::default()),
        });
        let poller = tokio::spawn(poll_events(shared.clone()));
        Session { shared, poller }
    }

    pub fn id(&self) -> u64 {
        self.shared.id
    }

    /// Attaches a handle to the VideoRoom plugin. A participant needs one
    /// handle per PeerConnection: one to publish, one per subscription.
    pub async fn attach_videoroom(&self) -> Result<VideoRoomHandle, ApiError> {
        let fields = json!({ "plugin": "janus.plugin.videoroom" });
        let reply = self
            .shared
            .post(&format!("/janus/{}", self.shared.id), "attach", fields)
            .await?;
        let handle_id = wire::new_id(&reply, "attach")?;
        let (sender, events) = mpsc::unbounded_channel();
        {
            let mut routes = self.shared.routes();
            if routes.closed {
                return Err(ApiError::SessionClosed);
            }
            routes.handles.insert(handle_id, sender);
        }
        Ok(VideoRoomHandle::new(self.shared.clone(), handle_id, events))
    }

    /// An explicit keepalive. Not needed while the long poll runs; here for
    /// callers that want to check the session is still known to Janus.
    pub async fn keepalive(&self) -> Result<(), ApiError> {
        self.shared
            .post(
                &format!("/janus/{}", self.shared.id),
                "keepalive",
                json!({}),
            )
            .await
            .map(drop)
    }

    /// Destroys the session in Janus (which hangs up all its handles).
    pub async fn destroy(self) -> Result<(), ApiError> {
        self.shared
            .post(&format!("/janus/{}", self.shared.id), "destroy", json!({}))
            .await
            .map(drop)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.poller.abort();
        self.shared.close();
    }
}

/// What a session's handles and its poller share.
pub(crate) struct Shared {
    endpoint: Endpoint,
    id: u64,
    reply_timeout: Duration,
    next_transaction: AtomicU64,
    routes: Mutex<Routes>,
}

/// Where events go.
#[derive(Default)]
struct Routes {
    /// Set when the poller stops: no event can arrive any more.
    closed: bool,
    /// Asynchronous requests waiting for their result, by transaction.
    pending: HashMap<String, oneshot::Sender<Envelope>>,
    /// Every other event of a handle, by handle id.
    handles: HashMap<u64, mpsc::UnboundedSender<Envelope>>,
}

impl Shared {
    fn routes(&self) -> MutexGuard<'_, Routes> {
        // A panic while holding this lock would be a bug in this module;
        // the maps stay consistent either way, so go on with them.
        self.routes.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn transaction(&self) -> String {
        format!("t{}", self.next_transaction.fetch_add(1, Ordering::Relaxed))
    }

    pub(crate) fn reply_timeout(&self) -> Duration {
        self.reply_timeout
    }

    /// Stops routing: waiting requests fail with `SessionClosed`, handles'
    /// event streams end.
    fn close(&self) {
        let mut routes = self.routes();
        routes.closed = true;
        routes.pending.clear();
        routes.handles.clear();
    }

    /// A request answered directly (`success` or `ack`).
    async fn post(
        &self,
        path: &str,
        kind: &'static str,
        fields: Value,
    ) -> Result<Envelope, ApiError> {
        let body = wire::request(kind, &self.transaction(), fields);
        let reply = timed(self.reply_timeout, kind, self.endpoint.post(path, body)).await?;
        wire::parse_reply(&reply)
    }

    /// A request to a handle that Janus answers directly (`trickle`,
    /// `detach`, `hangup`).
    pub(crate) async fn post_to_handle(
        &self,
        handle: u64,
        kind: &'static str,
        fields: Value,
    ) -> Result<(), ApiError> {
        let reply = self
            .post(&format!("/janus/{}/{handle}", self.id), kind, fields)
            .await?;
        match &*reply.janus {
            "success" | "ack" => Ok(()),
            other => Err(ApiError::Unexpected {
                request: kind,
                got: other.to_owned(),
            }),
        }
    }

    /// A plugin message. The plugin answers either at once (`success`, for
    /// e.g. `create`) or later as an event (after an `ack`, for e.g.
    /// `join`); either way this returns the message carrying the result.
    pub(crate) async fn message(
        &self,
        handle: u64,
        request: &'static str,
        body: Value,
        jsep: Option<&Jsep>,
    ) -> Result<Envelope, ApiError> {
        let transaction = self.transaction();
        // Registered before sending: the event may overtake the POST's
        // answer.
        let (sender, result) = oneshot::channel();
        {
            let mut routes = self.routes();
            if routes.closed {
                return Err(ApiError::SessionClosed);
            }
            routes.pending.insert(transaction.clone(), sender);
        }
        let outcome = self
            .exchange(handle, request, &transaction, body, jsep, result)
            .await;
        self.routes().pending.remove(&transaction);
        outcome
    }

    async fn exchange(
        &self,
        handle: u64,
        request: &'static str,
        transaction: &str,
        body: Value,
        jsep: Option<&Jsep>,
        result: oneshot::Receiver<Envelope>,
    ) -> Result<Envelope, ApiError> {
        let bytes = wire::request("message", transaction, wire::message_fields(body, jsep));
        let path = format!("/janus/{}/{handle}", self.id);
        let reply = timed(
            self.reply_timeout,
            request,
            self.endpoint.post(&path, bytes),
        )
        .await?;
        let reply = wire::parse_reply(&reply)?;
        match &*reply.janus {
            "success" => Ok(reply),
            "ack" => match tokio::time::timeout(self.reply_timeout, result).await {
                Ok(Ok(event)) => wire::check_error(event),
                Ok(Err(_)) => Err(ApiError::SessionClosed),
                Err(_) => Err(ApiError::Timeout {
                    request,
                    after: self.reply_timeout,
                }),
            },
            other => Err(ApiError::Unexpected {
                request,
                got: other.to_owned(),
            }),
        }
    }

    /// The handle no longer wants events.
    pub(crate) fn forget_handle(&self, handle: u64) {
        self.routes().handles.remove(&handle);
    }

    /// Hands one event to whoever waits for it.
    fn route(&self, event: Envelope) {
        if event.janus == "keepalive" {
            return;
        }
        let mut routes = self.routes();
        if let Some(waiting) = event
            .transaction
            .as_ref()
            .and_then(|t| routes.pending.remove(t))
        {
            // The requester may have timed out meanwhile; then nobody needs it.
            let _ = waiting.send(event);
            return;
        }
        match event.sender.and_then(|h| routes.handles.get(&h)) {
            Some(handle) => {
                let _ = handle.send(event);
            }
            None => tracing::debug!(kind = %event.janus, "Janus event for no known handle"),
        }
    }
}

/// The session's long poll, until Janus forgets the session or stops
/// answering.
async fn poll_events(shared: Arc<Shared>) {
    let path = format!("/janus/{}?maxev={MAX_EVENTS_PER_POLL}", shared.id);
    let mut failures = 0;
    while failures < MAX_POLL_FAILURES {
        match shared.endpoint.get(&path).await {
            Ok(bytes) => match wire::parse_events(&bytes) {
                Ok(events) => {
                    failures = 0;
                    for event in events {
                        match event {
                            Ok(event) => shared.route(event),
                            Err(e) => tracing::warn!("dropped a Janus event: {e}"),
                        }
                    }
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!("unreadable Janus long poll: {e}");
                }
            },
            // Janus answers 404 for a session it no longer knows.
            Err(ApiError::Status(404)) => break,
            Err(e) => {
                failures += 1;
                tracing::warn!("Janus long poll failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    shared.close();
}
