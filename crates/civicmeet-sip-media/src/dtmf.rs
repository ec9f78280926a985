//! DTMF key presses from RFC 4733 telephone-events, for PIN entry.
//!
//! A phone sends one key press as a series of packets that share the
//! RTP timestamp of the press's start, each with the duration so far, and
//! the last one (end bit set) three times. So a press is one timestamp:
//! the first packet with a new timestamp reports the key, whichever of the
//! press's packets that is (the start may be lost), and the rest of the
//! press is ignored. A timestamp older than the latest press is a
//! straggler of a press already reported.

use crate::Error;
use crate::rtp::RtpPacket;

/// A key of the keypad: RFC 4733 §3.2 events 0–15.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DtmfKey(u8);

impl DtmfKey {
    /// The key of a telephone-event code; `None` for codes that are not
    /// DTMF (flash, modem tones, …).
    pub fn from_event(event: u8) -> Option<Self> {
        (event <= 15).then_some(DtmfKey(event))
    }

    /// The key for `0`–`9`, `*`, `#`, `A`–`D` (lower case too).
    pub fn from_char(c: char) -> Option<Self> {
        let event = match c.to_ascii_uppercase() {
            '0'..='9' => c as u8 - b'0',
            '*' => 10,
            '#' => 11,
            'A'..='D' => c.to_ascii_uppercase() as u8 - b'A' + 12,
            _ => return None,
        };
        Some(DtmfKey(event))
    }

    pub fn event(self) -> u8 {
        self.0
    }

    pub fn as_char(self) -> char {
        match self.0 {
            0..=9 => char::from(b'0' + self.0),
            10 => '*',
            11 => '#',
            // The constructors keep the code at most 15.
            _ => char::from(b'A' + (self.0 - 12)),
        }
    }
}

/// One telephone-event payload block (RFC 4733 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    pub event: u8,
    /// The E bit: the event has ended (sent three times).
    pub end: bool,
    /// Power level, in -dBm0 (0–63).
    pub volume: u8,
    /// Duration so far, in RTP clock ticks from the event's timestamp.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses the first 4-byte block of a payload; more blocks (allowed
    /// for several events, §2.5.1.5) are ignored.
    pub fn parse(payload: &[u8]) -> Result<Self, Error> {
        let [event, flags, high, low, ..] = *payload else {
            return Err(Error::EventTooShort(payload.len()));
        };
        Ok(TelephoneEvent {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3f,
            duration: u16::from_be_bytes([high, low]),
        })
    }

    pub fn to_bytes(&self) -> [u8; 4] {
        let [high, low] = self.duration.to_be_bytes();
        [
            self.event,
            u8::from(self.end) << 7 | (self.volume & 0x3f),
            high,
            low,
        ]
    }
}

/// Turns a stream of telephone-event packets into key presses, each
/// reported once.
#[derive(Debug, Clone, Default)]
pub struct DtmfReceiver {
    ssrc: Option<u32>,
    /// The timestamp of the latest press.
    latest: Option<u32>,
}

impl DtmfReceiver {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes a packet of the telephone-event payload type; the key when it
    /// is the first packet seen of a new press.
    pub fn handle(&mut self, packet: &RtpPacket<'_>) -> Result<Option<DtmfKey>, Error> {
        let event = TelephoneEvent::parse(packet.payload)?;
        if self.ssrc != Some(packet.ssrc) {
            self.ssrc = Some(packet.ssrc);
            self.latest = None;
        }
        if let Some(latest) = self.latest {
            // Same press, or (by serial-number arithmetic across the wrap)
            // an earlier one.
            if (packet.timestamp.wrapping_sub(latest) as i32) <= 0 {
                return Ok(None);
            }
        }
        self.latest = Some(packet.timestamp);
        Ok(DtmfKey::from_event(event.event))
    }
}
