//! Helpers of the video tests: RTP packets by hand, a depacketizer fed
//! whole datagrams, and frames that look like what encoders make.

use civicmeet_sip_media::{Depacketized, Depacketizer, RtpHeader, RtpPacket, VideoFrame};

use super::Rng;

pub const SSRC: u32 = 0x0bad_cafe;
pub const PT: u8 = 96;

/// An RTP datagram of ours (SSRC [`SSRC`], PT [`PT`]).
pub fn rtp(sequence: u16, timestamp: u32, marker: bool, payload: &[u8]) -> Vec<u8> {
    RtpHeader {
        marker,
        payload_type: PT,
        sequence,
        timestamp,
        ssrc: SSRC,
    }
    .to_bytes(payload)
}

/// Parses `datagram` and pushes it, then drains what else is ready.
pub fn feed(depacketizer: &mut Depacketizer, datagram: &[u8]) -> Vec<Depacketized> {
    let packet = RtpPacket::parse(datagram).expect("the test's packets parse");
    let mut out = vec![depacketizer.push(&packet)];
    out.extend(std::iter::from_fn(|| depacketizer.poll()));
    out.retain(|d| *d != Depacketized::Nothing);
    out
}

/// Feeds every datagram, collecting what came out.
pub fn feed_all<'a>(
    depacketizer: &mut Depacketizer,
    datagrams: impl IntoIterator<Item = &'a Vec<u8>>,
) -> Vec<Depacketized> {
    datagrams
        .into_iter()
        .flat_map(|d| feed(depacketizer, d))
        .collect()
}

pub fn frame(timestamp: u32, keyframe: bool, data: Vec<u8>) -> Depacketized {
    Depacketized::Frame(VideoFrame {
        timestamp,
        keyframe,
        data,
    })
}

/// `len` bytes none of which is zero: a NAL unit body that needs no
/// emulation prevention and has no trailing zeros, so Annex B round-trips
/// byte for byte.
pub fn nonzero(rng: &mut Rng, len: usize) -> Vec<u8> {
    (0..len).map(|_| 1 + rng.below(255) as u8).collect()
}

/// A NAL unit: `header` then `len - 1` bytes, the first of which starts
/// with a 1 bit when `first_slice` (a slice of macroblock 0).
pub fn nal(rng: &mut Rng, header: u8, len: usize, first_slice: bool) -> Vec<u8> {
    let mut nal = vec![header];
    nal.extend(nonzero(rng, len.saturating_sub(1)));
    if let Some(b) = nal.get_mut(1) {
        *b = if first_slice {
            *b | 0x80
        } else {
            (*b & 0x7f).max(1)
        };
    }
    nal
}

/// An Annex B access unit: each NAL unit after a 4-byte start code.
pub fn annex_b(nals: &[Vec<u8>]) -> Vec<u8> {
    nals.iter()
        .flat_map(|n| [0, 0, 0, 1].iter().chain(n.iter()).copied())
        .collect()
}

pub const SPS: [u8; 6] = [0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01];
pub const PPS: [u8; 4] = [0x68, 0xce, 0x3c, 0x80];

/// An H.264 keyframe: SPS, PPS and an IDR slice of `len` bytes.
pub fn h264_keyframe(rng: &mut Rng, len: usize) -> Vec<u8> {
    annex_b(&[SPS.to_vec(), PPS.to_vec(), nal(rng, 0x65, len, true)])
}

/// An H.264 delta frame: one P slice of `len` bytes.
pub fn h264_delta(rng: &mut Rng, len: usize) -> Vec<u8> {
    annex_b(&[nal(rng, 0x41, len, true)])
}

/// A VP8 frame of `len` bytes (at least 1): the P bit of its first byte
/// is 0 for a key frame (RFC 6386 §9.1).
pub fn vp8_frame(rng: &mut Rng, keyframe: bool, len: usize) -> Vec<u8> {
    let mut frame = rng.bytes(len.max(1));
    frame[0] = if keyframe {
        frame[0] & !1
    } else {
        frame[0] | 1
    };
    frame
}
