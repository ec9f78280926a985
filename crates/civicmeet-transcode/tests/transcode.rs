//! The transcoder with real codecs on both sides: libvpx encodes a moving
//! synthetic picture to VP8 (as a browser would), `Vp8ToH264` turns it
//! into H.264, and openh264's decoder decodes that (as a room system
//! would); the pictures are compared with the source.

mod support;

use civicmeet_transcode::{H264Frame, PERIODIC_IDR_MS, TranscodeConfig, TranscodeError, Vp8ToH264};
use support::Rng;
use support::h264::{H264Decoder, nal_types, sps_profile};
use support::pattern::{self, I420};
use support::psnr;
use support::vp8_encoder::{Vp8Encoder, Vp8Frame};

/// The worst PSNR (of Y, U and V) a frame may have after VP8 at
/// 1.5 Mbit/s and H.264 at 1 Mbit/s. Measured here (libvpx 1.12, openh264
/// 2.7 from source): the right frames gave 39.1 to 43 dB; the same decoded
/// pictures against the source frame *before* them gave 27.9 to 32.6 dB,
/// and with U and V swapped 16 dB. So 35 dB passes the transcoder's
/// output with a margin (libvpx's real-time mode adapts its speed to the
/// machine, which moves the numbers a little) and fails it when it shows
/// a stale frame, swaps or misreads a plane.
const MIN_PSNR_DB: f64 = 35.0;

/// The browser stand-in's VP8 rate: high enough that its live encoder
/// (keyframes capped at a few frames' worth, a 1 s buffer, as WebRTC sets
/// libvpx) gives the transcoder a near-clean picture from the first frame,
/// so the PSNR judges the transcoder rather than the input.
const INPUT_KBPS: u32 = 4000;

/// Capture times of a 30 fps camera, as a 90 kHz RTP clock gives them
/// (3000 ticks a frame) in whole milliseconds.
fn capture_ms(n: u32) -> u64 {
    u64::from(n) * 1000 / 30
}

fn config(max_width: u32, max_height: u32) -> TranscodeConfig {
    TranscodeConfig {
        max_width,
        max_height,
        bitrate_kbps: 1000,
        max_fps: 30,
    }
}

/// A browser stand-in: the moving picture at one size, encoded to VP8.
struct Camera {
    width: u32,
    height: u32,
    encoder: Vp8Encoder,
    n: u32,
}

impl Camera {
    fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            encoder: Vp8Encoder::new(width, height, INPUT_KBPS),
            n: 0,
        }
    }

    /// The next frame: its source picture, its VP8 and its capture time.
    fn next(&mut self, keyframe: bool) -> (I420, Vp8Frame, u64) {
        let picture = pattern::frame(self.width, self.height, self.n);
        let time = capture_ms(self.n);
        let vp8 = self
            .encoder
            .encode(&mut picture.data.clone(), time, keyframe);
        self.n += 1;
        (picture, vp8, time)
    }
}

fn transcoder(config: TranscodeConfig) -> Vp8ToH264 {
    match Vp8ToH264::new(config) {
        Ok(t) => t,
        Err(e) => panic!("{e} (libvpx is needed by these tests: install libvpx7)"),
    }
}

/// Runs `frames` frames of a `width` x `height` camera through a
/// transcoder and a decoder; returns each output's keyframe flag and PSNR.
fn run(
    config: TranscodeConfig,
    width: u32,
    height: u32,
    frames: u32,
    expect: (u32, u32),
) -> Vec<(bool, f64)> {
    let mut camera = Camera::new(width, height);
    let mut transcoder = transcoder(config);
    let mut decoder = H264Decoder::new();
    let mut results = Vec::new();
    for _ in 0..frames {
        let (source, vp8, time) = camera.next(false);
        let Some(h264) = transcoder
            .push(&vp8.data, vp8.keyframe, time)
            .expect("transcodes")
        else {
            continue;
        };
        let decoded = decoder
            .decode(&h264.data)
            .expect("each access unit gives a picture");
        assert_eq!((decoded.width, decoded.height), expect);
        results.push((h264.keyframe, psnr(&source, &decoded)));
    }
    results
}

