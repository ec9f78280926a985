//! The VideoRoom plugin's requests and replies as types (pure, no I/O),
//! after <https://janus.conf.meetecho.com/docs/videoroom.html> for Janus 1.x
//! (the multistream API: `streams` lists, `mid`s).
//!
//! A reply's `plugindata.data` names its kind in the `videoroom` field
//! (`created`, `joined`, `attached`, `event`, ...) and, when the plugin
//! refused the request, carries `error_code` and `error`.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::wire::Envelope;
use crate::wire::truncated;

const PLUGIN: &str = "janus.plugin.videoroom";

/// A room's id (numeric: rooms are made without `string_ids`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(transparent)]
pub struct RoomId(pub u64);

/// A publisher's id in a room; subscribers name the feed by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(transparent)]
pub struct FeedId(pub u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioCodec {
    Opus,
    G722,
    Pcmu,
    Pcma,
}

impl AudioCodec {
    fn name(self) -> &'static str {
        match self {
            AudioCodec::Opus => "opus",
            AudioCodec::G722 => "g722",
            AudioCodec::Pcmu => "pcmu",
            AudioCodec::Pcma => "pcma",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoCodec {
    Vp8,
    Vp9,
    H264,
    Av1,
}

impl VideoCodec {
    fn name(self) -> &'static str {
        match self {
            VideoCodec::Vp8 => "vp8",
            VideoCodec::Vp9 => "vp9",
            VideoCodec::H264 => "h264",
            VideoCodec::Av1 => "av1",
        }
    }
}

/// A room to create. Janus picks among the codecs in the listed order of
/// preference, per publisher, from what the publisher offers.
#[derive(Debug, Clone)]
pub struct RoomConfig {
    /// `None`: Janus picks a random id.
    pub id: Option<RoomId>,
    pub description: String,
    /// How many may publish at once.
    pub publishers: u32,
    pub audio_codecs: Vec<AudioCodec>,
    pub video_codecs: Vec<VideoCodec>,
    /// Cap on each publisher's video bitrate in bit/s (REMB); 0 for none.
    pub bitrate: u32,
    /// Seconds between keyframe requests Janus sends on its own; 0 for
    /// only when a subscriber needs one.
    pub fir_freq: u32,
}

impl Default for RoomConfig {
    /// Room for a 50-participant benchmark, Opus and VP8 or H.264.
    fn default() -> RoomConfig {
        RoomConfig {
            id: None,
            description: "civicmeet benchmark".to_owned(),
            publishers: 64,
            audio_codecs: vec![AudioCodec::Opus],
            video_codecs: vec![VideoCodec::Vp8, VideoCodec::H264],
            bitrate: 0,
            fir_freq: 0,
        }
    }
}

/// One media stream of a publisher, as Janus describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PublishedStream {
    /// `audio`, `video` or `data`.
    #[serde(rename = "type")]
    pub kind: String,
    pub mid: String,
    #[serde(default)]
    pub codec: Option<String>,
    #[serde(default)]
    pub disabled: bool,
}

/// A publisher in a room.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Publisher {
    pub id: FeedId,
    #[serde(default)]
    pub display: Option<String>,
    #[serde(default)]
    pub streams: Vec<PublishedStream>,
}

/// The answer to joining as a publisher.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Joined {
    pub room: RoomId,
    /// Our feed id: what subscribers ask for.
    pub id: FeedId,
    #[serde(default)]
    pub private_id: Option<u64>,
    /// Who already publishes in the room.
    #[serde(default)]
    pub publishers: Vec<Publisher>,
}

/// The answer to `publish`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Janus's SDP answer, candidates included.
    pub answer: String,
    pub streams: Vec<PublishedStream>,
}

/// One stream to subscribe to: a publisher's feed, all of its streams
/// (`mid: None`) or one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRequest {
    pub feed: FeedId,
    pub mid: Option<String>,
}

impl StreamRequest {
    /// All streams of `feed`.
    pub fn feed(feed: FeedId) -> StreamRequest {
        StreamRequest { feed, mid: None }
    }
}

