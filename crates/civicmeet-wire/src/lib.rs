//! The browser protocol: typed, versioned JSON messages on the meeting WebSocket.
//!
//! This crate owns the shape of every message between the browser client and
//! the server, and nothing else: no I/O, no HTTP, no media. The browser's
//! `assets/js/signalling.js` mirrors these types; a change here is a change
//! there, and a breaking change bumps [`PROTOCOL_VERSION`].
//!
//! Every message is a JSON object with a `type` field (snake_case). The first
//! client message on a socket must be [`ClientMessage::Join`] carrying the
//! protocol version and the meeting link's key; the server answers
//! [`ServerMessage::Welcome`] (in the meeting), [`ServerMessage::Waiting`]
//! (in the waiting room until a host admits), or an [`ServerMessage::Error`].
//! A `join` refused with a non-fatal error (a PIN or the hearing notice is
//! needed) may be sent again. Errors are always a typed message before the
//! server closes a socket, never a silent disconnect.
//!
//! Who may send which message is the server's permission table; a message
//! the sender's role may not send is answered with [`ErrorCode::NotAllowed`].
//!
//! A seat survives a dropped socket: `welcome` and `waiting` carry a
//! [`ResumeSecret`], and a `join` that brings it back within the server's
//! grace period gets the same participant back (same id, role, place and
//! mutes) instead of a new one. The resume fields are optional on both
//! sides, so they did not bump the version: a page that never sends one
//! joins as before, and the server and its page ship together.

use serde::{Deserialize, Serialize};

/// The protocol version this server speaks. Clients send it in `join`.
pub const PROTOCOL_VERSION: u32 = 2;

/// The largest text message the server accepts, in bytes. SDP offers of
/// browsers are well below 16 KiB; anything larger is refused with
/// [`ErrorCode::MessageTooLarge`].
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// The longest display name, in characters, after trimming.
pub const MAX_NAME_CHARS: usize = 64;

/// A participant's id within one meeting. It is also the `msid` stream id of
/// the participant's tracks in SDP, so browsers can map a received track to
/// a tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ParticipantId(pub u64);

impl std::fmt::Display for ParticipantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The secret that lets a participant take its seat back after its socket
/// dropped (see [`ClientMessage::Join`]). It is as good as the seat for the
/// grace period, so its `Debug` form never shows it: messages may be
/// printed, secrets may not.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ResumeSecret(pub String);

impl std::fmt::Debug for ResumeSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResumeSecret(..)")
    }
}