#[test]
fn vp8_640x360_comes_out_as_h264_at_its_own_size() {
    let results = run(config(1280, 720), 640, 360, 60, (640, 360));
    // Rate control may drop a frame after an IDR (the IDR overshoots).
    assert!(results.len() >= 57, "{} of 60 frames out", results.len());
    assert!(results[0].0, "the first output is an IDR");
    assert!(results[1..].iter().all(|(key, _)| !key), "no IDR unasked");
    let worst = results.iter().map(|r| r.1).fold(f64::INFINITY, f64::min);
    let mean = results.iter().map(|r| r.1).sum::<f64>() / results.len() as f64;
    println!("640x360: worst {worst:.2} dB, mean {mean:.2} dB");
    assert!(worst > MIN_PSNR_DB, "worst frame {worst:.2} dB");
}

#[test]
fn vp8_1280x720_is_scaled_into_the_box() {
    let results = run(config(640, 360), 1280, 720, 45, (640, 360));
    assert!(results.len() >= 42, "{} of 45 frames out", results.len());
    assert!(results[0].0);
    let worst = results.iter().map(|r| r.1).fold(f64::INFINITY, f64::min);
    let mean = results.iter().map(|r| r.1).sum::<f64>() / results.len() as f64;
    println!("1280x720 -> 640x360: worst {worst:.2} dB, mean {mean:.2} dB");
    assert!(worst > MIN_PSNR_DB, "worst frame {worst:.2} dB");
}

#[test]
fn the_first_output_is_an_idr_with_sps_and_pps_in_constrained_baseline() {
    let mut camera = Camera::new(640, 360);
    let mut transcoder = transcoder(config(640, 360));
    let (_, vp8, time) = camera.next(false);
    assert!(vp8.keyframe, "libvpx starts with a keyframe");
    let first = transcoder
        .push(&vp8.data, true, time)
        .unwrap()
        .expect("an output");
    assert!(first.keyframe);
    let types = nal_types(&first.data);
    assert_eq!(
        types.iter().filter(|t| **t == 7).count(),
        1,
        "one SPS: {types:?}"
    );
    assert_eq!(
        types.iter().filter(|t| **t == 8).count(),
        1,
        "one PPS: {types:?}"
    );
    assert_eq!(
        types.iter().filter(|t| **t == 5).count(),
        1,
        "one IDR slice: {types:?}"
    );
    // profile_idc 66 (baseline) with constraint_set1_flag: constrained
    // baseline, what room systems decode (profile-level-id 42e0xx or 42c0xx).
    let (profile, constraints) = sps_profile(&first.data).unwrap();
    assert_eq!(profile, 66);
    assert_ne!(
        constraints & 0x40,
        0,
        "constraint_set1_flag in {constraints:#04x}"
    );
    // The next output is a delta frame: one non-IDR slice, no parameter
    // sets.
    let second = loop {
        let (_, vp8, time) = camera.next(false);
        if let Some(frame) = transcoder.push(&vp8.data, vp8.keyframe, time).unwrap() {
            break frame;
        }
        assert!(camera.n < 5, "no second output");
    };
    assert!(!second.keyframe);
    assert_eq!(nal_types(&second.data), vec![1]);
}

#[test]
fn a_requested_keyframe_is_the_next_output_and_only_that() {
    let mut camera = Camera::new(640, 360);
    let mut transcoder = transcoder(config(640, 360));
    let mut decoder = H264Decoder::new();
    let mut outputs = Vec::new();
    for n in 0..30 {
        if n == 12 {
            transcoder.request_keyframe();
        }
        let (source, vp8, time) = camera.next(false);
        let Some(h264) = transcoder.push(&vp8.data, vp8.keyframe, time).unwrap() else {
            continue;
        };
        if h264.keyframe {
            let types = nal_types(&h264.data);
            assert!(
                types.contains(&7) && types.contains(&8) && types.contains(&5),
                "{types:?}"
            );
        }
        let decoded = decoder.decode(&h264.data).unwrap();
        assert!(psnr(&source, &decoded) > MIN_PSNR_DB);
        outputs.push((n, h264.keyframe));
    }
    // The first output, and the first output from frame 12 on (rate
    // control may drop a frame, never the IDR it owes).
    let first_after_request = outputs.iter().position(|(n, _)| *n >= 12).unwrap();
    let keyframes: Vec<usize> = (0..outputs.len()).filter(|i| outputs[*i].1).collect();
    assert_eq!(keyframes, vec![0, first_after_request]);
    assert_eq!(outputs[0].0, 0);
    assert!(outputs[first_after_request].0 <= 13, "{outputs:?}");
}

