//! A VP8 encoder for the tests and the benchmark: libvpx's, loaded at run
//! time like the crate's decoder, with its own small hand-written FFI
//! (from libvpx 1.12's `vpx_encoder.h`, `vpx_image.h`, `vp8cx.h`). It makes
//! the input a browser would send; nothing here is mocked.
//!
//! Without libvpx it panics saying what to install: the tests must fail,
//! not skip, on a machine that lacks it.

use std::ffi::{CStr, c_char, c_int, c_long, c_uint, c_ulong, c_void};

use libloading::Library;

const LIBRARY_NAMES: [&str; 5] = [
    "libvpx.so.9",
    "libvpx.so.8",
    "libvpx.so.7",
    "libvpx.so.6",
    "libvpx.so",
];
const INSTALL: &str =
    "install libvpx (Debian 12: `apt-get install libvpx7`; `cargo xtask test` does it)";

const VPX_CODEC_OK: c_int = 0;
const VPX_IMG_FMT_I420: c_int = 0x102;
const VPX_CODEC_CX_FRAME_PKT: c_int = 0;
const VPX_FRAME_IS_KEY: u32 = 1;
const VPX_EFLAG_FORCE_KF: c_long = 1;
/// `enum vpx_rc_mode::VPX_CBR`.
const VPX_CBR: c_int = 1;
/// `VP8E_SET_CPUUSED` (an `int`; -16..16, higher is faster).
const VP8E_SET_CPUUSED: c_int = 13;
/// `VPX_DL_REALTIME`.
const VPX_DL_REALTIME: c_ulong = 1;

