//! Datagram → [`Message`], refusing what RFC 3261 refuses.
//!
//! Lenient where the RFC asks for leniency (LF alone as a line end, folded
//! header lines, compact header names, any case in header names, extra
//! bytes after the body in a datagram), strict where a wrong guess would
//! do harm (the CSeq must name the request's method, Content-Length must
//! not promise more than arrived, one start line, header names that are
//! tokens).

use crate::message::{Header, Message, Method, StartLine};

/// The largest datagram taken (a UDP datagram cannot be larger).
pub const MAX_MESSAGE: usize = 65_535;
/// More header fields than any real message has.
pub const MAX_HEADERS: usize = 128;

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Only line ends: a keep-alive (RFC 5626), nothing to answer.
    #[error("keep-alive")]
    KeepAlive,
    /// Not a SIP message we can address an answer to (no start line, not
    /// text, too large, a broken response, a request without Via).
    #[error("dropped: {0}")]
    Dropped(&'static str),
    /// A request that cannot be taken as it is, but that says where an
    /// answer goes: answer it with `status`.
    #[error("{status} {reason}")]
    Answerable {
        message: Box<Message>,
        status: u16,
        reason: &'static str,
    },
}

/// Compact header names (RFC 3261 §7.3.3 and the registry) and the long
/// names they stand for.
const COMPACT: [(&str, &str); 10] = [
    ("i", "Call-ID"),
    ("m", "Contact"),
    ("e", "Content-Encoding"),
    ("l", "Content-Length"),
    ("c", "Content-Type"),
    ("f", "From"),
    ("s", "Subject"),
    ("k", "Supported"),
    ("t", "To"),
    ("v", "Via"),
];

/// Headers spelled in their usual case, so lookups and copies agree.
const CANONICAL: [&str; 14] = [
    "Via",
    "From",
    "To",
    "Call-ID",
    "CSeq",
    "Contact",
    "Content-Length",
    "Content-Type",
    "Max-Forwards",
    "Supported",
    "Subject",
    "Content-Encoding",
    "Allow",
    "User-Agent",
];

pub fn parse(datagram: &[u8]) -> Result<Message, ParseError> {
    if datagram.len() > MAX_MESSAGE {
        return Err(ParseError::Dropped("larger than a datagram"));
    }
    if datagram.iter().all(|b| *b == b'\r' || *b == b'\n') {
        return if datagram.is_empty() {
            Err(ParseError::Dropped("empty"))
        } else {
            Err(ParseError::KeepAlive)
        };
    }
    let (head, body) = split_head(datagram).ok_or(ParseError::Dropped("no end of headers"))?;
    let head =
        std::str::from_utf8(head).map_err(|_| ParseError::Dropped("headers are not UTF-8"))?;
    let mut lines = unfold(head).into_iter();
    let first = lines.next().ok_or(ParseError::Dropped("no start line"))?;
    let mut problem: Option<(u16, &'static str)> = None;
    let (start, version_ok) = start_line(&first).ok_or(ParseError::Dropped("no start line"))?;
    if !version_ok {
        problem = Some((505, "Version Not Supported"));
    }
    let mut headers = Vec::new();
    for line in lines {
        if headers.len() == MAX_HEADERS {
            return Err(ParseError::Dropped("too many headers"));
        }
        match header(&line) {
            Some(header) => headers.push(header),
            None => {
                problem.get_or_insert((400, "Malformed Header"));
            }
        }
    }
    let mut message = Message {
        start,
        headers,
        body: body.to_vec(),
    };
    if let Err(p) = check_body(&mut message) {
        problem.get_or_insert(p);
    }
    if let StartLine::Request { method, uri } = &message.start
        && let Err(p) = check_request(method, uri, &message)
    {
        problem.get_or_insert(p);
    }
    let Some((status, reason)) = problem else {
        return Ok(message);
    };
    match message.start {
        // Only a request with a Via can be answered: it says where to.
        StartLine::Request { .. } if message.header("Via").is_some() => {
            Err(ParseError::Answerable {
                message: Box::new(message),
                status,
                reason,
            })
        }
        StartLine::Request { .. } => Err(ParseError::Dropped("a broken request without Via")),
        StartLine::Response { .. } => Err(ParseError::Dropped("a broken response")),
    }
}

/// Head and body: split at the first empty line (CRLF CRLF, or LF LF).
fn split_head(datagram: &[u8]) -> Option<(&[u8], &[u8])> {
    let crlf = datagram
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4));
    let lf = datagram
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| (i, i + 2));
    let (end, body) = match (crlf, lf) {
        (Some(a), Some(b)) => {
            if a.0 <= b.0 {
                a
            } else {
                b
            }
        }
        (a, b) => a.or(b)?,
    };
    Some((&datagram[..end], &datagram[body..]))
}

