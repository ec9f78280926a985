//! SDP text → [`SessionDescription`] (RFC 4566 §5), bounded and without
//! panics: every size is checked before it is used, nothing is indexed.
//!
//! Lenient where peers differ harmlessly (LF alone as line end, trailing
//! whitespace, unknown line types and attributes ignored), strict where a
//! wrong guess would send media astray (no address for a used m-line, a
//! port or payload type out of range).

use std::net::IpAddr;

use super::{
    Direction, MAX_FORMATS, MAX_LINE, MAX_LINES, MAX_MEDIA, MAX_SDP, MediaDescription, MediaKind,
    Origin, PayloadFormat, Protocol, SdpError, SessionDescription,
};

/// An m-line while its attributes are still being read.
struct Pending {
    media: MediaDescription,
    direction: Option<Direction>,
    /// `rtpmap`: payload type, encoding, clock rate, channels.
    rtpmaps: Vec<(u8, String, u32, Option<u8>)>,
    fmtps: Vec<(u8, String)>,
    /// `rtcp-fb`: payload type (`None` for `*`), feedback.
    feedback: Vec<(Option<u8>, String)>,
}

impl SessionDescription {
    pub fn parse(bytes: &[u8]) -> Result<SessionDescription, SdpError> {
        if bytes.len() > MAX_SDP {
            return Err(SdpError::TooLarge);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| SdpError::NotUtf8)?;
        let mut origin = None;
        let mut session_connection = None;
        let mut session_direction = None;
        let mut media: Vec<Pending> = Vec::new();
        let mut seen_version = false;
        for (index, line) in text.split('\n').enumerate() {
            let number = index + 1;
            if number > MAX_LINES {
                return Err(SdpError::TooManyLines);
            }
            if line.len() > MAX_LINE {
                return Err(SdpError::LineTooLong { line: number });
            }
            let line = line.trim_end();
            if line.is_empty() {
                continue;
            }
            let bad = |what| SdpError::BadLine { line: number, what };
            let (kind, value) = line.split_once('=').ok_or(bad("no '='"))?;
            if !seen_version {
                if kind != "v" || value.trim() != "0" {
                    return Err(SdpError::NoVersion);
                }
                seen_version = true;
                continue;
            }
            match kind {
                "o" => origin = Some(parse_origin(value).ok_or(bad("bad o= line"))?),
                "c" => {
                    let address = parse_connection(value).ok_or(bad("bad c= line"))?;
                    match media.last_mut() {
                        Some(pending) => pending.media.connection = Some(address),
                        None => session_connection = Some(address),
                    }
                }
                "m" => {
                    if media.len() == MAX_MEDIA {
                        return Err(SdpError::TooManyMedia);
                    }
                    media.push(parse_media(value, number)?);
                }
                "b" => {
                    if let (Some(pending), Some(kbps)) = (
                        media.last_mut(),
                        value
                            .strip_prefix("AS:")
                            .and_then(|v| v.trim().parse().ok()),
                    ) {
                        pending.media.bandwidth_kbps = Some(kbps);
                    }
                }
                "a" => match media.last_mut() {
                    Some(pending) => media_attribute(pending, value, number)?,
                    None => {
                        if let Some(direction) = Direction::parse(value) {
                            session_direction = Some(direction);
                        }
                    }
                },
                // Line types are one letter (RFC 4566 §5); the others
                // (s, i, u, e, p, t, r, z, k) say nothing we use.
                _ if kind.len() == 1 && kind.bytes().all(|b| b.is_ascii_lowercase()) => {}
                _ => return Err(bad("not a type=value line")),
            }
        }
        if !seen_version {
            return Err(SdpError::NoVersion);
        }
        let origin = origin.ok_or(SdpError::NoOrigin)?;
        let mut finished = Vec::with_capacity(media.len());
        for (index, pending) in media.into_iter().enumerate() {
            let mut description = finish(pending, session_direction);
            if description.connection.is_none() {
                description.connection = session_connection;
            }
            if description.connection.is_none() && description.port != 0 {
                return Err(SdpError::NoConnection { media: index });
            }
            finished.push(description);
        }
        Ok(SessionDescription {
            origin,
            connection: session_connection,
            media: finished,
        })
    }
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>`
fn parse_origin(value: &str) -> Option<Origin> {
    let mut parts = value.split_whitespace();
    let username = parts.next()?.to_string();
    let session_id = parts.next().filter(|id| is_digits(id))?.to_string();
    let version = parts.next().filter(|v| is_digits(v))?.to_string();
    Some(Origin {
        username,
        session_id,
        version,
    })
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.len() <= 32 && text.bytes().all(|b| b.is_ascii_digit())
}

/// `c=IN IP4 <address>[/ttl[/count]]`. Names instead of addresses are
/// refused: a sans-IO core cannot resolve them, and room systems send
/// addresses.
fn parse_connection(value: &str) -> Option<IpAddr> {
    let mut parts = value.split_whitespace();
    if parts.next()? != "IN" {
        return None;
    }
    let family = parts.next()?;
    let address = parts.next()?.split('/').next()?;
    let address: IpAddr = address.parse().ok()?;
    let family_matches = match address {
        IpAddr::V4(_) => family.eq_ignore_ascii_case("IP4"),
        IpAddr::V6(_) => family.eq_ignore_ascii_case("IP6"),
    };
    (family_matches && parts.next().is_none()).then_some(address)
}

/// `m=<media> <port>[/<count>] <proto> <fmt> ...`
fn parse_media(value: &str, line: usize) -> Result<Pending, SdpError> {
    let bad = |what| SdpError::BadLine { line, what };
    let mut parts = value.split_whitespace();
    let kind = match parts.next().ok_or(bad("empty m= line"))? {
        "audio" => MediaKind::Audio,
        "video" => MediaKind::Video,
        other => MediaKind::Other(other.to_string()),
    };
    let port_text = parts.next().ok_or(bad("m= line without port"))?;
    let port_text = port_text.split('/').next().unwrap_or(port_text);
    let port: u16 = port_text.parse().map_err(|_| bad("bad port"))?;
    let protocol = Protocol::parse(parts.next().ok_or(bad("m= line without protocol"))?);
    let mut formats = Vec::new();
    let mut payloads = Vec::new();
    for format in parts {
        if formats.len() == MAX_FORMATS {
            return Err(SdpError::TooManyFormats);
        }
        if protocol.is_rtp() {
            let payload_type = format
                .parse::<u8>()
                .ok()
                .filter(|pt| *pt <= 127)
                .ok_or(bad("bad payload type"))?;
            payloads.push(static_format(payload_type));
        }
        formats.push(format.to_string());
    }
    if formats.is_empty() {
        return Err(bad("m= line without formats"));
    }
    Ok(Pending {
        media: MediaDescription {
            kind,
            port,
            protocol,
            formats,
            payloads,
            connection: None,
            direction: Direction::SendRecv,
            ptime: None,
            rtcp_port: None,
            rtcp_address: None,
            rtcp_mux: false,
            crypto: Vec::new(),
            bandwidth_kbps: None,
        },
        direction: None,
        rtpmaps: Vec::new(),
        fmtps: Vec::new(),
        feedback: Vec::new(),
    })
}

/// A payload type as RFC 3551's static table assigns it (only the ones
/// room systems and phones still send), or unnamed for a dynamic one.
fn static_format(payload_type: u8) -> PayloadFormat {
    let (encoding, clock_rate) = match payload_type {
        0 => (Some("PCMU"), Some(8_000)),
        3 => (Some("GSM"), Some(8_000)),
        4 => (Some("G723"), Some(8_000)),
        8 => (Some("PCMA"), Some(8_000)),
        9 => (Some("G722"), Some(8_000)),
        13 => (Some("CN"), Some(8_000)),
        18 => (Some("G729"), Some(8_000)),
        34 => (Some("H263"), Some(90_000)),
        _ => (None, None),
    };
    PayloadFormat {
        payload_type,
        encoding: encoding.map(str::to_string),
        clock_rate,
        channels: None,
        fmtp: None,
        feedback: Vec::new(),
    }
}

fn media_attribute(pending: &mut Pending, value: &str, line: usize) -> Result<(), SdpError> {
    let bad = |what| SdpError::BadLine { line, what };
    let (name, rest) = value.split_once(':').unwrap_or((value, ""));
    if let Some(direction) = Direction::parse(name) {
        pending.direction = Some(direction);
        return Ok(());
    }
    let media = &mut pending.media;
    match name {
        "rtpmap" => {
            let (pt, map) = split_payload_type(rest).ok_or(bad("bad rtpmap"))?;
            let mut fields = map.split('/');
            let encoding = fields.next().filter(|e| !e.is_empty());
            let rate = fields.next().and_then(|r| r.trim().parse::<u32>().ok());
            let channels = match fields.next() {
                Some(c) => Some(c.trim().parse::<u8>().map_err(|_| bad("bad rtpmap"))?),
                None => None,
            };
            let (Some(encoding), Some(rate)) = (encoding, rate) else {
                return Err(bad("bad rtpmap"));
            };
            if pending.rtpmaps.len() < MAX_FORMATS {
                pending
                    .rtpmaps
                    .push((pt, encoding.to_string(), rate, channels));
            }
        }
        "fmtp" => {
            let (pt, params) = split_payload_type(rest).ok_or(bad("bad fmtp"))?;
            if pending.fmtps.len() < MAX_FORMATS {
                pending.fmtps.push((pt, params.to_string()));
            }
        }
        "rtcp-fb" => {
            let (pt, feedback) = rest.trim().split_once(' ').ok_or(bad("bad rtcp-fb"))?;
            let pt = match pt {
                "*" => None,
                pt => Some(pt.parse::<u8>().map_err(|_| bad("bad rtcp-fb"))?),
            };
            if pending.feedback.len() < MAX_FORMATS {
                pending.feedback.push((pt, feedback.trim().to_string()));
            }
        }
        "ptime" => media.ptime = rest.trim().parse().ok().filter(|p| *p > 0 && *p <= 1000),
        "rtcp" => {
            let mut fields = rest.split_whitespace();
            media.rtcp_port = fields.next().and_then(|p| p.parse().ok());
            let address = fields.collect::<Vec<_>>().join(" ");
            media.rtcp_address = parse_connection(&address);
        }
        "rtcp-mux" => media.rtcp_mux = true,
        "crypto" if media.crypto.len() < MAX_FORMATS => {
            media.crypto.push(rest.trim().to_string());
        }
        _ => {}
    }
    Ok(())
}

/// `<payload type> <rest>` of rtpmap and fmtp.
fn split_payload_type(text: &str) -> Option<(u8, &str)> {
    let (pt, rest) = text.trim().split_once(' ')?;
    let pt = pt.parse::<u8>().ok().filter(|pt| *pt <= 127)?;
    Some((pt, rest.trim()))
}

/// The m-line with its attributes joined to its payload types.
fn finish(pending: Pending, session_direction: Option<Direction>) -> MediaDescription {
    let mut media = pending.media;
    media.direction = pending
        .direction
        .or(session_direction)
        .unwrap_or(Direction::SendRecv);
    for format in &mut media.payloads {
        let pt = format.payload_type;
        if let Some((_, encoding, rate, channels)) = pending.rtpmaps.iter().find(|(p, ..)| *p == pt)
        {
            format.encoding = Some(encoding.clone());
            format.clock_rate = Some(*rate);
            format.channels = *channels;
        }
        format.fmtp = pending
            .fmtps
            .iter()
            .find(|(p, _)| *p == pt)
            .map(|(_, f)| f.clone());
        format.feedback = pending
            .feedback
            .iter()
            .filter(|(p, _)| p.is_none_or(|p| p == pt))
            .map(|(_, f)| f.clone())
            .collect();
    }
    media
}
