//! SDP for SIP legs: RFC 4566 descriptions and the RFC 3264 offer/answer
//! model, for the codecs civicmeet speaks with room systems and phones.
//!
//! [`SessionDescription::parse`] reads an offer (or the answer to our own
//! offer) and refuses what it cannot read with an [`SdpError`]; it never
//! panics, and bounds what it takes ([`MAX_SDP`], [`MAX_LINES`],
//! [`MAX_LINE`], [`MAX_MEDIA`], [`MAX_FORMATS`]). [`answer`] chooses one
//! audio codec (by [`LocalMedia`]'s preference: Opus, G.722, PCMA, PCMU),
//! telephone-event for DTMF, and H.264 (packetization mode 1, the
//! constrained baseline family) for video, and writes the answer: every
//! offered m-line mirrored in order, those not taken with port 0 (RFC 3264
//! §6), the direction answering a hold. [`offer`] and [`read_answer`] do
//! the same for a call that came without an offer (late offer: ours goes
//! in the 200, theirs comes back in the ACK).
//!
//! SRTP (RFC 3711) with SDES keys (RFC 4568): an `RTP/SAVP` (or
//! `RTP/SAVPF`) m-line is taken when [`LocalMedia::security`] holds our
//! fresh keys; its first usable `a=crypto` line is answered with our key
//! under the same tag and suite ([`crypto`]), and the agreed keys come
//! back in [`AudioStream::srtp`] / [`VideoStream::srtp`]. Where an offer
//! has both a secure and a plain line, the secure one is taken. Plain
//! lines are taken only while [`MediaSecurity::plain_rtp`] allows. The
//! keys themselves are the layer above's to draw (this crate has no
//! random number generator), and the endpoint drops them for calls that
//! did not come over TLS: keys in a clear-text SDP protect nothing (RFC
//! 4568 §8.3).

mod answer;
pub mod crypto;
mod offer;
mod parse;

use std::fmt;
use std::net::IpAddr;

pub use answer::answer;
use crypto::{CryptoSuite, SdesKey};
pub use offer::{offer, read_answer};

/// The largest SDP body taken.
pub const MAX_SDP: usize = 16 * 1024;
/// More lines than any real SDP of a call has.
pub const MAX_LINES: usize = 512;
/// The longest line taken (a long `a=fmtp` or `a=crypto` fits easily).
pub const MAX_LINE: usize = 1024;
/// m-lines taken (room systems offer audio, video, a presentation and
/// BFCP: four).
pub const MAX_MEDIA: usize = 16;
/// Formats on one m-line.
pub const MAX_FORMATS: usize = 64;

/// What is wrong with an SDP body, or why no answer could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    #[error("SDP larger than {MAX_SDP} bytes")]
    TooLarge,
    #[error("SDP is not UTF-8")]
    NotUtf8,
    #[error("SDP has more than {MAX_LINES} lines")]
    TooManyLines,
    #[error("SDP line {line} is longer than {MAX_LINE} bytes")]
    LineTooLong { line: usize },
    #[error("SDP has more than {MAX_MEDIA} m-lines")]
    TooManyMedia,
    #[error("an m-line has more than {MAX_FORMATS} formats")]
    TooManyFormats,
    #[error("SDP does not start with v=0")]
    NoVersion,
    #[error("SDP has no o= line")]
    NoOrigin,
    #[error("SDP line {line}: {what}")]
    BadLine { line: usize, what: &'static str },
    #[error("m-line {media} has no connection address (no c= for it or the session)")]
    NoConnection { media: usize },
    #[error("no audio codec in common")]
    NoCommonCodec,
    /// An audio codec in common, but only on m-lines the media security
    /// refuses: SRTP without our keys (not over TLS), or plain RTP where
    /// only SRTP is allowed.
    #[error("no audio m-line meets the media security required (SRTP with SDES over TLS)")]
    MediaSecurity,
    #[error("the answer's a=crypto does not fit our offer")]
    CryptoMismatch,
    #[error("the answer does not match our offer: {0}")]
    AnswerMismatch(&'static str),
}

/// A parsed SDP body: an offer from a caller, or the answer to ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    pub origin: Origin,
    /// The session-level `c=` address (m-lines may have their own).
    pub connection: Option<IpAddr>,
    pub media: Vec<MediaDescription>,
}

