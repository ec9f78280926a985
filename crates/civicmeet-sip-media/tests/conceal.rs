//! Loss concealment: a lost frame of voiced audio continues it, longer
//! losses fade to silence by 60 ms, and neither the start nor the end of a
//! loss clicks.

mod common;

use civicmeet_sip_media::{Concealer, SampleRate};
use common::{Rng, rms, sine, snr_db};

/// A voiced-speech stand-in: a fundamental and two harmonics.
fn voice(f0: f64, rate: u32, len: usize) -> Vec<i16> {
    let a = sine(f0, rate, 6000.0, len);
    let b = sine(2.0 * f0, rate, 3000.0, len);
    let c = sine(3.0 * f0, rate, 1500.0, len);
    (0..len).map(|i| a[i] + b[i] + c[i]).collect()
}

/// Plays `signal` frame by frame, losing the frames in `lost`; returns
/// what the listener hears.
fn play(rate: SampleRate, signal: &[i16], lost: &[usize]) -> Vec<i16> {
    let mut concealer = Concealer::new(rate);
    let mut heard = Vec::new();
    for (index, frame) in signal.chunks(rate.frame_len()).enumerate() {
        let mut frame = frame.to_vec();
        if lost.contains(&index) {
            concealer.lost(&mut frame);
        } else {
            concealer.good(&mut frame);
        }
        heard.extend_from_slice(&frame);
    }
    heard
}

#[test]
fn a_lost_frame_of_a_voice_continues_it() {
    for (rate, f0) in [(SampleRate::Hz8000, 100.0), (SampleRate::Hz16000, 125.0)] {
        let n = rate.frame_len();
        let signal = voice(f0, rate.hz(), n * 12);
        let heard = play(rate, &signal, &[10]);
        // The first 10 ms of the loss are played at full level and follow
        // the real signal closely.
        let half = n / 2;
        let snr = snr_db(
            &signal[10 * n..10 * n + half],
            &heard[10 * n..10 * n + half],
        );
        assert!(snr > 20.0, "{rate:?}: SNR {snr:.1} dB");
        // The whole frame keeps most of the level.
        let level = rms(&heard[10 * n..11 * n]) / rms(&signal[10 * n..11 * n]);
        assert!((0.8..1.05).contains(&level), "{rate:?}: level {level:.2}");
    }
}

#[test]
fn a_long_loss_fades_to_silence_by_60_ms() {
    let rate = SampleRate::Hz8000;
    let n = rate.frame_len();
    let signal = voice(110.0, 8000, n * 20);
    let heard = play(rate, &signal, &[10, 11, 12, 13, 14]);
    let levels: Vec<f64> = (10..15).map(|i| rms(&heard[i * n..(i + 1) * n])).collect();
    assert!(levels[0] > levels[1] && levels[1] > levels[2], "{levels:?}");
    assert!(levels[2] > 0.0);
    // From 60 ms on: silence.
    assert!(heard[13 * n..15 * n].iter().all(|&s| s == 0));
}

#[test]
fn neither_end_of_a_loss_clicks() {
    let rate = SampleRate::Hz16000;
    let n = rate.frame_len();
    // A voice whose period is not a whole number of samples, so the
    // repetition does not line up perfectly with the real signal.
    let signal = voice(143.0, 16000, n * 20);
    let steepest = signal
        .windows(2)
        .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
        .max()
        .unwrap();
    for lost in [vec![5], vec![5, 6], vec![5, 6, 7, 8, 9]] {
        let heard = play(rate, &signal, &lost);
        let worst = heard
            .windows(2)
            .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
            .max()
            .unwrap();
        assert!(
            worst <= steepest * 3 / 2,
            "{lost:?}: step {worst} against the signal's {steepest}"
        );
    }
}

#[test]
fn silence_and_a_fresh_start_conceal_as_silence() {
    for rate in [SampleRate::Hz8000, SampleRate::Hz16000, SampleRate::Hz48000] {
        let mut concealer = Concealer::new(rate);
        let mut frame = vec![1234; rate.frame_len()];
        concealer.lost(&mut frame);
        assert!(frame.iter().all(|&s| s == 0), "{rate:?}");
        let mut quiet = vec![0; rate.frame_len()];
        concealer.good(&mut quiet);
        concealer.lost(&mut frame);
        assert!(frame.iter().all(|&s| s == 0), "{rate:?}");
    }
}

#[test]
fn reset_forgets_the_past() {
    let rate = SampleRate::Hz8000;
    let mut concealer = Concealer::new(rate);
    let mut loud = sine(200.0, 8000, 20000.0, 160);
    concealer.good(&mut loud);
    concealer.reset();
    let mut frame = vec![0; 160];
    concealer.lost(&mut frame);
    assert!(frame.iter().all(|&s| s == 0));
}

#[test]
fn any_frame_sizes_and_contents_are_taken() {
    let mut rng = Rng::new(11);
    for rate in [SampleRate::Hz8000, SampleRate::Hz16000, SampleRate::Hz48000] {
        let mut concealer = Concealer::new(rate);
        for _ in 0..300 {
            let len = match rng.below(4) {
                0 => 0,
                1 => rng.below(5000) as usize,
                _ => rate.frame_len(),
            };
            let mut frame: Vec<i16> = (0..len).map(|_| rng.next() as i16).collect();
            if rng.below(3) == 0 {
                concealer.lost(&mut frame);
            } else {
                concealer.good(&mut frame);
            }
            assert_eq!(frame.len(), len);
        }
    }
}
