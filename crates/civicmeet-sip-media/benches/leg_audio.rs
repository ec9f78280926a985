//! Cost of one 20 ms tick of the SIP audio path for a meeting of ten SIP
//! legs, all on G.722 (the dearest codec here): each leg's packet decoded
//! and taken to 48 kHz, the mix-minus summed once, and each leg's mix
//! taken back to 16 kHz, encoded and packetized.
//!
//! `cargo bench -p civicmeet-sip-media` prints the median and the share
//! of one core that ten legs take in real time. (The benchmark reads the
//! clock; the library never does.)

use std::time::{Duration, Instant};

use civicmeet_sip_media::{
    AudioDecoder, AudioEncoder, Codec, MIX_FRAME, MixMinus, Packetizer, Resampler, SampleRate,
};

const LEGS: usize = 10;
const TICKS: usize = 500;

struct Leg {
    decoder: AudioDecoder,
    up: Resampler,
    down: Resampler,
    encoder: AudioEncoder,
    packetizer: Packetizer,
    /// The packet this leg sends every tick (a tone, encoded once).
    incoming: Vec<u8>,
    /// This tick's decoded audio at 48 kHz.
    pcm: Vec<i16>,
}

fn main() {
    let mut legs: Vec<Leg> = (0..LEGS)
        .map(|i| {
            let tone: Vec<i16> = (0..320)
                .map(|n| {
                    let phase = n as f64 * (300.0 + 100.0 * i as f64) / 16000.0;
                    (8000.0 * (2.0 * std::f64::consts::PI * phase).sin()) as i16
                })
                .collect();
            let mut incoming = Vec::new();
            AudioEncoder::new(Codec::G722)
                .unwrap()
                .encode(&tone, &mut incoming)
                .unwrap();
            Leg {
                decoder: AudioDecoder::new(Codec::G722).unwrap(),
                up: Resampler::new(SampleRate::Hz16000, SampleRate::Hz48000),
                down: Resampler::new(SampleRate::Hz48000, SampleRate::Hz16000),
                encoder: AudioEncoder::new(Codec::G722).unwrap(),
                packetizer: Packetizer::new(Codec::G722, 9, i as u32, 0, 0),
                incoming,
                pcm: Vec::with_capacity(MIX_FRAME),
            }
        })
        .collect();
    let mut mixer = MixMinus::new();
    let mut mix = vec![0i16; MIX_FRAME];
    let mut narrow = Vec::with_capacity(320);
    let mut decoded = Vec::with_capacity(320);
    let mut payload = Vec::with_capacity(160);
    let mut sent = 0usize;
    let mut times = Vec::with_capacity(TICKS);

    for _ in 0..TICKS {
        let started = Instant::now();
        for leg in &mut legs {
            decoded.clear();
            leg.decoder.decode(&leg.incoming, &mut decoded).unwrap();
            leg.pcm.clear();
            leg.up.process(&decoded, &mut leg.pcm).unwrap();
        }
        let contributions: Vec<Option<&[i16]>> =
            legs.iter().map(|leg| Some(&leg.pcm[..])).collect();
        mixer.sum(&contributions).unwrap();
        for leg in &mut legs {
            mixer.mix_for(Some(&leg.pcm), &mut mix).unwrap();
            narrow.clear();
            leg.down.process(&mix, &mut narrow).unwrap();
            payload.clear();
            leg.encoder.encode(&narrow, &mut payload).unwrap();
            sent += leg.packetizer.packetize(&payload).len();
        }
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[TICKS / 2];
    println!(
        "{LEGS} G.722 legs, decode + mix-minus + encode per 20 ms tick: median {median:?}, \
         {:.1} % of one core ({sent} bytes sent)",
        100.0 * median.as_secs_f64() / Duration::from_millis(20).as_secs_f64()
    );
}
