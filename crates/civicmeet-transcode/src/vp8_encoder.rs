//! The VP8 encoder: libvpx, loaded at run time (`vpx_library.rs`), set up
//! for live video. One of the three files with `unsafe` (with
//! `vp8_decoder.rs` and `vpx_library.rs`); the layouts it relies on are in
//! `vpx_encoder_abi.rs` and `vpx_abi.rs`.
//!
//! The settings are those of a WebRTC sender: real-time deadline, a fixed
//! `cpu-used` (a negative one would adapt to the machine's speed, reading
//! the clock inside libvpx and making the output depend on the load),
//! error resilience, no look-ahead, CBR at the configured rate, one thread,
//! and keyframes only when forced (the transcoder forces them on request,
//! at a new size and periodically).

use std::ffi::{c_int, c_uint, c_ulong, c_void};
use std::sync::Arc;

use libloading::Library;

use crate::encoder_clock::EncoderClock;
use crate::picture::Picture;
use crate::vpx_abi::{
    ControlFn, DestroyFn, ErrorFn, VPX_CODEC_OK, VPX_IMG_FMT_I420, VpxCodecCtx, VpxImage,
};
use crate::vpx_encoder_abi::{
    EncConfigDefaultFn, EncInitVerFn, EncodeFn, GetCxDataFn, VP8E_SET_CPUUSED,
    VP8E_SET_MAX_INTRA_BITRATE_PCT, VP8E_SET_NOISE_SENSITIVITY, VP8E_SET_STATIC_THRESHOLD,
    VP8E_SET_TOKEN_PARTITIONS, VPX_CBR, VPX_CODEC_CX_FRAME_PKT, VPX_DL_REALTIME,
    VPX_EFLAG_FORCE_KF, VPX_ERROR_RESILIENT_DEFAULT, VPX_FRAME_IS_KEY, VPX_KF_AUTO,
    VPX_KF_DISABLED, VersionFn, Vp8CxFn, VpxCodecEncCfg, VpxRational, encoder_abi_version,
};
use crate::vpx_library::{self, INSTALL_HINT, c_text, symbol};
use crate::{TranscodeConfig, TranscodeError};

/// libvpx's speed step for real-time VP8 (0..=16, higher is faster and
/// coarser). 8 is about where WebRTC runs a desktop camera; the benchmark
/// shows 1280x720 at 30 fps within one core with it.
const CPU_USED: c_int = 8;

/// Rate-control buffer in ms of the target rate, as WebRTC sets it: the
/// encoder starts half full and aims a little above that, so a keyframe or
/// a burst of motion is absorbed within about a second.
const BUFFER_MS: c_uint = 1000;
const BUFFER_INITIAL_MS: c_uint = 500;
const BUFFER_OPTIMAL_MS: c_uint = 600;

/// One encoded VP8 frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vp8Frame {
    /// The frame as RFC 6386 defines it (no RTP payload descriptor): what
    /// the RTP packetizer cuts into packets.
    pub data: Vec<u8>,
    /// A keyframe: a browser can start decoding here.
    pub keyframe: bool,
}

/// libvpx's encoder entry points, with the library they belong to; shared
/// by every encoder a transcoder starts (one per output size).
pub(crate) struct Vp8EncoderLibrary {
    api: Api,
    abi: c_int,
    /// Kept open while `api`'s pointers are in use: every encoder holds an
    /// `Arc` of this.
    _library: Library,
}

#[derive(Clone, Copy)]
struct Api {
    vp8_cx: Vp8CxFn,
    config_default: EncConfigDefaultFn,
    enc_init_ver: EncInitVerFn,
    encode: EncodeFn,
    get_cx_data: GetCxDataFn,
    control: ControlFn,
    destroy: DestroyFn,
    error: ErrorFn,
    error_detail: ErrorFn,
    version: VersionFn,
}

impl Vp8EncoderLibrary {
    /// Opens libvpx and checks that this build knows its encoder ABI
    /// (`Unavailable` otherwise, naming the package or the version).
    pub(crate) fn load() -> Result<Arc<Self>, TranscodeError> {
        Self::load_from(&vpx_library::LIBRARY_NAMES)
    }