/// The `o=` line. Session id and version are kept as the digits they are
/// (some peers send more than 64 bits): an unchanged re-offer is one
/// whose id and version are equal to the last (RFC 3264 §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub username: String,
    pub session_id: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaKind {
    Audio,
    Video,
    /// `application` (BFCP), `text`, `image` (T.38): mirrored, never taken.
    Other(String),
}

impl MediaKind {
    fn as_str(&self) -> &str {
        match self {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
            MediaKind::Other(name) => name,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    RtpAvp,
    RtpAvpf,
    RtpSavp,
    RtpSavpf,
    /// Anything else (`UDP/BFCP`, `UDP/TLS/RTP/SAVPF`, `udptl`): mirrored
    /// with port 0.
    Other(String),
}

impl Protocol {
    fn parse(text: &str) -> Protocol {
        match text.to_ascii_uppercase().as_str() {
            "RTP/AVP" => Protocol::RtpAvp,
            "RTP/AVPF" => Protocol::RtpAvpf,
            "RTP/SAVP" => Protocol::RtpSavp,
            "RTP/SAVPF" => Protocol::RtpSavpf,
            _ => Protocol::Other(text.to_string()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Protocol::RtpAvp => "RTP/AVP",
            Protocol::RtpAvpf => "RTP/AVPF",
            Protocol::RtpSavp => "RTP/SAVP",
            Protocol::RtpSavpf => "RTP/SAVPF",
            Protocol::Other(name) => name,
        }
    }

    /// Whether the m-line's formats are RTP payload types.
    fn is_rtp(&self) -> bool {
        !matches!(self, Protocol::Other(_))
    }

    /// Plain RTP.
    fn is_plain_rtp(&self) -> bool {
        matches!(self, Protocol::RtpAvp | Protocol::RtpAvpf)
    }

    /// SRTP (RFC 3711), keyed by SDES when the m-line has `a=crypto`.
    fn is_secure_rtp(&self) -> bool {
        matches!(self, Protocol::RtpSavp | Protocol::RtpSavpf)
    }
}

/// Media direction (RFC 3264 §5.1), from the point of view of the side
/// whose description carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    #[default]
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    fn parse(attribute: &str) -> Option<Direction> {
        match attribute {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        }
    }

    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    fn from_flags(sends: bool, receives: bool) -> Direction {
        match (sends, receives) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// The answer's direction to this offered one (RFC 3264 §6.1): we
    /// send what they receive and receive what they send.
    pub fn answered(self) -> Direction {
        Direction::from_flags(self.receives(), self.sends())
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        })
    }
}

/// One m-line with what its attributes say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    pub kind: MediaKind,
    /// 0: the stream is rejected or disabled.
    pub port: u16,
    pub protocol: Protocol,
    /// The formats as listed on the m-line, kept to mirror a rejected line.
    pub formats: Vec<String>,
    /// For RTP protocols, one entry per format, in the offered order.
    pub payloads: Vec<PayloadFormat>,
    /// The m-line's own `c=`, else the session's; `None` only for a line
    /// with port 0. `0.0.0.0` is RFC 2543's hold.
    pub connection: Option<IpAddr>,
    /// The m-line's direction attribute, else the session's, else sendrecv.
    pub direction: Direction,
    pub ptime: Option<u32>,
    /// `a=rtcp:` (RFC 3605): the port, and an address when it names one.
    pub rtcp_port: Option<u16>,
    pub rtcp_address: Option<IpAddr>,
    pub rtcp_mux: bool,
    /// `a=crypto:` lines (RFC 4568), as text, for SDES later.
    pub crypto: Vec<String>,
    /// `b=AS:` in kbit/s.
    pub bandwidth_kbps: Option<u32>,
}

