//! The VP8 decoder: libvpx, loaded at run time (`vpx_library.rs`). One of
//! the three files with `unsafe` (with `vp8_encoder.rs` and
//! `vpx_library.rs`).
//!
//! `Vp8Decoder::new` says which package to install when libvpx is
//! missing. The layouts and constants it relies on are in `vpx_abi.rs`.

use std::ffi::{c_int, c_uint, c_void};

use libloading::Library;

use crate::TranscodeError;
use crate::picture::Picture;
use crate::vpx_abi::{
    ControlFn, DecInitVerFn, DecodeFn, DestroyFn, ErrorFn, GetFrameFn, VP8D_GET_FRAME_CORRUPTED,
    VPX_CODEC_OK, VPX_DECODER_ABI_VERSION, VPX_IMG_FMT_I420, VersionStrFn, Vp8DxFn, VpxCodecCtx,
    VpxCodecDecCfg, VpxImage,
};
use crate::vpx_library::{self, INSTALL_HINT, c_text, symbol};

/// No side of a decoded picture is larger than VP8 allows (14 bits).
const MAX_SIDE: u32 = 16383;

/// libvpx's entry points, copied out of the library they belong to.
#[derive(Clone, Copy)]
struct Api {
    vp8_dx: Vp8DxFn,
    dec_init_ver: DecInitVerFn,
    decode: DecodeFn,
    get_frame: GetFrameFn,
    destroy: DestroyFn,
    error: ErrorFn,
    error_detail: ErrorFn,
    control: ControlFn,
    version_str: VersionStrFn,
}

/// A single-threaded VP8 decoder (libvpx, loaded at run time): what
/// [`Vp8ToH264`](crate::Vp8ToH264) decodes with, open for other uses (the
/// tests read `H264ToVp8`'s output with it, as a browser would).
pub struct Vp8Decoder {
    api: Api,
    /// Boxed: libvpx may keep pointers to the context, so it must not move.
    ctx: Box<VpxCodecCtx>,
    /// Kept open while `api`'s pointers are in use; dropped after `Drop`
    /// has destroyed the context.
    _library: Library,
}

// SAFETY: the context belongs to this value alone and libvpx ties no
// decoder state to a thread; it needs calls not to overlap, which `&mut
// self` on every call guarantees. (The library handle is Send itself.)
unsafe impl Send for Vp8Decoder {}

impl Vp8Decoder {
    /// Loads libvpx and starts a single-threaded VP8 decoder
    /// (`Unavailable` without libvpx, naming the package).
    pub fn new() -> Result<Self, TranscodeError> {
        let (library, api) = load(&vpx_library::LIBRARY_NAMES)?;
        let mut ctx = Box::new(VpxCodecCtx::zeroed());
        let cfg = VpxCodecDecCfg {
            threads: 1,
            w: 0,
            h: 0,
        };
        // SAFETY: `vpx_codec_vp8_dx` takes nothing and returns a pointer to
        // a static interface table (or null, checked below).
        let iface = unsafe { (api.vp8_dx)() };
        if iface.is_null() {
            return Err(TranscodeError::Unavailable(
                "libvpx has no VP8 decoder".into(),
            ));
        }
        // SAFETY: `ctx` and `cfg` are live, properly laid out
        // (`vpx_abi.rs`) and writable/readable for the call; `iface` came
        // from this library; the ABI version is the one our layouts follow,
        // and libvpx refuses any other.
        let status =
            unsafe { (api.dec_init_ver)(&mut *ctx, iface, &cfg, 0, VPX_DECODER_ABI_VERSION) };
        if status != VPX_CODEC_OK {
            // SAFETY: the version string is a static C string (or null,
            // which `c_text` checks).
            let version = unsafe { c_text((api.version_str)()) };
            return Err(TranscodeError::Unavailable(format!(
                "libvpx {version} refused to start a VP8 decoder (error {status}, decoder ABI {VPX_DECODER_ABI_VERSION})"
            )));
        }
        Ok(Self {
            api,
            ctx,
            _library: library,
        })
    }

