//! H.264 over RTP (RFC 6184), packetization-mode 1, both ways: what one
//! received payload holds (single NAL unit, STAP-A, FU-A), and how a NAL
//! unit of ours is cut into payloads (single NAL unit or FU-A).
//!
//! The frames on the meeting side are Annex B (ITU-T H.264 Annex B): each
//! NAL unit after a start code. We write 4-byte start codes and read 3-
//! and 4-byte ones. Interleaved mode (STAP-B, MTAP, FU-B) is not
//! negotiated, so its packets are refused, as are reserved types; lengths
//! that run past the payload are refused rather than trusted.

use std::ops::Range;

use super::depacketizer::{Fragment, Unit};
use crate::Error;

/// The start code written before each NAL unit.
pub(super) const START_CODE: [u8; 4] = [0, 0, 0, 1];

const STAP_A: u8 = 24;
const FU_A: u8 = 28;
const IDR_SLICE: u8 = 5;
const SPS: u8 = 7;
const PPS: u8 = 8;
const ACCESS_UNIT_DELIMITER: u8 = 9;

/// What one RTP payload holds, as Annex B bytes.
pub(super) fn unit(payload: &[u8]) -> Result<Unit, Error> {
    let Some((&header, rest)) = payload.split_first() else {
        return Err(Error::VideoPayload("empty H.264 payload"));
    };
    match header & 0x1f {
        1..=23 => {
            let mut unit = Unit::new(Fragment::Whole);
            append_nal(&mut unit, payload);
            unit.begins_frame = begins_access_unit(header & 0x1f, rest);
            Ok(unit)
        }
        STAP_A => aggregation(rest),
        FU_A => fragment(header, rest),
        25..=27 | 29 => Err(Error::VideoPayload(
            "H.264 interleaved mode (STAP-B, MTAP, FU-B) is not negotiated",
        )),
        _ => Err(Error::VideoPayload("reserved H.264 NAL unit type")),
    }
}

/// STAP-A (RFC 6184 §5.7.1): NAL units, each after its 16-bit size.
fn aggregation(mut rest: &[u8]) -> Result<Unit, Error> {
    let mut unit = Unit::new(Fragment::Whole);
    let mut first = true;
    while !rest.is_empty() {
        let Some((size, after)) = rest.split_first_chunk::<2>() else {
            return Err(Error::VideoPayload("STAP-A size cut off"));
        };
        let size = usize::from(u16::from_be_bytes(*size));
        if size == 0 {
            return Err(Error::VideoPayload("STAP-A NAL unit of size 0"));
        }
        let Some((nal, after)) = after.split_at_checked(size) else {
            return Err(Error::VideoPayload("STAP-A NAL unit runs past the payload"));
        };
        let nal_type = nal[0] & 0x1f; // size > 0, checked above
        if !(1..=23).contains(&nal_type) {
            return Err(Error::VideoPayload("STAP-A holds a non-NAL-unit type"));
        }
        if first {
            unit.begins_frame = begins_access_unit(nal_type, &nal[1..]);
            first = false;
        }
        append_nal(&mut unit, nal);
        rest = after;
    }
    if first {
        return Err(Error::VideoPayload("empty STAP-A"));
    }
    Ok(unit)
}

/// FU-A (RFC 6184 §5.8): one piece of a NAL unit. The start piece
/// carries the NAL unit's header rebuilt from the FU indicator (F, NRI)
/// and the FU header (type).
fn fragment(indicator: u8, rest: &[u8]) -> Result<Unit, Error> {
    let Some((&fu_header, piece)) = rest.split_first() else {
        return Err(Error::VideoPayload("FU-A without FU header"));
    };
    let (start, end) = (fu_header & 0x80 != 0, fu_header & 0x40 != 0);
    let nal_type = fu_header & 0x1f;
    if start && end {
        return Err(Error::VideoPayload("FU-A both starts and ends a NAL unit"));
    }
    if !(1..=23).contains(&nal_type) {
        return Err(Error::VideoPayload("FU-A of a non-NAL-unit type"));
    }
    let mut unit = Unit::new(match (start, end) {
        (true, _) => Fragment::Start,
        (_, true) => Fragment::End,
        _ => Fragment::Middle,
    });
    if start {
        unit.data.extend_from_slice(&START_CODE);
        unit.data.push((indicator & 0xe0) | nal_type);
        unit.begins_frame = begins_access_unit(nal_type, piece);
    }
    unit.data.extend_from_slice(piece);
    // Every piece names the type, so an IDR is seen even when only later
    // pieces of it arrive with the rest of the frame.
    unit.keyframe = nal_type == IDR_SLICE;
    unit.slice = is_slice(nal_type);
    Ok(unit)
}

fn append_nal(unit: &mut Unit, nal: &[u8]) {
    let nal_type = nal.first().map_or(0, |h| h & 0x1f);
    unit.data.extend_from_slice(&START_CODE);
    unit.data.extend_from_slice(nal);
    unit.keyframe |= nal_type == IDR_SLICE;
    unit.slice |= is_slice(nal_type);
}

/// Coded slices (types 1-5): what a decoder decodes against references;
/// the rest (parameter sets, SEI, delimiters) stands alone.
fn is_slice(nal_type: u8) -> bool {
    (1..=5).contains(&nal_type)
}