/// Messages from the browser to the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// First message on a socket: enter the meeting under a display name
    /// with the key of a meeting link (the part after `#` in the link).
    Join {
        version: u32,
        name: String,
        #[serde(default)]
        media: MediaState,
        key: String,
        /// The PIN, when the meeting asked for one (`pin_required`).
        #[serde(default)]
        pin: Option<String>,
        /// The participant confirmed the hearing notice (recording is
        /// forbidden, §128a ZPO); hearings refuse a join without it.
        #[serde(default)]
        notice_acknowledged: bool,
        /// The secret of the seat this browser held when its socket
        /// dropped (from `welcome` or `waiting`). Link, PIN and notice are
        /// checked as for any join; then, within the grace period, the seat
        /// is given back. An unknown or expired secret is a normal join.
        #[serde(default)]
        resume: Option<ResumeSecret>,
    },
    /// An SDP offer from the browser (its first offer, or a renegotiation).
    /// `screen` names the mid of the offer's screen-share track, if it has
    /// one: the others' m-lines for that track then carry the msid track
    /// id `screen`, so their pages can show it apart from the camera.
    Offer {
        sdp: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        screen: Option<String>,
    },
    /// The browser's answer to a server [`ServerMessage::Offer`].
    Answer { sdp: String },
    /// The browser muted or unmuted its microphone or camera.
    MediaState { media: MediaState },
    /// Start (`true`) or stop (`false`) sharing the screen. A start is
    /// answered by [`ServerMessage::ScreenShare`] naming the sender (then
    /// its page sends the track), or by [`ErrorCode::ScreenShareBusy`]
    /// while someone else shares: one share per meeting at a time.
    ScreenShare { sharing: bool },
    /// The participant leaves; the server closes the socket after this.
    /// A struct variant, not a unit one: serde ignores
    /// `deny_unknown_fields` on unit variants of tagged enums.
    Leave {},
    /// Host: let someone in from the waiting room.
    Admit { id: ParticipantId },
    /// Host: turn someone away from the waiting room.
    Reject { id: ParticipantId },
    /// Host: stop forwarding someone's microphone, camera or screen share.
    /// They are told and asked to switch it off; only they can switch it
    /// on again (a stopped screen share is over; they may share again).
    Mute { id: ParticipantId, kind: MediaKind },
    /// Host: send an admitted participant back to the waiting room.
    SendToWaitingRoom { id: ParticipantId },
    /// Host: remove someone; the link they came with stops working.
    Remove { id: ParticipantId },
    /// Host: a locked meeting holds every newcomer but hosts in the
    /// waiting room, whatever their link.
    Lock { locked: bool },
    /// Host: end the meeting for everyone, waiting room included.
    EndMeeting {},
    /// Host: make a new personal link to this meeting.
    Invite { role: ParticipantRole },
    /// Host: call a room system or phone at a SIP address
    /// (`sip:room@10.1.2.3`), which then joins as a guest without PIN or
    /// waiting room; `name` is its display name (else the address's user
    /// part). Answered with [`ServerMessage::DialOutStatus`] to every
    /// host, only where [`MeetingInfo::dial_out`] says it is available.
    DialOut {
        uri: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// How large the page shows each other participant's video: the server
    /// sends each the simulcast layer that fits (a small tile needs no full
    /// resolution) and pauses video nobody can see. Sent when tiles change
    /// size, scroll away or the tab hides; at most [`MAX_TILES`] entries.
    Tiles { tiles: Vec<TileView> },
}

/// Most tiles a `tiles` message may report.
pub const MAX_TILES: usize = 100;

/// One tile of a `tiles` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TileView {
    /// Whose video the tile shows.
    pub id: ParticipantId,
    /// Its height in CSS pixels; `null` when it is not visible.
    pub height: Option<u32>,
}

/// Messages from the server to the browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ServerMessage {
    /// Answer to `join`: who you are and who is already here.
    Welcome {
        version: u32,
        you: ParticipantId,
        role: ParticipantRole,
        meeting: MeetingInfo,
        participants: Vec<Participant>,
        /// Brings this seat back after a dropped socket (`join.resume`).
        /// Kept in memory only, never stored.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<ResumeSecret>,
    },
    /// You are in the waiting room: a host will admit you (also sent after
    /// a host sent you back; the browser drops its media connection).
    Waiting {
        you: ParticipantId,
        meeting: MeetingInfo,
        /// As in `welcome`: the place in the waiting room survives a drop.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<ResumeSecret>,
    },
    /// To hosts: who is waiting now (the whole list, on every change).
    WaitingList { waiting: Vec<WaitingParticipant> },
    /// The meeting's state changed (locked or not).
    MeetingUpdated { meeting: MeetingInfo },
    /// A host stopped your microphone, camera or screen share: switch it
    /// off and tell the user; it comes back only when they switch it on.
    MutedByHost { kind: MediaKind },
    /// `id` is the one talking now (from the audio levels of the media);
    /// pages put the active speaker first.
    ActiveSpeaker { id: ParticipantId },
    /// Who shares their screen now (`None`: nobody). Sent to every member
    /// when it changes, and to a newcomer after `welcome` while a share is
    /// on. The sharer's screen track is the one whose msid track id is
    /// `screen` among that participant's tracks.
    ScreenShare { sharer: Option<ParticipantId> },
    /// Answer to `invite`: the new link (absolute URL).
    InviteCreated { role: ParticipantRole, url: String },
    /// To every host: how a `dial_out` goes. `id` tells the dial-outs of
    /// one meeting apart; `uri` is the address as it is dialled; `reason`
    /// says why it failed (with [`DialOutState::Failed`] only).
    DialOutStatus {
        id: u32,
        uri: String,
        state: DialOutState,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<DialOutFailure>,
    },
    /// The server's answer to a browser offer.
    Answer { sdp: String },
    /// The server offers a change (tracks of others added or removed); the
    /// browser replies with [`ClientMessage::Answer`].
    Offer { sdp: String },
    /// Someone entered the meeting.
    ParticipantJoined { participant: Participant },
    /// Someone's mute state changed.
    ParticipantUpdated { participant: Participant },
    /// Someone left; their tiles go.
    ParticipantLeft { id: ParticipantId },
    /// Something went wrong. `fatal` errors are followed by a close.
    Error {
        code: ErrorCode,
        message: String,
        fatal: bool,
    },
}