    /// Decodes one whole VP8 frame into `out` (resized to the picture).
    /// `Ok(false)`: the frame decoded but shows nothing (an invisible
    /// frame, e.g. an alt-ref update). Nothing in a frame makes it panic,
    /// but a keyframe's size is not bounded here (up to 16383x16383):
    /// `Vp8ToH264` checks it first.
    pub fn decode(&mut self, frame: &[u8], out: &mut Picture) -> Result<bool, TranscodeError> {
        if frame.is_empty() {
            return Err(TranscodeError::Decode("empty frame".into()));
        }
        let size = c_uint::try_from(frame.len())
            .map_err(|_| TranscodeError::Decode(format!("frame of {} bytes", frame.len())))?;
        // SAFETY: the context was initialised in `new`; `frame` is readable
        // for `size` bytes for the call, and libvpx copies what it keeps
        // (no frame-parallel mode, no fragments). Deadline 0: as good as it
        // takes, which for VP8 decoding means simply decode.
        let status = unsafe {
            (self.api.decode)(
                &mut *self.ctx,
                frame.as_ptr(),
                size,
                std::ptr::null_mut(),
                0,
            )
        };
        if status != VPX_CODEC_OK {
            return Err(TranscodeError::Decode(self.last_error(status)));
        }
        let mut corrupted: c_int = 0;
        // SAFETY: VP8D_GET_FRAME_CORRUPTED takes one `int *`, which points
        // at a live local for the call.
        let status = unsafe {
            (self.api.control)(
                &mut *self.ctx,
                VP8D_GET_FRAME_CORRUPTED,
                &mut corrupted as *mut c_int,
            )
        };
        if status == VPX_CODEC_OK && corrupted != 0 {
            return Err(TranscodeError::Decode(
                "frame decoded from a corrupted reference".into(),
            ));
        }
        let mut iter: *const c_void = std::ptr::null();
        // SAFETY: the context is initialised; `iter` is the null iterator
        // libvpx expects for the first call after a decode.
        let image = unsafe { (self.api.get_frame)(&mut *self.ctx, &mut iter) };
        // SAFETY: a non-null result points at an image libvpx keeps valid
        // until the next decode call on this context, which cannot happen
        // while we hold `&mut self`.
        let Some(image) = (unsafe { image.as_ref() }) else {
            return Ok(false);
        };
        copy_image(image, out)?;
        Ok(true)
    }

    /// libvpx's words for the last error, bounded in length.
    fn last_error(&mut self, status: c_int) -> String {
        // SAFETY: both return a C string owned by the context (or a static
        // one), valid until the next call on it, or null; `c_text` copies
        // it at once and handles null.
        let (error, detail) = unsafe {
            (
                c_text((self.api.error)(&mut *self.ctx)),
                c_text((self.api.error_detail)(&mut *self.ctx)),
            )
        };
        let mut text = format!("{error} (libvpx error {status})");
        if !detail.is_empty() {
            text.push_str(": ");
            text.push_str(&detail);
        }
        text.chars().take(300).collect()
    }
}

impl Drop for Vp8Decoder {
    fn drop(&mut self) {
        // SAFETY: the context was initialised in `new` (a failed init never
        // builds a `Vp8Decoder`) and is destroyed exactly once, here, while
        // the library is still loaded.
        unsafe {
            (self.api.destroy)(&mut *self.ctx);
        }
    }
}

/// Opens libvpx and looks up every entry point the decoder needs.
fn load(names: &[&str]) -> Result<(Library, Api), TranscodeError> {
    let (library, name) = vpx_library::open(names)?;
    let api = entry_points(&library)
        .map_err(|e| TranscodeError::Unavailable(format!("{name} lacks {e}; {INSTALL_HINT}")))?;
    Ok((library, api))
}

