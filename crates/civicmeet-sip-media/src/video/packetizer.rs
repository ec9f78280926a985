//! The RTP packets of a whole frame from the meeting, for the room
//! system: H.264 cut at its start codes into single NAL unit packets and
//! FU-A pieces (RFC 6184 mode 1), VP8 behind our payload descriptor with
//! a PictureID that grows by one per frame (RFC 7741), so the decoder can
//! tell a lost frame. Every packet of a frame carries its timestamp, the
//! last one the marker bit; sequence numbers go up by one per packet.

use super::{VideoFormat, h264, vp8};
use crate::rtp::{HEADER_LEN, RtpHeader};

/// The smallest MTU taken: below it a header and a piece of payload
/// would hardly fit, so a smaller one is raised to this.
const MIN_MTU: usize = 64;

#[derive(Debug, Clone)]
pub struct VideoPacketizer {
    format: VideoFormat,
    payload_type: u8,
    ssrc: u32,
    sequence: u16,
    /// The largest datagram we send: RTP header and payload.
    mtu: usize,
    /// VP8's 15-bit PictureID of the next frame.
    picture_id: u16,
}

impl VideoPacketizer {
    /// `ssrc` and `first_sequence` should be random (RFC 3550 §5.1);
    /// `mtu` is the largest datagram (RTP header included), at least 64.
    pub fn new(
        format: VideoFormat,
        payload_type: u8,
        ssrc: u32,
        first_sequence: u16,
        mtu: usize,
    ) -> Self {
        VideoPacketizer {
            format,
            payload_type: payload_type & 0x7f,
            ssrc,
            sequence: first_sequence,
            mtu: mtu.max(MIN_MTU),
            picture_id: 0,
        }
    }

    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The sequence number the next packet will carry.
    pub fn next_sequence(&self) -> u16 {
        self.sequence
    }

    /// Full RTP packets (header + payload), the last with the marker bit.
    /// A frame with nothing to send (empty, or Annex B without a NAL
    /// unit) gives no packet.
    pub fn packetize(&mut self, frame: &[u8], timestamp: u32) -> Vec<Vec<u8>> {
        let room = self.mtu - HEADER_LEN; // mtu >= MIN_MTU > HEADER_LEN
        let mut payloads = Vec::new();
        match self.format {
            VideoFormat::H264 => {
                for nal in h264::nal_units(frame) {
                    h264::payloads(nal, room, &mut payloads);
                }
            }
            VideoFormat::Vp8 => self.vp8_payloads(frame, room, &mut payloads),
        }
        let count = payloads.len();
        payloads
            .into_iter()
            .enumerate()
            .map(|(index, payload)| {
                let header = RtpHeader {
                    marker: index + 1 == count,
                    payload_type: self.payload_type,
                    sequence: self.sequence,
                    timestamp,
                    ssrc: self.ssrc,
                };
                self.sequence = self.sequence.wrapping_add(1);
                header.to_bytes(&payload)
            })
            .collect()
    }

    /// The frame in pieces of even size, each behind a descriptor.
    fn vp8_payloads(&mut self, frame: &[u8], room: usize, out: &mut Vec<Vec<u8>>) {
        if frame.is_empty() {
            return;
        }
        let room = room - vp8::DESCRIPTOR_LEN; // room >= MIN_MTU - HEADER_LEN
        let size = frame.len().div_ceil(frame.len().div_ceil(room));
        for (index, piece) in frame.chunks(size).enumerate() {
            let mut payload = Vec::with_capacity(vp8::DESCRIPTOR_LEN + piece.len());
            vp8::write_descriptor(index == 0, self.picture_id, &mut payload);
            payload.extend_from_slice(piece);
            out.push(payload);
        }
        self.picture_id = (self.picture_id + 1) & 0x7fff;
    }
}
