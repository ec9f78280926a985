//! A SIP message: start line, headers in order, body.

use std::fmt::Write as _;

/// Request methods civicmeet knows; anything else is kept by name (and
/// answered `501` by the transaction layer, not refused by the parser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    Invite,
    Ack,
    Bye,
    Cancel,
    Options,
    Info,
    Other(String),
}

impl Method {
    pub fn parse(token: &str) -> Method {
        match token {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "OPTIONS" => Method::Options,
            "INFO" => Method::Info,
            other => Method::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Options => "OPTIONS",
            Method::Info => "INFO",
            Method::Other(name) => name,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    Request { method: Method, uri: String },
    Response { status: u16, reason: String },
}

/// One header field, its name in the canonical long form (compact forms
/// such as `v` are expanded to `Via` by the parser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub start: StartLine,
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
}

/// The headers a response copies from its request (RFC 3261 §8.2.6.2).
const COPIED: [&str; 5] = ["Via", "From", "To", "Call-ID", "CSeq"];

impl Message {
    /// The first value of a header (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// Every value of a header, one per header line, in order (for the
    /// headers that may repeat: Via, Record-Route, Require).
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// Adds a header before Content-Length (which [`Message::response`]
    /// puts last).
    pub fn push_header(&mut self, name: &str, value: impl Into<String>) {
        let header = Header {
            name: name.to_string(),
            value: value.into(),
        };
        match self
            .headers
            .iter()
            .position(|h| h.name.eq_ignore_ascii_case("Content-Length"))
        {
            Some(at) => self.headers.insert(at, header),
            None => self.headers.push(header),
        }
    }

    /// Sets the body, its Content-Type, and Content-Length to match.
    pub fn set_body(&mut self, content_type: &str, body: Vec<u8>) {
        self.headers.retain(|h| {
            !h.name.eq_ignore_ascii_case("Content-Type")
                && !h.name.eq_ignore_ascii_case("Content-Length")
        });
        self.headers.push(Header {
            name: "Content-Type".into(),
            value: content_type.to_string(),
        });
        self.headers.push(Header {
            name: "Content-Length".into(),
            value: body.len().to_string(),
        });
        self.body = body;
    }

    /// The request's method, `None` for a response.
    pub fn method(&self) -> Option<&Method> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    /// The response to this request with `status` and `reason`: Via, From,
    /// To, Call-ID and CSeq copied, and a To tag added when the request's
    /// To has none (`to_tag`, or a fixed one for stateless answers).
    pub fn response(&self, status: u16, reason: &str, to_tag: Option<&str>) -> Message {
        let mut headers = Vec::new();
        for header in &self.headers {
            if !COPIED.iter().any(|c| c.eq_ignore_ascii_case(&header.name)) {
                continue;
            }
            let mut header = header.clone();
            if header.name == "To" && !has_tag(&header.value) && status != 100 {
                header.value = format!("{};tag={}", header.value, to_tag.unwrap_or("cm0"));
            }
            headers.push(header);
        }
        headers.push(Header {
            name: "Content-Length".into(),
            value: "0".into(),
        });
        Message {
            start: StartLine::Response {
                status,
                reason: reason.to_string(),
            },
            headers,
            body: Vec::new(),
        }
    }

    /// The message as bytes on the wire (CRLF line ends).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = match &self.start {
            StartLine::Request { method, uri } => {
                write!(text, "{} {uri} SIP/2.0\r\n", method.as_str())
            }
            StartLine::Response { status, reason } => write!(text, "SIP/2.0 {status} {reason}\r\n"),
        };
        for header in &self.headers {
            let _ = write!(text, "{}: {}\r\n", header.name, header.value);
        }
        text.push_str("\r\n");
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Whether a From/To value has a `tag` parameter (outside the URI's `<>`).
fn has_tag(value: &str) -> bool {
    let params = match value.rfind('>') {
        Some(end) => &value[end..],
        None => value,
    };
    params
        .split(';')
        .skip(1)
        .any(|p| p.trim().to_ascii_lowercase().starts_with("tag="))
}
