//! The meeting's audio to the phone, sans-IO: the Opus frames of every
//! track the leg receives in, one RTP packet per 20 ms tick out.
//!
//! The router sends the leg everyone's audio but its own, so the sum of
//! what arrives is already the mix-minus. Each tick takes one frame from
//! each track's queue, sums them (soft-clipped), converts to the phone's
//! rate, encodes and packetizes with our own SSRC. A packet goes out on
//! every tick, silence included: phones expect a steady stream (some hang
//! up on an RTP timeout) and NAT bindings stay open.
//!
//! A voice prompt (enter the PIN, please wait, ...) takes the place of the
//! mix while it plays: prompts are played where the meeting is not heard
//! anyway (PIN entry, the waiting room, the end of the call).

use std::collections::BTreeMap;

use civicmeet_sip::sdp::AudioStream;
use civicmeet_sip_media::{
    AudioEncoder, MIX_FRAME, MixMinus, Packetizer, PromptPlayer, Resampler, SampleRate,
};

use super::audio_in::media_codec;
use super::track_queue::TrackQueue;

/// Tracks mixed at most; more are ignored (a meeting with more people
/// talking at once is not a conversation).
pub const MAX_TRACKS: usize = 64;

/// A track silent this long (5 s) is forgotten: its sender left or
/// stopped, and the slot is free for a newcomer's. One that comes back
/// gets a fresh queue.
const FORGET_AFTER_TICKS: u32 = 250;

/// Our RTP stream's identity: random at the start of a call, continued
/// when a re-INVITE changes the codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamStart {
    pub ssrc: u32,
    pub sequence: u16,
    pub timestamp: u32,
}

#[derive(Debug)]
pub struct PhoneAudioOut {
    tracks: BTreeMap<String, TrackQueue>,
    mixer: MixMinus,
    resampler: Resampler,
    encoder: AudioEncoder,
    packetizer: Packetizer,
    frames: Vec<Vec<i16>>,
    prompt: Option<PromptPlayer>,
    mix: Vec<i16>,
    pcm: Vec<i16>,
    payload: Vec<u8>,
}

impl PhoneAudioOut {
    /// The sender for the agreed stream; `None` when this build cannot
    /// encode its codec (we never offer such a codec).
    pub fn new(stream: &AudioStream, start: StreamStart) -> Option<PhoneAudioOut> {
        let codec = media_codec(stream.codec);
        let encoder = AudioEncoder::new(codec).ok()?;
        Some(PhoneAudioOut {
            tracks: BTreeMap::new(),
            mixer: MixMinus::new(),
            resampler: Resampler::new(SampleRate::Hz48000, codec.sample_rate()),
            encoder,
            packetizer: Packetizer::new(
                codec,
                stream.payload_type,
                start.ssrc,
                start.sequence,
                start.timestamp,
            ),
            frames: Vec::new(),
            prompt: None,
            mix: vec![0; MIX_FRAME],
            pcm: Vec::new(),
            payload: Vec::new(),
        })
    }

    /// Where a successor (a new codec after a re-INVITE) carries on.
    pub fn next(&self) -> StreamStart {
        StreamStart {
            ssrc: self.packetizer.ssrc(),
            sequence: self.packetizer.next_sequence(),
            timestamp: self.packetizer.next_timestamp(),
        }
    }

    /// Plays a prompt's clips (16 kHz PCM, see `crate::prompts`) instead
    /// of the mix, from the next tick; replaces one still playing.
    pub fn play(&mut self, clips: &[&[u8]]) {
        self.prompt = Some(PromptPlayer::new(clips, SampleRate::Hz48000));
    }

    /// Stops the prompt (the caller started typing).
    pub fn stop_prompt(&mut self) {
        self.prompt = None;
    }

    pub fn is_playing(&self) -> bool {
        self.prompt.is_some()
    }

    /// One Opus frame of the meeting track `track` (a mid).
    pub fn opus_frame(&mut self, track: &str, payload: &[u8]) {
        if let Some(queue) = self.queue(track) {
            queue.push_opus(payload);
        }
    }

