//! What a SIP INFO in a call says (the legacy use of RFC 6086 that room
//! systems and phones still send, without Info-Package): a DTMF digit
//! (`application/dtmf-relay`, `application/dtmf`) or a keyframe request
//! (`application/media_control+xml`, RFC 5168); and the keyframe request
//! we send ourselves.

use crate::headers::media_type;

/// The body types an INFO may carry, for `Accept` in a 415.
pub const INFO_TYPES: &str =
    "application/dtmf-relay, application/dtmf, application/media_control+xml";

/// The body type of a keyframe request (RFC 5168 §3).
pub const MEDIA_CONTROL: &str = "application/media_control+xml";

/// RFC 5168's one request, as room systems send it.
pub const PICTURE_FAST_UPDATE: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n",
    "<media_control>\r\n",
    "  <vc_primitive>\r\n",
    "    <to_encoder>\r\n",
    "      <picture_fast_update/>\r\n",
    "    </to_encoder>\r\n",
    "  </vc_primitive>\r\n",
    "</media_control>\r\n",
);

/// Answers to our INFO that say the peer does not take it at all (the
/// method, the body type, or INFO without a package), rather than that
/// this one failed: asking again would get the same.
pub fn refuses_info(status: u16) -> bool {
    matches!(status, 405 | 415 | 469 | 501)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Info {
    Dtmf(char),
    PictureFastUpdate,
    /// Nothing to act on (an empty INFO, another media_control request):
    /// answered 200.
    Nothing,
    /// A body type we do not take: 415.
    Unsupported,
    /// A DTMF body without a digit we know: 400.
    Malformed,
}

pub fn read(content_type: Option<&str>, body: &[u8]) -> Info {
    if body.is_empty() {
        return Info::Nothing;
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return Info::Malformed;
    };
    match content_type.map(media_type).as_deref() {
        Some("application/dtmf-relay") => dtmf_relay(text),
        Some("application/dtmf") => digit(text.trim()).map_or(Info::Malformed, Info::Dtmf),
        // RFC 5168 has one request, <picture_fast_update/>, inside
        // <media_control><vc_primitive><to_encoder>. Its presence is the
        // whole message: a search for the element is exact enough, and
        // no XML parser is needed for it.
        Some(MEDIA_CONTROL) if text.contains("picture_fast_update") => Info::PictureFastUpdate,
        Some(MEDIA_CONTROL) => Info::Nothing,
        _ => Info::Unsupported,
    }
}

/// `Signal=5\r\nDuration=160\r\n`: the digit of the Signal line.
fn dtmf_relay(text: &str) -> Info {
    let signal = text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("signal")
            .then(|| value.trim())
    });
    signal.and_then(digit).map_or(Info::Malformed, Info::Dtmf)
}

/// A DTMF digit, also as the RFC 4733 event code some phones send
/// (10 for `*`, 11 for `#`, 12-15 for `A`-`D`).
fn digit(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let first = chars.next()?;
    if chars.next().is_none() {
        let upper = first.to_ascii_uppercase();
        return (upper.is_ascii_digit() || "*#ABCD".contains(upper)).then_some(upper);
    }
    match text {
        "10" => Some('*'),
        "11" => Some('#'),
        "12" => Some('A'),
        "13" => Some('B'),
        "14" => Some('C'),
        "15" => Some('D'),
        _ => None,
    }
}