    fn load_from(names: &[&str]) -> Result<Arc<Self>, TranscodeError> {
        let (library, name) = vpx_library::open(names)?;
        // SAFETY: each name is paired with its own signature from the
        // headers; the pointers are used only while the library stays
        // loaded (it lives in the same value, which encoders hold an `Arc`
        // of).
        let api = unsafe {
            (|| -> Result<Api, String> {
                Ok(Api {
                    vp8_cx: symbol(&library, "vpx_codec_vp8_cx")?,
                    config_default: symbol(&library, "vpx_codec_enc_config_default")?,
                    enc_init_ver: symbol(&library, "vpx_codec_enc_init_ver")?,
                    encode: symbol(&library, "vpx_codec_encode")?,
                    get_cx_data: symbol(&library, "vpx_codec_get_cx_data")?,
                    control: symbol(&library, "vpx_codec_control_")?,
                    destroy: symbol(&library, "vpx_codec_destroy")?,
                    error: symbol(&library, "vpx_codec_error")?,
                    error_detail: symbol(&library, "vpx_codec_error_detail")?,
                    version: symbol(&library, "vpx_codec_version")?,
                })
            })()
        }
        .map_err(|e| TranscodeError::Unavailable(format!("{name} lacks {e}; {INSTALL_HINT}")))?;
        // SAFETY: takes nothing, returns the packed release number.
        let version = unsafe { (api.version)() };
        let abi = encoder_abi_version(version).ok_or_else(|| {
            TranscodeError::Unavailable(format!(
                "libvpx {}.{}.{} ({name}): this build knows the VP8 encoder ABI of 1.12 to 1.16 only",
                (version >> 16) & 0xff,
                (version >> 8) & 0xff,
                version & 0xff
            ))
        })?;
        Ok(Arc::new(Self {
            api,
            abi,
            _library: library,
        }))
    }
}

/// A real-time VP8 encoder at one size (libvpx, loaded at run time): what
/// [`H264ToVp8`](crate::H264ToVp8) encodes with, open for other uses (a
/// picture of the server's own, the tests' synthetic camera).
pub struct Vp8Encoder {
    library: Arc<Vp8EncoderLibrary>,
    /// Boxed: libvpx may keep pointers to the context, so it must not move.
    ctx: Box<VpxCodecCtx>,
    width: u32,
    height: u32,
    /// One frame's duration in ms, for `vpx_codec_encode`.
    frame_ms: c_ulong,
    clock: EncoderClock,
}

// SAFETY: the context belongs to this value alone and libvpx ties no
// encoder state to a thread (one thread configured, none started); calls
// must not overlap, which `&mut self` on every call guarantees. The
// library handle and its function pointers are shareable.
unsafe impl Send for Vp8Encoder {}

impl Vp8Encoder {
    /// Starts an encoder for `width` x `height` pictures at `config`'s bit
    /// rate and `max_fps` (its box is not used: the size is this one).
    /// `Unavailable` without libvpx, `Encode` for a size libvpx refuses.
    pub fn new(width: u32, height: u32, config: &TranscodeConfig) -> Result<Self, TranscodeError> {
        config.validate()?;
        if !(1..=16383).contains(&width) || !(1..=16383).contains(&height) {
            return Err(TranscodeError::Config(format!(
                "VP8 size {width}x{height} is not within 1..=16383 per side"
            )));
        }
        Self::start(&Vp8EncoderLibrary::load()?, width, height, config)
    }

