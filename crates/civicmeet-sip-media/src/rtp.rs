//! RTP packets (RFC 3550 §5.1): a borrowed view of a received packet, and
//! the bytes of one we send.
//!
//! Parsing never panics and never allocates: every length a header field
//! claims is checked against the bytes that are really there, and each
//! way of being malformed is its own [`Error`]. RTCP that shares the RTP
//! port (RFC 5761) is recognised first, so the caller can route it to
//! the RTCP handler instead of decoding a receiver report as audio.

use crate::Error;

/// The fixed header: V, P, X, CC, M, PT, sequence number, timestamp, SSRC.
pub const HEADER_LEN: usize = 12;

/// The largest payload this crate keeps (a jitter buffer copies payloads):
/// more than any audio frame and more than fits an Ethernet MTU.
pub const MAX_PAYLOAD: usize = 1500;

/// A received RTP packet, borrowing the datagram it came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// The marker bit: for audio, the first packet of a talkspurt
    /// (RFC 3551 §4.1).
    pub marker: bool,
    /// 0–127; the SDP maps dynamic types (96–127) to codecs.
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    /// The CSRC list as raw bytes, four per identifier (see [`Self::csrcs`]).
    csrc_bytes: &'a [u8],
    /// The payload, without header, extension or padding.
    pub payload: &'a [u8],
}

impl<'a> RtpPacket<'a> {
    /// A packet with no CSRCs, for tests and for code that builds views
    /// from its own parts.
    pub fn new(
        payload_type: u8,
        sequence: u16,
        timestamp: u32,
        ssrc: u32,
        payload: &'a [u8],
    ) -> Self {
        RtpPacket {
            marker: false,
            payload_type: payload_type & 0x7f,
            sequence,
            timestamp,
            ssrc,
            csrc_bytes: &[],
            payload,
        }
    }

    /// Parses a datagram received on the RTP port.
    ///
    /// RTCP (packet types 192–223, RFC 5761 §4) is refused with
    /// [`Error::Rtcp`]; the header extension (RFC 3550 §5.3.1, RFC 8285)
    /// is skipped, since nothing on the SIP leg's audio needs it.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        if bytes.len() < HEADER_LEN {
            return Err(Error::TooShort(bytes.len()));
        }
        let first = bytes[0];
        let version = first >> 6;
        if version != 2 {
            return Err(Error::Version(version));
        }
        if let Some(packet_type) = rtcp_packet_type(bytes) {
            return Err(Error::Rtcp(packet_type));
        }
        let has_padding = first & 0x20 != 0;
        let has_extension = first & 0x10 != 0;
        let csrc_count = usize::from(first & 0x0f);
        let second = bytes[1];

        let csrc_end = HEADER_LEN + 4 * csrc_count;
        let csrc_bytes = bytes.get(HEADER_LEN..csrc_end).ok_or(Error::CsrcOverrun)?;

        let mut payload_start = csrc_end;
        if has_extension {
            // 16 bits defined by profile, 16 bits length in 32-bit words,
            // then the words.
            let words = bytes
                .get(payload_start + 2..payload_start + 4)
                .ok_or(Error::ExtensionOverrun)?;
            let len = 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
            payload_start += len;
            if payload_start > bytes.len() {
                return Err(Error::ExtensionOverrun);
            }
        }

        let mut payload_end = bytes.len();
        if has_padding {
            // The last octet counts the padding, itself included
            // (RFC 3550 §5.1), so zero is malformed.
            let count = bytes[bytes.len() - 1];
            let padding = usize::from(count);
            if padding == 0 || payload_start + padding > bytes.len() {
                return Err(Error::Padding(count));
            }
            payload_end -= padding;
        }
        let payload = bytes
            .get(payload_start..payload_end)
            .ok_or(Error::TooShort(bytes.len()))?;

        Ok(RtpPacket {
            marker: second & 0x80 != 0,
            payload_type: second & 0x7f,
            sequence: u16::from_be_bytes([bytes[2], bytes[3]]),
            timestamp: u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
            ssrc: u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]),
            csrc_bytes,
            payload,
        })
    }

    /// The contributing sources a mixer upstream named.
    pub fn csrcs(&self) -> impl Iterator<Item = u32> + 'a {
        self.csrc_bytes
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
    }
}

/// If the datagram is RTCP multiplexed with RTP (RFC 5761 §4), its packet
/// type. The second octet of RTCP is its packet type (SR 200, RR 201,
/// SDES 202, BYE 203, APP 204, and the feedback and XR types after them);
/// RTP's is marker plus payload type, and RFC 5761 keeps payload types
/// 64–95 unused so the two never collide. The whole 192–223 range is
/// taken, not only 200–204, so a PLI (206) is not mistaken for audio.
pub fn rtcp_packet_type(bytes: &[u8]) -> Option<u8> {
    let first = *bytes.first()?;
    let second = *bytes.get(1)?;
    (first >> 6 == 2 && (192..=223).contains(&second)).then_some(second)
}

/// The header of a packet we send: no padding, no extension, no CSRCs
/// (the mix we send is our own source).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
}

impl RtpHeader {
    /// Appends the header and the payload to `out`.
    pub fn write(&self, payload: &[u8], out: &mut Vec<u8>) {
        out.reserve(HEADER_LEN + payload.len());
        out.push(0x80);
        out.push(u8::from(self.marker) << 7 | (self.payload_type & 0x7f));
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(payload);
    }

    /// The header and the payload as a new datagram.
    pub fn to_bytes(&self, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(payload, &mut out);
        out
    }
}
