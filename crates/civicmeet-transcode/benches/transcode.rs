//! What transcoding costs: frames per CPU-second of `Vp8ToH264` (VP8
//! decode, scale, H.264 encode) and of `H264ToVp8` (H.264 decode, scale,
//! VP8 encode) for a 640x360 and a 1280x720 camera, the median of several
//! runs over the same input frames. The CPU time is this
//! thread's own (both codecs run on it), so other load on the machine
//! counts less than in wall-clock time.
//!
//! `cargo bench -p civicmeet-transcode` prints, never asserts. Under
//! `cargo test --all-targets` (no `--bench` argument) it makes one short
//! run as a smoke test. (The benchmark reads the clock; the library never
//! does.)

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use civicmeet_transcode::{H264ToVp8, TranscodeConfig, Vp8ToH264};
use support::h264::H264Camera;
use support::pattern;
use support::vp8_encoder::{Vp8Encoder, Vp8Frame};

/// This thread's CPU time so far.
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the call.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Five seconds of the moving test picture at 30 fps, as VP8.
fn camera(width: u32, height: u32, frames: u32) -> Vec<(Vp8Frame, u64)> {
    let mut encoder = Vp8Encoder::new(width, height, if width > 640 { 2500 } else { 1200 });
    (0..frames)
        .map(|n| {
            let time = u64::from(n) * 1000 / 30;
            let mut picture = pattern::frame(width, height, n);
            (encoder.encode(&mut picture.data, time, n == 0), time)
        })
        .collect()
}

/// The same, as a room system's H.264.
fn room_system(width: u32, height: u32, frames: u32) -> Vec<(Vec<u8>, bool, u64)> {
    let mut camera = H264Camera::new(width, height, if width > 640 { 2500 } else { 1200 });
    (0..frames)
        .map(|n| {
            let time = u64::from(n) * 1000 / 30;
            let picture = pattern::frame(width, height, n);
            let (h264, keyframe) = camera.encode(&picture.data, time, n == 0);
            (h264, keyframe, time)
        })
        .collect()
}

/// Runs `input` through a fresh transcoder `runs` times; the median and
/// range of frames per CPU-second, and how many frames came out.
fn measure<T>(
    runs: usize,
    frames: u32,
    mut start: impl FnMut() -> T,
    mut push: impl FnMut(&mut T, usize) -> bool,
) -> (f64, f64, f64, usize) {
    let mut per_second = Vec::with_capacity(runs);
    let mut outputs = 0;
    for _ in 0..runs {
        let mut transcoder = start();
        outputs = 0;
        let started = thread_cpu_time();
        for i in 0..frames as usize {
            if push(&mut transcoder, i) {
                outputs += 1;
            }
        }
        let spent = thread_cpu_time() - started;
        per_second.push(f64::from(frames) / spent.as_secs_f64());
    }
    per_second.sort_by(f64::total_cmp);
    (
        per_second[runs / 2],
        per_second[0],
        per_second[runs - 1],
        outputs,
    )
}

fn report(name: &str, frames: u32, (median, low, high, outputs): (f64, f64, f64, usize)) {
    println!(
        "  {name:<22} {median:7.1} frames per CPU-second ({:.0} % of a core at 30 fps; \
         runs {low:.1}..{high:.1}; {outputs}/{frames} frames out)",
        100.0 * 30.0 / median,
    );
}

/// One measured case: its name, the input picture's size, and the output
/// box and bit rate.
struct Case {
    name: &'static str,
    input: (u32, u32),
    output: (u32, u32),
    kbps: u32,
}

const CASES: [Case; 3] = [
    Case {
        name: "640x360 -> 640x360",
        input: (640, 360),
        output: (640, 360),
        kbps: 800,
    },
    Case {
        name: "1280x720 -> 640x360",
        input: (1280, 720),
        output: (640, 360),
        kbps: 800,
    },
    Case {
        name: "1280x720 -> 1280x720",
        input: (1280, 720),
        output: (1280, 720),
        kbps: 2000,
    },
];

/// Measures one direction over every case: `input` makes the frames of a
/// size, `start` a transcoder, `push` feeds it one frame (whether one came out).
fn run_cases<T, I>(
    name: &str,
    frames: u32,
    runs: usize,
    input: impl Fn(u32, u32, u32) -> Vec<I>,
    start: impl Fn(TranscodeConfig) -> T,
    push: impl Fn(&mut T, &I) -> bool,
) {
    println!("{name}, {frames} frames a run, median of {runs} runs (thread CPU time):");
    for case in CASES {
        let input = input(case.input.0, case.input.1, frames);
        let config = TranscodeConfig {
            max_width: case.output.0,
            max_height: case.output.1,
            bitrate_kbps: case.kbps,
            max_fps: 30,
        };
        let result = measure(runs, frames, || start(config), |t, i| push(t, &input[i]));
        report(case.name, frames, result);
    }
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (frames, runs) = if measuring { (150, 5) } else { (6, 1) };
    run_cases(
        "Vp8ToH264",
        frames,
        runs,
        camera,
        |config| Vp8ToH264::new(config).expect("libvpx (Debian: libvpx7) and openh264"),
        |transcoder, (vp8, time)| {
            transcoder
                .push(&vp8.data, vp8.keyframe, *time)
                .expect("transcodes")
                .is_some()
        },
    );
    run_cases(
        "H264ToVp8",
        frames,
        runs,
        room_system,
        |config| H264ToVp8::new(config).expect("libvpx (Debian: libvpx7) and openh264"),
        |transcoder, (h264, keyframe, time)| {
            transcoder
                .push(h264, *keyframe, *time)
                .expect("transcodes")
                .is_some()
        },
    );
}