    /// 48 kHz PCM of a track, as if decoded (for tests).
    #[cfg(test)]
    pub fn pcm_frame(&mut self, track: &str, pcm: &[i16]) {
        if let Some(queue) = self.queue(track) {
            queue.push_pcm(pcm);
        }
    }

    fn queue(&mut self, track: &str) -> Option<&mut TrackQueue> {
        if !self.tracks.contains_key(track) && self.tracks.len() >= MAX_TRACKS {
            return None;
        }
        Some(self.tracks.entry(track.to_string()).or_default())
    }

    /// Every 20 ms: this tick's RTP packet into `out` (cleared first;
    /// left empty in the unlikely case that the encoder fails).
    pub fn tick(&mut self, out: &mut Vec<u8>) {
        self.frames
            .resize_with(self.tracks.len(), || vec![0; MIX_FRAME]);
        let mut playing = Vec::with_capacity(self.tracks.len());
        for (queue, frame) in self.tracks.values_mut().zip(self.frames.iter_mut()) {
            playing.push(queue.pop(frame));
        }
        let contributions: Vec<Option<&[i16]>> = self
            .frames
            .iter()
            .zip(&playing)
            .map(|(frame, &on)| on.then_some(frame.as_slice()))
            .collect();
        // Frames are MIX_FRAME long and tracks at most MAX_TRACKS, which
        // is all the mixer checks; silence is the fallback anyway.
        if self.mixer.sum(&contributions).is_err()
            || self.mixer.mix_for(None, &mut self.mix).is_err()
        {
            self.mix.fill(0);
        }
        self.play_prompt();
        self.pcm.clear();
        if self.resampler.process(&self.mix, &mut self.pcm).is_err() {
            self.pcm.clear();
        }
        self.payload.clear();
        out.clear();
        match self.encoder.encode(&self.pcm, &mut self.payload) {
            Ok(()) => self.packetizer.packetize_into(&self.payload, out),
            // Nothing to send this tick (the caller sends no empty packet);
            // the stream's clock runs on.
            Err(_) => self.packetizer.skip(),
        }
        self.tracks
            .retain(|_, queue| queue.idle_ticks() < FORGET_AFTER_TICKS);
    }
}

