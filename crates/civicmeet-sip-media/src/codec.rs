//! The SIP leg's audio codecs as the rest of the crate sees them: their
//! RTP clocks, PCM rates and payload types (RFC 3551 §6), and one decoder
//! and encoder type over all of them (Opus through [`crate::opus`]).

use crate::Error;
use crate::g711;
use crate::g722::{G722Decoder, G722Encoder};
use crate::opus::{OpusDecoder, OpusEncoder};
use crate::resample::SampleRate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 µ-law.
    Pcmu,
    /// G.711 A-law.
    Pcma,
    G722,
    Opus,
}

impl Codec {
    /// The RTP timestamp rate. G.722's is 8 kHz although it samples at
    /// 16 kHz: an error in RFC 1890 kept for compatibility (RFC 3551
    /// §4.5.2).
    pub const fn clock_rate(self) -> u32 {
        match self {
            Codec::Pcmu | Codec::Pcma | Codec::G722 => 8000,
            Codec::Opus => 48000,
        }
    }

    /// The rate of the PCM it carries.
    pub const fn sample_rate(self) -> SampleRate {
        match self {
            Codec::Pcmu | Codec::Pcma => SampleRate::Hz8000,
            Codec::G722 => SampleRate::Hz16000,
            Codec::Opus => SampleRate::Hz48000,
        }
    }

    /// The static payload type; Opus has a dynamic one from the SDP.
    pub const fn static_payload_type(self) -> Option<u8> {
        match self {
            Codec::Pcmu => Some(0),
            Codec::Pcma => Some(8),
            Codec::G722 => Some(9),
            Codec::Opus => None,
        }
    }

    /// RTP clock ticks in a 20 ms frame.
    pub const fn frame_ticks(self) -> u32 {
        self.clock_rate() / 50
    }
}

/// A decoder of one incoming stream.
#[derive(Debug)]
pub enum AudioDecoder {
    Pcmu,
    Pcma,
    G722(Box<G722Decoder>),
    Opus(OpusDecoder),
}

impl AudioDecoder {
    pub fn new(codec: Codec) -> Result<Self, Error> {
        Ok(match codec {
            Codec::Pcmu => AudioDecoder::Pcmu,
            Codec::Pcma => AudioDecoder::Pcma,
            Codec::G722 => AudioDecoder::G722(Box::default()),
            Codec::Opus => AudioDecoder::Opus(OpusDecoder::new()?),
        })
    }

    pub fn sample_rate(&self) -> SampleRate {
        match self {
            AudioDecoder::Pcmu | AudioDecoder::Pcma => SampleRate::Hz8000,
            AudioDecoder::G722(_) => SampleRate::Hz16000,
            AudioDecoder::Opus(_) => SampleRate::Hz48000,
        }
    }

    /// Appends the payload's PCM to `out`. Every byte is valid in G.711
    /// and G.722; an Opus packet may not decode (then `out` is unchanged
    /// and the caller conceals).
    pub fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), Error> {
        match self {
            AudioDecoder::Pcmu => g711::ulaw_decode_frame(payload, out),
            AudioDecoder::Pcma => g711::alaw_decode_frame(payload, out),
            AudioDecoder::G722(decoder) => decoder.decode(payload, out),
            AudioDecoder::Opus(decoder) => return decoder.decode(payload, out),
        }
        Ok(())
    }
}

/// An encoder of the stream we send.
#[derive(Debug)]
pub enum AudioEncoder {
    Pcmu,
    Pcma,
    G722(Box<G722Encoder>),
    Opus(OpusEncoder),
}

impl AudioEncoder {
    pub fn new(codec: Codec) -> Result<Self, Error> {
        Ok(match codec {
            Codec::Pcmu => AudioEncoder::Pcmu,
            Codec::Pcma => AudioEncoder::Pcma,
            Codec::G722 => AudioEncoder::G722(Box::default()),
            Codec::Opus => AudioEncoder::Opus(OpusEncoder::new()?),
        })
    }

    pub fn sample_rate(&self) -> SampleRate {
        match self {
            AudioEncoder::Pcmu | AudioEncoder::Pcma => SampleRate::Hz8000,
            AudioEncoder::G722(_) => SampleRate::Hz16000,
            AudioEncoder::Opus(_) => SampleRate::Hz48000,
        }
    }

    /// Appends the encoded PCM (at [`Self::sample_rate`]; for Opus exactly
    /// one 20 ms frame) to `out`.
    pub fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            AudioEncoder::Pcmu => g711::ulaw_encode_frame(pcm, out),
            AudioEncoder::Pcma => g711::alaw_encode_frame(pcm, out),
            AudioEncoder::G722(encoder) => encoder.encode(pcm, out),
            AudioEncoder::Opus(encoder) => return encoder.encode(pcm, out),
        }
        Ok(())
    }
}
