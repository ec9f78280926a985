//! The two halves of a SIP leg's SRTP: [`SrtpSender`] protects what we
//! send under our master key, [`SrtpReceiver`] checks and opens what the
//! peer sends under its own. Each keeps, per SSRC, the packet indices it
//! has used or accepted (the SRTP index with its rollover counter, the
//! SRTCP index), at most [`MAX_STREAMS`] SSRCs.
//!
//! Order of work on receipt, so that nothing unauthenticated changes
//! state: estimate the index, ask the replay window, check the tag in
//! constant time, decrypt into `out`, and only then record the index.

use subtle::ConstantTimeEq;

use super::cipher::SessionCipher;
use super::replay::{ReplayWindow, estimate_rtp_index};
use super::{MasterKey, RTCP_TAG_LEN, SrtpError, SrtpProfile};

/// SSRCs one context keeps indices for. A SIP peer sends one SSRC per
/// m-line, and a new one now and then (after hold, or a restarted
/// camera); a new master key comes with every re-INVITE. Beyond this a
/// new SSRC is refused rather than an old one forgotten, since a
/// forgotten SSRC's old packets could be replayed.
pub const MAX_STREAMS: usize = 64;

/// RTP's fixed header (RFC 3550 §5.1).
const RTP_HEADER_LEN: usize = 12;
/// What SRTCP leaves in the clear: the first RTCP header and its SSRC.
const RTCP_CLEAR_LEN: usize = 8;
/// The E flag and the 31-bit SRTCP index after the encrypted part.
const SRTCP_TRAILER_LEN: usize = 4;
/// The E flag: this SRTCP packet is encrypted.
const E_FLAG: u32 = 0x8000_0000;
/// The highest SRTCP index: 31 bits.
const MAX_RTCP_INDEX: u64 = 0x7fff_ffff;

/// Protects RTP and RTCP that we send, under the master key of our
/// answer's (or offer's) `a=crypto` line.
#[derive(Debug)]
pub struct SrtpSender {
    profile: SrtpProfile,
    keys: Keys,
    streams: Streams,
}

/// Authenticates and decrypts SRTP and SRTCP from the peer, under the
/// master key of its `a=crypto` line, and refuses replays.
#[derive(Debug)]
pub struct SrtpReceiver {
    profile: SrtpProfile,
    keys: Keys,
    streams: Streams,
}

impl SrtpSender {
    pub fn new(profile: SrtpProfile, master: &MasterKey) -> SrtpSender {
        SrtpSender {
            profile,
            keys: Keys::derive(master),
            streams: Streams::default(),
        }
    }

    pub fn profile(&self) -> SrtpProfile {
        self.profile
    }

    /// Protects one RTP packet: `out` is cleared and then holds the
    /// packet with its payload encrypted and the tag appended. Refuses a
    /// packet that is not RTP, and a sequence number this sender already
    /// protected (for the same SSRC and rollover), which would reuse
    /// keystream.
    pub fn protect_rtp(&mut self, packet: &[u8], out: &mut Vec<u8>) -> Result<(), SrtpError> {
        out.clear();
        let header_len = rtp_header_len(packet)?;
        let (seq, ssrc) = rtp_seq_ssrc(packet)?;
        let index = self.streams.index_of(ssrc, seq)?;

        let tag_len = self.profile.rtp_tag_len();
        out.reserve(packet.len() + tag_len);
        out.extend_from_slice(packet);
        if let Some(payload) = out.get_mut(header_len..) {
            self.keys.rtp.apply(ssrc, index, payload);
        }
        let tag = self.keys.rtp.tag(&[out, &rollover_counter(index)]);
        out.extend(tag.iter().take(tag_len));
        self.streams.record_rtp(ssrc, index);
        Ok(())
    }

    /// Protects one RTCP packet (or compound packet): all but its first
    /// eight bytes encrypted, then the E flag with this SSRC's next SRTCP
    /// index, then the tag.
    pub fn protect_rtcp(&mut self, packet: &[u8], out: &mut Vec<u8>) -> Result<(), SrtpError> {
        out.clear();
        let ssrc = rtcp_ssrc(packet)?;
        let index = match self.streams.find(ssrc).and_then(|s| s.rtcp) {
            Some(window) => window.highest() + 1,
            None => 0,
        };
        if index > MAX_RTCP_INDEX {
            return Err(SrtpError::KeyExhausted);
        }
        self.streams.check_room(ssrc)?;

        out.reserve(packet.len() + SRTCP_TRAILER_LEN + RTCP_TAG_LEN);
        out.extend_from_slice(packet);
        if let Some(encrypted) = out.get_mut(RTCP_CLEAR_LEN..) {
            self.keys.rtcp.apply(ssrc, index, encrypted);
        }
        // The index fits 31 bits (checked above).
        let trailer = (index as u32) | E_FLAG;
        out.extend_from_slice(&trailer.to_be_bytes());
        let tag = self.keys.rtcp.tag(&[out]);
        out.extend(tag.iter().take(RTCP_TAG_LEN));
        self.streams.record_rtcp(ssrc, index);
        Ok(())
    }

