//! G.722 at 64 kbit/s: a tone survives encode and decode, silence stays
//! silent, encoding is deterministic, the layout is RFC 3551's, and both
//! directions agree bit for bit with an independent implementation.

mod common;

use civicmeet_sip_media::{G722Decoder, G722Encoder};
use common::{Rng, rms, sine, snr_db};

fn encode(pcm: &[i16]) -> Vec<u8> {
    let mut out = Vec::new();
    G722Encoder::new().encode(pcm, &mut out);
    out
}

fn decode(bytes: &[u8]) -> Vec<i16> {
    let mut out = Vec::new();
    G722Decoder::new().decode(bytes, &mut out);
    out
}

/// The codec's delay: the lag (in samples) at which the output best
/// matches the input.
fn best_lag(input: &[i16], output: &[i16]) -> usize {
    (0..64)
        .max_by_key(|&lag| {
            let n = input.len() - 64;
            let corr: f64 = (0..n)
                .map(|i| f64::from(input[i]) * f64::from(output[i + lag]))
                .sum();
            corr as i64
        })
        .unwrap()
}

/// The codec's delay in samples: the QMFs' (24 taps each) on the sample
/// pairs the bands run on.
const DELAY: usize = 22;

#[test]
fn the_delay_is_22_samples() {
    // Measured on noise: a tone would match at any whole period too.
    let mut rng = Rng::new(3);
    let input: Vec<i16> = (0..8000).map(|_| (rng.next() as i16) / 8).collect();
    assert_eq!(best_lag(&input, &decode(&encode(&input))), DELAY);
}

#[test]
fn a_1khz_tone_comes_back_above_30_db() {
    let input = sine(1000.0, 16000, 10000.0, 16000);
    let output = decode(&encode(&input));
    assert_eq!(output.len(), input.len());
    let lag = DELAY;
    // Skip the first 100 ms while the adaptation settles.
    let reference = &input[1600..input.len() - lag];
    let decoded = &output[1600 + lag..];
    let snr = snr_db(reference, decoded);
    eprintln!("G.722 1 kHz tone: SNR {snr:.1} dB");
    assert!(snr > 30.0, "SNR {snr:.1} dB");
}

#[test]
fn speech_band_tones_and_levels_come_back_clearly() {
    for (freq, amplitude) in [(300.0, 3000.0), (2500.0, 12000.0), (6000.0, 8000.0)] {
        let input = sine(freq, 16000, amplitude, 8000);
        let output = decode(&encode(&input));
        let snr = snr_db(&input[1600..8000 - DELAY], &output[1600 + DELAY..]);
        eprintln!("G.722 {freq} Hz at {amplitude}: SNR {snr:.1} dB");
        assert!(snr > 20.0, "{freq} Hz at {amplitude}: SNR {snr:.1} dB");
    }
}

#[test]
fn silence_stays_near_silence() {
    let output = decode(&encode(&[0; 16000]));
    assert!(output.iter().all(|&s| s.abs() <= 4), "{:?}", &output[..40]);
    // And after speech, silence falls back to near silence.
    let mut input = sine(440.0, 16000, 15000.0, 8000);
    input.extend_from_slice(&[0; 8000]);
    let output = decode(&encode(&input));
    assert!(rms(&output[12000..]) < 4.0, "rms {}", rms(&output[12000..]));
}

#[test]
fn encoding_is_deterministic_and_split_anywhere() {
    let mut rng = Rng::new(7);
    let input: Vec<i16> = (0..3200).map(|_| rng.next() as i16 / 4).collect();
    let whole = encode(&input);
    assert_eq!(whole, encode(&input));
    // Frames of any size, odd ones included, give the same stream.
    let mut encoder = G722Encoder::new();
    let mut pieces = Vec::new();
    let mut rest = &input[..];
    while !rest.is_empty() {
        let take = (rng.below(7) as usize + 1).min(rest.len());
        encoder.encode(&rest[..take], &mut pieces);
        rest = &rest[take..];
    }
    assert_eq!(pieces, whole);
}

#[test]
fn twenty_ms_is_160_bytes_of_sample_pairs() {
    // RFC 3551 §4.5.2: one octet per pair of 16 kHz samples, so 20 ms
    // (320 samples) is 160 octets; each octet decodes to two samples.
    let bytes = encode(&sine(1000.0, 16000, 8000.0, 320));
    assert_eq!(bytes.len(), 160);
    assert_eq!(decode(&bytes).len(), 320);
    // The higher band's 2 bits are the top of each octet: a loud 6 kHz
    // tone (higher band) moves them, a 500 Hz one hardly.
    let high = |freq| {
        let bytes = encode(&sine(freq, 16000, 12000.0, 3200));
        bytes[800..]
            .iter()
            .map(|b| b >> 6)
            .collect::<std::collections::HashSet<_>>()
            .len()
    };
    assert_eq!(high(6000.0), 4);
}

#[test]
fn any_bytes_decode_without_panic_and_within_range() {
    let mut rng = Rng::new(99);
    let bytes = rng.bytes(50_000);
    let out = decode(&bytes);
    assert_eq!(out.len(), 100_000);
}

/// A signal made only of integer arithmetic, so that the reference
/// implementation computed it identically: noise and a square wave at
/// eight levels from full scale (saturating paths) to almost nothing.
fn reference_signal(count: usize) -> Vec<i16> {
    let mut state: u32 = 1;
    let shifts = [0, 2, 4, 6, 8, 1, 3, 12];
    (0..count)
        .map(|n| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let noise = (state >> 16) as i32 - 32768;
            let shift = shifts[(n / 1000) % 8];
            let tone = if (n / 20) % 2 == 1 { 6000 } else { -6000 };
            ((noise >> shift) + (tone >> (shift + 1))).clamp(-32768, 32767) as i16
        })
        .collect()
}

fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Both directions against an independent implementation that passes
/// the ITU-T test sequences (the libg722 package, encoding and decoding
/// `reference_signal(16000)` at 64 kbit/s): the same octets out of the
/// encoder, the same samples out of the decoder. The reference's output
/// is kept here as its length, first values and an FNV-1a hash.
#[test]
fn matches_an_independent_implementation_bit_for_bit() {
    let input = reference_signal(16000);
    let bytes = encode(&input);
    assert_eq!(bytes.len(), 8000);
    assert_eq!(
        &bytes[..12],
        &[36, 132, 34, 144, 39, 132, 132, 32, 35, 40, 4, 133]
    );
    assert_eq!(fnv1a(bytes.iter().copied()), 0x19d9_6805_d452_a40a);

    let output = decode(&bytes);
    assert_eq!(
        &output[..12],
        &[0, -1, -1, 0, 0, -3, -1, 6, -2, -19, 10, 60]
    );
    assert_eq!(
        fnv1a(output.iter().flat_map(|s| s.to_le_bytes())),
        0xe350_2fca_bb59_5e99
    );
}

/// Arbitrary octets (an LCG's, as no encoder would send them) drive the
/// decoder's predictors into their limits; the independent decoder gives
/// the same samples there too.
#[test]
fn decodes_arbitrary_octets_like_an_independent_implementation() {
    let mut state: u32 = 12345;
    let bytes: Vec<u8> = (0..20_000)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) as u8
        })
        .collect();
    assert_eq!(&bytes[..6], &[220, 4, 101, 170, 31, 173]);
    let output = decode(&bytes);
    assert_eq!(&output[..10], &[-1, 0, -1, 0, 0, -1, -1, 2, -1, -6]);
    assert_eq!(
        fnv1a(output.iter().flat_map(|s| s.to_le_bytes())),
        0x02c2_4d75_3746_24a8
    );
}