/// Lines of the head, continuation lines (starting with space or tab)
/// joined to the line before with one space (RFC 3261 §7.3.1).
fn unfold(head: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in head.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        // Leading empty lines before the start line are tolerated (§7.5).
        if lines.is_empty() && line.is_empty() {
            continue;
        }
        // The start line is never continued; header lines are.
        let continues = line.starts_with([' ', '\t']) && lines.len() > 1;
        match lines.last_mut() {
            Some(previous) if continues => {
                previous.push(' ');
                previous.push_str(line.trim());
            }
            _ => lines.push(line.to_string()),
        }
    }
    lines
}

/// The start line and whether its version is SIP/2.0.
fn start_line(line: &str) -> Option<(StartLine, bool)> {
    let mut parts = line.splitn(3, ' ');
    let first = parts.next()?;
    let second = parts.next()?;
    let third = parts.next()?;
    if first.starts_with("SIP/") {
        let status: u16 = second.parse().ok().filter(|s| (100..700).contains(s))?;
        let start = StartLine::Response {
            status,
            reason: third.to_string(),
        };
        return Some((start, first.eq_ignore_ascii_case("SIP/2.0")));
    }
    if first.is_empty() || !first.bytes().all(is_token) {
        return None;
    }
    // A Request-URI never holds a space: more parts mean a broken line,
    // which §25 does not allow; the URI check below refuses it.
    let (uri, version) = match third.rsplit_once(' ') {
        Some((rest, version)) => (format!("{second} {rest}"), version),
        None => (second.to_string(), third),
    };
    let start = StartLine::Request {
        method: Method::parse(first),
        uri,
    };
    Some((start, version.eq_ignore_ascii_case("SIP/2.0")))
}

fn header(line: &str) -> Option<Header> {
    let (name, value) = line.split_once(':')?;
    let name = name.trim_end();
    if name.is_empty() || !name.bytes().all(is_token) {
        return None;
    }
    let name = COMPACT
        .iter()
        .find(|(short, _)| short.eq_ignore_ascii_case(name))
        .map(|(_, long)| long.to_string())
        .or_else(|| {
            CANONICAL
                .iter()
                .find(|c| c.eq_ignore_ascii_case(name))
                .map(|c| c.to_string())
        })
        .unwrap_or_else(|| name.to_string());
    Some(Header {
        name,
        value: value.trim().to_string(),
    })
}

/// RFC 3261 §25.1 token characters.
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b)
}

/// Content-Length against the body: it may not promise more than arrived;
/// bytes beyond it are not part of the message (§18.3).
fn check_body(message: &mut Message) -> Result<(), (u16, &'static str)> {
    let lengths: Vec<&str> = message
        .headers
        .iter()
        .filter(|h| h.name == "Content-Length")
        .map(|h| h.value.as_str())
        .collect();
    let Some(first) = lengths.first() else {
        return Ok(());
    };
    if lengths.iter().any(|l| l != first) {
        return Err((400, "Conflicting Content-Length"));
    }
    let length: usize = first.parse().map_err(|_| (400, "Bad Content-Length"))?;
    if length > message.body.len() {
        return Err((400, "Content-Length Larger Than Message"));
    }
    message.body.truncate(length);
    Ok(())
}

fn check_request(method: &Method, uri: &str, message: &Message) -> Result<(), (u16, &'static str)> {
    let has_scheme = ["sip:", "sips:", "tel:"].iter().any(|scheme| {
        uri.len() > scheme.len()
            && uri.as_bytes()[..scheme.len()].eq_ignore_ascii_case(scheme.as_bytes())
    });
    if uri.contains(' ') || !has_scheme {
        return Err((400, "Bad Request-URI"));
    }
    for required in ["Via", "From", "To", "Call-ID", "CSeq"] {
        if message.header(required).is_none() {
            return Err((400, "Missing Header"));
        }
    }
    let cseq = message.header("CSeq").unwrap_or_default();
    let mut parts = cseq.split_whitespace();
    let number = parts
        .next()
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| *n < 1 << 31);
    let cseq_method = parts.next();
    if number.is_none() || cseq_method != Some(method.as_str()) || parts.next().is_some() {
        return Err((400, "Bad CSeq"));
    }
    if let Some(max) = message.header("Max-Forwards")
        && max.parse::<u8>().is_err()
    {
        return Err((400, "Bad Max-Forwards"));
    }
    Ok(())
}