    /// The highest SRTP index protected for `ssrc` (rollover counter
    /// times 2^16 plus sequence number).
    pub fn rtp_index(&self, ssrc: u32) -> Option<u64> {
        self.streams.rtp_index(ssrc)
    }
}

impl SrtpReceiver {
    pub fn new(profile: SrtpProfile, master: &MasterKey) -> SrtpReceiver {
        SrtpReceiver {
            profile,
            keys: Keys::derive(master),
            streams: Streams::default(),
        }
    }

    pub fn profile(&self) -> SrtpProfile {
        self.profile
    }

    /// Checks and opens one SRTP packet: on success `out` holds the RTP
    /// packet (header and decrypted payload, no tag). On any error `out`
    /// is left empty and nothing in the receiver has changed.
    pub fn unprotect_rtp(&mut self, packet: &[u8], out: &mut Vec<u8>) -> Result<(), SrtpError> {
        out.clear();
        let tag_len = self.profile.rtp_tag_len();
        let too_short = SrtpError::TooShort(packet.len());
        let body_len = packet.len().checked_sub(tag_len).ok_or(too_short)?;
        let (body, tag) = packet.split_at(body_len);
        if body.len() < RTP_HEADER_LEN {
            return Err(too_short);
        }
        let header_len = rtp_header_len(body)?;
        let (seq, ssrc) = rtp_seq_ssrc(body)?;
        let index = self.streams.index_of(ssrc, seq)?;

        let expected = self.keys.rtp.tag(&[body, &rollover_counter(index)]);
        if !tags_match(&expected, tag) {
            return Err(SrtpError::Authentication);
        }
        out.extend_from_slice(body);
        if let Some(payload) = out.get_mut(header_len..) {
            self.keys.rtp.apply(ssrc, index, payload);
        }
        self.streams.record_rtp(ssrc, index);
        Ok(())
    }

    /// Checks and opens one SRTCP packet: on success `out` holds the RTCP
    /// packet without trailer and tag. An authenticated packet without
    /// the E flag is taken as it is (RFC 3711 §3.4 lets a sender leave
    /// SRTCP unencrypted; the tag still covers it). On any error `out` is
    /// left empty and nothing has changed.
    pub fn unprotect_rtcp(&mut self, packet: &[u8], out: &mut Vec<u8>) -> Result<(), SrtpError> {
        out.clear();
        let too_short = SrtpError::TooShort(packet.len());
        if packet.len() < RTCP_CLEAR_LEN + SRTCP_TRAILER_LEN + RTCP_TAG_LEN {
            return Err(too_short);
        }
        let ssrc = rtcp_ssrc(packet)?;
        let (authenticated, tag) = packet.split_at(packet.len() - RTCP_TAG_LEN);
        let (rtcp, trailer) = authenticated.split_at(authenticated.len() - SRTCP_TRAILER_LEN);
        let trailer = be_u32(trailer, 0).ok_or(too_short)?;
        let encrypted = trailer & E_FLAG != 0;
        let index = u64::from(trailer & !E_FLAG);
        if let Some(window) = self.streams.find(ssrc).and_then(|s| s.rtcp) {
            window.check(index)?;
        }
        self.streams.check_room(ssrc)?;

        let expected = self.keys.rtcp.tag(&[authenticated]);
        if !tags_match(&expected, tag) {
            return Err(SrtpError::Authentication);
        }
        out.extend_from_slice(rtcp);
        if encrypted && let Some(payload) = out.get_mut(RTCP_CLEAR_LEN..) {
            self.keys.rtcp.apply(ssrc, index, payload);
        }
        self.streams.record_rtcp(ssrc, index);
        Ok(())
    }

    /// The highest SRTP index accepted from `ssrc` (rollover counter
    /// times 2^16 plus sequence number).
    pub fn rtp_index(&self, ssrc: u32) -> Option<u64> {
        self.streams.rtp_index(ssrc)
    }
}

/// The session keys of a master key, derived once.
struct Keys {
    rtp: SessionCipher,
    rtcp: SessionCipher,
}

impl Keys {
    fn derive(master: &MasterKey) -> Keys {
        Keys {
            rtp: SessionCipher::derive(master, false),
            rtcp: SessionCipher::derive(master, true),
        }
    }
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys { .. }")
    }
}

/// What one SSRC has used (a sender) or accepted (a receiver).
#[derive(Debug, Clone, Copy)]
struct Stream {
    ssrc: u32,
    rtp: Option<ReplayWindow>,
    rtcp: Option<ReplayWindow>,
}

#[derive(Debug, Default)]
struct Streams(Vec<Stream>);

