//! Janus's VideoRoom as a target, so civicmeet is measured side by side
//! with Janus on the same machine (issue 5).
//!
//! The target starts a Janus of its own ([`JanusServer`], killed when the
//! target goes) and makes each participant what a Janus web client is: a
//! session with a publisher handle (joined even when the participant
//! publishes nothing, because that handle is where Janus announces new
//! publishers) and one subscriber handle whose single PeerConnection
//! carries every other publisher of the room (the multistream API of
//! Janus 1.x). Publishing is the participant's offer on [`Pc::Main`];
//! the subscription is Janus's offer on [`Pc::Subscriber`], renegotiated
//! with an `update` each time publishers arrive.
//!
//! A driver task per participant owns both handles: it reads the publisher
//! handle's events, subscribes, and keeps one renegotiation in flight at a
//! time (Janus renegotiates one offer at a time, and the participant
//! answers them in order). The [`Session`] only talks to it over channels,
//! which is what makes [`Session::next_offer`] cancel-safe.

use std::collections::HashSet;
use std::net::IpAddr;
use std::time::Duration;

use janus_videoroom::{
    ApiError, FeedId, JanusConfig, JanusServer, RoomConfig, RoomId, StreamRequest, VideoRoomEvent,
    VideoRoomHandle,
};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{Error, Pc, Role, Session, Target};

/// How long a publish may take (Janus answers after its ICE gathering).
const REPLY_TIMEOUT: Duration = Duration::from_secs(20);
/// How soon to ask again for feeds Janus does not know yet (it answers
/// 428 until a publisher's PeerConnection is up).
const RETRY_AFTER: Duration = Duration::from_millis(200);
/// How often to ask again before giving up on a feed: 15 s in all, far
/// beyond a publisher's ICE and DTLS even on a loaded machine.
const MAX_RETRIES: u32 = 75;
/// Enough for any scenario's room (audio-50 has 50 publishers); Janus's
/// default of 3 would refuse the fourth.
const MAX_PUBLISHERS: u32 = 1_000;
/// VideoRoom's "no such feed": the feed is not up yet.
const NO_SUCH_FEED: i64 = 428;

/// A Janus started for the benchmark, and a handle to make rooms with.
pub struct JanusTarget {
    // Field order matters for Drop: the admin session's long poll stops
    // before the server is killed.
    admin: VideoRoomHandle,
    _admin_session: janus_videoroom::Session,
    client: janus_videoroom::JanusClient,
    server: JanusServer,
}

fn api(e: ApiError) -> Error {
    match e {
        ApiError::VideoRoom { .. } | ApiError::Janus { .. } => Error::Server(e.to_string()),
        other => Error::Signalling(other.to_string()),
    }
}

impl JanusTarget {
    /// Starts Janus (the Debian package `janus`; `cargo xtask test`
    /// installs it) and waits until its API answers. Fails, never skips,
    /// when Janus is not installed.
    pub async fn start() -> Result<JanusTarget, Error> {
        let config = JanusConfig {
            // Warnings and errors only: civicmeet runs at `warn` too, and
            // info lines per handle would be cost neither server needs.
            debug_level: 3,
            ..JanusConfig::default()
        };
        let server = JanusServer::start_with(config)
            .await
            .map_err(|e| Error::Server(e.to_string()))?;
        let client = server.client().with_reply_timeout(REPLY_TIMEOUT);
        let admin_session = client.create_session().await.map_err(api)?;
        let admin = admin_session.attach_videoroom().await.map_err(api)?;
        Ok(JanusTarget {
            admin,
            _admin_session: admin_session,
            client,
            server,
        })
    }

    /// The last lines of Janus's log, for failure messages.
    pub fn log_tail(&self) -> String {
        self.server.log_tail()
    }
}

impl Target for JanusTarget {
    type Room = RoomId;
    type Session = Participant;

