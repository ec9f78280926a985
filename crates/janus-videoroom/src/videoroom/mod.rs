//! A handle attached to the VideoRoom plugin: rooms, publishing,
//! subscribing.
//!
//! One handle is one PeerConnection in Janus. A participant who publishes
//! and subscribes uses one handle to publish and one per subscription
//! (a subscription may carry many publishers' streams: the multistream API
//! of Janus 1.x). The SDPs are plain strings; this module never looks
//! inside them.

mod messages;

use std::sync::Arc;

use serde_json::json;
use tokio::sync::mpsc;

use crate::error::ApiError;
use crate::session::Shared;
use crate::wire::{Envelope, Jsep};

pub use messages::{
    AudioCodec, FeedId, Joined, Published, PublishedStream, Publisher, RoomConfig, RoomId,
    StreamRequest, SubscribedStream, SubscriberOffer, SubscriberUpdate, VideoCodec, VideoRoomEvent,
};

/// A handle on the VideoRoom plugin of one session.
pub struct VideoRoomHandle {
    session: Arc<Shared>,
    id: u64,
    events: mpsc::UnboundedReceiver<Envelope>,
}

impl VideoRoomHandle {
    pub(crate) fn new(
        session: Arc<Shared>,
        id: u64,
        events: mpsc::UnboundedReceiver<Envelope>,
    ) -> VideoRoomHandle {
        VideoRoomHandle {
            session,
            id,
            events,
        }
    }

    /// Janus's id of this handle.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Creates a room (not permanent, no recording).
    pub async fn create_room(&self, room: &RoomConfig) -> Result<RoomId, ApiError> {
        let reply = self
            .request("create", messages::create_body(room), None)
            .await?;
        let data = messages::plugin_data(&reply, "create")?;
        let created: messages::Created = messages::expect(data, "created", "create")?;
        Ok(created.room)
    }

    /// Destroys a room; everyone in it is hung up.
    pub async fn destroy_room(&self, room: RoomId) -> Result<(), ApiError> {
        let body = json!({ "request": "destroy", "room": room.0, "permanent": false });
        let reply = self.request("destroy", body, None).await?;
        let data = messages::plugin_data(&reply, "destroy")?;
        messages::expect::<serde_json::Value>(data, "destroyed", "destroy").map(drop)
    }

    /// The publishers of a room right now.
    pub async fn list_participants(&self, room: RoomId) -> Result<Vec<FeedId>, ApiError> {
        #[derive(serde::Deserialize)]
        struct Participants {
            participants: Vec<Participant>,
        }
        #[derive(serde::Deserialize)]
        struct Participant {
            id: FeedId,
        }
        let body = json!({ "request": "listparticipants", "room": room.0 });
        let reply = self.request("listparticipants", body, None).await?;
        let data = messages::plugin_data(&reply, "listparticipants")?;
        let list: Participants = messages::expect(data, "participants", "listparticipants")?;
        Ok(list.participants.into_iter().map(|p| p.id).collect())
    }

    /// Joins `room` as a publisher (not yet sending: see [`Self::publish`]).
    pub async fn join_publisher(&self, room: RoomId, display: &str) -> Result<Joined, ApiError> {
        let body = json!({
            "request": "join",
            "ptype": "publisher",
            "room": room.0,
            "display": display,
        });
        let reply = self.request("join", body, None).await?;
        let data = messages::plugin_data(&reply, "join")?;
        messages::expect(data, "joined", "join")
    }

    /// Publishes with our SDP `offer` (sendonly media); returns Janus's
    /// answer.
    pub async fn publish(&self, offer: &str) -> Result<Published, ApiError> {
        let body = json!({ "request": "publish" });
        let reply = self
            .request("publish", body, Some(&Jsep::offer(offer)))
            .await?;
        let data = messages::plugin_data(&reply, "publish")?;
        messages::expect_ok(&data, "configured", "publish")?;
        let configured: messages::Configured = messages::expect(data, "event", "publish")?;
        Ok(Published {
            answer: messages::jsep_sdp(&reply, "answer", "publish")?,
            streams: configured.streams,
        })
    }

    /// Stops publishing but stays in the room.
    pub async fn unpublish(&self) -> Result<(), ApiError> {
        let reply = self
            .request("unpublish", json!({ "request": "unpublish" }), None)
            .await?;
        let data = messages::plugin_data(&reply, "unpublish")?;
        messages::expect_ok(&data, "unpublished", "unpublish")
    }

    /// Joins `room` as a subscriber to `streams`; returns Janus's offer, to
    /// be answered with [`Self::start`]. Janus only knows a feed once its
    /// PeerConnection is up (see [`Self::wait_webrtc_up`] on the
    /// publisher's handle); before, it answers 428 "No such feed".
    pub async fn subscribe(
        &self,
        room: RoomId,
        streams: &[StreamRequest],
    ) -> Result<SubscriberOffer, ApiError> {
        let body = messages::subscribe_body(room, streams);
        let reply = self.request("subscribe", body, None).await?;
        let data = messages::plugin_data(&reply, "subscribe")?;
        let attached: messages::Attached = messages::expect(data, "attached", "subscribe")?;
        Ok(SubscriberOffer {
            room: attached.room,
            offer: messages::jsep_sdp(&reply, "offer", "subscribe")?,
            streams: attached.streams,
        })
    }

