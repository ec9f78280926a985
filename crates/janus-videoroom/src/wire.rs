//! The Janus API's envelope (<https://janus.conf.meetecho.com/docs/rest.html>):
//! building requests and parsing replies and events. Pure: no I/O.
//!
//! Every message Janus sends is one JSON object whose `janus` field names
//! its kind: `success` and `ack` answer a request (matched by
//! `transaction`), `error` refuses one, and `event`, `webrtcup`, `media`,
//! `slowlink`, `hangup`, `detached`, `trickle` and `keepalive` arrive on the
//! long poll. A plugin's own payload sits in `plugindata.data`, an SDP in
//! `jsep`. Parsing is strict about the fields this crate uses and ignores
//! the rest, so a newer Janus that adds fields still works.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::ApiError;

/// One message from Janus.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Envelope {
    pub janus: String,
    #[serde(default)]
    pub transaction: Option<String>,
    /// The handle a plugin event or a core event is about.
    #[serde(default)]
    pub sender: Option<u64>,
    /// `create` and `attach` put the new id here.
    #[serde(default)]
    pub data: Option<IdData>,
    #[serde(default)]
    pub error: Option<ErrorBody>,
    #[serde(default)]
    pub plugindata: Option<PluginData>,
    #[serde(default)]
    pub jsep: Option<Jsep>,
    /// `media` events: which kind started or stopped arriving.
    #[serde(default, rename = "type")]
    pub media_type: Option<String>,
    #[serde(default)]
    pub receiving: Option<bool>,
    /// `hangup` events: why the PeerConnection ended.
    #[serde(default)]
    pub reason: Option<String>,
    /// `slowlink` events: whether the loss was on the way to Janus.
    #[serde(default)]
    pub uplink: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IdData {
    pub id: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ErrorBody {
    pub code: i64,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PluginData {
    pub plugin: String,
    pub data: Value,
}

/// An SDP offer or answer as Janus carries it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Jsep {
    #[serde(rename = "type")]
    pub kind: String,
    pub sdp: String,
    /// Sent as `false`: our SDPs carry all candidates, so Janus need not
    /// wait for trickled ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trickle: Option<bool>,
}

impl Jsep {
    pub(crate) fn offer(sdp: &str) -> Jsep {
        Jsep {
            kind: "offer".to_owned(),
            sdp: sdp.to_owned(),
            trickle: Some(false),
        }
    }

    pub(crate) fn answer(sdp: &str) -> Jsep {
        Jsep {
            kind: "answer".to_owned(),
            sdp: sdp.to_owned(),
            trickle: Some(false),
        }
    }
}

/// A request: `{"janus": kind, "transaction": ..., ...fields}`.
pub(crate) fn request(kind: &str, transaction: &str, fields: Value) -> Vec<u8> {
    let mut object = match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    object.insert("janus".to_owned(), json!(kind));
    object.insert("transaction".to_owned(), json!(transaction));
    // Serialising a map of JSON values cannot fail.
    serde_json::to_vec(&Value::Object(object)).unwrap_or_default()
}

/// A plugin message: `body` for the plugin, and an SDP if there is one.
pub(crate) fn message_fields(body: Value, jsep: Option<&Jsep>) -> Value {
    match jsep {
        Some(jsep) => json!({ "body": body, "jsep": jsep }),
        None => json!({ "body": body }),
    }
}

/// Parses the direct answer to a request. A Janus `error` becomes
/// [`ApiError::Janus`].
pub(crate) fn parse_reply(bytes: &[u8]) -> Result<Envelope, ApiError> {
    let envelope: Envelope =
        serde_json::from_slice(bytes).map_err(|e| ApiError::Malformed(format!("reply: {e}")))?;
    check_error(envelope)
}

/// Parses a long poll's answer: an array of messages with `maxev`, or a
/// single one (a `keepalive` when nothing happened for 30 seconds).
/// Messages that do not parse are returned as errors in place, so one bad
/// event does not hide the good ones around it.
pub(crate) fn parse_events(bytes: &[u8]) -> Result<Vec<Result<Envelope, ApiError>>, ApiError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::Malformed(format!("long poll: {e}")))?;
    let items = match value {
        Value::Array(items) => items,
        single => vec![single],
    };
    Ok(items
        .into_iter()
        .map(|item| {
            serde_json::from_value::<Envelope>(item)
                .map_err(|e| ApiError::Malformed(format!("event: {e}")))
        })
        .collect())
}