/// One RTP payload type of an m-line, with its `rtpmap` (or the static
/// assignment of RFC 3551), `fmtp` and `rtcp-fb` attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadFormat {
    pub payload_type: u8,
    /// The encoding name as given; `None` for a dynamic type without
    /// `rtpmap`, which nothing can use.
    pub encoding: Option<String>,
    pub clock_rate: Option<u32>,
    pub channels: Option<u8>,
    pub fmtp: Option<String>,
    pub feedback: Vec<String>,
}

impl PayloadFormat {
    /// Whether this format is `name` at `clock_rate` (names compare
    /// case-insensitively, RFC 4855 §3).
    pub fn is(&self, name: &str, clock_rate: u32) -> bool {
        self.encoding
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(name))
            && self.clock_rate == Some(clock_rate)
    }

    /// A parameter of the `fmtp` line (`name=value;...`), names compared
    /// case-insensitively.
    pub fn fmtp_param(&self, name: &str) -> Option<&str> {
        self.fmtp.as_deref()?.split(';').find_map(|p| {
            let (key, value) = p.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }
}

/// The audio codecs civicmeet speaks on SIP legs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioCodec {
    /// Opus, `opus/48000/2` (RFC 7587).
    Opus,
    /// G.722 (its RTP clock is 8000 though it samples at 16 kHz, RFC 3551).
    G722,
    /// G.711 A-law.
    Pcma,
    /// G.711 µ-law.
    Pcmu,
}

impl AudioCodec {
    pub const ALL: [AudioCodec; 4] = [
        AudioCodec::Opus,
        AudioCodec::G722,
        AudioCodec::Pcma,
        AudioCodec::Pcmu,
    ];

    pub fn encoding(self) -> &'static str {
        match self {
            AudioCodec::Opus => "opus",
            AudioCodec::G722 => "G722",
            AudioCodec::Pcma => "PCMA",
            AudioCodec::Pcmu => "PCMU",
        }
    }

    /// The RTP clock rate (not the sampling rate, for G.722).
    pub fn clock_rate(self) -> u32 {
        match self {
            AudioCodec::Opus => 48_000,
            _ => 8_000,
        }
    }

    /// The payload type used in our own offers.
    fn offer_payload_type(self) -> u8 {
        match self {
            AudioCodec::Opus => 111,
            AudioCodec::G722 => 9,
            AudioCodec::Pcma => 8,
            AudioCodec::Pcmu => 0,
        }
    }

    fn rtpmap(self) -> &'static str {
        match self {
            AudioCodec::Opus => "opus/48000/2",
            AudioCodec::G722 => "G722/8000",
            AudioCodec::Pcma => "PCMA/8000",
            AudioCodec::Pcmu => "PCMU/8000",
        }
    }

    /// Whether an offered format is this codec.
    fn matches(self, format: &PayloadFormat) -> bool {
        if !format.is(self.encoding(), self.clock_rate()) {
            return false;
        }
        match self {
            // RFC 7587 says `/2` always; `/1` or nothing is read the same.
            AudioCodec::Opus => true,
            _ => format.channels.is_none_or(|c| c == 1),
        }
    }
}

/// The video codecs civicmeet speaks on SIP legs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoCodec {
    /// H.264, packetization mode 1, the constrained baseline family.
    H264,
    /// VP8 (RFC 7741), for SIP clients such as baresip that offer it.
    Vp8,
}

impl VideoCodec {
    pub fn encoding(self) -> &'static str {
        match self {
            VideoCodec::H264 => "H264",
            VideoCodec::Vp8 => "VP8",
        }
    }

    fn offer_payload_type(self) -> u8 {
        match self {
            VideoCodec::H264 => 96,
            VideoCodec::Vp8 => 97,
        }
    }
}

/// Our side of a SIP leg's media, given by the layer above: where our RTP
/// arrives (RTCP on the port above, unless `rtcp-mux` is agreed) and which
/// codecs we take, best first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    pub address: IpAddr,
    pub audio_port: u16,
    /// `None`: video m-lines are answered with port 0.
    pub video_port: Option<u16>,
    pub audio_codecs: Vec<AudioCodec>,
    pub video_codecs: Vec<VideoCodec>,
    /// The highest H.264 level we take and answer (`level_idc`, 0x1f is
    /// 3.1: 720p at 30 frames/s).
    pub h264_max_level: u8,
    /// Whether we agree to RTP and RTCP on one port when offered (RFC 5761).
    pub rtcp_mux: bool,
    /// SRTP keys of ours and whether plain RTP is taken.
    pub security: MediaSecurity,
}

