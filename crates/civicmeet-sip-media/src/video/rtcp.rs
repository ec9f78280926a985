//! RTCP for a SIP leg's video: keyframe requests both ways and our sender
//! reports.
//!
//! Read: Picture Loss Indication and Generic NACK (RFC 4585 §6.2.1,
//! §6.3.1) and Full Intra Request (RFC 5104 §4.3.1), in any compound
//! packet; every other packet is skipped by its length, and a packet
//! whose length runs past the datagram ends the reading. Written: PLI and
//! FIR each behind an empty receiver report, since RFC 3550 §6.1 has a
//! compound packet begin with a report and not every room system takes
//! the reduced-size packets of RFC 5506; and sender reports (RFC 3550
//! §6.4.1), so room systems see us as a live sender and can sync.

use crate::rtp::rtcp_packet_type;

const SENDER_REPORT: u8 = 200;
const RECEIVER_REPORT: u8 = 201;
/// Transport-layer feedback (RFC 4585 §6.1): FMT 1 is the generic NACK.
const RTPFB: u8 = 205;
/// Payload-specific feedback: FMT 1 is PLI, FMT 4 is FIR (RFC 5104).
const PSFB: u8 = 206;
const FMT_NACK: u8 = 1;
const FMT_PLI: u8 = 1;
const FMT_FIR: u8 = 4;

/// The common header and the sender and media SSRCs of a feedback
/// message.
const FEEDBACK_HEADER: usize = 12;

/// A feedback message read from RTCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feedback {
    /// A keyframe, please (RFC 4585 §6.3.1).
    Pli { media_ssrc: u32 },
    /// A keyframe, please; `sequence` grows with each new request, so a
    /// repeated one can be told from a new one (RFC 5104 §4.3.1).
    Fir { media_ssrc: u32, sequence: u8 },
    /// These packets did not arrive (RFC 4585 §6.2.1).
    Nack { media_ssrc: u32, lost: Vec<u16> },
}

/// Every feedback message in a compound RTCP packet (RFC 4585 PT 205/206,
/// RFC 5104 FIR); others skipped.
pub fn parse_feedback(bytes: &[u8]) -> Vec<Feedback> {
    let mut found = Vec::new();
    let mut rest = bytes;
    while let Some(packet_type) = rtcp_packet_type(rest) {
        let Some(words) = rest.get(2..4) else {
            break;
        };
        let length = 4 * (usize::from(u16::from_be_bytes([words[0], words[1]])) + 1);
        let Some((packet, after)) = rest.split_at_checked(length) else {
            break;
        };
        rest = after;
        let Some(body) = without_padding(packet) else {
            break;
        };
        let format = packet[0] & 0x1f; // length >= 4
        read_feedback(packet_type, format, body, &mut found);
    }
    found
}

/// The packet without its padding (RFC 3550 §6.4.1: P says the last
/// octet counts padding octets), or `None` when that count is wrong.
fn without_padding(packet: &[u8]) -> Option<&[u8]> {
    if packet.first()? & 0x20 == 0 {
        return Some(packet);
    }
    let count = usize::from(*packet.last()?);
    if count == 0 || count > packet.len() - 4 {
        return None;
    }
    packet.get(..packet.len() - count)
}

fn read_feedback(packet_type: u8, format: u8, packet: &[u8], found: &mut Vec<Feedback>) {
    let Some(media_ssrc) = word(packet, 8) else {
        return;
    };
    let fci = &packet[FEEDBACK_HEADER..]; // word(8) read 12 bytes
    match (packet_type, format) {
        (PSFB, FMT_PLI) => found.push(Feedback::Pli { media_ssrc }),
        (PSFB, FMT_FIR) => {
            // The media SSRC of the header is unused (0); each entry
            // names the sender it asks (RFC 5104 §4.3.1.1).
            for entry in fci.chunks_exact(8) {
                found.push(Feedback::Fir {
                    media_ssrc: u32::from_be_bytes([entry[0], entry[1], entry[2], entry[3]]),
                    sequence: entry[4],
                });
            }
        }
        (RTPFB, FMT_NACK) => {
            let mut lost = Vec::new();
            for entry in fci.chunks_exact(4) {
                let first = u16::from_be_bytes([entry[0], entry[1]]);
                let following = u16::from_be_bytes([entry[2], entry[3]]);
                lost.push(first);
                lost.extend(
                    (0..16)
                        .filter(|bit| following & (1 << bit) != 0)
                        .map(|bit| first.wrapping_add(bit + 1)),
                );
            }
            if !lost.is_empty() {
                found.push(Feedback::Nack { media_ssrc, lost });
            }
        }
        _ => {}
    }
}

/// The 32-bit word at `at`, if the packet has it.
fn word(packet: &[u8], at: usize) -> Option<u32> {
    let bytes = packet.get(at..at + 4)?;
    Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// A Picture Loss Indication for `media_ssrc`, behind an empty receiver
/// report.
pub fn pli(sender_ssrc: u32, media_ssrc: u32) -> Vec<u8> {
    let mut out = empty_receiver_report(sender_ssrc);
    header(FMT_PLI, PSFB, 2, &mut out);
    out.extend_from_slice(&sender_ssrc.to_be_bytes());
    out.extend_from_slice(&media_ssrc.to_be_bytes());
    out
}

/// A Full Intra Request for `media_ssrc`, behind an empty receiver
/// report. `sequence` goes up by one for each new request (RFC 5104
/// §4.3.1.2); a repeat of the same request keeps it.
pub fn fir(sender_ssrc: u32, media_ssrc: u32, sequence: u8) -> Vec<u8> {
    let mut out = empty_receiver_report(sender_ssrc);
    header(FMT_FIR, PSFB, 4, &mut out);
    out.extend_from_slice(&sender_ssrc.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&media_ssrc.to_be_bytes());
    out.extend_from_slice(&[sequence, 0, 0, 0]);
    out
}

/// A sender report (RFC 3550 §6.4.1) so room systems see us as a live
/// sender; `ntp` is a 64-bit NTP time the caller gives, the moment
/// `rtp_timestamp` stands for; `packets` and `octets` count what we sent
/// on this SSRC (payload octets, RFC 3550's sender's octet count).
pub fn sender_report(
    ssrc: u32,
    ntp: u64,
    rtp_timestamp: u32,
    packets: u32,
    octets: u32,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(28);
    header(0, SENDER_REPORT, 6, &mut out);
    out.extend_from_slice(&ssrc.to_be_bytes());
    out.extend_from_slice(&ntp.to_be_bytes());
    out.extend_from_slice(&rtp_timestamp.to_be_bytes());
    out.extend_from_slice(&packets.to_be_bytes());
    out.extend_from_slice(&octets.to_be_bytes());
    out
}

/// A receiver report without report blocks: only the sender's SSRC.
fn empty_receiver_report(ssrc: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(24);
    header(0, RECEIVER_REPORT, 1, &mut out);
    out.extend_from_slice(&ssrc.to_be_bytes());
    out
}

/// The common header: version 2, no padding, `count` (or FMT), the
/// packet type, the length in 32-bit words minus one.
fn header(count: u8, packet_type: u8, length: u16, out: &mut Vec<u8>) {
    out.push(0x80 | (count & 0x1f));
    out.push(packet_type);
    out.extend_from_slice(&length.to_be_bytes());
}
