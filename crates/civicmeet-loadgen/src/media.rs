//! Synthetic media: frame sizes and rates, and the stamp every frame carries.
//!
//! A frame's payload starts with what the codec's depacketizer looks at
//! (the Opus TOC byte; the 3-byte VP8 frame tag whose lowest bit is 0 on
//! keyframes, RFC 6386 §9.1), followed by a [`Stamp`]: who sent it, which
//! stream, its sequence number and its send time. The rest is filler. The
//! same stamp travels in the plain-UDP mode, so both modes measure alike.

use std::time::{Duration, Instant};

/// Opus: 50 packets per second of about 80 bytes.
pub const AUDIO_INTERVAL: Duration = Duration::from_millis(20);
pub const AUDIO_FRAME_BYTES: usize = 80;

/// VP8: 30 frames per second at about 500 kbit/s, a keyframe every 2 s.
pub const VIDEO_INTERVAL: Duration = Duration::from_nanos(1_000_000_000 / 30);
pub const KEYFRAME_EVERY: u64 = 60;
/// Delta frames and keyframes five times larger: (59 × 1,953 + 9,766) / 60
/// bytes × 8 × 30 fps ≈ 500 kbit/s.
pub const VIDEO_FRAME_BYTES: usize = 1_953;
pub const KEYFRAME_BYTES: usize = 9_766;

/// Audio or video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Audio,
    Video,
}

impl Kind {
    fn code(self) -> u8 {
        match self {
            Kind::Audio => 0,
            Kind::Video => 1,
        }
    }
}

/// What a receiver learns from a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The load generator's own number for the sender (not the server's).
    pub sender: u32,
    pub kind: Kind,
    pub seq: u32,
    /// [`crate::clock::now_ns`] when the frame was handed to the sender's stack.
    pub sent_ns: u64,
}

const MAGIC: [u8; 2] = [0xc1, 0x7e];
/// Bytes of a stamp: magic, kind, sender, seq, sent_ns.
pub const STAMP_BYTES: usize = 2 + 1 + 4 + 4 + 8;
/// Bytes before the stamp: the Opus TOC byte, or the VP8 frame tag.
const AUDIO_PREFIX: usize = 1;
const VIDEO_PREFIX: usize = 3;

impl Stamp {
    /// Appends the stamp's bytes.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&MAGIC);
        out.push(self.kind.code());
        out.extend_from_slice(&self.sender.to_be_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.sent_ns.to_be_bytes());
    }

    /// Reads a stamp at the start of `bytes`; `None` for anything else.
    pub fn read(bytes: &[u8]) -> Option<Stamp> {
        let b = bytes.get(..STAMP_BYTES)?;
        if b[..2] != MAGIC {
            return None;
        }
        let kind = match b[2] {
            0 => Kind::Audio,
            1 => Kind::Video,
            _ => return None,
        };
        // The slice lengths are fixed by STAMP_BYTES above: the conversions
        // cannot fail.
        let sender = u32::from_be_bytes(b[3..7].try_into().ok()?);
        let seq = u32::from_be_bytes(b[7..11].try_into().ok()?);
        let sent_ns = u64::from_be_bytes(b[11..19].try_into().ok()?);
        Some(Stamp {
            sender,
            kind,
            seq,
            sent_ns,
        })
    }

    /// Reads the stamp of a whole frame as str0m hands it over.
    pub fn read_frame(kind: Kind, frame: &[u8]) -> Option<Stamp> {
        let prefix = match kind {
            Kind::Audio => AUDIO_PREFIX,
            Kind::Video => VIDEO_PREFIX,
        };
        Stamp::read(frame.get(prefix..)?)
    }
}

/// An Opus frame: a TOC byte (config 31, 20 ms CELT FB), the stamp, filler.
pub fn audio_frame(stamp: &Stamp) -> Vec<u8> {
    let mut frame = Vec::with_capacity(AUDIO_FRAME_BYTES);
    frame.push(0xfc);
    stamp.write_to(&mut frame);
    frame.resize(AUDIO_FRAME_BYTES, 0x55);
    frame
}

/// A VP8 frame: the frame tag (bit 0 clear on keyframes), for keyframes the
/// start code and a 640x360 size, the stamp, filler.
pub fn video_frame(stamp: &Stamp, key: bool) -> Vec<u8> {
    let size = if key {
        KEYFRAME_BYTES
    } else {
        VIDEO_FRAME_BYTES
    };
    let mut frame = Vec::with_capacity(size);
    frame.extend_from_slice(if key { &[0x10, 0, 0] } else { &[0x11, 0, 0] });
    stamp.write_to(&mut frame);
    if key {
        // After the stamp, so the depacketizer's view is unchanged: it only
        // reads the first byte's keyframe bit.
        frame.extend_from_slice(&[0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01]);
    }
    frame.resize(size, 0xaa);
    frame
}

/// When a publisher's next frames are due, and whether the next video
/// frame is a keyframe.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub next_audio: Instant,
    pub next_video: Instant,
    pub audio_seq: u32,
    pub video_seq: u32,
    /// Set by a PLI/FIR (or at start): the next video frame is a keyframe.
    pub keyframe_requested: bool,
}

impl Schedule {
    pub fn starting(now: Instant) -> Schedule {
        Schedule {
            next_audio: now,
            next_video: now,
            audio_seq: 0,
            video_seq: 0,
            keyframe_requested: true,
        }
    }

    /// Whether the next video frame is a keyframe; clears a request.
    pub fn take_keyframe(&mut self) -> bool {
        let key = self.keyframe_requested || u64::from(self.video_seq) % KEYFRAME_EVERY == 0;
        self.keyframe_requested = false;
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_survive_both_frame_kinds_and_keyframes_are_marked() {
        let stamp = Stamp {
            sender: 7,
            kind: Kind::Video,
            seq: 42,
            sent_ns: 123_456_789,
        };
        let key = video_frame(&stamp, true);
        let delta = video_frame(&stamp, false);
        assert_eq!(key[0] & 1, 0, "keyframe bit clear");
        assert_eq!(delta[0] & 1, 1);
        assert_eq!(key.len(), KEYFRAME_BYTES);
        assert_eq!(Stamp::read_frame(Kind::Video, &key), Some(stamp));
        assert_eq!(Stamp::read_frame(Kind::Video, &delta), Some(stamp));
        let audio = Stamp {
            kind: Kind::Audio,
            ..stamp
        };
        let frame = audio_frame(&audio);
        assert_eq!(frame.len(), AUDIO_FRAME_BYTES);
        assert_eq!(Stamp::read_frame(Kind::Audio, &frame), Some(audio));
    }

    #[test]
    fn garbage_is_not_a_stamp() {
        assert_eq!(Stamp::read(&[]), None);
        assert_eq!(Stamp::read(&[0u8; 40]), None);
        assert_eq!(Stamp::read_frame(Kind::Video, &[0x10]), None);
    }
}
