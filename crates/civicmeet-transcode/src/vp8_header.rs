//! What the first ten bytes of a VP8 frame say (RFC 6386 §9.1), read
//! before libvpx sees the frame: whether it is a keyframe, and a
//! keyframe's picture size, so that an absurd size is refused before the
//! decoder allocates for it.

/// The keyframe start code (RFC 6386 §9.1).
const START_CODE: [u8; 3] = [0x9d, 0x01, 0x2a];

/// A keyframe's header: its picture size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyframeHeader {
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// The header of `frame` if it is a well-formed keyframe's; `None` for a
/// delta frame or anything too short or without the start code.
pub(crate) fn keyframe_header(frame: &[u8]) -> Option<KeyframeHeader> {
    let header: &[u8; 10] = frame.get(..10)?.try_into().ok()?;
    // Bit 0 of the frame tag is 0 for a keyframe.
    if header[0] & 1 != 0 || header[3..6] != START_CODE {
        return None;
    }
    // 14 bits of size, 2 bits of (ignored) upscaling hint.
    let width = u32::from(u16::from_le_bytes([header[6], header[7]]) & 0x3fff);
    let height = u32::from(u16::from_le_bytes([header[8], header[9]]) & 0x3fff);
    Some(KeyframeHeader { width, height })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_keyframe_size_and_ignores_the_scale_bits() {
        // Frame tag of a keyframe (bit 0 clear), start code, 640 | scale 1
        // << 14, 360 | scale 2 << 14.
        let mut frame = vec![0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a];
        frame.extend_from_slice(&(640u16 | 1 << 14).to_le_bytes());
        frame.extend_from_slice(&(360u16 | 2 << 14).to_le_bytes());
        frame.extend_from_slice(&[0; 20]);
        assert_eq!(
            keyframe_header(&frame),
            Some(KeyframeHeader {
                width: 640,
                height: 360
            })
        );
    }

    #[test]
    fn delta_frames_and_fragments_have_none() {
        let mut frame = vec![0x11, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01];
        assert_eq!(keyframe_header(&frame), None, "delta frame tag");
        frame[0] = 0x10;
        assert!(keyframe_header(&frame).is_some());
        assert_eq!(keyframe_header(&frame[..9]), None, "too short");
        frame[4] = 0;
        assert_eq!(keyframe_header(&frame), None, "no start code");
        assert_eq!(keyframe_header(&[]), None);
    }
}