/// A participant as the others see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participant {
    pub id: ParticipantId,
    pub name: String,
    pub media: MediaState,
    pub role: ParticipantRole,
    /// The name comes from a staff login, not from what was typed.
    pub verified: bool,
}

/// Someone in the waiting room, as hosts see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitingParticipant {
    pub id: ParticipantId,
    pub name: String,
    pub verified: bool,
}

/// A participant's role in one meeting, from the link they joined with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    Host,
    /// A host whose tile is pinned in everyone's layout (hearings).
    Judge,
    Guest,
}

/// What kind of meeting this is; it decides a few rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// Any number of participants.
    Open,
    /// A booked 1:1 consultation: it ends when one side leaves.
    Consultation,
    /// A court hearing: everyone acknowledges that recording is forbidden
    /// before entering; judges are pinned.
    Hearing,
}

/// The meeting as its participants see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingInfo {
    pub kind: MeetingKind,
    pub locked: bool,
    /// Hosts may call room systems (`dial_out`): SIP and its dial-out are
    /// on. Left out when false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub dial_out: bool,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// Where a dial-out is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DialOutState {
    /// The call is being placed.
    Calling,
    /// It rings there.
    Ringing,
    /// It answered and joins the meeting.
    Answered,
    /// It did not come about (see the reason).
    Failed,
    /// It was in the meeting and has hung up or was hung up.
    Ended,
}

/// Why a dial-out failed, for the page to say in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DialOutFailure {
    /// Not a `sip:`/`sips:` `user@host[:port]` address we take.
    InvalidAddress,
    /// The operator does not allow calls to this host (`sip.dial_out_domains`).
    NotAllowed,
    /// Too many dial-outs of this meeting are running.
    TooMany,
    /// The host name could not be resolved.
    UnknownHost,
    /// Busy (486, 600).
    Busy,
    /// Declined (603, 403).
    Declined,
    /// No such user there (404, 410, 484).
    NotFound,
    /// It wants credentials (401, 407), which the server does not send.
    Unauthorized,
    /// It rang and nobody answered.
    NoAnswer,
    /// Nothing answered at that address at all.
    Unreachable,
    /// No audio codec in common, or another SIP failure.
    Failed,
    /// SIP calls are not possible right now (the server's side).
    Unavailable,
}

/// Microphone, camera or shared screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Audio,
    Video,
    Screen,
}

/// Whether microphone and camera are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaState {
    pub audio: bool,
    pub video: bool,
}

impl Default for MediaState {
    fn default() -> Self {
        MediaState {
            audio: true,
            video: true,
        }
    }
}