#[test]
fn a_room_system_that_joins_late_gets_an_idr_on_its_own_after_ten_seconds() {
    // 5 fps for 21 s of capture time: IDRs at 0, 10 and 20 s, nothing else.
    let mut camera = Camera::new(320, 180);
    let mut transcoder = transcoder(config(640, 360));
    let mut idr_times = Vec::new();
    for n in 0..=105u64 {
        let time = n * 200;
        let picture = pattern::frame(320, 180, n as u32);
        let vp8 = camera
            .encoder
            .encode(&mut picture.data.clone(), time, false);
        if let Some(h264) = transcoder.push(&vp8.data, vp8.keyframe, time).unwrap()
            && h264.keyframe
        {
            idr_times.push(time);
        }
    }
    // At 5 fps rate control has time for every frame; were one dropped, the
    // IDR would come with the next.
    assert_eq!(idr_times, vec![0, PERIODIC_IDR_MS, 2 * PERIODIC_IDR_MS]);
}

#[test]
fn a_garbage_frame_asks_for_a_keyframe_and_output_resumes_at_the_next_one() {
    let mut camera = Camera::new(640, 360);
    let mut transcoder = transcoder(config(640, 360));
    let mut decoder = H264Decoder::new();
    let mut rng = Rng::new(7);
    assert!(transcoder.needs_input_keyframe(), "nothing decoded yet");
    for _ in 0..5 {
        let (_, vp8, time) = camera.next(false);
        if let Some(h264) = transcoder.push(&vp8.data, vp8.keyframe, time).unwrap() {
            decoder.decode(&h264.data).unwrap();
        }
    }
    assert!(!transcoder.needs_input_keyframe());

    // A delta frame's worth of random bytes (the frame tag says delta).
    let mut garbage = rng.bytes(900);
    garbage[0] |= 1;
    let time = capture_ms(camera.n);
    camera.n += 1;
    match transcoder.push(&garbage, false, time) {
        Err(TranscodeError::Decode(why)) => println!("garbage refused: {why}"),
        other => panic!("garbage gave {other:?}"),
    }
    assert!(transcoder.needs_input_keyframe());

    // The publisher's next delta frames cannot be decoded: nothing out.
    for _ in 0..4 {
        let (_, vp8, time) = camera.next(false);
        assert!(!vp8.keyframe);
        assert_eq!(transcoder.push(&vp8.data, false, time), Ok(None));
        assert!(transcoder.needs_input_keyframe());
    }

    // The keyframe the caller asked for: output resumes, and decodes to the
    // right picture (a delta frame, since the room system's decoder is fine).
    let (source, vp8, time) = camera.next(true);
    assert!(vp8.keyframe);
    let h264 = transcoder
        .push(&vp8.data, true, time)
        .unwrap()
        .expect("output resumes");
    assert!(!transcoder.needs_input_keyframe());
    let decoded = decoder.decode(&h264.data).unwrap();
    let quality = psnr(&source, &decoded);
    assert!(quality > MIN_PSNR_DB, "{quality:.2} dB");
    let mut more = 0;
    for _ in 0..5 {
        let (source, vp8, time) = camera.next(false);
        if let Some(h264) = transcoder.push(&vp8.data, vp8.keyframe, time).unwrap() {
            assert!(psnr(&source, &decoder.decode(&h264.data).unwrap()) > MIN_PSNR_DB);
            more += 1;
        }
    }
    assert!(more >= 4, "{more} of 5 frames after the keyframe");
}

#[test]
fn a_cut_frame_is_a_decode_error_too() {
    let mut camera = Camera::new(640, 360);
    let mut transcoder = transcoder(config(640, 360));
    for _ in 0..3 {
        let (_, vp8, time) = camera.next(false);
        transcoder.push(&vp8.data, vp8.keyframe, time).unwrap();
    }
    // A frame that lost its second half on the way (a missing packet the
    // depacketizer did not notice).
    let (_, vp8, time) = camera.next(false);
    let cut = &vp8.data[..vp8.data.len() / 2];
    assert!(matches!(
        transcoder.push(cut, false, time),
        Err(TranscodeError::Decode(_))
    ));
    assert!(transcoder.needs_input_keyframe());
}