    /// Starts an encoder on an already loaded library (`config` validated).
    pub(crate) fn start(
        library: &Arc<Vp8EncoderLibrary>,
        width: u32,
        height: u32,
        config: &TranscodeConfig,
    ) -> Result<Self, TranscodeError> {
        let api = library.api;
        let failed = |why: String| TranscodeError::Encode(format!("VP8 encoder: {why}"));
        // SAFETY: takes nothing, returns a static interface (or null).
        let iface = unsafe { (api.vp8_cx)() };
        if iface.is_null() {
            return Err(TranscodeError::Unavailable(
                "libvpx has no VP8 encoder".into(),
            ));
        }
        // SAFETY: all-zero is a valid value of this plain C struct (integers
        // and null pointers), which libvpx then overwrites with defaults.
        let mut cfg: Box<VpxCodecEncCfg> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: `cfg` is writable and larger than any supported
        // release's `vpx_codec_enc_cfg_t` (see `vpx_encoder_abi.rs`), so
        // libvpx writes inside it; usage 0 is the only one defined.
        let status = unsafe { (api.config_default)(iface, &mut *cfg, 0) };
        if status != VPX_CODEC_OK {
            return Err(failed(format!("no default configuration (error {status})")));
        }
        // The defaults VP8 has had since 1.0: if they are not where our
        // layout reads them, the layout is wrong for this release.
        if (cfg.g_w, cfg.g_h) != (320, 240)
            || cfg.g_timebase != (VpxRational { num: 1, den: 30 })
            || cfg.kf_mode != VPX_KF_AUTO
            || cfg.kf_max_dist != 128
        {
            return Err(TranscodeError::Unavailable(
                "libvpx's encoder configuration is not laid out as this build expects".into(),
            ));
        }
        cfg.g_w = width;
        cfg.g_h = height;
        cfg.g_threads = 1;
        cfg.g_timebase = VpxRational { num: 1, den: 1000 };
        cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
        cfg.g_lag_in_frames = 0;
        // Every due frame is encoded: rate control holds the rate through
        // the quantizer, and a requested keyframe is never dropped.
        cfg.rc_dropframe_thresh = 0;
        cfg.rc_resize_allowed = 0;
        cfg.rc_end_usage = VPX_CBR;
        cfg.rc_target_bitrate = config.bitrate_kbps;
        cfg.rc_min_quantizer = 2;
        cfg.rc_max_quantizer = 56;
        cfg.rc_undershoot_pct = 100;
        cfg.rc_overshoot_pct = 15;
        cfg.rc_buf_sz = BUFFER_MS;
        cfg.rc_buf_initial_sz = BUFFER_INITIAL_MS;
        cfg.rc_buf_optimal_sz = BUFFER_OPTIMAL_MS;
        cfg.kf_mode = VPX_KF_DISABLED;
        let mut ctx = Box::new(VpxCodecCtx::zeroed());
        // SAFETY: `ctx` and `cfg` are live and laid out as the headers say
        // for the fields libvpx reads (checked above); `iface` came from
        // this library; the ABI version is this release's, which libvpx
        // checks.
        let status = unsafe { (api.enc_init_ver)(&mut *ctx, iface, &*cfg, 0, library.abi) };
        if status != VPX_CODEC_OK {
            // SAFETY: a failed init leaves a context `vpx_codec_error` can
            // read (it returns a static string for the stored error).
            let why = unsafe { c_text((api.error)(&mut *ctx)) };
            return Err(failed(format!(
                "{width}x{height} refused: {why} (error {status})"
            )));
        }
        let mut encoder = Self {
            library: Arc::clone(library),
            ctx,
            width,
            height,
            frame_ms: c_ulong::from(1000 / config.max_fps.max(1)),
            clock: EncoderClock::new(config.max_fps),
        };
        // A keyframe may take this many % of an average frame: the
        // optimal buffer's half, in frames, as WebRTC limits it, at least
        // three frames' worth.
        let max_intra_pct = (BUFFER_OPTIMAL_MS / 2 * config.max_fps / 10).max(300);
        for (control, value) in [
            (VP8E_SET_CPUUSED, CPU_USED),
            // One token partition: nothing decodes VP8 in parallel here.
            (VP8E_SET_TOKEN_PARTITIONS, 0),
            // A transcoded picture has been denoised by its first encoder.
            (VP8E_SET_NOISE_SENSITIVITY, 0),
            // Blocks that did not change are skipped (WebRTC's camera
            // setting).
            (VP8E_SET_STATIC_THRESHOLD, 1),
            (
                VP8E_SET_MAX_INTRA_BITRATE_PCT,
                c_int::try_from(max_intra_pct).unwrap_or(c_int::MAX),
            ),
        ] {
            // SAFETY: each of these controls takes one `int` (an unsigned
            // one for the last, same size and promotion through varargs);
            // the context was initialised above.
            let status = unsafe { (api.control)(&mut *encoder.ctx, control, value) };
            if status != VPX_CODEC_OK {
                return Err(failed(format!("control {control} = {value} refused")));
            }
        }
        Ok(encoder)
    }

