//! The meeting id: 128 random bits, written as 32 lowercase hex characters.
//!
//! The id names a meeting; entering takes a link key as well (see
//! `signalling::entry`). It stays unguessable and is still kept out of
//! logs, which show at most [`MeetingId::short`], so a log reveals no
//! meeting page. Anything that is not exactly 32 lowercase hex
//! characters is refused at the edge and never reaches the database.

use std::fmt;

/// A parsed, valid meeting id.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MeetingId([u8; 16]);

/// The id could not be made: the operating system's random source failed.
#[derive(Debug, thiserror::Error)]
#[error("the system random number generator failed: {0}")]
pub struct RandomError(getrandom::Error);

impl MeetingId {
    pub const LEN: usize = 32;

    /// A fresh id from the operating system's random source.
    pub fn random() -> Result<MeetingId, RandomError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(RandomError)?;
        Ok(MeetingId(bytes))
    }

    /// Accepts exactly 32 lowercase hex characters.
    pub fn parse(text: &str) -> Option<MeetingId> {
        let digits = text.as_bytes();
        if digits.len() != Self::LEN {
            return None;
        }
        let mut bytes = [0u8; 16];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            *byte = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
        }
        Some(MeetingId(bytes))
    }

    /// The first few characters, enough to tell meetings apart in logs
    /// without handing out the capability.
    pub fn short(&self) -> String {
        let mut s = self.to_string();
        s.truncate(6);
        s
    }

    /// The page of this meeting.
    pub fn url_path(&self) -> String {
        format!("/m/{self}")
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

impl fmt::Display for MeetingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// Debug shows only the short prefix, so an id in a `{:?}` never leaks.
impl fmt::Debug for MeetingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MeetingId({}…)", self.short())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_round_trip_and_differ() {
        let a = MeetingId::random().unwrap();
        let b = MeetingId::random().unwrap();
        assert_ne!(a, b);
        let text = a.to_string();
        assert_eq!(text.len(), 32);
        assert_eq!(MeetingId::parse(&text), Some(a));
    }

    #[test]
    fn anything_else_is_refused() {
        let good = "0123456789abcdef0123456789abcdef";
        assert!(MeetingId::parse(good).is_some());
        for bad in [
            "",
            "0123456789ABCDEF0123456789ABCDEF",
            "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdef0",
            "0123456789abcdef0123456789abcdeg",
            "../../etc/passwd",
            "0123456789abcdef0123456789abcdé",
        ] {
            assert_eq!(MeetingId::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn debug_hides_the_id() {
        let id = MeetingId::parse("0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(format!("{id:?}"), "MeetingId(012345…)");
    }
}