#[test]
fn a_simulcast_layer_switch_restarts_the_encoder_at_the_new_size() {
    let mut high = Camera::new(1280, 720);
    let mut low = Camera::new(640, 360);
    // 720p at a 720p rate: at 1 Mbit/s openh264 skips frames after each
    // IDR of the detailed picture, which is not what this test is about.
    let mut transcoder = transcoder(TranscodeConfig {
        bitrate_kbps: 2000,
        ..config(1280, 720)
    });
    let mut decoder = H264Decoder::new();
    let mut outputs = Vec::new();
    for n in 0..24u32 {
        // The router switches from the high layer to the low one at frame
        // 12, on the low layer's keyframe.
        let camera = if n < 12 { &mut high } else { &mut low };
        camera.n = n;
        let (source, vp8, time) = camera.next(n == 12);
        let Some(h264) = transcoder.push(&vp8.data, vp8.keyframe, time).unwrap() else {
            continue;
        };
        let decoded = decoder.decode(&h264.data).unwrap();
        let quality = psnr(&source, &decoded);
        assert!(quality > MIN_PSNR_DB, "frame {n}: {quality:.2} dB");
        outputs.push((n, (decoded.width, decoded.height), h264.keyframe));
    }
    assert!(
        outputs
            .iter()
            .all(|(n, size, _)| *size == if *n < 12 { (1280, 720) } else { (640, 360) })
    );
    // IDRs: the first frame and the first at the new size (a fresh
    // encoder's first frame, which rate control never drops).
    let keyframes: Vec<u32> = outputs.iter().filter(|o| o.2).map(|o| o.0).collect();
    assert_eq!(keyframes, vec![0, 12]);
    assert!(outputs.len() >= 20, "{} of 24 frames out", outputs.len());
}

#[test]
fn frames_above_max_fps_are_decoded_but_not_encoded() {
    // A 60 fps camera into a 30 fps room system: every other frame out, and
    // each output is the picture of the frame it was made from.
    let mut camera = Camera::new(640, 360);
    let mut transcoder = transcoder(config(640, 360));
    let mut decoder = H264Decoder::new();
    let mut encoded = Vec::new();
    for n in 0..40u32 {
        let time = u64::from(n) * 1000 / 60;
        let source = pattern::frame(640, 360, n);
        let vp8 = camera.encoder.encode(&mut source.data.clone(), time, false);
        if let Some(h264) = transcoder.push(&vp8.data, vp8.keyframe, time).unwrap() {
            let quality = psnr(&source, &decoder.decode(&h264.data).unwrap());
            assert!(quality > MIN_PSNR_DB, "frame {n}: {quality:.2} dB");
            encoded.push(n);
        }
    }
    assert!(encoded.iter().all(|n| n % 2 == 0), "{encoded:?}");
    assert!(
        encoded.len() >= 18,
        "{} of 20 frames out: {encoded:?}",
        encoded.len()
    );
}

#[test]
fn nothing_a_network_can_send_makes_it_panic() {
    let mut camera = Camera::new(320, 180);
    let mut transcoder = transcoder(config(640, 360));
    let mut rng = Rng::new(0x5eed);
    let (_, first, time) = camera.next(false);
    transcoder.push(&first.data, true, time).unwrap().unwrap();
    let mut time = time;
    for round in 0..400 {
        time += 33;
        let len = (rng.next() % 2000) as usize;
        let mut frame = rng.bytes(len);
        match round % 4 {
            // Random bytes as they come.
            0 => {}
            // A keyframe header with a random size in front.
            1 if len >= 10 => {
                frame[0] &= !1;
                frame[3..6].copy_from_slice(&[0x9d, 0x01, 0x2a]);
            }
            // A real frame with bytes flipped.
            2 => {
                frame = first.data.clone();
                for _ in 0..8 {
                    let at = (rng.next() as usize) % frame.len();
                    frame[at] ^= rng.next() as u8;
                }
            }
            // A real frame cut anywhere.
            _ => frame = first.data[..(rng.next() as usize) % first.data.len()].to_vec(),
        }
        let keyframe = rng.next().is_multiple_of(2);
        // Any answer but a panic is fine; an encode error would be ours.
        if let Err(TranscodeError::Encode(e)) = transcoder.push(&frame, keyframe, time) {
            panic!("encode failed on input {round}: {e}");
        }
    }
    // Absurd keyframe sizes are refused before libvpx allocates for them.
    let mut huge = first.data.clone();
    huge[6..10].copy_from_slice(&[0xff, 0x3f, 0xff, 0x3f]);
    assert!(matches!(
        transcoder.push(&huge, true, time + 33),
        Err(TranscodeError::Decode(_))
    ));
    assert!(matches!(
        transcoder.push(&[], false, time + 66),
        Ok(None) | Err(TranscodeError::Decode(_))
    ));
    // And a real keyframe still comes out as a picture.
    let (_, vp8, t) = camera.next(true);
    let h264 = transcoder
        .push(&vp8.data, true, t + 10_000)
        .unwrap()
        .expect("recovers");
    assert!(!h264.data.is_empty());
    assert!(!transcoder.needs_input_keyframe());
}

