//! Opus (RFC 6716) for the SIP leg: what browsers send and expect in a
//! meeting, and what Opus-capable phones and room systems speak. Mono, 48
//! kHz, 20 ms frames, through `opus-rs` (a pure-Rust port of libopus: no C
//! library to install, so `cargo run` still needs only Rust).
//!
//! Packets come from the network, and a codec written in another project
//! is not ours to prove panic-free: a decode that panics is caught and
//! treated as a lost packet (the caller conceals), so one bad packet
//! costs 20 ms of one stream, never the server. The mutation test in
//! `tests/opus.rs` feeds it broken packets.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::Error;

/// Samples in a 20 ms frame at 48 kHz.
pub const OPUS_FRAME: usize = 960;
/// The longest packet we produce or accept (RFC 6716 §3.4: 1275 bytes per
/// frame; a 20 ms frame of speech needs a fraction of it).
pub const MAX_OPUS_PACKET: usize = 1275;
/// Voice, mono: what one participant's microphone needs.
const BITRATE_BPS: i32 = 32_000;

/// Decodes one incoming Opus stream.
pub struct OpusDecoder {
    inner: Box<opus_rs::OpusDecoder>,
    scratch: Vec<f32>,
}

impl std::fmt::Debug for OpusDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpusDecoder")
    }
}

impl OpusDecoder {
    pub fn new() -> Result<OpusDecoder, Error> {
        let inner = opus_rs::OpusDecoder::new(48_000, 1).map_err(Error::Opus)?;
        Ok(OpusDecoder {
            inner: Box::new(inner),
            scratch: vec![0.0; OPUS_FRAME * 6],
        })
    }

    /// Appends the packet's PCM (48 kHz mono) to `out`. A packet that does
    /// not decode is an error, and `out` is left as it was.
    pub fn decode(&mut self, packet: &[u8], out: &mut Vec<i16>) -> Result<(), Error> {
        if packet.len() > MAX_OPUS_PACKET * 3 {
            return Err(Error::PayloadTooLarge(packet.len()));
        }
        let (inner, scratch) = (&mut self.inner, &mut self.scratch);
        // Up to 120 ms in one packet (RFC 6716 §3.2.5); the scratch holds
        // it. An empty or TOC-only packet asks for concealment, of 20 ms.
        let max = if packet.len() <= 1 {
            OPUS_FRAME
        } else {
            scratch.len()
        };
        let decoded = catch_unwind(AssertUnwindSafe(|| inner.decode(packet, max, scratch)));
        let samples = match decoded {
            Ok(Ok(samples)) => samples.min(max),
            Ok(Err(reason)) => return Err(Error::Opus(reason)),
            Err(_) => {
                // The decoder's state may be half-updated: start afresh.
                self.reset()?;
                return Err(Error::Opus("the decoder failed on this packet"));
            }
        };
        out.extend(self.scratch[..samples].iter().map(|&s| to_i16(s)));
        Ok(())
    }

    /// Appends 20 ms of concealment for a lost packet (the decoder's own
    /// loss concealment, which continues the voice and fades out).
    pub fn conceal(&mut self, out: &mut Vec<i16>) -> Result<(), Error> {
        self.decode(&[], out)
    }

    fn reset(&mut self) -> Result<(), Error> {
        *self.inner = opus_rs::OpusDecoder::new(48_000, 1).map_err(Error::Opus)?;
        Ok(())
    }
}

/// Encodes the stream we send: 20 ms of 48 kHz mono per packet.
pub struct OpusEncoder {
    inner: Box<opus_rs::OpusEncoder>,
    scratch: Vec<u8>,
}

impl std::fmt::Debug for OpusEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpusEncoder")
    }
}

impl OpusEncoder {
    pub fn new() -> Result<OpusEncoder, Error> {
        let mut inner = opus_rs::OpusEncoder::new(48_000, 1, opus_rs::Application::Voip)
            .map_err(Error::Opus)?;
        inner.bitrate_bps = BITRATE_BPS;
        Ok(OpusEncoder {
            inner: Box::new(inner),
            scratch: vec![0; MAX_OPUS_PACKET],
        })
    }

    /// Appends one packet for `pcm`, which must be [`OPUS_FRAME`] samples.
    pub fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), Error> {
        if pcm.len() != OPUS_FRAME {
            return Err(Error::FrameLength {
                expected: OPUS_FRAME,
                got: pcm.len(),
            });
        }
        let bytes = self
            .inner
            .encode_i16(pcm, OPUS_FRAME, &mut self.scratch)
            .map_err(Error::Opus)?;
        out.extend_from_slice(&self.scratch[..bytes.min(self.scratch.len())]);
        Ok(())
    }
}

fn to_i16(sample: f32) -> i16 {
    // `as` saturates; NaN becomes 0.
    (sample * 32768.0) as i16
}
