//! The H.264 decoder: openh264's, single-threaded, with its error
//! concealment off, so a damaged access unit is an error (and the
//! transcoder waits for an IDR) instead of a smeared picture.
//!
//! openh264 refuses a sequence parameter set beyond level 5.2's frame size
//! (about 4096x2304) before allocating for it; the transcoder checks the
//! decoded size against its own limit after that.

use openh264::OpenH264API;
use openh264::decoder::{Decoder, DecoderConfig};
use openh264::formats::YUVSource;

use crate::TranscodeError;
use crate::picture::Picture;

pub(crate) struct H264Decoder {
    decoder: Decoder,
}

impl H264Decoder {
    pub(crate) fn new() -> Result<Self, TranscodeError> {
        // `DecoderConfig::new()` is quiet, single-threaded and without
        // error concealment.
        let decoder = Decoder::with_api_config(OpenH264API::from_source(), DecoderConfig::new())
            .map_err(|e| TranscodeError::Unavailable(format!("openh264 decoder: {e}")))?;
        Ok(Self { decoder })
    }

    /// Decodes one Annex B access unit into `out` (resized to the picture).
    /// `Ok(false)`: no picture came out (parameter sets alone, or a frame
    /// openh264 holds back).
    pub(crate) fn decode(
        &mut self,
        access_unit: &[u8],
        out: &mut Picture,
    ) -> Result<bool, TranscodeError> {
        if access_unit.is_empty() {
            return Err(TranscodeError::Decode("H.264: empty access unit".into()));
        }
        // openh264 takes the length as an i32.
        if i32::try_from(access_unit.len()).is_err() {
            return Err(TranscodeError::Decode(format!(
                "H.264: access unit of {} bytes",
                access_unit.len()
            )));
        }
        let picture = match self.decoder.decode(access_unit) {
            Ok(Some(picture)) => picture,
            Ok(None) => return Ok(false),
            Err(e) => {
                let text: String = e.to_string().chars().take(300).collect();
                return Err(TranscodeError::Decode(format!("H.264: {text}")));
            }
        };
        let (width, height) = picture.dimensions();
        let (y_stride, u_stride, v_stride) = picture.strides();
        let refuse = |what: String| TranscodeError::Decode(format!("H.264 decoder gave {what}"));
        let (Ok(width), Ok(height)) = (u32::try_from(width), u32::try_from(height)) else {
            return Err(refuse(format!("a {width}x{height} picture")));
        };
        if width == 0 || height == 0 {
            return Err(refuse(format!("a {width}x{height} picture")));
        }
        out.resize(width, height);
        let (chroma_width, chroma_height) = (out.chroma_width(), out.chroma_height());
        let [y, u, v] = out.planes_mut();
        copy_plane(picture.y(), y_stride, width, height, y).map_err(refuse)?;
        copy_plane(picture.u(), u_stride, chroma_width, chroma_height, u).map_err(refuse)?;
        copy_plane(picture.v(), v_stride, chroma_width, chroma_height, v).map_err(refuse)?;
        Ok(true)
    }
}

/// Copies `height` rows of `width` samples, `stride` apart in `src`, into
/// the packed `dst`. openh264 hands out chroma planes of `height / 2` rows
/// even for an odd height: a missing last row repeats the one above.
fn copy_plane(
    src: &[u8],
    stride: usize,
    width: u32,
    height: u32,
    dst: &mut [u8],
) -> Result<(), String> {
    let row = width as usize;
    if stride < row {
        return Err(format!("a plane of stride {stride} for rows of {row}"));
    }
    for y in 0..height as usize {
        let at = y * row;
        match src.get(y * stride..y * stride + row) {
            Some(line) => dst[at..at + row].copy_from_slice(line),
            None if y + 1 == height as usize && y > 0 => {
                dst.copy_within(at - row..at, at);
            }
            None => return Err(format!("a plane of {} bytes for {row}x{height}", src.len())),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_last_chroma_row_repeats_the_one_above_and_less_is_refused() {
        let src = [1, 2, 0, 3, 4, 0];
        let mut dst = [0; 6];
        copy_plane(&src, 3, 2, 3, &mut dst).unwrap();
        assert_eq!(dst, [1, 2, 3, 4, 3, 4]);
        assert!(copy_plane(&src, 3, 2, 4, &mut [0; 8]).is_err());
        assert!(copy_plane(&src, 1, 2, 1, &mut [0; 2]).is_err());
    }

    #[test]
    fn garbage_is_refused_by_openh264_itself() {
        let mut decoder = H264Decoder::new().unwrap();
        let mut out = Picture::new(2, 2);
        assert!(decoder.decode(&[], &mut out).is_err());
        // A slice without parameter sets decodes to nothing or an error,
        // never a picture.
        let slice = [0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x33, 0xff];
        assert!(!matches!(decoder.decode(&slice, &mut out), Ok(true)));
    }
}
