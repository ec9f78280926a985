//! VP8 over RTP (RFC 7741), both ways: the payload descriptor read off a
//! received payload (§4.2: X, N, S, PID; with X, the I, L, T and K
//! extensions and a 7- or 15-bit PictureID), and the one we write.
//!
//! A VP8 frame's partitions travel in order, so joining the payloads
//! without their descriptors gives the frame back. A frame begins where
//! S is set with PID 0, and it is a key frame when the P bit (the lowest
//! bit of the frame's first byte, RFC 6386 §9.1) is 0 (RFC 7741 §4.3).

use super::depacketizer::{Fragment, Unit};
use crate::Error;

/// The descriptor we write: X, S, PID, then I with a 15-bit PictureID.
pub(super) const DESCRIPTOR_LEN: usize = 4;

const EXTENDED: u8 = 0x80;
const START: u8 = 0x10;
const PARTITION: u8 = 0x07;
const PICTURE_ID: u8 = 0x80;
const TL0PICIDX: u8 = 0x40;
const TID_OR_KEYIDX: u8 = 0x30;
const LONG_PICTURE_ID: u8 = 0x80;

/// The frame bytes one payload holds, after its descriptor.
pub(super) fn unit(payload: &[u8]) -> Result<Unit, Error> {
    let Some(&first) = payload.first() else {
        return Err(Error::VideoPayload("empty VP8 payload"));
    };
    let mut at = 1;
    if first & EXTENDED != 0 {
        let Some(&extensions) = payload.get(1) else {
            return Err(Error::VideoPayload("VP8 descriptor cut off"));
        };
        at = 2;
        if extensions & PICTURE_ID != 0 {
            let Some(&picture_id) = payload.get(at) else {
                return Err(Error::VideoPayload("VP8 PictureID cut off"));
            };
            at += if picture_id & LONG_PICTURE_ID != 0 {
                2
            } else {
                1
            };
        }
        if extensions & TL0PICIDX != 0 {
            at += 1;
        }
        if extensions & TID_OR_KEYIDX != 0 {
            at += 1;
        }
    }
    let data = match payload.get(at..) {
        Some(data) if !data.is_empty() => data,
        _ => return Err(Error::VideoPayload("VP8 payload without frame data")),
    };
    let mut unit = Unit::new(Fragment::Whole);
    unit.begins_frame = first & START != 0 && first & PARTITION == 0;
    unit.keyframe = unit.begins_frame && data[0] & 0x01 == 0; // not empty, checked above
    unit.slice = true;
    unit.data.extend_from_slice(data);
    Ok(unit)
}

/// Appends our descriptor: S on a frame's first packet, PID 0 (the frame
/// is not cut at partition boundaries), the 15-bit PictureID.
pub(super) fn write_descriptor(starts_frame: bool, picture_id: u16, out: &mut Vec<u8>) {
    let first = if starts_frame {
        EXTENDED | START
    } else {
        EXTENDED
    };
    let [high, low] = (picture_id & 0x7fff).to_be_bytes();
    out.extend_from_slice(&[first, PICTURE_ID, LONG_PICTURE_ID | high, low]);
}