#[test]
fn delta_frames_before_the_first_keyframe_give_nothing() {
    let mut camera = Camera::new(320, 180);
    let mut transcoder = transcoder(config(640, 360));
    let (_, key, _) = camera.next(false);
    let (_, delta, time) = camera.next(false);
    assert!(key.keyframe && !delta.keyframe);
    assert_eq!(transcoder.push(&delta.data, false, time), Ok(None));
    assert!(transcoder.needs_input_keyframe());
    // A keyframe flag on a frame without a keyframe header is not believed.
    assert!(matches!(
        transcoder.push(&delta.data, true, time),
        Err(TranscodeError::Decode(_))
    ));
}

#[test]
fn impossible_configurations_are_refused_and_the_transcoder_can_move_between_threads() {
    fn is_send<T: Send>() {}
    is_send::<Vp8ToH264>();
    for bad in [
        TranscodeConfig {
            max_width: 0,
            max_height: 360,
            bitrate_kbps: 800,
            max_fps: 30,
        },
        TranscodeConfig {
            max_width: 7680,
            max_height: 4320,
            bitrate_kbps: 800,
            max_fps: 30,
        },
        TranscodeConfig {
            max_width: 640,
            max_height: 360,
            bitrate_kbps: 0,
            max_fps: 30,
        },
        TranscodeConfig {
            max_width: 640,
            max_height: 360,
            bitrate_kbps: 800,
            max_fps: 0,
        },
    ] {
        assert!(
            matches!(Vp8ToH264::new(bad), Err(TranscodeError::Config(_))),
            "{bad:?}"
        );
    }
    let frame: Option<H264Frame> = None;
    assert!(frame.is_none());
}

#[test]
fn the_output_keeps_to_the_configured_bit_rate() {
    // Five seconds of the detailed moving picture at a rate that makes the
    // encoder work: it neither overshoots nor idles far below.
    let target_kbps = 250;
    let mut camera = Camera::new(640, 360);
    let mut transcoder = transcoder(TranscodeConfig {
        bitrate_kbps: target_kbps,
        ..config(640, 360)
    });
    let mut bits = 0;
    let mut outputs = 0;
    for _ in 0..150 {
        let (_, vp8, time) = camera.next(false);
        if let Some(h264) = transcoder.push(&vp8.data, vp8.keyframe, time).unwrap() {
            bits += h264.data.len() * 8;
            outputs += 1;
        }
    }
    let kbps = bits as f64 / 5.0 / 1000.0;
    println!("{kbps:.0} kbit/s for {target_kbps}, {outputs} of 150 frames");
    assert!(kbps <= f64::from(target_kbps) * 1.15, "{kbps:.0} kbit/s");
    assert!(kbps >= f64::from(target_kbps) * 0.7, "{kbps:.0} kbit/s");
    assert!(outputs >= 120, "{outputs} of 150 frames out");
}

#[test]
fn capture_times_that_jump_back_do_not_stall_the_output() {
    // A publisher whose timeline restarts (a new track, a reconnect): the
    // max_fps pacer must not take the frames after the jump for frames an
    // hour early. (The encoder's clock also never goes back, though
    // openh264 was seen not to mind repeated times at this rate.)
    let mut camera = Camera::new(320, 180);
    let mut transcoder = transcoder(config(640, 360));
    let mut outputs = [0, 0];
    for n in 0..60u32 {
        let time = if n < 30 {
            3_600_000 + capture_ms(n)
        } else {
            capture_ms(n - 30)
        };
        let picture = pattern::frame(320, 180, n);
        let vp8 = camera
            .encoder
            .encode(&mut picture.data.clone(), u64::from(n) * 33, false);
        if transcoder
            .push(&vp8.data, vp8.keyframe, time)
            .unwrap()
            .is_some()
        {
            outputs[usize::from(n >= 30)] += 1;
        }
    }
    assert!(
        outputs[0] >= 27 && outputs[1] >= 27,
        "{outputs:?} of 30 and 30"
    );
}