/// `VPX_ENCODER_ABI_VERSION` changes with nearly every release (its rate
/// control and TPL parts); each value from that release's headers.
fn encoder_abi_version(version: c_int) -> Option<c_int> {
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

#[repr(C)]
struct Ctx {
    name: *const c_char,
    iface: *const c_void,
    err: c_int,
    err_detail: *const c_char,
    init_flags: c_long,
    config: *const c_void,
    priv_: *mut c_void,
}

#[repr(C)]
struct Rational {
    num: c_int,
    den: c_int,
}

#[repr(C)]
struct FixedBuf {
    buf: *mut c_void,
    sz: usize,
}

/// The first fields of `vpx_codec_enc_cfg_t`, identical from 1.12 to 1.16
/// (checked in the libvpx history); the rest of the struct is `_rest`,
/// large enough for any of those versions (504 bytes in 1.12).
#[repr(C)]
struct EncCfg {
    g_usage: c_uint,
    g_threads: c_uint,
    g_profile: c_uint,
    g_w: c_uint,
    g_h: c_uint,
    g_bit_depth: c_int,
    g_input_bit_depth: c_uint,
    g_timebase: Rational,
    g_error_resilient: u32,
    g_pass: c_int,
    g_lag_in_frames: c_uint,
    rc_dropframe_thresh: c_uint,
    rc_resize_allowed: c_uint,
    rc_scaled_width: c_uint,
    rc_scaled_height: c_uint,
    rc_resize_up_thresh: c_uint,
    rc_resize_down_thresh: c_uint,
    rc_end_usage: c_int,
    rc_twopass_stats_in: FixedBuf,
    rc_firstpass_mb_stats_in: FixedBuf,
    rc_target_bitrate: c_uint,
    _rest: [u64; 256],
}

#[repr(C)]
struct Image {
    fmt: c_int,
    cs: c_int,
    range: c_int,
    w: c_uint,
    h: c_uint,
    bit_depth: c_uint,
    d_w: c_uint,
    d_h: c_uint,
    r_w: c_uint,
    r_h: c_uint,
    x_chroma_shift: c_uint,
    y_chroma_shift: c_uint,
    planes: [*mut u8; 4],
    stride: [c_int; 4],
    bps: c_int,
    user_priv: *mut c_void,
    img_data: *mut u8,
    img_data_owner: c_int,
    self_allocd: c_int,
    fb_priv: *mut c_void,
}

/// The first fields of `vpx_codec_cx_pkt_t` for a frame packet (the union
/// starts at offset 8).
#[repr(C)]
struct CxPkt {
    kind: c_int,
    buf: *const u8,
    sz: usize,
    pts: i64,
    duration: c_ulong,
    flags: u32,
}

struct Api {
    vp8_cx: unsafe extern "C" fn() -> *const c_void,
    config_default: unsafe extern "C" fn(*const c_void, *mut EncCfg, c_uint) -> c_int,
    enc_init_ver:
        unsafe extern "C" fn(*mut Ctx, *const c_void, *const EncCfg, c_long, c_int) -> c_int,
    encode: unsafe extern "C" fn(*mut Ctx, *const Image, i64, c_ulong, c_long, c_ulong) -> c_int,
    get_cx_data: unsafe extern "C" fn(*mut Ctx, *mut *const c_void) -> *const CxPkt,
    img_wrap:
        unsafe extern "C" fn(*mut Image, c_int, c_uint, c_uint, c_uint, *mut u8) -> *mut Image,
    control: unsafe extern "C" fn(*mut Ctx, c_int, ...) -> c_int,
    destroy: unsafe extern "C" fn(*mut Ctx) -> c_int,
    error: unsafe extern "C" fn(*mut Ctx) -> *const c_char,
    version: unsafe extern "C" fn() -> c_int,
}

/// One encoded VP8 frame.
pub struct Vp8Frame {
    pub data: Vec<u8>,
    pub keyframe: bool,
}

/// A real-time VP8 encoder at one size, single-threaded, constant bit rate,
/// keyframes only when asked (and the first).
pub struct Vp8Encoder {
    api: Api,
    ctx: Box<Ctx>,
    width: u32,
    height: u32,
    _library: Library,
}

impl Vp8Encoder {
    pub fn new(width: u32, height: u32, bitrate_kbps: u32) -> Self {
        let library = LIBRARY_NAMES
            .iter()
            // SAFETY: libvpx's initialisers only set up CPU-feature tables.
            .find_map(|name| unsafe { Library::new(*name) }.ok())
            .unwrap_or_else(|| panic!("libvpx not found: {INSTALL}"));
        /// Each name is asked for with its signature from the libvpx
        /// headers; the pointers are used only while `library` lives (in
        /// the same struct).
        fn get<T: Copy>(library: &Library, name: &str) -> T {
            // SAFETY: as above.
            unsafe {
                *library
                    .get::<T>(name)
                    .unwrap_or_else(|e| panic!("libvpx lacks {name}: {e}"))
            }
        }
        let api = {
            Api {
                vp8_cx: get(&library, "vpx_codec_vp8_cx"),
                config_default: get(&library, "vpx_codec_enc_config_default"),
                enc_init_ver: get(&library, "vpx_codec_enc_init_ver"),
                encode: get(&library, "vpx_codec_encode"),
                get_cx_data: get(&library, "vpx_codec_get_cx_data"),
                img_wrap: get(&library, "vpx_img_wrap"),
                control: get(&library, "vpx_codec_control_"),
                destroy: get(&library, "vpx_codec_destroy"),
                error: get(&library, "vpx_codec_error"),
                version: get(&library, "vpx_codec_version"),
            }
        };
        // SAFETY: takes nothing, returns a packed integer.
        let version = unsafe { (api.version)() };
        let abi = encoder_abi_version(version).unwrap_or_else(|| {
            panic!("libvpx {version:#x}: no encoder ABI version known for it (add it to the table)")
        });
        // SAFETY: `vp8_cx` returns a static interface; the config struct is
        // larger than libvpx's and starts with its fields, so libvpx writes
        // inside it.
        let mut ctx = Box::new(Ctx {
            name: std::ptr::null(),
            iface: std::ptr::null(),
            err: 0,
            err_detail: std::ptr::null(),
            init_flags: 0,
            config: std::ptr::null(),
            priv_: std::ptr::null_mut(),
        });
        unsafe {
            let iface = (api.vp8_cx)();
            assert!(!iface.is_null(), "libvpx has no VP8 encoder");
            let mut cfg: Box<EncCfg> = Box::new(std::mem::zeroed());
            assert_eq!((api.config_default)(iface, &mut *cfg, 0), VPX_CODEC_OK);
            cfg.g_w = width;
            cfg.g_h = height;
            cfg.g_threads = 1;
            cfg.g_timebase = Rational { num: 1, den: 1000 };
            cfg.g_lag_in_frames = 0;
            cfg.g_error_resilient = 1;
            cfg.rc_end_usage = VPX_CBR;
            cfg.rc_target_bitrate = bitrate_kbps;
            let status = (api.enc_init_ver)(&mut *ctx, iface, &*cfg, 0, abi);
            assert_eq!(
                status,
                VPX_CODEC_OK,
                "VP8 encoder init: {}",
                text((api.error)(&mut *ctx))
            );
            (api.control)(&mut *ctx, VP8E_SET_CPUUSED, 8 as c_int);
        }
        Self {
            api,
            ctx,
            width,
            height,
            _library: library,
        }
    }

    /// Encodes one I420 picture (planes packed, even sides) captured at
    /// `time_ms`.
    pub fn encode(&mut self, i420: &mut [u8], time_ms: u64, force_keyframe: bool) -> Vp8Frame {
        let (w, h) = (self.width as usize, self.height as usize);
        assert_eq!(i420.len(), w * h * 3 / 2);
        let mut data = Vec::new();
        let mut keyframe = false;
        // SAFETY: `vpx_img_wrap` describes our buffer (which outlives the
        // encode call; libvpx copies the picture) in a zeroed `Image`; the
        // packets returned point into the context and are copied before the
        // next call on it.
        unsafe {
            let mut image: Image = std::mem::zeroed();
            let wrapped = (self.api.img_wrap)(
                &mut image,
                VPX_IMG_FMT_I420,
                self.width,
                self.height,
                1,
                i420.as_mut_ptr(),
            );
            assert!(!wrapped.is_null());
            let flags = if force_keyframe {
                VPX_EFLAG_FORCE_KF
            } else {
                0
            };
            let status = (self.api.encode)(
                &mut *self.ctx,
                &image,
                time_ms as i64,
                33,
                flags,
                VPX_DL_REALTIME,
            );
            assert_eq!(
                status,
                VPX_CODEC_OK,
                "VP8 encode: {}",
                text((self.api.error)(&mut *self.ctx))
            );
            let mut iter: *const c_void = std::ptr::null();
            loop {
                let packet = (self.api.get_cx_data)(&mut *self.ctx, &mut iter);
                let Some(packet) = packet.as_ref() else { break };
                if packet.kind == VPX_CODEC_CX_FRAME_PKT {
                    data.extend_from_slice(std::slice::from_raw_parts(packet.buf, packet.sz));
                    keyframe |= packet.flags & VPX_FRAME_IS_KEY != 0;
                }
            }
        }
        Vp8Frame { data, keyframe }
    }
}

impl Drop for Vp8Encoder {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, destroyed once, library still open.
        unsafe {
            (self.api.destroy)(&mut *self.ctx);
        }
    }
}

/// SAFETY: null or a NUL-terminated string.
unsafe fn text(s: *const c_char) -> String {
    if s.is_null() {
        return String::new();
    }
    // SAFETY: per the caller.
    unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned()
}