/// Whether a NAL unit (type, then the bytes after its header) can only be
/// the first of an access unit: a delimiter, a sequence parameter set, or
/// a slice whose `first_mb_in_slice` is 0. That field is the slice
/// header's first ue(v), which is 0 exactly when its first bit is 1; the
/// constrained baseline profile room systems send has no arbitrary slice
/// order, so macroblock 0 comes first.
fn begins_access_unit(nal_type: u8, after_header: &[u8]) -> bool {
    match nal_type {
        ACCESS_UNIT_DELIMITER | SPS => true,
        1 | IDR_SLICE => after_header.first().is_some_and(|b| b & 0x80 != 0),
        _ => false,
    }
}

/// The NAL units of an Annex B byte stream, without start codes and
/// without the zero bytes that may trail them. Bytes before the first
/// start code are taken as a NAL unit too, so a bare NAL unit passes.
pub(super) fn nal_units(stream: &[u8]) -> Vec<&[u8]> {
    nal_ranges(stream)
        .into_iter()
        .map(|range| &stream[range])
        .collect()
}

/// Where [`nal_units`] finds each NAL unit in `stream`.
fn nal_ranges(stream: &[u8]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut begin = 0;
    let mut at = 0;
    while let Some(window) = stream.get(at..at + 3) {
        if window == [0, 0, 1] {
            push_trimmed(&mut ranges, stream, begin..at);
            at += 3;
            begin = at;
        } else {
            at += 1;
        }
    }
    push_trimmed(&mut ranges, stream, begin..stream.len());
    ranges
}

/// Pushes `range` without trailing zero bytes (the first zero of a
/// 4-byte start code, or `trailing_zero_8bits`), unless nothing is left.
fn push_trimmed(ranges: &mut Vec<Range<usize>>, stream: &[u8], range: Range<usize>) {
    let nonzero = stream[range.clone()].iter().rposition(|&b| b != 0);
    if let Some(last) = nonzero {
        ranges.push(range.start..range.start + last + 1);
    }
}

/// The last sequence and picture parameter sets (SPS, PPS) the room
/// system sent. A keyframe that follows a loss may have lost the packets
/// that carried its parameter sets while its slices came through; a
/// decoder cannot start from it unless they are put back, as
/// libwebrtc's receiver does too.
#[derive(Debug, Default)]
pub(super) struct ParameterSets {
    sps: Option<Vec<u8>>,
    pps: Option<Vec<u8>>,
}

/// Parameter sets longer than this are not kept (an SPS is tens of
/// bytes).
const MAX_PARAMETER_SET: usize = 1024;

impl ParameterSets {
    /// Learns the parameter sets of `frame` (Annex B with 4-byte start
    /// codes, as the depacketizer writes it); a keyframe that lacks one
    /// gets the last one seen: an SPS before the frame's PPS or first
    /// slice, a PPS before its first slice, since a decoder reads a PPS
    /// against its SPS. `false` when a keyframe lacks one never seen: no
    /// decoder can start from it.
    pub fn complete(&mut self, frame: &mut Vec<u8>, keyframe: bool) -> bool {
        let (mut has_sps, mut first_pps, mut first_slice) = (false, None, None);
        for range in nal_ranges(frame) {
            let nal = &frame[range.clone()];
            let keep = (nal.len() <= MAX_PARAMETER_SET).then(|| nal.to_vec());
            // The start code before the NAL unit.
            let at = range.start.saturating_sub(START_CODE.len());
            match nal[0] & 0x1f {
                // nal_ranges gives no empty range
                SPS => {
                    has_sps = true;
                    self.sps = keep.or(self.sps.take());
                }
                PPS => {
                    first_pps = first_pps.or(Some(at));
                    self.pps = keep.or(self.pps.take());
                }
                t if is_slice(t) => first_slice = first_slice.or(Some(at)),
                _ => {}
            }
        }
        if !keyframe {
            return true;
        }
        let slice_at = first_slice.unwrap_or(frame.len());
        // The PPS first: it goes after where the SPS goes.
        let wanted = [
            (first_pps.is_none(), &self.pps, slice_at),
            (!has_sps, &self.sps, first_pps.unwrap_or(slice_at)),
        ];
        if wanted
            .iter()
            .any(|(missing, kept, _)| *missing && kept.is_none())
        {
            return false;
        }
        for (missing, kept, at) in wanted {
            if let (true, Some(kept)) = (missing, kept) {
                let with_code = START_CODE.iter().chain(kept.iter()).copied();
                frame.splice(at..at, with_code);
            }
        }
        true
    }
}

/// The payloads of one NAL unit (not empty) in packets of at most
/// `max_payload` bytes (at least 3): the NAL unit itself when it fits,
/// else FU-A pieces of even size.
pub(super) fn payloads(nal: &[u8], max_payload: usize, out: &mut Vec<Vec<u8>>) {
    let Some((&header, body)) = nal.split_first() else {
        return;
    };
    if nal.len() <= max_payload {
        out.push(nal.to_vec());
        return;
    }
    let indicator = (header & 0xe0) | FU_A;
    let nal_type = header & 0x1f;
    let room = max_payload.saturating_sub(2).max(1);
    let pieces = body.len().div_ceil(room);
    let size = body.len().div_ceil(pieces);
    let last = body.len().div_ceil(size) - 1;
    for (index, piece) in body.chunks(size).enumerate() {
        let mut fu_header = nal_type;
        if index == 0 {
            fu_header |= 0x80;
        }
        if index == last {
            fu_header |= 0x40;
        }
        let mut payload = Vec::with_capacity(2 + piece.len());
        payload.push(indicator);
        payload.push(fu_header);
        payload.extend_from_slice(piece);
        out.push(payload);
    }
}