    fn name(&self) -> &'static str {
        "janus"
    }

    async fn create_room(&self) -> Result<RoomId, Error> {
        let config = RoomConfig {
            publishers: MAX_PUBLISHERS,
            ..RoomConfig::default()
        };
        self.admin.create_room(&config).await.map_err(api)
    }

    async fn join(&self, room: &RoomId, name: &str, _role: Role) -> Result<Participant, Error> {
        let session = self.client.create_session().await.map_err(api)?;
        let publisher = session.attach_videoroom().await.map_err(api)?;
        let joined = publisher.join_publisher(*room, name).await.map_err(api)?;
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (offer_tx, offers) = mpsc::unbounded_channel();
        let driver = Driver {
            session,
            publisher,
            subscriber: None,
            spare: None,
            room: *room,
            own: joined.id,
            wanted: joined
                .publishers
                .iter()
                .map(|p| p.id)
                .filter(|id| *id != joined.id)
                .collect(),
            subscribed: HashSet::new(),
            awaiting_answer: false,
            retry_at: None,
            retries: 0,
            commands: command_rx,
            offers: offer_tx.clone(),
        };
        let task = tokio::spawn(async move {
            if let Err(e) = driver.run().await {
                // The participant reads this from `next_offer` and stops.
                let _ = offer_tx.send(Err(e));
            }
        });
        Ok(Participant {
            commands,
            offers,
            task,
        })
    }

    fn server_pid(&self) -> Option<u32> {
        Some(self.server.pid())
    }

    fn media_bind_ip(&self) -> IpAddr {
        self.server.media_ip()
    }
}

/// What the participant asks of its driver.
enum Command {
    Publish {
        offer: String,
        reply: oneshot::Sender<Result<String, Error>>,
    },
    /// The answer to the subscriber offer last sent.
    Answer(String),
}

/// One participant's signalling: channels to its driver task.
pub struct Participant {
    commands: mpsc::UnboundedSender<Command>,
    offers: mpsc::UnboundedReceiver<Result<String, Error>>,
    task: JoinHandle<()>,
}

impl Drop for Participant {
    /// Ends the driver, and with it the Janus session's long poll; Janus
    /// times the session out (or the server is killed after the run).
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn driver_gone() -> Error {
    Error::Signalling("the Janus driver stopped".into())
}

impl Session for Participant {
    /// A participant who publishes nothing just waits for Janus's
    /// subscriber offer, as a Janus web client does.
    fn client_offers(&self, _role: Role) -> bool {
        false
    }

    async fn offer(&mut self, pc: Pc, sdp: String) -> Result<String, Error> {
        if pc != Pc::Main {
            return Err(Error::Signalling(
                "Janus offers the subscriber connection; the participant only answers".into(),
            ));
        }
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Publish { offer: sdp, reply })
            .map_err(|_| driver_gone())?;
        answer.await.map_err(|_| driver_gone())?
    }

    async fn next_offer(&mut self) -> Result<(Pc, String), Error> {
        // `recv` is cancel-safe: an offer is either returned or still queued.
        match self.offers.recv().await {
            Some(offer) => offer.map(|sdp| (Pc::Subscriber, sdp)),
            None => Err(driver_gone()),
        }
    }

    async fn answer(&mut self, pc: Pc, sdp: String) -> Result<(), Error> {
        if pc != Pc::Subscriber {
            return Err(Error::Signalling(
                "Janus never offers on the publishing connection".into(),
            ));
        }
        // Not waited for: the driver's `start` failing comes out of
        // `next_offer`, and the participant keeps its media going meanwhile.
        self.commands
            .send(Command::Answer(sdp))
            .map_err(|_| driver_gone())
    }
}

/// A participant's side of Janus: its handles and what it still has to
/// subscribe to.
struct Driver {
    // Kept for its long poll, which routes the handles' events.
    session: janus_videoroom::Session,
    publisher: VideoRoomHandle,
    /// The subscriber handle, once it has joined the room.
    subscriber: Option<VideoRoomHandle>,
    /// A handle whose first subscription Janus refused (a feed not up
    /// yet), kept for the next try rather than attaching another.
    spare: Option<VideoRoomHandle>,
    room: RoomId,
    own: FeedId,
    /// Feeds of other publishers not yet in the subscription.
    wanted: HashSet<FeedId>,
    subscribed: HashSet<FeedId>,
    /// Janus's offer went to the participant; no update until answered.
    awaiting_answer: bool,
    /// When to ask again for feeds Janus did not know yet.
    retry_at: Option<Instant>,
    retries: u32,
    commands: mpsc::UnboundedReceiver<Command>,
    offers: mpsc::UnboundedSender<Result<String, Error>>,
}