/// One stream of a subscription: which of our `mid`s carries which
/// publisher's stream.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SubscribedStream {
    pub mid: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub active: bool,
    #[serde(default, rename = "feed_id")]
    pub feed: Option<FeedId>,
    #[serde(default)]
    pub feed_mid: Option<String>,
    #[serde(default)]
    pub codec: Option<String>,
}

/// Janus's offer to a subscriber, to answer with `start`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberOffer {
    pub room: RoomId,
    pub offer: String,
    pub streams: Vec<SubscribedStream>,
}

/// What an `update` of a subscription changed: Janus's new offer (none
/// when nothing changed, e.g. every requested stream was already there),
/// to be answered with `start`, and all streams of the subscription now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberUpdate {
    pub offer: Option<String>,
    pub streams: Vec<SubscribedStream>,
}

/// Something that happened on a handle without being asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum VideoRoomEvent {
    /// New publishers in the room (a publisher handle hears of them).
    Publishers(Vec<Publisher>),
    /// A publisher stopped publishing.
    Unpublished(FeedId),
    /// A participant left the room.
    Leaving(FeedId),
    /// Janus reports the PeerConnection up (ICE and DTLS done).
    WebrtcUp,
    /// Media of `kind` started (`receiving`) or stopped arriving at Janus.
    Media { kind: String, receiving: bool },
    /// Janus sees loss; `uplink` when on the way to Janus.
    SlowLink { uplink: bool },
    /// The PeerConnection ended.
    Hangup { reason: String },
    /// The handle is gone.
    Detached,
    /// Anything else, as Janus sent it (kind and plugin data).
    Other { kind: String, data: Option<Value> },
}

// Request bodies.

pub(crate) fn create_body(room: &RoomConfig) -> Value {
    let join = |names: Vec<&str>| names.join(",");
    let mut body = json!({
        "request": "create",
        "description": room.description,
        "publishers": room.publishers,
        "audiocodec": join(room.audio_codecs.iter().map(|c| c.name()).collect()),
        "videocodec": join(room.video_codecs.iter().map(|c| c.name()).collect()),
        "bitrate": room.bitrate,
        "fir_freq": room.fir_freq,
        // Nothing written to disk.
        "permanent": false,
        "record": false,
    });
    if let (Some(id), Some(object)) = (room.id, body.as_object_mut()) {
        object.insert("room".to_owned(), json!(id.0));
    }
    body
}

pub(crate) fn subscribe_body(room: RoomId, streams: &[StreamRequest]) -> Value {
    let streams: Vec<Value> = streams
        .iter()
        .map(|s| match &s.mid {
            Some(mid) => json!({ "feed": s.feed.0, "mid": mid }),
            None => json!({ "feed": s.feed.0 }),
        })
        .collect();
    json!({
        "request": "join",
        "ptype": "subscriber",
        "room": room.0,
        "streams": streams,
    })
}

pub(crate) fn update_body(subscribe: &[StreamRequest]) -> Value {
    let streams: Vec<Value> = subscribe
        .iter()
        .map(|s| match &s.mid {
            Some(mid) => json!({ "feed": s.feed.0, "mid": mid }),
            None => json!({ "feed": s.feed.0 }),
        })
        .collect();
    json!({ "request": "update", "subscribe": streams })
}

// Replies.

/// The plugin's data of a reply, with a refusal turned into an error.
pub(crate) fn plugin_data(envelope: &Envelope, request: &'static str) -> Result<Value, ApiError> {
    let Some(plugindata) = &envelope.plugindata else {
        return Err(ApiError::Unexpected {
            request,
            got: format!("{} without plugin data", envelope.janus),
        });
    };
    if plugindata.plugin != PLUGIN {
        return Err(ApiError::Unexpected {
            request,
            got: format!("data of {}", plugindata.plugin),
        });
    }
    let data = &plugindata.data;
    if let Some(code) = data.get("error_code") {
        return Err(ApiError::VideoRoom {
            code: code.as_i64().unwrap_or(0),
            reason: data
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("no reason given")
                .to_owned(),
        });
    }
    Ok(data.clone())
}