/// What our side takes for media security.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSecurity {
    /// Our SDES master keys, fresh from the layer above's cryptographic
    /// random number generator (never reused across calls). `None`: SRTP
    /// m-lines are refused. The endpoint ignores them for calls that did
    /// not come over TLS.
    pub sdes: Option<SdesKeys>,
    /// Whether plain `RTP/AVP` m-lines are taken.
    pub plain_rtp: bool,
}

impl Default for MediaSecurity {
    /// Plain RTP only: what a leg takes without keys.
    fn default() -> MediaSecurity {
        MediaSecurity {
            sdes: None,
            plain_rtp: true,
        }
    }
}

impl MediaSecurity {
    /// Whether any media can be agreed at all.
    pub fn allows_any(&self) -> bool {
        self.plain_rtp || self.sdes.is_some()
    }
}

/// One master key per m-line we may take: a key never protects two
/// streams of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesKeys {
    pub audio: SdesKey,
    pub video: SdesKey,
}

/// The SRTP an m-line agreed: the suite, our key (it protects what we
/// send) and the peer's (it opens what we receive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrtpKeys {
    pub suite: CryptoSuite,
    pub local: SdesKey,
    pub remote: SdesKey,
}

impl LocalMedia {
    /// Audio only, every codec in the default order (Opus, G.722, PCMA,
    /// PCMU), H.264 preferred once a video port is given.
    pub fn new(address: IpAddr, audio_port: u16) -> LocalMedia {
        LocalMedia {
            address,
            audio_port,
            video_port: None,
            audio_codecs: AudioCodec::ALL.to_vec(),
            video_codecs: vec![VideoCodec::H264],
            h264_max_level: 0x1f,
            rtcp_mux: true,
            security: MediaSecurity::default(),
        }
    }

    pub fn with_video(mut self, port: u16) -> LocalMedia {
        self.video_port = Some(port);
        self
    }
}

/// The `o=` values of a description we write: the session id stays for
/// the call, the version grows with every new description (RFC 3264 §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalOrigin {
    pub session_id: u64,
    pub version: u64,
}

/// What an offer/answer exchange agreed: what the media layer needs to
/// send and receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSession {
    pub audio: AudioStream,
    pub video: Option<VideoStream>,
}

/// RFC 4733 telephone-event, for DTMF in RTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    pub payload_type: u8,
    pub clock_rate: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioStream {
    /// Where to send RTP; `None` while the peer asked for none (c=0.0.0.0).
    pub remote_rtp: Option<std::net::SocketAddr>,
    pub remote_rtcp: Option<std::net::SocketAddr>,
    pub rtcp_mux: bool,
    pub codec: AudioCodec,
    pub payload_type: u8,
    pub fmtp: Option<String>,
    pub telephone_event: Option<TelephoneEvent>,
    /// The packet time the peer asked for, in ms.
    pub ptime: Option<u32>,
    /// Our direction: whether we send and receive.
    pub direction: Direction,
    /// SRTP keys when the m-line is `RTP/SAVP`; `None`: plain RTP.
    pub srtp: Option<SrtpKeys>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoStream {
    pub remote_rtp: Option<std::net::SocketAddr>,
    pub remote_rtcp: Option<std::net::SocketAddr>,
    pub rtcp_mux: bool,
    pub codec: VideoCodec,
    pub payload_type: u8,
    /// The fmtp we agreed (for H.264, profile-level-id and mode 1).
    pub fmtp: Option<String>,
    /// RTCP feedback both sides listed (`nack`, `nack pli`, `ccm fir`).
    pub feedback: Vec<String>,
    pub direction: Direction,
    pub bandwidth_kbps: Option<u32>,
    /// SRTP keys when the m-line is `RTP/SAVP`; `None`: plain RTP.
    pub srtp: Option<SrtpKeys>,
}

/// An answer: its text and what it agreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub sdp: String,
    pub session: MediaSession,
}
