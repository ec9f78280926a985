//! What an Annex B access unit says of itself before openh264 sees it:
//! whether it holds an IDR slice (a keyframe) and whether it holds a slice
//! at all.

/// `nal_unit_type` of an IDR slice (H.264 §7.4.1, table 7-1).
const IDR_SLICE: u8 = 5;
/// `nal_unit_type` of a non-IDR slice and its data partitions.
const NON_IDR_SLICE: u8 = 1;
const PARTITION_A: u8 = 2;

/// What kind of access unit this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccessUnitKind {
    /// It has an IDR slice: decoding can start here.
    Idr,
    /// It has slices, none of them IDR.
    Delta,
    /// No slice: parameter sets, SEI or nothing (no picture comes of it).
    NoSlice,
}

/// Scans the NAL unit headers behind the start codes (00 00 01, which
/// emulation prevention keeps out of NAL bodies).
pub(crate) fn kind(access_unit: &[u8]) -> AccessUnitKind {
    let mut kind = AccessUnitKind::NoSlice;
    let mut zeros = 0;
    for (i, &byte) in access_unit.iter().enumerate() {
        if byte == 1
            && zeros >= 2
            && let Some(header) = access_unit.get(i + 1)
        {
            match header & 0x1f {
                IDR_SLICE => return AccessUnitKind::Idr,
                NON_IDR_SLICE | PARTITION_A => kind = AccessUnitKind::Delta,
                _ => {}
            }
        }
        zeros = if byte == 0 { zeros + 1 } else { 0 };
    }
    kind
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_idr_slice_behind_parameter_sets_with_either_start_code() {
        let idr = [
            0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0, 0, 1, 0x68, 0xce, 0, 0, 1, 0x65, 0x88,
        ];
        assert_eq!(kind(&idr), AccessUnitKind::Idr);
        assert_eq!(
            kind(&[0, 0, 1, 0x41, 0x9a, 0, 0, 1, 0x41]),
            AccessUnitKind::Delta
        );
        assert_eq!(kind(&[0, 0, 1, 0x67, 0x42]), AccessUnitKind::NoSlice);
        // A start code at the very end has no header; 00 01 is none.
        assert_eq!(kind(&[0x65, 0, 1, 0x65, 0, 0, 1]), AccessUnitKind::NoSlice);
        assert_eq!(kind(&[]), AccessUnitKind::NoSlice);
    }
}