/// Checks the `videoroom` kind of `data`, then reads it as `T`.
pub(crate) fn expect<T: serde::de::DeserializeOwned>(
    data: Value,
    kind: &str,
    request: &'static str,
) -> Result<T, ApiError> {
    if data.get("videoroom").and_then(Value::as_str) != Some(kind) {
        return Err(ApiError::Unexpected {
            request,
            got: truncated(&data),
        });
    }
    serde_json::from_value(data).map_err(|e| ApiError::Malformed(format!("{request}: {e}")))
}

/// Checks that an `event` reply carries `field: "ok"` (e.g. `started`).
pub(crate) fn expect_ok(data: &Value, field: &str, request: &'static str) -> Result<(), ApiError> {
    match data.get(field).and_then(Value::as_str) {
        Some("ok") => Ok(()),
        _ => Err(ApiError::Unexpected {
            request,
            got: truncated(data),
        }),
    }
}

#[derive(Deserialize)]
pub(crate) struct Created {
    pub room: RoomId,
}

#[derive(Deserialize)]
pub(crate) struct Configured {
    #[serde(default)]
    pub streams: Vec<PublishedStream>,
}

#[derive(Deserialize)]
pub(crate) struct Attached {
    pub room: RoomId,
    #[serde(default)]
    pub streams: Vec<SubscribedStream>,
}

#[derive(Deserialize)]
pub(crate) struct Updated {
    #[serde(default)]
    pub streams: Vec<SubscribedStream>,
}

/// The JSEP of a reply, which must be of `kind` (`offer` or `answer`).
pub(crate) fn jsep_sdp(
    envelope: &Envelope,
    kind: &str,
    request: &'static str,
) -> Result<String, ApiError> {
    match &envelope.jsep {
        Some(jsep) if jsep.kind == kind => Ok(jsep.sdp.clone()),
        Some(jsep) => Err(ApiError::Unexpected {
            request,
            got: format!("a JSEP {} instead of an {kind}", jsep.kind),
        }),
        None => Err(ApiError::Unexpected {
            request,
            got: format!("no JSEP {kind}"),
        }),
    }
}

/// Reads an unsolicited event.
pub(crate) fn event(envelope: Envelope) -> VideoRoomEvent {
    let other = |envelope: Envelope| VideoRoomEvent::Other {
        kind: envelope.janus,
        data: envelope.plugindata.map(|p| p.data),
    };
    match &*envelope.janus {
        "webrtcup" => VideoRoomEvent::WebrtcUp,
        "media" => match (&envelope.media_type, envelope.receiving) {
            (Some(kind), Some(receiving)) => VideoRoomEvent::Media {
                kind: kind.clone(),
                receiving,
            },
            _ => other(envelope),
        },
        "slowlink" => VideoRoomEvent::SlowLink {
            uplink: envelope.uplink.unwrap_or(false),
        },
        "hangup" => VideoRoomEvent::Hangup {
            reason: envelope.reason.clone().unwrap_or_default(),
        },
        "detached" => VideoRoomEvent::Detached,
        "event" => plugin_event(envelope.plugindata.as_ref().map(|p| &p.data))
            .unwrap_or_else(|| other(envelope)),
        _ => other(envelope),
    }
}

