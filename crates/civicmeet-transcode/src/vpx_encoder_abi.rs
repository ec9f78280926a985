//! The part of libvpx's C interface the VP8 encoder needs, written by hand
//! from the headers of libvpx 1.12 (`vpx/vpx_encoder.h`, `vp8cx.h`; the
//! context and image layouts are shared with the decoder in `vpx_abi.rs`).
//! No code here, only layouts and constants; the calls are in
//! `vp8_encoder.rs`.
//!
//! Unlike the decoder's, the encoder ABI version changes with nearly every
//! release (its rate-control and TPL parts), so it is looked up per
//! release ([`encoder_abi_version`]); a release not in the table is
//! refused rather than guessed. `vpx_codec_enc_cfg_t` is described only up
//! to `kf_max_dist`: those fields kept their order and types from 1.12 to
//! 1.16 (later ones were appended), and the rest of the struct is padding
//! larger than any of those releases needs. The encoder also checks at
//! run time that libvpx's defaults land where these offsets say.

use std::ffi::{c_int, c_long, c_uint, c_ulong, c_void};

use crate::vpx_abi::{VpxCodecCtx, VpxCodecIface, VpxImage};

/// `vpx_codec_cx_pkt_kind::VPX_CODEC_CX_FRAME_PKT`.
pub(crate) const VPX_CODEC_CX_FRAME_PKT: c_int = 0;
/// `VPX_FRAME_IS_KEY` in a frame packet's flags.
pub(crate) const VPX_FRAME_IS_KEY: u32 = 0x1;
/// `VPX_EFLAG_FORCE_KF`, a `vpx_enc_frame_flags_t` (`long`).
pub(crate) const VPX_EFLAG_FORCE_KF: c_long = 1;
/// `vpx_rc_mode::VPX_CBR`.
pub(crate) const VPX_CBR: c_int = 1;
/// `vpx_kf_mode::VPX_KF_AUTO`, libvpx's default (checked after
/// `vpx_codec_enc_config_default`).
pub(crate) const VPX_KF_AUTO: c_int = 1;
/// `vpx_kf_mode::VPX_KF_DISABLED`: keyframes only when forced.
pub(crate) const VPX_KF_DISABLED: c_int = 0;
/// `VPX_DL_REALTIME`: the deadline argument of `vpx_codec_encode`.
pub(crate) const VPX_DL_REALTIME: c_ulong = 1;
/// `VPX_ERROR_RESILIENT_DEFAULT`.
pub(crate) const VPX_ERROR_RESILIENT_DEFAULT: u32 = 0x1;

/// `vp8e_enc_control_id` values; each takes one `int` (or `unsigned int`).
pub(crate) const VP8E_SET_CPUUSED: c_int = 13;
pub(crate) const VP8E_SET_NOISE_SENSITIVITY: c_int = 15;
pub(crate) const VP8E_SET_STATIC_THRESHOLD: c_int = 17;
pub(crate) const VP8E_SET_TOKEN_PARTITIONS: c_int = 18;
pub(crate) const VP8E_SET_MAX_INTRA_BITRATE_PCT: c_int = 26;

/// `VPX_ENCODER_ABI_VERSION` of the release `vpx_codec_version()` names
/// (major << 16 | minor << 8 | patch), from each release's headers.
pub(crate) fn encoder_abi_version(version: c_int) -> Option<c_int> {
    let (major, minor, patch) = (
        (version >> 16) & 0xff,
        (version >> 8) & 0xff,
        version & 0xff,
    );
    Some(match (major, minor, patch) {
        (1, 12, _) => 25, // 15 + codec 9 + ext_ratectrl 1
        (1, 13, _) => 30, // 15 + 9 + 6
        (1, 14, _) => 34, // 16 + 9 + 7 + tpl 2
        (1, 15, 0) => 36, // 18 + 9 + (5 + tpl 4)
        (1, 15, _) => 37, // 18 + 9 + (6 + tpl 4)
        (1, 16, _) => 39, // 18 + 9 + (7 + tpl 5)
        _ => return None,
    })
}

/// `vpx_rational_t`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VpxRational {
    pub(crate) num: c_int,
    pub(crate) den: c_int,
}

/// `vpx_fixed_buf_t`.
#[repr(C)]
pub(crate) struct VpxFixedBuf {
    pub(crate) buf: *mut c_void,
    pub(crate) sz: usize,
}