    /// The picture size this encoder takes.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Encodes one I420 picture of this encoder's size, planes packed one
    /// after the other (Y, then U and V of half the width and height,
    /// rounded up), captured at `time_ms`; a keyframe when `keyframe` (and
    /// the first). `None` when libvpx gave no frame.
    pub fn encode_i420(
        &mut self,
        i420: &[u8],
        keyframe: bool,
        time_ms: u64,
    ) -> Result<Option<Vp8Frame>, TranscodeError> {
        let luma = self.width as usize * self.height as usize;
        let chroma = self.width.div_ceil(2) as usize * self.height.div_ceil(2) as usize;
        if i420.len() != luma + 2 * chroma {
            return Err(TranscodeError::Encode(format!(
                "VP8 encoder: {} bytes for a {}x{} I420 picture",
                i420.len(),
                self.width,
                self.height
            )));
        }
        let (y, chroma_planes) = i420.split_at(luma);
        let (u, v) = chroma_planes.split_at(chroma);
        self.encode_planes([y, u, v], keyframe, time_ms)
    }

    /// Encodes `picture` (of this encoder's size); see `encode_i420`.
    pub(crate) fn encode(
        &mut self,
        picture: &Picture,
        keyframe: bool,
        time_ms: u64,
    ) -> Result<Option<Vp8Frame>, TranscodeError> {
        if (picture.width(), picture.height()) != self.size() {
            return Err(TranscodeError::Encode(format!(
                "VP8 encoder: a {}x{} picture for a {}x{} encoder",
                picture.width(),
                picture.height(),
                self.width,
                self.height
            )));
        }
        self.encode_planes([picture.y(), picture.u(), picture.v()], keyframe, time_ms)
    }

    /// Encodes three packed planes whose lengths the callers checked:
    /// `width` x `height` and twice half that, rounded up.
    fn encode_planes(
        &mut self,
        [y, u, v]: [&[u8]; 3],
        keyframe: bool,
        time_ms: u64,
    ) -> Result<Option<Vp8Frame>, TranscodeError> {
        let chroma_width = self.width.div_ceil(2) as usize;
        let chroma_height = self.height.div_ceil(2) as usize;
        // Checked by both callers; a wrong length here would be read past.
        if y.len() != self.width as usize * self.height as usize
            || u.len() != chroma_width * chroma_height
            || v.len() != u.len()
        {
            return Err(TranscodeError::Encode(
                "VP8 encoder: planes of the wrong size".into(),
            ));
        }
        let chroma_stride = chroma_width as c_int;
        // libvpx only reads the planes (`vpx_codec_encode` takes a const
        // image): the pointers are `*mut` because the struct is shared
        // with the decoder.
        let image = VpxImage {
            fmt: VPX_IMG_FMT_I420,
            cs: 0,
            range: 0,
            w: self.width,
            h: self.height,
            bit_depth: 8,
            d_w: self.width,
            d_h: self.height,
            r_w: 0,
            r_h: 0,
            x_chroma_shift: 1,
            y_chroma_shift: 1,
            planes: [
                y.as_ptr().cast_mut(),
                u.as_ptr().cast_mut(),
                v.as_ptr().cast_mut(),
                std::ptr::null_mut(),
            ],
            stride: [self.width as c_int, chroma_stride, chroma_stride, 0],
            bps: 12,
            user_priv: std::ptr::null_mut(),
            img_data: std::ptr::null_mut(),
            img_data_owner: 0,
            self_allocd: 0,
            fb_priv: std::ptr::null_mut(),
        };
        let flags = if keyframe { VPX_EFLAG_FORCE_KF } else { 0 };
        // The clock stays below i64::MAX / 2.
        let pts = i64::try_from(self.clock.advance(time_ms)).unwrap_or(i64::MAX);
        let api = self.library.api;
        // SAFETY: the context was initialised in `start`; `image` describes
        // the three planes, packed rows of exactly the sizes the header
        // fields give (width x height luma, half that rounded up for
        // chroma, checked above), borrowed for the call; libvpx copies the picture before it
        // returns (no look-ahead).
        let status = unsafe {
            (api.encode)(
                &mut *self.ctx,
                &image,
                pts,
                self.frame_ms,
                flags,
                VPX_DL_REALTIME,
            )
        };
        if status != VPX_CODEC_OK {
            return Err(TranscodeError::Encode(format!(
                "VP8 encoder: {}",
                self.last_error(status)
            )));
        }
        let mut frame: Option<Vp8Frame> = None;
        let mut iter: *const c_void = std::ptr::null();
        loop {
            // SAFETY: the context is initialised; `iter` starts null as
            // libvpx expects after an encode call and is advanced by it.
            let packet = unsafe { (api.get_cx_data)(&mut *self.ctx, &mut iter) };
            // SAFETY: a non-null packet points into the context and stays
            // valid until the next call on it; it is read at once.
            let Some(packet) = (unsafe { packet.as_ref() }) else {
                break;
            };
            // With no look-ahead and no alt-ref there is one frame packet
            // per picture; anything else (statistics) is not ours.
            if packet.kind != VPX_CODEC_CX_FRAME_PKT || frame.is_some() {
                continue;
            }
            if packet.buf.is_null() || packet.sz == 0 {
                continue;
            }
            // SAFETY: a frame packet's `buf` holds `sz` bytes of the
            // frame, valid until the next call on the context.
            let data = unsafe { std::slice::from_raw_parts(packet.buf, packet.sz) }.to_vec();
            frame = Some(Vp8Frame {
                data,
                keyframe: packet.flags & VPX_FRAME_IS_KEY != 0,
            });
        }
        Ok(frame)
    }