/// Why the server refused something. The browser maps each code to a
/// translated text; `message` is an English fallback for logs and tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, or not one of the known messages.
    BadMessage,
    /// Larger than [`MAX_MESSAGE_BYTES`].
    MessageTooLarge,
    /// `join` carried a version this server does not speak.
    UnsupportedVersion,
    /// No meeting has this id.
    MeetingNotFound,
    /// A message that is only valid after `join` (or `join` twice).
    UnexpectedMessage,
    /// The display name is empty or too long.
    InvalidName,
    /// The SDP could not be parsed or negotiated.
    SdpRejected,
    /// The server could not do it right now; try again.
    Unavailable,
    /// The link's key is unknown, revoked, expired, or for another meeting.
    /// The four are not told apart.
    LinkInvalid,
    /// This meeting needs a PIN for this link: send `join` again with it.
    PinRequired,
    /// The PIN was wrong; `join` may be sent again while attempts remain.
    PinWrong,
    /// Too many wrong PINs: this link is refused for a while. Fatal.
    PinBlocked,
    /// A hearing: send `join` again with `notice_acknowledged: true`.
    NoticeRequired,
    /// The sender's role may not do this.
    NotAllowed,
    /// A host action named someone who is not (or no longer) there.
    UnknownParticipant,
    /// A host turned the waiting participant away. Fatal.
    Rejected,
    /// A host removed the participant; the link no longer works. Fatal.
    Removed,
    /// The meeting was ended (by a host, or the other side of a 1:1
    /// consultation left). Fatal.
    MeetingEnded,
    /// Someone else shares their screen; only one share at a time.
    ScreenShareBusy,
}

/// Why a client message could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    TooLarge,
    Invalid(String),
}

impl ClientMessage {
    /// Parses one text frame, refusing oversized input before parsing it.
    pub fn decode(text: &str) -> Result<ClientMessage, DecodeError> {
        if text.len() > MAX_MESSAGE_BYTES {
            return Err(DecodeError::TooLarge);
        }
        serde_json::from_str(text).map_err(|e| DecodeError::Invalid(e.to_string()))
    }
}

impl ServerMessage {
    pub fn error(code: ErrorCode, message: impl Into<String>, fatal: bool) -> ServerMessage {
        ServerMessage::Error {
            code,
            message: message.into(),
            fatal,
        }
    }

    /// Serializes for a text frame.
    pub fn encode(&self) -> String {
        // Serializing these plain enums of strings, numbers and bools into a
        // String cannot fail: serde_json only errors on non-string map keys
        // or failing Serialize impls, and none exist here.
        serde_json::to_string(self).expect("server messages always serialize")
    }
}