impl Streams {
    fn find(&self, ssrc: u32) -> Option<&Stream> {
        self.0.iter().find(|s| s.ssrc == ssrc)
    }

    /// The packet index of `seq` on `ssrc` (RFC 3711 §3.3.1: the rollover
    /// counter guessed from the highest index seen; the first packet of a
    /// stream starts at ROC 0), refused when the replay window has seen it
    /// or is past it, or when a new stream has no room.
    fn index_of(&self, ssrc: u32, seq: u16) -> Result<u64, SrtpError> {
        let index = match self.find(ssrc).and_then(|s| s.rtp) {
            Some(window) => {
                let index = estimate_rtp_index(window.highest(), seq)?;
                window.check(index)?;
                index
            }
            None => u64::from(seq),
        };
        self.check_room(ssrc)?;
        Ok(index)
    }

    /// Whether `ssrc` is known or there is room for it.
    fn check_room(&self, ssrc: u32) -> Result<(), SrtpError> {
        if self.0.len() < MAX_STREAMS || self.find(ssrc).is_some() {
            Ok(())
        } else {
            Err(SrtpError::TooManyStreams)
        }
    }

    /// The stream of `ssrc`, added if new (after [`Self::check_room`]).
    fn entry(&mut self, ssrc: u32) -> Option<&mut Stream> {
        let position = match self.0.iter().position(|s| s.ssrc == ssrc) {
            Some(position) => position,
            None if self.0.len() < MAX_STREAMS => {
                self.0.push(Stream {
                    ssrc,
                    rtp: None,
                    rtcp: None,
                });
                self.0.len() - 1
            }
            None => return None,
        };
        self.0.get_mut(position)
    }

    fn record_rtp(&mut self, ssrc: u32, index: u64) {
        if let Some(stream) = self.entry(ssrc) {
            record(&mut stream.rtp, index);
        }
    }

    fn record_rtcp(&mut self, ssrc: u32, index: u64) {
        if let Some(stream) = self.entry(ssrc) {
            record(&mut stream.rtcp, index);
        }
    }

    fn rtp_index(&self, ssrc: u32) -> Option<u64> {
        self.find(ssrc)?.rtp.map(|w| w.highest())
    }
}

fn record(window: &mut Option<ReplayWindow>, index: u64) {
    match window {
        Some(window) => window.accept(index),
        None => *window = Some(ReplayWindow::starting_at(index)),
    }
}

/// The header's length (fixed part, CSRCs, extension), checked against
/// the packet.
fn rtp_header_len(packet: &[u8]) -> Result<usize, SrtpError> {
    let first = *packet.first().ok_or(SrtpError::TooShort(0))?;
    if packet.len() < RTP_HEADER_LEN {
        return Err(SrtpError::TooShort(packet.len()));
    }
    if first >> 6 != 2 {
        return Err(SrtpError::Version(first >> 6));
    }
    let mut len = RTP_HEADER_LEN + 4 * usize::from(first & 0x0f);
    if first & 0x10 != 0 {
        let words = packet
            .get(len + 2..len + 4)
            .and_then(|b| b.try_into().ok())
            .map(u16::from_be_bytes)
            .ok_or(SrtpError::HeaderOverrun)?;
        len += 4 + 4 * usize::from(words);
    }
    if len > packet.len() {
        return Err(SrtpError::HeaderOverrun);
    }
    Ok(len)
}

fn rtp_seq_ssrc(packet: &[u8]) -> Result<(u16, u32), SrtpError> {
    let too_short = SrtpError::TooShort(packet.len());
    let seq = packet
        .get(2..4)
        .and_then(|b| b.try_into().ok())
        .map(u16::from_be_bytes)
        .ok_or(too_short)?;
    let ssrc = be_u32(packet, 8).ok_or(too_short)?;
    Ok((seq, ssrc))
}

/// The sender SSRC of the first RTCP packet, after checking it is at
/// least the eight bytes SRTCP leaves in the clear and version 2.
fn rtcp_ssrc(packet: &[u8]) -> Result<u32, SrtpError> {
    let first = *packet.first().ok_or(SrtpError::TooShort(0))?;
    if first >> 6 != 2 {
        return Err(SrtpError::Version(first >> 6));
    }
    be_u32(packet, 4).ok_or(SrtpError::TooShort(packet.len()))
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let four = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(four.try_into().ok()?))
}

/// The ROC as the 32 bits the SRTP tag covers (RFC 3711 §4.2).
fn rollover_counter(index: u64) -> [u8; 4] {
    // The index has 48 bits, so the ROC fits 32.
    ((index >> 16) as u32).to_be_bytes()
}

/// Compares the received tag with the leading bytes of the expected one
/// in constant time, so that timing tells a forger nothing.
fn tags_match(expected: &[u8; 20], received: &[u8]) -> bool {
    match expected.get(..received.len()) {
        Some(expected) => expected.ct_eq(received).into(),
        None => false,
    }
}
