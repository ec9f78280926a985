//! The address a host asks us to dial, parsed strictly: `sip:` or `sips:`,
//! `user@host[:port]`, at most a `transport` parameter. The address comes
//! from a web page, so everything else is refused rather than passed on
//! into our INVITE: no password, no other URI parameters, no headers
//! (`?`), no characters that would need escaping.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::transport::Transport;

/// The longest address taken.
pub const MAX_TARGET: usize = 256;
/// The longest user part (a room system's name or a phone number).
const MAX_USER: usize = 64;

/// A SIP address we may dial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialTarget {
    secure: bool,
    user: String,
    host: String,
    port: Option<u16>,
    transport: Transport,
    /// Whether the address named its transport.
    named_transport: bool,
}

/// Why an address is not one we dial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("the address is longer than {MAX_TARGET} characters")]
    TooLong,
    #[error("the address does not start with sip: or sips:")]
    Scheme,
    #[error("the address has no user part (user@host)")]
    NoUser,
    #[error("the user part has characters we do not take")]
    User,
    #[error("the host is not an IP address or a domain name")]
    Host,
    #[error("the port is not a number from 1 to 65535")]
    Port,
    #[error("the address has parameters or headers we do not take")]
    Parameters,
    #[error("sips: needs TLS")]
    InsecureTransport,
}

impl DialTarget {
    pub fn parse(text: &str) -> Result<DialTarget, TargetError> {
        let text = text.trim();
        if text.len() > MAX_TARGET {
            return Err(TargetError::TooLong);
        }
        let lower = text.get(..5).unwrap_or(text).to_ascii_lowercase();
        let (secure, rest) = if lower.starts_with("sips:") {
            (true, text.get(5..).unwrap_or(""))
        } else if lower.starts_with("sip:") {
            (false, text.get(4..).unwrap_or(""))
        } else {
            return Err(TargetError::Scheme);
        };
        if rest.contains('?') {
            return Err(TargetError::Parameters);
        }
        let (address, params) = match rest.split_once(';') {
            Some((address, params)) => (address, Some(params)),
            None => (rest, None),
        };
        let (user, host_port) = address.split_once('@').ok_or(TargetError::NoUser)?;
        if user.is_empty() {
            return Err(TargetError::NoUser);
        }
        let user_ok = user.len() <= MAX_USER
            && user
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.+!~*'()".contains(&b));
        if !user_ok {
            return Err(TargetError::User);
        }
        let (host, port) = split_host_port(host_port)?;
        let mut transport = if secure {
            Transport::Tls
        } else {
            Transport::Udp
        };
        let mut named_transport = false;
        if let Some(params) = params {
            let (name, value) = params.split_once('=').ok_or(TargetError::Parameters)?;
            if !name.eq_ignore_ascii_case("transport") {
                return Err(TargetError::Parameters);
            }
            transport = match value.to_ascii_lowercase().as_str() {
                "udp" => Transport::Udp,
                "tcp" => Transport::Tcp,
                "tls" => Transport::Tls,
                _ => return Err(TargetError::Parameters),
            };
            named_transport = true;
        }
        if secure && transport != Transport::Tls {
            return Err(TargetError::InsecureTransport);
        }
        Ok(DialTarget {
            secure,
            user: user.to_string(),
            host,
            port,
            transport,
            named_transport,
        })
    }

    /// The user part: a name for the participant when the host typed none.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The host, lower case, IPv6 without brackets. The only part of the
    /// address fit for logs.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, or the default of the transport (5060, 5061 for TLS).
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.transport {
            Transport::Tls => 5061,
            Transport::Udp | Transport::Tcp => 5060,
        })
    }

    pub fn transport(&self) -> Transport {
        self.transport
    }

    pub fn is_secure(&self) -> bool {
        self.secure
    }
}

impl fmt::Display for DialTarget {
    /// The address in the form we write it into our INVITE.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.secure { "sips" } else { "sip" };
        write!(f, "{scheme}:{}@", self.user)?;
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        if self.named_transport {
            write!(
                f,
                ";transport={}",
                self.transport.via_name().to_ascii_lowercase()
            )?;
        }
        Ok(())
    }
}

fn split_host_port(text: &str) -> Result<(String, Option<u16>), TargetError> {
    let (host, port) = if let Some(v6) = text.strip_prefix('[') {
        let (inside, after) = v6.split_once(']').ok_or(TargetError::Host)?;
        inside.parse::<Ipv6Addr>().map_err(|_| TargetError::Host)?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(TargetError::Host)?),
        };
        (inside.to_ascii_lowercase(), port)
    } else {
        let (host, port) = match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        };
        if host.parse::<Ipv4Addr>().is_err() && !is_domain(host) {
            return Err(TargetError::Host);
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        None => None,
        Some(port) => {
            let ok =
                !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
            match port.parse::<u16>() {
                Ok(number) if ok && number > 0 => Some(number),
                _ => return Err(TargetError::Port),
            }
        }
    };
    Ok((host, port))
}

/// A DNS name (RFC 1123 labels), not all digits (that would be a
/// mistyped IPv4 address).
fn is_domain(host: &str) -> bool {
    let labels_ok = host.len() <= 253
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    labels_ok && !host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}
