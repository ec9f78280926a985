//! The phone's audio into the meeting, sans-IO: RTP datagrams in, one
//! 20 ms frame of 48 kHz PCM per tick out, key presses on the side.
//!
//! RTP → jitter buffer → decode (G.711, G.722, Opus) or conceal → 48 kHz.
//! Telephone-events (RFC 4733) become key presses; RTCP is passed over
//! (we send no reports either). The caller Opus-encodes the frames for
//! the leg's published track.

use std::time::Instant;

use civicmeet_sip::sdp::{AudioCodec, AudioStream};
use civicmeet_sip_media::{
    AudioDecoder, Codec, Concealer, DtmfReceiver, Frame, JitterBuffer, JitterConfig, MIX_FRAME,
    Resampler, RtpPacket, SampleRate, rtcp_packet_type,
};

/// The media crate's codec for an agreed SDP codec.
pub fn media_codec(codec: AudioCodec) -> Codec {
    match codec {
        AudioCodec::Opus => Codec::Opus,
        AudioCodec::G722 => Codec::G722,
        AudioCodec::Pcma => Codec::Pcma,
        AudioCodec::Pcmu => Codec::Pcmu,
    }
}

/// The RFC 6464 audio level of a frame, in dBov (0 loudest, -127
/// silence), as browsers put it in their packets: the router names the
/// meeting's active speaker from it.
pub fn audio_level(pcm: &[i16]) -> i8 {
    if pcm.is_empty() {
        return -127;
    }
    let energy: f64 = pcm.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    let rms = (energy / pcm.len() as f64).sqrt();
    if rms < 1.0 {
        return -127;
    }
    let dbov = 20.0 * (rms / 32_767.0).log10();
    // Clamped to the extension's range, so the cast cannot wrap.
    dbov.round().clamp(-127.0, 0.0) as i8
}

/// What one datagram was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inbound {
    /// Audio of the agreed payload type, queued for playout.
    Audio,
    /// A new key press.
    Key(char),
    /// RTCP, another payload type, a repeated telephone-event: nothing to do.
    Ignored,
}

/// The phone's incoming audio stream.
#[derive(Debug)]
pub struct PhoneAudioIn {
    payload_type: u8,
    event_type: Option<u8>,
    jitter: JitterBuffer,
    decoder: AudioDecoder,
    rate: SampleRate,
    concealer: Concealer,
    resampler: Resampler,
    dtmf: DtmfReceiver,
    /// One decoded frame at the codec's rate (scratch).
    pcm: Vec<i16>,
}

impl PhoneAudioIn {
    /// The receiver for the agreed stream; `None` when this build cannot
    /// decode its codec (we never offer such a codec).
    pub fn new(stream: &AudioStream) -> Option<PhoneAudioIn> {
        let codec = media_codec(stream.codec);
        let decoder = AudioDecoder::new(codec).ok()?;
        let rate = codec.sample_rate();
        Some(PhoneAudioIn {
            payload_type: stream.payload_type,
            event_type: stream.telephone_event.map(|e| e.payload_type),
            jitter: JitterBuffer::new(JitterConfig::audio(codec.clock_rate())),
            decoder,
            rate,
            concealer: Concealer::new(rate),
            resampler: Resampler::new(rate, SampleRate::Hz48000),
            dtmf: DtmfReceiver::new(),
            pcm: Vec::with_capacity(rate.frame_len()),
        })
    }

    /// Whether `bytes` is RTP of this stream (audio or telephone-event):
    /// what the sender's address may be learnt from (symmetric RTP).
    pub fn is_ours(&self, bytes: &[u8]) -> bool {
        rtcp_packet_type(bytes).is_none()
            && RtpPacket::parse(bytes).is_ok_and(|p| {
                p.payload_type == self.payload_type || Some(p.payload_type) == self.event_type
            })
    }

    /// Takes one datagram from the phone's address.
    pub fn datagram(&mut self, now: Instant, bytes: &[u8]) -> Inbound {
        if rtcp_packet_type(bytes).is_some() {
            return Inbound::Ignored;
        }
        let Ok(packet) = RtpPacket::parse(bytes) else {
            return Inbound::Ignored;
        };
        if Some(packet.payload_type) == self.event_type {
            return match self.dtmf.handle(&packet) {
                Ok(Some(key)) => Inbound::Key(key.as_char()),
                _ => Inbound::Ignored,
            };
        }
        if packet.payload_type != self.payload_type {
            return Inbound::Ignored;
        }
        // Late, duplicate or overflowing packets are the buffer's to drop.
        match self.jitter.push(now, &packet) {
            Ok(_) => Inbound::Audio,
            Err(_) => Inbound::Ignored,
        }
    }

