//! The whole chain as the server will run it, both ways, on a virtual
//! clock: a phone's RTP (jittered, lossy, with key presses and RTCP mixed
//! in) into 48 kHz PCM for the meeting, and the meeting's mix-minus back
//! to the phone as G.722.

mod common;

use std::time::{Duration, Instant};

use civicmeet_sip_media::{
    AudioDecoder, AudioEncoder, Codec, Concealer, DtmfKey, DtmfReceiver, Frame, JitterBuffer,
    JitterConfig, MIX_FRAME, MixMinus, Packetizer, Resampler, RtpHeader, RtpPacket, SampleRate,
    TelephoneEvent, rtcp_packet_type,
};
use common::{Rng, dominant, power_at, rms, sine};

const MS: Duration = Duration::from_millis(1);
const TELEPHONE_EVENT: u8 = 101;

/// What the server makes of one SIP leg's incoming datagrams.
struct Inbound {
    jitter: JitterBuffer,
    decoder: AudioDecoder,
    concealer: Concealer,
    resampler: Resampler,
    dtmf: DtmfReceiver,
    keys: String,
    rtcp: usize,
}

impl Inbound {
    fn new(codec: Codec) -> Self {
        let decoder = AudioDecoder::new(codec).unwrap();
        let rate = decoder.sample_rate();
        Inbound {
            jitter: JitterBuffer::new(JitterConfig::audio(codec.clock_rate())),
            concealer: Concealer::new(rate),
            resampler: Resampler::new(rate, SampleRate::Hz48000),
            decoder,
            dtmf: DtmfReceiver::new(),
            keys: String::new(),
            rtcp: 0,
        }
    }

    fn datagram(&mut self, now: Instant, bytes: &[u8]) {
        if rtcp_packet_type(bytes).is_some() {
            self.rtcp += 1;
            return;
        }
        let packet = RtpPacket::parse(bytes).unwrap();
        if packet.payload_type == TELEPHONE_EVENT {
            if let Some(key) = self.dtmf.handle(&packet).unwrap() {
                self.keys.push(key.as_char());
            }
        } else {
            self.jitter.push(now, &packet).unwrap();
        }
    }

    /// Every 20 ms: a frame for the meeting at 48 kHz.
    fn tick(&mut self, now: Instant, out: &mut Vec<i16>) {
        let rate = self.decoder.sample_rate();
        let mut pcm = Vec::with_capacity(rate.frame_len());
        match self.jitter.pop(now) {
            Frame::Audio(frame) => {
                self.decoder.decode(&frame.payload, &mut pcm).unwrap();
                pcm.resize(rate.frame_len(), 0);
                self.concealer.good(&mut pcm);
            }
            Frame::Lost => {
                pcm.resize(rate.frame_len(), 0);
                self.concealer.lost(&mut pcm);
            }
            Frame::Idle => pcm.resize(rate.frame_len(), 0),
        }
        self.resampler.process(&pcm, out).unwrap();
    }
}

/// A phone sending a 440 Hz tone for two seconds, keys `1` and `#` along
/// the way and one receiver report, through a network with 0–30 ms of
/// jitter and 3 % loss.
fn phone_to_meeting(codec: Codec) -> (Vec<i16>, Inbound) {
    let rate = codec.sample_rate();
    let pt = codec.static_payload_type().unwrap();
    let mut encoder = AudioEncoder::new(codec).unwrap();
    let mut packetizer = Packetizer::new(codec, pt, 0x0f0f, 1000, 123_456);
    let tone = sine(440.0, rate.hz(), 8000.0, rate.frame_len() * 100);
    let mut rng = Rng::new(99);
    let mut datagrams: Vec<(Duration, Vec<u8>)> = Vec::new();
    for (i, frame) in tone.chunks(rate.frame_len()).enumerate() {
        let mut payload = Vec::new();
        encoder.encode(frame, &mut payload).unwrap();
        let bytes = packetizer.packetize(&payload);
        if rng.below(100) >= 3 {
            let sent = 20 * MS * i as u32;
            datagrams.push((sent + rng.below(30) as u32 * MS, bytes));
        }
    }
    let mut sequence = 5000;
    for (at, key) in [(500u32, '1'), (1200, '#')] {
        let event = DtmfKey::from_char(key).unwrap().event();
        for step in 1..=4u16 {
            let block = TelephoneEvent {
                event,
                end: step == 4,
                volume: 10,
                duration: 160 * step,
            };
            // All packets of a press carry the timestamp of its start.
            let header = RtpHeader {
                marker: step == 1,
                payload_type: TELEPHONE_EVENT,
                sequence,
                timestamp: at * 8,
                ssrc: 0x0f0f,
            };
            sequence += 1;
            let sent = (at + 20 * u32::from(step)) * MS;
            // The phone's first packet of the first press is lost.
            if !(key == '1' && step == 1) {
                datagrams.push((sent, header.to_bytes(&block.to_bytes())));
            }
        }
    }
    datagrams.push((700 * MS, vec![0x80, 201, 0, 1, 0, 0, 0x0f, 0x0f]));
    datagrams.sort_by_key(|d| d.0);

    let start = Instant::now();
    let mut inbound = Inbound::new(codec);
    let mut meeting = Vec::new();
    let mut pending = datagrams.into_iter().peekable();
    for tick in 0..110u32 {
        let now = 20 * MS * tick + 10 * MS;
        while let Some((at, bytes)) = pending.next_if(|d| d.0 <= now) {
            inbound.datagram(start + at, &bytes);
        }
        inbound.tick(start + now, &mut meeting);
    }
    (meeting, inbound)
}

