//! Resampling between 8, 16 and 48 kHz: tones keep their frequency and
//! level, what would alias is removed going down, images are removed
//! going up, and frame edges leave no trace.

mod common;

use civicmeet_sip_media::{Error, Resampler, SampleRate};
use common::{dominant, power_at, rms, sine};

const RATES: [SampleRate; 3] = [SampleRate::Hz8000, SampleRate::Hz16000, SampleRate::Hz48000];

/// Runs `input` through a new resampler 20 ms at a time.
fn run(from: SampleRate, to: SampleRate, input: &[i16]) -> Vec<i16> {
    let mut resampler = Resampler::new(from, to);
    let mut out = Vec::new();
    for frame in input.chunks(from.frame_len()) {
        resampler.process(frame, &mut out).unwrap();
    }
    out
}

#[test]
fn a_tone_keeps_its_frequency_and_level() {
    for from in RATES {
        for to in RATES {
            let input = sine(1000.0, from.hz(), 10000.0, from.frame_len() * 25);
            let output = run(from, to, &input);
            assert_eq!(output.len(), to.frame_len() * 25, "{from:?} → {to:?}");
            // Past the filter's start-up (one frame).
            let steady = &output[to.frame_len()..];
            let freq = dominant(steady, to.hz(), (10..=70).map(|k| f64::from(k) * 50.0));
            assert_eq!(freq, 1000.0, "{from:?} → {to:?}");
            let ratio = rms(steady) / rms(&input[from.frame_len()..]);
            assert!(
                (0.95..1.05).contains(&ratio),
                "{from:?} → {to:?}: level {ratio:.3}"
            );
        }
    }
}

#[test]
fn telephone_band_passes_at_every_rate() {
    // 300 Hz and 3 kHz: the edges of what a phone carries.
    for freq in [300.0, 3000.0] {
        for (from, to) in [
            (SampleRate::Hz8000, SampleRate::Hz48000),
            (SampleRate::Hz48000, SampleRate::Hz8000),
        ] {
            let input = sine(freq, from.hz(), 10000.0, from.frame_len() * 25);
            let output = run(from, to, &input);
            let ratio = rms(&output[to.frame_len()..]) / rms(&input);
            assert!(
                ratio > 0.89,
                "{freq} Hz {from:?} → {to:?}: level {ratio:.3}"
            );
        }
    }
}

#[test]
fn what_would_alias_is_removed_going_down() {
    // Above the target's Nyquist frequency, a tone must not fold back.
    let cases = [
        (SampleRate::Hz48000, SampleRate::Hz8000, 6000.0),
        (SampleRate::Hz48000, SampleRate::Hz8000, 12000.0),
        (SampleRate::Hz16000, SampleRate::Hz8000, 5000.0),
        (SampleRate::Hz48000, SampleRate::Hz16000, 10000.0),
        (SampleRate::Hz48000, SampleRate::Hz16000, 20000.0),
    ];
    for (from, to, freq) in cases {
        let input = sine(freq, from.hz(), 10000.0, from.frame_len() * 25);
        let output = run(from, to, &input);
        let ratio = rms(&output[to.frame_len()..]) / rms(&input);
        // At least 40 dB down.
        assert!(ratio < 0.01, "{freq} Hz {from:?} → {to:?}: {ratio:.4}");
    }
}

#[test]
fn images_are_removed_going_up() {
    // 1 kHz at 8 kHz, up to 48 kHz: the zero-stuffed copies at 7, 9, 15,
    // 17 kHz… are filtered out.
    let input = sine(1000.0, 8000, 10000.0, 160 * 25);
    let output = run(SampleRate::Hz8000, SampleRate::Hz48000, &input);
    let steady = &output[960..];
    let tone = power_at(steady, 1000.0, 48000);
    for image in [7000.0, 9000.0, 15000.0, 17000.0] {
        let ratio = power_at(steady, image, 48000) / tone;
        assert!(ratio < 1e-4, "image at {image} Hz: {ratio:e}");
    }
}

#[test]
fn frames_join_without_a_seam() {
    // Frame by frame gives exactly what one call over all of it gives.
    for from in RATES {
        for to in RATES {
            let input = sine(440.0, from.hz(), 12000.0, from.frame_len() * 10);
            let mut whole = Vec::new();
            Resampler::new(from, to)
                .process(&input, &mut whole)
                .unwrap();
            assert_eq!(run(from, to, &input), whole, "{from:?} → {to:?}");
            // And the joined output is smooth: no step larger than the
            // tone's own steepest slope allows (with a margin).
            let slope = 12000.0 * 2.0 * std::f64::consts::PI * 440.0 / f64::from(to.hz());
            let worst = whole
                .windows(2)
                .map(|w| (f64::from(w[1]) - f64::from(w[0])).abs())
                .fold(0.0, f64::max);
            assert!(worst < slope * 1.2 + 2.0, "{from:?} → {to:?}: step {worst}");
        }
    }
}

#[test]
fn only_whole_frames_are_taken_and_full_scale_does_not_wrap() {
    let mut resampler = Resampler::new(SampleRate::Hz8000, SampleRate::Hz48000);
    let mut out = Vec::new();
    assert_eq!(
        resampler.process(&[0; 100], &mut out),
        Err(Error::FrameLength {
            got: 100,
            expected: 160
        })
    );
    assert!(out.is_empty());
    // A full-scale square wave rings above full scale through the filter:
    // the result saturates instead of wrapping around.
    let square: Vec<i16> = (0..1600)
        .map(|n| if (n / 8) % 2 == 0 { i16::MAX } else { i16::MIN })
        .collect();
    let mut out = Vec::new();
    resampler.process(&square, &mut out).unwrap();
    for w in out.windows(2) {
        assert!((i32::from(w[1]) - i32::from(w[0])).abs() < 30000, "{w:?}");
    }
}