impl Driver {
    async fn run(mut self) -> Result<(), Error> {
        loop {
            let due = self.retry_at.is_none_or(|at| at <= Instant::now());
            if !self.awaiting_answer && !self.wanted.is_empty() && due {
                self.subscribe_wanted().await?;
                continue;
            }
            let retry_at = self.retry_at;
            tokio::select! {
                command = self.commands.recv() => match command {
                    // The participant is gone.
                    None => return Ok(()),
                    Some(Command::Publish { offer, reply }) => {
                        let answer = self
                            .publisher
                            .publish(&offer)
                            .await
                            .map(|published| published.answer)
                            .map_err(api);
                        // The participant may have stopped waiting.
                        let _ = reply.send(answer);
                    }
                    Some(Command::Answer(answer)) => {
                        let Some(subscriber) = &self.subscriber else {
                            return Err(Error::Signalling("an answer without a subscription".into()));
                        };
                        subscriber.start(&answer).await.map_err(api)?;
                        self.awaiting_answer = false;
                    }
                },
                event = self.publisher.next_event() => match event {
                    Some(VideoRoomEvent::Publishers(list)) => {
                        for publisher in list {
                            if publisher.id != self.own && !self.subscribed.contains(&publisher.id) {
                                self.wanted.insert(publisher.id);
                            }
                        }
                    }
                    // Scenarios keep their publishers to the end; one that
                    // leaves early is simply no longer asked for.
                    Some(VideoRoomEvent::Unpublished(feed) | VideoRoomEvent::Leaving(feed)) => {
                        self.wanted.remove(&feed);
                    }
                    Some(VideoRoomEvent::Hangup { reason }) => {
                        return Err(Error::Server(format!("Janus hung up the publisher: {reason}")));
                    }
                    Some(_) => {}
                    None => return Err(Error::Signalling("the Janus session closed".into())),
                },
                _ = sleep_until(retry_at), if retry_at.is_some() => self.retry_at = None,
            }
        }
    }

    /// Adds every wanted feed to the subscription: joins as a subscriber
    /// the first time, updates the subscription after. Feeds Janus does not
    /// know yet stay wanted and are asked for again shortly.
    async fn subscribe_wanted(&mut self) -> Result<(), Error> {
        let requests: Vec<StreamRequest> = self
            .wanted
            .iter()
            .copied()
            .map(StreamRequest::feed)
            .collect();
        let outcome = match &self.subscriber {
            None => {
                let handle = match self.spare.take() {
                    Some(handle) => handle,
                    None => self.session.attach_videoroom().await.map_err(api)?,
                };
                match handle.subscribe(self.room, &requests).await {
                    Ok(offer) => {
                        self.subscriber = Some(handle);
                        Ok((Some(offer.offer), offer.streams))
                    }
                    Err(e) => {
                        self.spare = Some(handle);
                        Err(e)
                    }
                }
            }
            Some(handle) => handle
                .update(&requests)
                .await
                .map(|update| (update.offer, update.streams)),
        };
        let (offer, streams) = match outcome {
            Ok(result) => result,
            Err(ApiError::VideoRoom {
                code: NO_SUCH_FEED, ..
            }) => (None, Vec::new()),
            Err(e) => return Err(api(e)),
        };
        for feed in streams.iter().filter_map(|s| s.feed) {
            self.wanted.remove(&feed);
            self.subscribed.insert(feed);
        }
        if let Some(offer) = offer {
            self.awaiting_answer = true;
            self.offers.send(Ok(offer)).map_err(|_| driver_gone())?;
        }
        if self.wanted.is_empty() {
            self.retries = 0;
        } else {
            // Some feed is not up yet in Janus's eyes.
            self.retries += 1;
            if self.retries > MAX_RETRIES {
                return Err(Error::Server(format!(
                    "Janus never let us subscribe to {:?}",
                    self.wanted
                )));
            }
            self.retry_at = Some(Instant::now() + RETRY_AFTER);
        }
        Ok(())
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