/// Checks and normalizes a display name: trimmed, non-empty, at most
/// [`MAX_NAME_CHARS`] characters, no control characters.
pub fn normalize_name(name: &str) -> Option<String> {
    let trimmed = name.trim();
    let chars = trimmed.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || trimmed.chars().any(char::is_control) {
        return None;
    }
    Some(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_round_trips_with_default_media() {
        let m =
            ClientMessage::decode(r#"{"type":"join","version":2,"name":"Ada","key":"k"}"#).unwrap();
        assert_eq!(
            m,
            ClientMessage::Join {
                version: 2,
                name: "Ada".into(),
                media: MediaState::default(),
                key: "k".into(),
                pin: None,
                notice_acknowledged: false,
                resume: None,
            }
        );
    }

    #[test]
    fn a_resume_secret_travels_but_never_prints() {
        let m = ClientMessage::decode(
            r#"{"type":"join","version":2,"name":"Ada","key":"k","resume":"s3cr3t"}"#,
        )
        .unwrap();
        let ClientMessage::Join { resume, .. } = &m else {
            panic!("a join");
        };
        assert_eq!(resume, &Some(ResumeSecret("s3cr3t".into())));
        assert!(!format!("{m:?}").contains("s3cr3t"));
        let welcome = ServerMessage::Waiting {
            you: ParticipantId(1),
            meeting: MeetingInfo {
                kind: MeetingKind::Open,
                locked: false,
                dial_out: false,
            },
            resume: Some(ResumeSecret("s3cr3t".into())),
        };
        assert!(welcome.encode().contains(r#""resume":"s3cr3t""#));
        assert!(!format!("{welcome:?}").contains("s3cr3t"));
    }

    #[test]
    fn dial_out_and_its_status_read_as_the_page_writes_them() {
        assert_eq!(
            ClientMessage::decode(r#"{"type":"dial_out","uri":"sip:room@10.1.2.3"}"#),
            Ok(ClientMessage::DialOut {
                uri: "sip:room@10.1.2.3".into(),
                name: None
            })
        );
        assert!(ClientMessage::decode(r#"{"type":"dial_out","uri":"sip:a@b","port":1}"#).is_err());
        let status = ServerMessage::DialOutStatus {
            id: 2,
            uri: "sip:room@10.1.2.3".into(),
            state: DialOutState::Failed,
            reason: Some(DialOutFailure::Busy),
        };
        assert_eq!(
            status.encode(),
            r#"{"type":"dial_out_status","id":2,"uri":"sip:room@10.1.2.3","state":"failed","reason":"busy"}"#
        );
        let info = MeetingInfo {
            kind: MeetingKind::Open,
            locked: false,
            dial_out: false,
        };
        assert_eq!(
            serde_json::to_string(&info).unwrap(),
            r#"{"kind":"open","locked":false}"#,
            "left out when off, so older pages see what they saw"
        );
    }

    #[test]
    fn unknown_type_and_unknown_fields_are_refused() {
        assert!(matches!(
            ClientMessage::decode(r#"{"type":"shout"}"#),
            Err(DecodeError::Invalid(_))
        ));
        assert!(matches!(
            ClientMessage::decode(r#"{"type":"leave","extra":1}"#),
            Err(DecodeError::Invalid(_))
        ));
    }

    #[test]
    fn host_messages_name_their_target() {
        assert_eq!(
            ClientMessage::decode(r#"{"type":"mute","id":3,"kind":"audio"}"#),
            Ok(ClientMessage::Mute {
                id: ParticipantId(3),
                kind: MediaKind::Audio
            })
        );
        assert!(ClientMessage::decode(r#"{"type":"admit"}"#).is_err());
        assert_eq!(
            ClientMessage::decode(r#"{"type":"end_meeting"}"#),
            Ok(ClientMessage::EndMeeting {})
        );
    }

    #[test]
    fn screen_share_messages() {
        assert_eq!(
            ClientMessage::decode(r#"{"type":"screen_share","sharing":true}"#),
            Ok(ClientMessage::ScreenShare { sharing: true })
        );
        assert_eq!(
            ClientMessage::decode(r#"{"type":"offer","sdp":"v=0","screen":"2"}"#),
            Ok(ClientMessage::Offer {
                sdp: "v=0".into(),
                screen: Some("2".into())
            })
        );
        // An offer without a screen is what every older page sends.
        assert_eq!(
            ClientMessage::decode(r#"{"type":"offer","sdp":"v=0"}"#),
            Ok(ClientMessage::Offer {
                sdp: "v=0".into(),
                screen: None
            })
        );
        let s = ServerMessage::ScreenShare {
            sharer: Some(ParticipantId(4)),
        }
        .encode();
        assert_eq!(s, r#"{"type":"screen_share","sharer":4}"#);
        let none = ServerMessage::ScreenShare { sharer: None }.encode();
        assert_eq!(none, r#"{"type":"screen_share","sharer":null}"#);
    }

    #[test]
    fn leave_has_no_fields() {
        assert_eq!(
            ClientMessage::decode(r#"{"type":"leave"}"#),
            Ok(ClientMessage::Leave {})
        );
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let big = format!(
            r#"{{"type":"offer","sdp":"{}"}}"#,
            "a".repeat(MAX_MESSAGE_BYTES)
        );
        assert_eq!(ClientMessage::decode(&big), Err(DecodeError::TooLarge));
    }

    #[test]
    fn server_messages_are_tagged_snake_case() {
        let s = ServerMessage::ParticipantLeft {
            id: ParticipantId(7),
        }
        .encode();
        assert_eq!(s, r#"{"type":"participant_left","id":7}"#);
        let e = ServerMessage::error(ErrorCode::MeetingNotFound, "no such meeting", true).encode();
        assert!(e.contains(r#""code":"meeting_not_found""#));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(normalize_name("  Ada "), Some("Ada".into()));
        assert_eq!(normalize_name("   "), None);
        assert_eq!(normalize_name(&"x".repeat(65)), None);
        assert_eq!(normalize_name("a\u{0}b"), None);
    }
}
