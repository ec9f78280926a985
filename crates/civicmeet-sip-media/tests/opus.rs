//! Opus for the SIP leg: speech-like audio survives a round trip, a lost
//! packet is concealed, and no packet from the network — broken, cut,
//! random — panics the decoder or makes it give up for good.

mod common;

use civicmeet_sip_media::{
    AudioDecoder, AudioEncoder, Codec, OPUS_FRAME, OpusDecoder, OpusEncoder,
};
use common::rms;

/// 20 ms frames of a tone at `hz`, 48 kHz, amplitude 8000.
fn tone(hz: f64, frames: usize) -> Vec<Vec<i16>> {
    common::sine(hz, 48_000, 8000.0, frames * OPUS_FRAME)
        .chunks(OPUS_FRAME)
        .map(<[i16]>::to_vec)
        .collect()
}

/// The share of all energy in `samples` that lies at `hz` (1 for a pure tone).
fn share_at(samples: &[i16], hz: f64) -> f64 {
    2.0 * common::power_at(samples, hz, 48_000)
        / (samples.len() as f64 * common::energy(samples).max(1.0))
}

#[test]
fn a_tone_comes_back_at_its_pitch_and_level() {
    let mut encoder = AudioEncoder::new(Codec::Opus).unwrap();
    let mut decoder = AudioDecoder::new(Codec::Opus).unwrap();
    let mut heard = Vec::new();
    for frame in tone(440.0, 50) {
        let mut packet = Vec::new();
        encoder.encode(&frame, &mut packet).unwrap();
        assert!(
            !packet.is_empty() && packet.len() < 400,
            "{} bytes for 20 ms of voice",
            packet.len()
        );
        decoder.decode(&packet, &mut heard).unwrap();
    }
    assert_eq!(heard.len(), 50 * OPUS_FRAME);
    // After the codec has settled: the level of the input (8000 peak is
    // about 5657 RMS) within a few dB, nearly all of it at 440 Hz.
    let settled = &heard[10 * OPUS_FRAME..];
    let level = rms(settled);
    assert!((4000.0..8000.0).contains(&level), "RMS {level}");
    let share = share_at(settled, 440.0);
    assert!(share > 0.9, "{share:.3} of the energy at 440 Hz");
}

#[test]
fn a_lost_packet_is_concealed_not_silenced() {
    let mut encoder = OpusEncoder::new().unwrap();
    let mut decoder = OpusDecoder::new().unwrap();
    for frame in tone(300.0, 20) {
        let mut packet = Vec::new();
        encoder.encode(&frame, &mut packet).unwrap();
        decoder.decode(&packet, &mut Vec::new()).unwrap();
    }
    let mut concealed = Vec::new();
    decoder.conceal(&mut concealed).unwrap();
    assert_eq!(concealed.len(), OPUS_FRAME);
    assert!(
        rms(&concealed) > 500.0,
        "the voice goes on through a loss: RMS {}",
        rms(&concealed)
    );
}

#[test]
fn a_frame_of_the_wrong_length_is_refused() {
    let mut encoder = OpusEncoder::new().unwrap();
    let mut out = Vec::new();
    assert!(encoder.encode(&[0; 480], &mut out).is_err());
    assert!(out.is_empty());
}

#[test]
fn broken_packets_never_panic_and_the_decoder_goes_on() {
    let mut encoder = OpusEncoder::new().unwrap();
    let mut good = Vec::new();
    for frame in tone(440.0, 5) {
        let mut packet = Vec::new();
        encoder.encode(&frame, &mut packet).unwrap();
        good.push(packet);
    }
    let mut decoder = OpusDecoder::new().unwrap();
    let mut rng = common::Rng::new(0x0905);
    let mut refused = 0;
    for i in 0..20_000 {
        let mut packet = good[i % good.len()].clone();
        match rng.below(4) {
            // Flip bytes anywhere, the TOC byte included.
            0 => {
                for _ in 0..=rng.below(4) {
                    let at = rng.below(packet.len() as u64) as usize;
                    packet[at] ^= 1 << rng.below(8);
                }
            }
            // Cut short.
            1 => packet.truncate(rng.below(packet.len() as u64 + 1) as usize),
            // Random bytes of any length up to a large packet.
            2 => {
                let len = rng.below(1500) as usize;
                packet = (0..len).map(|_| rng.below(256) as u8).collect();
            }
            // Repeat codes and padding: the TOC's code 3 with a random count byte.
            _ => {
                if packet.len() > 2 {
                    packet[0] |= 0b11;
                    packet[1] = rng.below(256) as u8;
                }
            }
        }
        let mut out = Vec::new();
        match decoder.decode(&packet, &mut out) {
            Ok(()) => assert!(
                out.len() <= 6 * OPUS_FRAME,
                "at most 120 ms from one packet"
            ),
            Err(_) => {
                refused += 1;
                assert!(out.is_empty(), "a refused packet adds nothing");
            }
        }
    }
    eprintln!("# {refused} of 20000 broken packets refused");
    // After all that, good packets decode again.
    let mut out = Vec::new();
    for packet in &good {
        decoder.decode(packet, &mut out).unwrap();
    }
    assert_eq!(out.len(), good.len() * OPUS_FRAME);
}