    /// Adds `streams` to this handle's subscription (the multistream API:
    /// one PeerConnection carries every feed). Janus answers with a new
    /// offer, to be answered with [`Self::start`] like the first. Send the
    /// next update only after that answer: Janus renegotiates one offer at
    /// a time. A feed that is not up yet is left out (see
    /// [`SubscriberUpdate::streams`] for what the subscription holds).
    pub async fn update(&self, streams: &[StreamRequest]) -> Result<SubscriberUpdate, ApiError> {
        let body = messages::update_body(streams);
        let reply = self.request("update", body, None).await?;
        let data = messages::plugin_data(&reply, "update")?;
        let updated: messages::Updated = messages::expect(data, "updated", "update")?;
        let offer = match &reply.jsep {
            Some(_) => Some(messages::jsep_sdp(&reply, "offer", "update")?),
            None => None,
        };
        Ok(SubscriberUpdate {
            offer,
            streams: updated.streams,
        })
    }

    /// Answers a subscription's offer: media starts flowing.
    pub async fn start(&self, answer: &str) -> Result<(), ApiError> {
        let body = json!({ "request": "start" });
        let reply = self
            .request("start", body, Some(&Jsep::answer(answer)))
            .await?;
        let data = messages::plugin_data(&reply, "start")?;
        messages::expect_ok(&data, "started", "start")
    }

    /// Tells Janus no more candidates will come. Our SDPs carry every
    /// candidate and say `trickle: false`, so this is only needed by
    /// callers that trickle.
    pub async fn trickle_end(&self) -> Result<(), ApiError> {
        let fields = json!({ "candidate": { "completed": true } });
        self.session
            .post_to_handle(self.id, "trickle", fields)
            .await
    }

    /// Leaves the room (a publisher stops publishing; a subscriber's
    /// PeerConnection ends).
    pub async fn leave(&self) -> Result<(), ApiError> {
        let reply = self
            .request("leave", json!({ "request": "leave" }), None)
            .await?;
        let data = messages::plugin_data(&reply, "leave")?;
        // Publishers hear `leaving: ok`, subscribers `left: ok`.
        messages::expect_ok(&data, "leaving", "leave")
            .or_else(|_| messages::expect_ok(&data, "left", "leave"))
    }

    /// Detaches the handle from the plugin.
    pub async fn detach(self) -> Result<(), ApiError> {
        self.session
            .post_to_handle(self.id, "detach", json!({}))
            .await
    }

    /// The next unsolicited event of this handle; `None` once the session
    /// is closed. Events queue until read (Janus sends few: state changes,
    /// publishers coming and going).
    pub async fn next_event(&mut self) -> Option<VideoRoomEvent> {
        self.events.recv().await.map(messages::event)
    }

    /// Like [`Self::next_event`], but gives up after the session's reply
    /// timeout with [`ApiError::Timeout`].
    pub async fn wait_event(&mut self) -> Result<VideoRoomEvent, ApiError> {
        let after = self.session.reply_timeout();
        match tokio::time::timeout(after, self.next_event()).await {
            Ok(Some(event)) => Ok(event),
            Ok(None) => Err(ApiError::SessionClosed),
            Err(_) => Err(ApiError::Timeout {
                request: "event",
                after,
            }),
        }
    }

    /// Waits until Janus reports this handle's PeerConnection up (ICE and
    /// DTLS done), dropping the other events on the way. A publisher
    /// must be up before anyone can subscribe to it.
    pub async fn wait_webrtc_up(&mut self) -> Result<(), ApiError> {
        let after = self.session.reply_timeout();
        let up = async {
            loop {
                match self.next_event().await {
                    Some(VideoRoomEvent::WebrtcUp) => return Ok(()),
                    Some(VideoRoomEvent::Hangup { reason }) => {
                        return Err(ApiError::Unexpected {
                            request: "webrtcup",
                            got: format!("hangup: {reason}"),
                        });
                    }
                    Some(_) => {}
                    None => return Err(ApiError::SessionClosed),
                }
            }
        };
        tokio::time::timeout(after, up)
            .await
            .map_err(|_| ApiError::Timeout {
                request: "webrtcup",
                after,
            })?
    }

    async fn request(
        &self,
        request: &'static str,
        body: serde_json::Value,
        jsep: Option<&Jsep>,
    ) -> Result<Envelope, ApiError> {
        self.session.message(self.id, request, body, jsep).await
    }
}

impl Drop for VideoRoomHandle {
    /// Its events have nowhere to go any more. Janus keeps the handle until
    /// [`VideoRoomHandle::detach`] or the end of the session.
    fn drop(&mut self) {
        self.session.forget_handle(self.id);
    }
}