/// Turns `"janus": "error"` into an error.
pub(crate) fn check_error(envelope: Envelope) -> Result<Envelope, ApiError> {
    if envelope.janus == "error" {
        let (code, reason) = match envelope.error {
            Some(e) => (e.code, e.reason),
            None => (0, "error without details".to_owned()),
        };
        return Err(ApiError::Janus { code, reason });
    }
    Ok(envelope)
}

/// The new id in the answer to `create` or `attach`.
pub(crate) fn new_id(envelope: &Envelope, request: &'static str) -> Result<u64, ApiError> {
    match (&*envelope.janus, &envelope.data) {
        ("success", Some(data)) => Ok(data.id),
        _ => Err(ApiError::Unexpected {
            request,
            got: envelope.janus.clone(),
        }),
    }
}

/// A short excerpt of an unexpected message for an error text.
pub(crate) fn truncated(value: &Value) -> String {
    let mut text = value.to_string();
    if text.len() > 200 {
        let mut end = 200;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_carries_kind_transaction_and_fields() {
        let bytes = request(
            "attach",
            "t1",
            json!({ "plugin": "janus.plugin.videoroom" }),
        );
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            value,
            json!({ "janus": "attach", "transaction": "t1", "plugin": "janus.plugin.videoroom" })
        );
    }

    #[test]
    fn success_with_id_parses() {
        let reply = br#"{"janus":"success","transaction":"a","data":{"id":5303405247203876}}"#;
        let envelope = parse_reply(reply).unwrap();
        assert_eq!(new_id(&envelope, "create").unwrap(), 5_303_405_247_203_876);
    }

    #[test]
    fn janus_error_becomes_typed() {
        let reply = br#"{"janus":"error","transaction":"g","error":{"code":458,"reason":"No such session 123"}}"#;
        match parse_reply(reply) {
            Err(ApiError::Janus { code: 458, reason }) => assert!(reason.contains("123")),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn hostile_replies_are_errors_not_panics() {
        for bad in [
            &b""[..],
            b"null",
            b"[]",
            b"{}",
            b"{\"janus\":5}",
            b"{\"janus\":\"success\",\"data\":{\"id\":-1}}",
            b"{\"janus\":\"success\",\"data\":{\"id\":1e400}}",
            b"{\"janus\":\"event\",\"jsep\":{\"type\":\"offer\"}}",
            b"\xff\xfe",
        ] {
            let parsed = parse_reply(bad);
            assert!(
                matches!(parsed, Err(ApiError::Malformed(_))),
                "{:?} gave {parsed:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let no_id = parse_reply(br#"{"janus":"success"}"#).unwrap();
        assert!(matches!(
            new_id(&no_id, "attach"),
            Err(ApiError::Unexpected { .. })
        ));
    }

    #[test]
    fn long_poll_answers_array_or_single_and_keeps_good_events() {
        let batch = br#"[{"janus":"webrtcup","sender":7},{"janus":1},{"janus":"keepalive"}]"#;
        let events = parse_events(batch).unwrap();
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].as_ref().unwrap().sender, Some(7));
        assert!(events[1].is_err());
        let single = parse_events(br#"{"janus":"keepalive"}"#).unwrap();
        assert_eq!(single.len(), 1);
        assert!(parse_events(b"not json").is_err());
    }
}
