//! The part of libvpx's C interface the VP8 decoder needs, written by hand
//! from the headers of libvpx 1.12 (`vpx/vpx_codec.h`, `vpx_decoder.h`,
//! `vpx_image.h`, `vp8dx.h`). No code here, only layouts and constants;
//! the calls are in `vp8_decoder.rs`.
//!
//! The decoder ABI version is 12 (3 + codec 4 + image 5) in every release
//! from 1.12 to 1.16 (checked in the libvpx history), so the layouts below
//! hold for Debian 12's libvpx7 and Debian 13's libvpx9 alike. A library
//! with another version refuses `vpx_codec_dec_init_ver` with
//! `VPX_CODEC_ABI_MISMATCH` instead of misreading our structs.

use std::ffi::{c_char, c_int, c_long, c_uint, c_void};

/// `VPX_DECODER_ABI_VERSION`: 3 + `VPX_CODEC_ABI_VERSION` (4 +
/// `VPX_IMAGE_ABI_VERSION` (5)).
pub(crate) const VPX_DECODER_ABI_VERSION: c_int = 12;

/// `vpx_codec_err_t::VPX_CODEC_OK`.
pub(crate) const VPX_CODEC_OK: c_int = 0;

/// `VPX_IMG_FMT_I420`: `VPX_IMG_FMT_PLANAR` (0x100) | 2.
pub(crate) const VPX_IMG_FMT_I420: c_int = 0x102;

/// `VP8D_GET_FRAME_CORRUPTED`: `VP8_DECODER_CTRL_ID_START` (256) + 1;
/// its argument is an `int *`.
pub(crate) const VP8D_GET_FRAME_CORRUPTED: c_int = 257;

/// `vpx_codec_iface_t`: opaque, only ever behind a pointer.
#[repr(C)]
pub(crate) struct VpxCodecIface {
    _opaque: [u8; 0],
}

/// `vpx_codec_ctx_t`. libvpx fills it in `vpx_codec_dec_init_ver`; we only
/// allocate it, never read it.
#[repr(C)]
pub(crate) struct VpxCodecCtx {
    pub(crate) name: *const c_char,
    pub(crate) iface: *const VpxCodecIface,
    /// `vpx_codec_err_t`, an `int`-sized C enum.
    pub(crate) err: c_int,
    pub(crate) err_detail: *const c_char,
    /// `vpx_codec_flags_t` is `long`.
    pub(crate) init_flags: c_long,
    /// A union of three pointers.
    pub(crate) config: *const c_void,
    pub(crate) priv_: *mut c_void,
}

impl VpxCodecCtx {
    pub(crate) fn zeroed() -> Self {
        Self {
            name: std::ptr::null(),
            iface: std::ptr::null(),
            err: 0,
            err_detail: std::ptr::null(),
            init_flags: 0,
            config: std::ptr::null(),
            priv_: std::ptr::null_mut(),
        }
    }
}

/// `vpx_codec_dec_cfg_t`.
#[repr(C)]
pub(crate) struct VpxCodecDecCfg {
    /// At most this many threads; 1 keeps the decoder on the caller's.
    pub(crate) threads: c_uint,
    pub(crate) w: c_uint,
    pub(crate) h: c_uint,
}

/// `vpx_image_t` (image ABI 5).
#[repr(C)]
pub(crate) struct VpxImage {
    /// `vpx_img_fmt_t`.
    pub(crate) fmt: c_int,
    /// `vpx_color_space_t`.
    pub(crate) cs: c_int,
    /// `vpx_color_range_t`.
    pub(crate) range: c_int,
    /// Stored size (at least the displayed size).
    pub(crate) w: c_uint,
    pub(crate) h: c_uint,
    pub(crate) bit_depth: c_uint,
    /// Displayed size: what the picture is.
    pub(crate) d_w: c_uint,
    pub(crate) d_h: c_uint,
    /// Intended rendering size.
    pub(crate) r_w: c_uint,
    pub(crate) r_h: c_uint,
    pub(crate) x_chroma_shift: c_uint,
    pub(crate) y_chroma_shift: c_uint,
    /// Y, U, V, alpha.
    pub(crate) planes: [*mut u8; 4],
    pub(crate) stride: [c_int; 4],
    pub(crate) bps: c_int,
    pub(crate) user_priv: *mut c_void,
    pub(crate) img_data: *mut u8,
    pub(crate) img_data_owner: c_int,
    pub(crate) self_allocd: c_int,
    pub(crate) fb_priv: *mut c_void,
}

/// `vpx_codec_vp8_dx`.
pub(crate) type Vp8DxFn = unsafe extern "C" fn() -> *const VpxCodecIface;
/// `vpx_codec_dec_init_ver`.
pub(crate) type DecInitVerFn = unsafe extern "C" fn(
    ctx: *mut VpxCodecCtx,
    iface: *const VpxCodecIface,
    cfg: *const VpxCodecDecCfg,
    flags: c_long,
    ver: c_int,
) -> c_int;
/// `vpx_codec_decode`.
pub(crate) type DecodeFn = unsafe extern "C" fn(
    ctx: *mut VpxCodecCtx,
    data: *const u8,
    data_sz: c_uint,
    user_priv: *mut c_void,
    deadline: c_long,
) -> c_int;
/// `vpx_codec_get_frame`; the iterator is a `const void *` libvpx advances.
pub(crate) type GetFrameFn =
    unsafe extern "C" fn(ctx: *mut VpxCodecCtx, iter: *mut *const c_void) -> *mut VpxImage;
/// `vpx_codec_destroy`.
pub(crate) type DestroyFn = unsafe extern "C" fn(ctx: *mut VpxCodecCtx) -> c_int;
/// `vpx_codec_error` and `vpx_codec_error_detail`.
pub(crate) type ErrorFn = unsafe extern "C" fn(ctx: *mut VpxCodecCtx) -> *const c_char;
/// `vpx_codec_control_`, variadic in C.
pub(crate) type ControlFn =
    unsafe extern "C" fn(ctx: *mut VpxCodecCtx, ctrl_id: c_int, ...) -> c_int;
/// `vpx_codec_version_str`.
pub(crate) type VersionStrFn = unsafe extern "C" fn() -> *const c_char;

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    /// The offsets the C compiler gives these structs on 64-bit Linux.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn layouts_match_the_c_headers() {
        assert_eq!(size_of::<VpxCodecCtx>(), 56);
        assert_eq!(offset_of!(VpxCodecCtx, err), 16);
        assert_eq!(offset_of!(VpxCodecCtx, priv_), 48);
        assert_eq!(size_of::<VpxCodecDecCfg>(), 12);
        assert_eq!(offset_of!(VpxImage, d_w), 24);
        assert_eq!(offset_of!(VpxImage, planes), 48);
        assert_eq!(offset_of!(VpxImage, stride), 80);
        assert_eq!(offset_of!(VpxImage, user_priv), 104);
        assert_eq!(size_of::<VpxImage>(), 136);
    }
}