#[test]
fn a_phone_is_heard_in_the_meeting() {
    for codec in [Codec::Pcmu, Codec::Pcma, Codec::G722] {
        let (meeting, inbound) = phone_to_meeting(codec);
        assert_eq!(meeting.len(), 110 * MIX_FRAME);
        // From 200 ms to 1.8 s the tone plays, losses concealed.
        let steady = &meeting[10 * MIX_FRAME..90 * MIX_FRAME];
        let freq = dominant(steady, 48000, (4..=40).map(|k| f64::from(k) * 50.0 - 10.0));
        assert_eq!(freq, 440.0, "{codec:?}");
        let level = rms(steady) / (8000.0 / 2f64.sqrt());
        assert!(level > 0.85, "{codec:?}: level {level:.2}");
        assert_eq!(inbound.keys, "1#", "{codec:?}");
        assert_eq!(inbound.rtcp, 1);
        let stats = inbound.jitter.stats();
        assert!(stats.lost >= 2 && stats.played > 85, "{codec:?}: {stats:?}");
    }
}

#[test]
fn the_phone_hears_everyone_but_itself() {
    // Three browsers (300, 700 and 1100 Hz) and the phone's own voice
    // (440 Hz, as it came in) in the meeting.
    let voices: Vec<Vec<i16>> = [300.0, 700.0, 1100.0, 440.0]
        .iter()
        .map(|&f| sine(f, 48000, 6000.0, MIX_FRAME * 50))
        .collect();
    let phone = 3;
    let mut mixer = MixMinus::new();
    let mut down = Resampler::new(SampleRate::Hz48000, SampleRate::Hz16000);
    let mut encoder = AudioEncoder::new(Codec::G722).unwrap();
    let mut packetizer = Packetizer::new(Codec::G722, 9, 0xcafe, 7, 99);
    // The phone's side.
    let mut decoder = AudioDecoder::new(Codec::G722).unwrap();
    let mut heard = Vec::new();
    for tick in 0..50 {
        let frames: Vec<Option<&[i16]>> = voices
            .iter()
            .map(|v| Some(&v[tick * MIX_FRAME..(tick + 1) * MIX_FRAME]))
            .collect();
        mixer.sum(&frames).unwrap();
        let mut mix = vec![0; MIX_FRAME];
        mixer.mix_for(frames[phone], &mut mix).unwrap();
        let mut pcm = Vec::new();
        down.process(&mix, &mut pcm).unwrap();
        let mut payload = Vec::new();
        encoder.encode(&pcm, &mut payload).unwrap();
        let datagram = packetizer.packetize(&payload);

        let packet = RtpPacket::parse(&datagram).unwrap();
        assert_eq!(packet.payload.len(), 160);
        decoder.decode(packet.payload, &mut heard).unwrap();
    }
    let steady = &heard[3200..];
    let others = [300.0, 700.0, 1100.0].map(|f| power_at(steady, f, 16000));
    let own = power_at(steady, 440.0, 16000);
    for power in others {
        assert!(own < power * 1e-4, "own voice {own:e} against {power:e}");
    }
}
