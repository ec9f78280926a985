//! Stamps the RTP packets we send to the SIP leg with our own SSRC,
//! sequence numbers and timestamps (RFC 3550 §5.1).
//!
//! The mix we send is our own source, not a forward of anyone's packets,
//! so it gets its own identity: an SSRC and starting sequence number and
//! timestamp the caller draws at random (RFC 3550 asks for random initial
//! values; this crate has no randomness of its own), a sequence number
//! that goes up by one per packet and a timestamp that goes up by the
//! frame's duration in the codec's clock (160 per 20 ms at 8 kHz, which
//! G.722 uses too). When frames are not sent (silence suppressed), the
//! timestamp still advances, and the next packet carries the marker bit
//! that starts a talkspurt (RFC 3551 §4.1).

use crate::codec::Codec;
use crate::rtp::RtpHeader;

#[derive(Debug, Clone)]
pub struct Packetizer {
    payload_type: u8,
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    frame_ticks: u32,
    /// The next packet starts a talkspurt.
    marker: bool,
}

impl Packetizer {
    /// `ssrc`, `sequence` and `timestamp` should be random; the first
    /// packet gets them, and the marker bit.
    pub fn new(codec: Codec, payload_type: u8, ssrc: u32, sequence: u16, timestamp: u32) -> Self {
        Packetizer {
            payload_type: payload_type & 0x7f,
            ssrc,
            sequence,
            timestamp,
            frame_ticks: codec.frame_ticks(),
            marker: true,
        }
    }

    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The sequence number and timestamp the next packet will carry.
    pub fn next_sequence(&self) -> u16 {
        self.sequence
    }

    pub fn next_timestamp(&self) -> u32 {
        self.timestamp
    }

    /// Appends the packet of one 20 ms frame to `out`.
    pub fn packetize_into(&mut self, payload: &[u8], out: &mut Vec<u8>) {
        let header = RtpHeader {
            marker: self.marker,
            payload_type: self.payload_type,
            sequence: self.sequence,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
        };
        header.write(payload, out);
        self.marker = false;
        self.sequence = self.sequence.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(self.frame_ticks);
    }

    /// The packet of one 20 ms frame.
    pub fn packetize(&mut self, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.packetize_into(payload, &mut out);
        out
    }

    /// A 20 ms frame not sent: time goes on, the sequence does not (a gap
    /// in sequence numbers would read as loss).
    pub fn skip(&mut self) {
        self.timestamp = self.timestamp.wrapping_add(self.frame_ticks);
        self.marker = true;
    }
}