/// `vpx_codec_enc_cfg_t` up to `kf_max_dist`, then room for the rest.
#[repr(C)]
pub(crate) struct VpxCodecEncCfg {
    pub(crate) g_usage: c_uint,
    pub(crate) g_threads: c_uint,
    pub(crate) g_profile: c_uint,
    pub(crate) g_w: c_uint,
    pub(crate) g_h: c_uint,
    /// `vpx_bit_depth_t`.
    pub(crate) g_bit_depth: c_int,
    pub(crate) g_input_bit_depth: c_uint,
    pub(crate) g_timebase: VpxRational,
    /// `vpx_codec_er_flags_t`.
    pub(crate) g_error_resilient: u32,
    /// `vpx_enc_pass`.
    pub(crate) g_pass: c_int,
    pub(crate) g_lag_in_frames: c_uint,
    pub(crate) rc_dropframe_thresh: c_uint,
    pub(crate) rc_resize_allowed: c_uint,
    pub(crate) rc_scaled_width: c_uint,
    pub(crate) rc_scaled_height: c_uint,
    pub(crate) rc_resize_up_thresh: c_uint,
    pub(crate) rc_resize_down_thresh: c_uint,
    /// `vpx_rc_mode`.
    pub(crate) rc_end_usage: c_int,
    pub(crate) rc_twopass_stats_in: VpxFixedBuf,
    pub(crate) rc_firstpass_mb_stats_in: VpxFixedBuf,
    pub(crate) rc_target_bitrate: c_uint,
    pub(crate) rc_min_quantizer: c_uint,
    pub(crate) rc_max_quantizer: c_uint,
    pub(crate) rc_undershoot_pct: c_uint,
    pub(crate) rc_overshoot_pct: c_uint,
    pub(crate) rc_buf_sz: c_uint,
    pub(crate) rc_buf_initial_sz: c_uint,
    pub(crate) rc_buf_optimal_sz: c_uint,
    pub(crate) rc_2pass_vbr_bias_pct: c_uint,
    pub(crate) rc_2pass_vbr_minsection_pct: c_uint,
    pub(crate) rc_2pass_vbr_maxsection_pct: c_uint,
    pub(crate) rc_2pass_vbr_corpus_complexity: c_uint,
    /// `vpx_kf_mode`.
    pub(crate) kf_mode: c_int,
    pub(crate) kf_min_dist: c_uint,
    pub(crate) kf_max_dist: c_uint,
    /// The spatial/temporal layer settings and later additions (504 bytes
    /// in all in 1.12; a few more in 1.16): 2 KiB is plenty.
    pub(crate) _rest: [u64; 256],
}

/// `vpx_codec_cx_pkt_t`'s kind and the start of its union as a frame
/// packet (`data.frame`); the packet itself stays libvpx's.
#[repr(C)]
pub(crate) struct VpxCodecCxPkt {
    /// `vpx_codec_cx_pkt_kind`.
    pub(crate) kind: c_int,
    pub(crate) buf: *const u8,
    pub(crate) sz: usize,
    /// `vpx_codec_pts_t`.
    pub(crate) pts: i64,
    pub(crate) duration: c_ulong,
    /// `vpx_codec_frame_flags_t`.
    pub(crate) flags: u32,
}

/// `vpx_codec_vp8_cx`.
pub(crate) type Vp8CxFn = unsafe extern "C" fn() -> *const VpxCodecIface;
/// `vpx_codec_enc_config_default`; the last argument is reserved (0).
pub(crate) type EncConfigDefaultFn = unsafe extern "C" fn(
    iface: *const VpxCodecIface,
    cfg: *mut VpxCodecEncCfg,
    usage: c_uint,
) -> c_int;
/// `vpx_codec_enc_init_ver`.
pub(crate) type EncInitVerFn = unsafe extern "C" fn(
    ctx: *mut VpxCodecCtx,
    iface: *const VpxCodecIface,
    cfg: *const VpxCodecEncCfg,
    flags: c_long,
    ver: c_int,
) -> c_int;
/// `vpx_codec_encode`.
pub(crate) type EncodeFn = unsafe extern "C" fn(
    ctx: *mut VpxCodecCtx,
    img: *const VpxImage,
    pts: i64,
    duration: c_ulong,
    flags: c_long,
    deadline: c_ulong,
) -> c_int;
/// `vpx_codec_get_cx_data`; the iterator is a `const void *` libvpx
/// advances.
pub(crate) type GetCxDataFn =
    unsafe extern "C" fn(ctx: *mut VpxCodecCtx, iter: *mut *const c_void) -> *const VpxCodecCxPkt;
/// `vpx_codec_version`.
pub(crate) type VersionFn = unsafe extern "C" fn() -> c_int;

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    /// The offsets the C compiler gives libvpx 1.12's structs on 64-bit
    /// Linux.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn layouts_match_the_c_headers() {
        assert_eq!(offset_of!(VpxCodecEncCfg, g_timebase), 28);
        assert_eq!(offset_of!(VpxCodecEncCfg, g_error_resilient), 36);
        assert_eq!(offset_of!(VpxCodecEncCfg, rc_end_usage), 72);
        assert_eq!(offset_of!(VpxCodecEncCfg, rc_twopass_stats_in), 80);
        assert_eq!(offset_of!(VpxCodecEncCfg, rc_target_bitrate), 112);
        assert_eq!(offset_of!(VpxCodecEncCfg, kf_mode), 160);
        assert_eq!(offset_of!(VpxCodecEncCfg, kf_max_dist), 168);
        assert!(std::mem::size_of::<VpxCodecEncCfg>() >= 504 + 1024);
        assert_eq!(offset_of!(VpxCodecCxPkt, buf), 8);
        assert_eq!(offset_of!(VpxCodecCxPkt, flags), 40);
    }

    #[test]
    fn releases_map_to_their_encoder_abi() {
        assert_eq!(encoder_abi_version(0x010c00), Some(25));
        assert_eq!(encoder_abi_version(0x010f00), Some(36));
        assert_eq!(encoder_abi_version(0x010f02), Some(37));
        assert_eq!(encoder_abi_version(0x011100), None);
    }
}