fn entry_points(library: &Library) -> Result<Api, String> {
    // SAFETY: each name is paired with its own signature from the headers;
    // the pointers are used only while the library stays loaded (it lives
    // in the same `Vp8Decoder`).
    unsafe {
        Ok(Api {
            vp8_dx: symbol(library, "vpx_codec_vp8_dx")?,
            dec_init_ver: symbol(library, "vpx_codec_dec_init_ver")?,
            decode: symbol(library, "vpx_codec_decode")?,
            get_frame: symbol(library, "vpx_codec_get_frame")?,
            destroy: symbol(library, "vpx_codec_destroy")?,
            error: symbol(library, "vpx_codec_error")?,
            error_detail: symbol(library, "vpx_codec_error_detail")?,
            control: symbol(library, "vpx_codec_control_")?,
            version_str: symbol(library, "vpx_codec_version_str")?,
        })
    }
}

/// Copies a decoded 8-bit I420 image into `out`, after checking every
/// field that decides what is read.
fn copy_image(image: &VpxImage, out: &mut Picture) -> Result<(), TranscodeError> {
    let refuse = |what: String| Err(TranscodeError::Decode(format!("decoder gave {what}")));
    if image.fmt != VPX_IMG_FMT_I420 || image.bit_depth != 8 {
        return refuse(format!(
            "format {:#x} at {} bits, not 8-bit I420",
            image.fmt, image.bit_depth
        ));
    }
    if image.x_chroma_shift != 1 || image.y_chroma_shift != 1 {
        return refuse("chroma not subsampled 2x2".into());
    }
    let (width, height) = (image.d_w, image.d_h);
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || width > image.w
        || height > image.h
    {
        return refuse(format!(
            "a {width}x{height} picture stored as {}x{}",
            image.w, image.h
        ));
    }
    out.resize(width, height);
    let (chroma_width, chroma_height) = (out.chroma_width(), out.chroma_height());
    let sizes = [
        (width, height),
        (chroma_width, chroma_height),
        (chroma_width, chroma_height),
    ];
    for (((plane, stride), (plane_width, plane_height)), dst) in image
        .planes
        .iter()
        .zip(image.stride)
        .zip(sizes)
        .zip(out.planes_mut())
    {
        let plane = *plane;
        let row = plane_width as usize;
        // A stride below the row width would make rows overlap; a negative
        // one (a flipped image) libvpx's VP8 decoder never gives.
        let Ok(stride) = usize::try_from(stride) else {
            return refuse(format!("negative stride {stride}"));
        };
        if plane.is_null() || stride < row {
            return refuse(format!("a plane of stride {stride} for rows of {row}"));
        }
        for (y, dst_row) in dst
            .chunks_exact_mut(row)
            .take(plane_height as usize)
            .enumerate()
        {
            // SAFETY: libvpx's image contract: each plane holds its
            // (displayed) rows at `stride` bytes apart, each row at least
            // the plane's width, valid until the next decode call (which
            // `&mut self` in `decode` excludes). Checked above: the plane
            // is non-null, the stride covers the row, the displayed size is
            // within the stored size and the chroma shift is 1, so row `y`
            // of `plane_height` lies inside the plane.
            let src = unsafe { std::slice::from_raw_parts(plane.add(y * stride), row) };
            dst_row.copy_from_slice(src);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_by_libvpx_itself() {
        // Below the transcoder's own checks: the decoder alone never
        // panics and reports an error for bytes that are no VP8.
        let mut decoder =
            Vp8Decoder::new().expect("libvpx (Debian: libvpx7) is needed by this test");
        let mut out = Picture::new(2, 2);
        assert!(decoder.decode(&[], &mut out).is_err());
        assert!(
            decoder
                .decode(&[0x10, 0, 0, 0x9d, 0x01, 0x2a, 0x10, 0, 0x10, 0], &mut out)
                .is_err()
        );
        assert!(decoder.decode(&[0xff; 64], &mut out).is_err());
    }
}
