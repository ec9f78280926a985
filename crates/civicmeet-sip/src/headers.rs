//! Reading the values of the headers a user agent acts on (RFC 3261
//! §20, §25): name-addr with display name and tag, comma-separated lists,
//! the Request-URI's user part, option tags. Everything here takes text
//! the parser already checked is UTF-8 and bounded, and slices only at
//! positions of ASCII characters it found.

use std::net::SocketAddr;

/// The longest display name passed on (it is shown to other participants).
pub const MAX_DISPLAY_NAME: usize = 64;
/// The longest meeting number or alias taken from a Request-URI.
pub const MAX_NUMBER: usize = 64;

/// A From, To, Contact or Record-Route value: `"Name" <uri>;params`, or a
/// bare `uri;params`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr<'a> {
    pub display: Option<String>,
    pub uri: &'a str,
    /// The header parameters after the URI (`;tag=...`), with their `;`.
    pub params: &'a str,
}

impl<'a> NameAddr<'a> {
    pub fn parse(value: &'a str) -> Option<NameAddr<'a>> {
        let value = value.trim();
        let (display, rest) = if let Some(quoted) = value.strip_prefix('"') {
            let end = closing_quote(quoted)?;
            let display = unescape(quoted.get(..end)?);
            (Some(display), quoted.get(end + 1..)?.trim_start())
        } else if let Some(open) = value.find('<') {
            let display = value.get(..open)?.trim();
            let display = (!display.is_empty()).then(|| display.to_string());
            (display, value.get(open..)?)
        } else {
            (None, value)
        };
        if let Some(inner) = rest.strip_prefix('<') {
            let close = inner.find('>')?;
            let uri = inner.get(..close)?.trim();
            let params = inner.get(close + 1..)?.trim();
            return (!uri.is_empty()).then_some(NameAddr {
                display,
                uri,
                params,
            });
        }
        if display.is_some() {
            // A display name needs the URI in angle brackets.
            return None;
        }
        // addr-spec: parameters after the URI belong to the header.
        let (uri, params) = match rest.find(';') {
            Some(at) => (rest.get(..at)?, rest.get(at..)?),
            None => (rest, ""),
        };
        (!uri.is_empty()).then_some(NameAddr {
            display: None,
            uri: uri.trim(),
            params,
        })
    }

    pub fn tag(&self) -> Option<&'a str> {
        param(self.params, "tag")
    }

    /// The display name, cut to [`MAX_DISPLAY_NAME`] characters and
    /// without control characters; `None` when nothing is left.
    pub fn display_name(&self) -> Option<String> {
        let name: String = self
            .display
            .as_deref()?
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_DISPLAY_NAME)
            .collect();
        let name = name.trim();
        (!name.is_empty()).then(|| name.to_string())
    }
}

/// The position of the quote that ends a quoted string (after its opening
/// quote), skipping `\"` escapes.
fn closing_quote(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(at),
            _ => {}
        }
    }
    None
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut escaped = false;
    for c in text.chars() {
        if c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        escaped = false;
        out.push(c);
    }
    out
}

/// A parameter of `;name=value;...` (names compared case-insensitively);
/// `Some("")` for a parameter without value.
pub fn param<'a>(params: &'a str, name: &str) -> Option<&'a str> {
    params.split(';').find_map(|p| {
        let p = p.trim();
        let (key, value) = p.split_once('=').unwrap_or((p, ""));
        key.trim()
            .eq_ignore_ascii_case(name)
            .then_some(value.trim())
    })
}

/// The values of a comma-separated header (Via, Record-Route, Require),
/// not splitting inside quotes or angle brackets.
pub fn split_list(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut angle = false;
    let mut escaped = false;
    for (at, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                parts.push(value.get(start..at).unwrap_or("").trim());
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(value.get(start..).unwrap_or("").trim());
    parts.retain(|p| !p.is_empty());
    parts
}

/// The user part of a Request-URI, percent-decoded: the meeting number
/// in `sip:123456789@host` (or `tel:123456789`). `None` without one, or
/// when it is not a plausible number or alias (letters, digits, `+-._`,
/// at most [`MAX_NUMBER`]).
pub fn uri_user(uri: &str) -> Option<String> {
    let lower = uri.get(..5).unwrap_or(uri).to_ascii_lowercase();
    let rest = if lower.starts_with("sips:") {
        uri.get(5..)?
    } else if lower.starts_with("sip:") {
        uri.get(4..)?
    } else if lower.starts_with("tel:") {
        let number = uri.get(4..)?;
        return plausible(number.split(';').next()?);
    } else {
        return None;
    };
    let (user, _host) = rest.split_once('@')?;
    // user-params (`;phone-context=`) and a password are not the number.
    let user = user.split([';', ':']).next()?;
    plausible(&percent_decode(user)?)
}

fn plausible(number: &str) -> Option<String> {
    let ok = !number.is_empty()
        && number.len() <= MAX_NUMBER
        && number
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-._".contains(&b));
    ok.then(|| number.to_string())
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        if b == b'%' {
            let hex = text.get(at + 1..at + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            out.push(b);
            at += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether `uri` can be a dialog's remote target or route: a `sip:` or
/// `sips:` URI without characters that would break the Request-URI or a
/// header we write it into.
pub fn is_sip_uri(uri: &str) -> bool {
    let lower = uri.get(..5).unwrap_or(uri).to_ascii_lowercase();
    let scheme = if lower.starts_with("sips:") {
        5
    } else if lower.starts_with("sip:") {
        4
    } else {
        return false;
    };
    uri.len() > scheme
        && !uri
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"".contains(c))
}

/// Option tags of a Require or Supported value.
pub fn option_tags(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|t| !t.is_empty())
}

/// The media type of a Content-Type value, lower case, without parameters.
pub fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The top Via with `received` (RFC 3261 §18.2.1) and `rport` (RFC 3581)
/// filled in from the datagram's source, so the caller learns the address
/// it was seen from. Only the first value of a comma-separated Via is
/// touched; its branch and sent-by stay, so transaction matching does not
/// change.
pub fn stamp_via(via: &str, source: SocketAddr) -> String {
    let top_end = split_list(via)
        .first()
        .and_then(|top| via.find(top).map(|at| at + top.len()))
        .unwrap_or(via.len());
    let (top, rest) = via.split_at(top_end.min(via.len()));
    let (protocol_and_by, params) = match top.find(';') {
        Some(at) => top.split_at(at),
        None => (top, ""),
    };
    let mut stamped = String::from(protocol_and_by);
    let mut has_received = false;
    for p in params.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, _) = p.split_once('=').unwrap_or((p, ""));
        if key.eq_ignore_ascii_case("rport") {
            stamped.push_str(&format!(";rport={}", source.port()));
        } else if key.eq_ignore_ascii_case("received") {
            has_received = true;
            stamped.push_str(&format!(";received={}", source.ip()));
        } else {
            stamped.push(';');
            stamped.push_str(p);
        }
    }
    let sent_by_host = protocol_and_by
        .split_whitespace()
        .nth(1)
        .map(host_of)
        .unwrap_or("");
    if !has_received && sent_by_host != source.ip().to_string() {
        stamped.push_str(&format!(";received={}", source.ip()));
    }
    stamped.push_str(rest);
    stamped
}

/// The host of a `host[:port]` sent-by (`[v6]:port` too).
fn host_of(sent_by: &str) -> &str {
    if let Some(v6) = sent_by.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    sent_by.split(':').next().unwrap_or(sent_by)
}