/// The VideoRoom's own notifications: publishers coming and going.
fn plugin_event(data: Option<&Value>) -> Option<VideoRoomEvent> {
    let data = data?;
    if let Some(publishers) = data.get("publishers") {
        return serde_json::from_value(publishers.clone())
            .ok()
            .map(VideoRoomEvent::Publishers);
    }
    if let Some(id) = data.get("unpublished").and_then(Value::as_u64) {
        return Some(VideoRoomEvent::Unpublished(FeedId(id)));
    }
    if let Some(id) = data.get("leaving").and_then(Value::as_u64) {
        return Some(VideoRoomEvent::Leaving(FeedId(id)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::parse_reply;

    #[test]
    fn create_body_lists_codecs_in_order() {
        let body = create_body(&RoomConfig {
            id: Some(RoomId(42)),
            ..RoomConfig::default()
        });
        assert_eq!(body["room"], 42);
        assert_eq!(body["publishers"], 64);
        assert_eq!(body["audiocodec"], "opus");
        assert_eq!(body["videocodec"], "vp8,h264");
        assert_eq!(body["permanent"], false);
    }

    #[test]
    fn subscribe_body_names_feeds_and_mids() {
        let body = subscribe_body(
            RoomId(1),
            &[
                StreamRequest::feed(FeedId(7)),
                StreamRequest {
                    feed: FeedId(8),
                    mid: Some("1".to_owned()),
                },
            ],
        );
        assert_eq!(
            body["streams"],
            json!([{ "feed": 7 }, { "feed": 8, "mid": "1" }])
        );
        assert_eq!(body["ptype"], "subscriber");
    }

    #[test]
    fn update_body_adds_feeds_to_the_subscription() {
        let body = update_body(&[StreamRequest::feed(FeedId(7))]);
        assert_eq!(body["request"], "update");
        assert_eq!(body["subscribe"], json!([{ "feed": 7 }]));
        let updated: Updated = expect(
            json!({"videoroom":"updated","room":5,"streams":[{"type":"audio","active":true,"mindex":0,"mid":"0","feed_id":7,"feed_mid":"0"}]}),
            "updated",
            "update",
        )
        .unwrap();
        assert_eq!(updated.streams[0].feed, Some(FeedId(7)));
    }

    #[test]
    fn refusal_becomes_videoroom_error() {
        let reply = parse_reply(
            br#"{"janus":"event","transaction":"d","sender":4,"plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"event","error_code":426,"error":"No such room (999999)"}}}"#,
        )
        .unwrap();
        match plugin_data(&reply, "join") {
            Err(ApiError::VideoRoom { code: 426, reason }) => assert!(reason.contains("999999")),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn replies_of_another_kind_or_plugin_are_refused() {
        let reply = parse_reply(
            br#"{"janus":"success","plugindata":{"plugin":"janus.plugin.echotest","data":{}}}"#,
        )
        .unwrap();
        assert!(matches!(
            plugin_data(&reply, "create"),
            Err(ApiError::Unexpected { .. })
        ));
        let joined: Result<Joined, _> =
            expect(json!({ "videoroom": "attached" }), "joined", "join");
        assert!(matches!(joined, Err(ApiError::Unexpected { .. })));
        let joined: Result<Joined, _> = expect(
            json!({ "videoroom": "joined", "room": "x" }),
            "joined",
            "join",
        );
        assert!(matches!(joined, Err(ApiError::Malformed(_))));
    }

    #[test]
    fn joined_and_attached_parse() {
        let joined: Joined = expect(
            json!({"videoroom":"joined","room":5,"description":"d","id":9,"private_id":3,
                   "publishers":[{"id":8,"display":"a","streams":[{"type":"audio","mindex":0,"mid":"0","codec":"opus"}]}]}),
            "joined",
            "join",
        )
        .unwrap();
        assert_eq!(joined.id, FeedId(9));
        assert_eq!(
            joined.publishers[0].streams[0].codec.as_deref(),
            Some("opus")
        );
        let attached: Attached = expect(
            json!({"videoroom":"attached","room":5,"streams":[{"type":"video","active":true,"mindex":1,"mid":"1","feed_id":9,"feed_mid":"1","codec":"vp8"}]}),
            "attached",
            "subscribe",
        )
        .unwrap();
        assert_eq!(attached.streams[0].feed, Some(FeedId(9)));
    }

    #[test]
    fn unsolicited_events_are_typed() {
        let parse = |text: &str| event(parse_reply(text.as_bytes()).unwrap());
        assert_eq!(
            parse(r#"{"janus":"webrtcup","sender":1}"#),
            VideoRoomEvent::WebrtcUp
        );
        assert_eq!(
            parse(r#"{"janus":"media","sender":1,"type":"video","receiving":true}"#),
            VideoRoomEvent::Media {
                kind: "video".to_owned(),
                receiving: true
            }
        );
        assert_eq!(
            parse(
                r#"{"janus":"event","plugindata":{"plugin":"janus.plugin.videoroom","data":{"videoroom":"event","unpublished":12}}}"#
            ),
            VideoRoomEvent::Unpublished(FeedId(12))
        );
        assert!(matches!(
            parse(r#"{"janus":"media","sender":1}"#),
            VideoRoomEvent::Other { .. }
        ));
    }
}