    /// libvpx's words for the last error, bounded in length.
    fn last_error(&mut self, status: c_int) -> String {
        let api = self.library.api;
        // SAFETY: both return a C string owned by the context (or a static
        // one), valid until the next call on it, or null; `c_text` copies
        // it at once and handles null.
        let (error, detail) = unsafe {
            (
                c_text((api.error)(&mut *self.ctx)),
                c_text((api.error_detail)(&mut *self.ctx)),
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

impl Drop for Vp8Encoder {
    fn drop(&mut self) {
        // SAFETY: the context was initialised in `start` (a failed init never
        // builds a `Vp8Encoder`) and is destroyed exactly once, here; the
        // library stays loaded through `self.library`.
        unsafe {
            (self.library.api.destroy)(&mut *self.ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> TranscodeConfig {
        TranscodeConfig {
            max_width: 640,
            max_height: 360,
            bitrate_kbps: 500,
            max_fps: 30,
        }
    }

    #[test]
    fn a_machine_without_libvpx_is_told_what_to_install() {
        let Err(TranscodeError::Unavailable(message)) =
            Vp8EncoderLibrary::load_from(&["libvpx.so.0-not-here"])
        else {
            panic!("a library that does not exist loaded");
        };
        assert!(message.contains("libvpx7"), "{message}");
    }

    #[test]
    fn the_first_frame_and_forced_ones_are_keyframes_and_no_others() {
        let mut encoder = Vp8Encoder::new(64, 48, &config()).expect("libvpx (Debian: libvpx7)");
        let mut picture = Picture::new(64, 48);
        let keyframes: Vec<bool> = (0..8u64)
            .map(|n| {
                picture.y_mut()[n as usize] = 200;
                let frame = encoder.encode(&picture, n == 5, n * 33).unwrap().unwrap();
                assert!(!frame.data.is_empty());
                frame.keyframe
            })
            .collect();
        assert_eq!(
            keyframes,
            [true, false, false, false, false, true, false, false]
        );
    }

    #[test]
    fn a_picture_of_another_size_is_an_error_not_a_read_out_of_bounds() {
        let mut encoder = Vp8Encoder::new(64, 48, &config()).expect("libvpx (Debian: libvpx7)");
        assert!(matches!(
            encoder.encode(&Picture::new(640, 360), false, 0),
            Err(TranscodeError::Encode(_))
        ));
        assert!(matches!(
            encoder.encode_i420(&[0; 64 * 48], false, 0),
            Err(TranscodeError::Encode(_))
        ));
        assert!(encoder.encode_i420(&[0; 64 * 48 * 3 / 2], false, 0).is_ok());
    }
}