impl PhoneAudioOut {
    /// Puts the prompt's next frame in place of the mix.
    fn play_prompt(&mut self) {
        let Some(prompt) = &mut self.prompt else {
            return;
        };
        let mut frame = Vec::with_capacity(MIX_FRAME);
        if prompt.next_frame(&mut frame) && frame.len() == MIX_FRAME {
            self.mix.copy_from_slice(&frame);
        } else {
            self.prompt = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use civicmeet_sip::sdp::{AudioCodec, Direction};
    use civicmeet_sip_media::{AudioDecoder, Codec, RtpPacket};

    use super::*;

    fn stream(codec: AudioCodec, payload_type: u8) -> AudioStream {
        AudioStream {
            remote_rtp: Some("192.0.2.1:4000".parse().unwrap()),
            remote_rtcp: None,
            rtcp_mux: false,
            codec,
            payload_type,
            fmtp: None,
            telephone_event: None,
            ptime: None,
            direction: Direction::SendRecv,
            srtp: None,
        }
    }

    fn tone(freq: f64, tick: usize) -> Vec<i16> {
        (0..MIX_FRAME)
            .map(|n| {
                let t = (tick * MIX_FRAME + n) as f64 / 48000.0;
                (6000.0 * (2.0 * std::f64::consts::PI * freq * t).sin()) as i16
            })
            .collect()
    }

    /// Two others talking reach the phone as one G.722 stream with our
    /// SSRC, steady sequence numbers and timestamps; silence before.
    #[test]
    fn the_others_are_summed_into_our_stream() {
        let start = StreamStart {
            ssrc: 0xfeed,
            sequence: 65_534,
            timestamp: 10,
        };
        let mut out = PhoneAudioOut::new(&stream(AudioCodec::G722, 9), start).unwrap();
        let mut decoder = AudioDecoder::new(Codec::G722).unwrap();
        let mut heard = Vec::new();
        let mut packet = Vec::new();
        for tick in 0..50 {
            if tick >= 5 {
                out.pcm_frame("0", &tone(300.0, tick));
                out.pcm_frame("1", &tone(1100.0, tick));
            }
            out.tick(&mut packet);
            let parsed = RtpPacket::parse(&packet).unwrap();
            assert_eq!(parsed.ssrc, 0xfeed);
            assert_eq!(parsed.payload_type, 9);
            assert_eq!(parsed.sequence, 65_534u16.wrapping_add(tick as u16));
            assert_eq!(parsed.timestamp, 10 + 160 * tick as u32);
            assert_eq!(parsed.payload.len(), 160);
            decoder.decode(parsed.payload, &mut heard).unwrap();
        }
        let early = heard[..5 * 320]
            .iter()
            .map(|s| s.unsigned_abs())
            .max()
            .unwrap();
        assert!(early < 50, "silence first, got {early}");
        let late = heard[20 * 320..]
            .iter()
            .map(|s| s.unsigned_abs())
            .max()
            .unwrap();
        assert!(late > 6000, "both voices summed, got {late}");
        assert_eq!(
            out.next(),
            StreamStart {
                ssrc: 0xfeed,
                sequence: 65_534u16.wrapping_add(50),
                timestamp: 10 + 160 * 50,
            }
        );
    }

    #[test]
    fn tracks_are_bounded() {
        let start = StreamStart {
            ssrc: 1,
            sequence: 1,
            timestamp: 1,
        };
        let mut out = PhoneAudioOut::new(&stream(AudioCodec::Pcmu, 0), start).unwrap();
        for track in 0..200 {
            out.pcm_frame(&track.to_string(), &tone(440.0, 0));
        }
        assert_eq!(out.tracks.len(), MAX_TRACKS);
        // Five silent seconds free the slots.
        let mut packet = Vec::new();
        for _ in 0..FORGET_AFTER_TICKS {
            out.tick(&mut packet);
        }
        assert!(out.tracks.is_empty());
        out.pcm_frame("new", &tone(440.0, 0));
        assert_eq!(out.tracks.len(), 1);
    }

    /// A prompt replaces the mix while it plays, then the mix is back.
    #[test]
    fn a_prompt_plays_instead_of_the_mix() {
        let start = StreamStart {
            ssrc: 1,
            sequence: 1,
            timestamp: 1,
        };
        let mut out = PhoneAudioOut::new(&stream(AudioCodec::Pcmu, 0), start).unwrap();
        let mut decoder = AudioDecoder::new(Codec::Pcmu).unwrap();
        out.play(&crate::prompts::Prompt::Waiting.clips());
        let (mut packet, mut heard, mut ticks) = (Vec::new(), Vec::new(), 0);
        while out.is_playing() {
            out.tick(&mut packet);
            let parsed = RtpPacket::parse(&packet).unwrap();
            decoder.decode(parsed.payload, &mut heard).unwrap();
            ticks += 1;
            assert!(ticks < 1000, "a prompt ends");
        }
        let loud = heard.iter().filter(|s| s.unsigned_abs() > 1000).count();
        assert!(loud > heard.len() / 10, "speech: {loud} of {}", heard.len());
        out.tick(&mut packet);
        let parsed = RtpPacket::parse(&packet).unwrap();
        assert!(parsed.payload.iter().all(|&b| b == 0xff), "silence again");
        // A prompt stopped early leaves silence at once.
        out.play(&crate::prompts::Prompt::Pin.clips());
        out.stop_prompt();
        out.tick(&mut packet);
        assert!(
            RtpPacket::parse(&packet)
                .unwrap()
                .payload
                .iter()
                .all(|&b| b == 0xff)
        );
    }
}