    /// Every 20 ms: appends one frame of 48 kHz PCM to `out` and returns
    /// true, or returns false when the phone is not sending (nothing to
    /// publish; silence is not sent into the meeting).
    pub fn tick(&mut self, now: Instant, out: &mut Vec<i16>) -> bool {
        let frame_len = self.rate.frame_len();
        self.pcm.clear();
        match self.jitter.pop(now) {
            Frame::Audio(frame) => match self.decoder.decode(&frame.payload, &mut self.pcm) {
                Ok(()) => {
                    self.pcm.resize(frame_len, 0);
                    self.concealer.good(&mut self.pcm);
                }
                // An Opus packet that does not decode is a lost one.
                Err(_) => self.conceal(frame_len),
            },
            Frame::Lost => self.conceal(frame_len),
            Frame::Idle => return false,
        }
        let before = out.len();
        if self.resampler.process(&self.pcm, out).is_err() {
            // The frame was resized to the resampler's length above.
            out.truncate(before);
            return false;
        }
        out.resize(before + MIX_FRAME, 0);
        true
    }

    fn conceal(&mut self, frame_len: usize) {
        self.pcm.clear();
        self.pcm.resize(frame_len, 0);
        self.concealer.lost(&mut self.pcm);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use civicmeet_sip::sdp::{Direction, TelephoneEvent};
    use civicmeet_sip_media::{AudioEncoder, DtmfKey, Packetizer, RtpHeader};

    use super::*;

    fn stream(codec: AudioCodec, payload_type: u8) -> AudioStream {
        AudioStream {
            remote_rtp: Some("192.0.2.1:4000".parse().unwrap()),
            remote_rtcp: None,
            rtcp_mux: false,
            codec,
            payload_type,
            fmtp: None,
            telephone_event: Some(TelephoneEvent {
                payload_type: 101,
                clock_rate: 8000,
            }),
            ptime: None,
            direction: Direction::SendRecv,
            srtp: None,
        }
    }

    /// A 440 Hz tone as G.711 µ-law RTP, 20 ms apart, comes out as 48 kHz
    /// frames after the jitter buffer's delay; a key press is reported once.
    #[test]
    fn a_tone_and_a_key() {
        let mut audio = PhoneAudioIn::new(&stream(AudioCodec::Pcmu, 0)).unwrap();
        let mut encoder = AudioEncoder::new(Codec::Pcmu).unwrap();
        let mut packetizer = Packetizer::new(Codec::Pcmu, 0, 7, 100, 1000);
        let start = Instant::now();
        let mut frames = 0;
        let mut out = Vec::new();
        for i in 0..50u32 {
            let now = start + Duration::from_millis(20 * u64::from(i));
            let pcm: Vec<i16> = (0..160)
                .map(|n| {
                    let t = f64::from(i * 160 + n) / 8000.0;
                    (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as i16
                })
                .collect();
            let mut payload = Vec::new();
            encoder.encode(&pcm, &mut payload).unwrap();
            let datagram = packetizer.packetize(&payload);
            assert!(audio.is_ours(&datagram));
            assert_eq!(audio.datagram(now, &datagram), Inbound::Audio);
            if audio.tick(now, &mut out) {
                frames += 1;
            }
        }
        assert_eq!(out.len(), frames * MIX_FRAME);
        assert!(frames >= 40, "{frames} frames");
        let peak = out.iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!(peak > 6000, "peak {peak}");

        let key = DtmfKey::from_char('7').unwrap();
        let event = civicmeet_sip_media::TelephoneEvent {
            event: key.event(),
            end: false,
            volume: 10,
            duration: 160,
        };
        let header = RtpHeader {
            marker: true,
            payload_type: 101,
            sequence: 1,
            timestamp: 8000,
            ssrc: 7,
        };
        let packet = header.to_bytes(&event.to_bytes());
        assert_eq!(audio.datagram(start, &packet), Inbound::Key('7'));
        assert_eq!(audio.datagram(start, &packet), Inbound::Ignored);
    }

    #[test]
    fn audio_levels_in_dbov() {
        assert_eq!(audio_level(&[]), -127);
        assert_eq!(audio_level(&[0; 960]), -127);
        assert_eq!(audio_level(&[i16::MAX; 960]), 0);
        assert_eq!(audio_level(&[i16::MIN; 960]), 0);
        // A tenth of full scale is -20 dBov.
        assert_eq!(audio_level(&[3277; 960]), -20);
    }

    #[test]
    fn strangers_and_garbage_are_ignored() {
        let mut audio = PhoneAudioIn::new(&stream(AudioCodec::Pcma, 8)).unwrap();
        let now = Instant::now();
        for bytes in [
            &b""[..],
            b"\x80",
            b"not rtp at all",
            &[0x80, 0xc8, 0, 1, 0, 0, 0, 0],
        ] {
            assert!(!audio.is_ours(bytes));
            assert_eq!(audio.datagram(now, bytes), Inbound::Ignored);
        }
        // A payload type that was not agreed.
        let other = RtpHeader {
            marker: false,
            payload_type: 0,
            sequence: 1,
            timestamp: 0,
            ssrc: 1,
        }
        .to_bytes(&[0; 160]);
        assert!(!audio.is_ours(&other));
        assert_eq!(audio.datagram(now, &other), Inbound::Ignored);
        let mut out = Vec::new();
        assert!(!audio.tick(now, &mut out));
        assert!(out.is_empty());
    }
}
