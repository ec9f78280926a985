//! Whole frames out of a room system's video RTP: packets are held by
//! sequence number until a frame (the packets of one timestamp) is
//! complete, then joined by its format (`h264`, `vp8`).
//!
//! A frame is complete when its packets run without a gap from its first
//! to its last. The last is the one with the marker bit, or the one
//! followed by a packet of another timestamp. The first is the packet
//! after the previous frame, or one whose predecessor has another
//! timestamp, or one the format says begins a frame (VP8's S bit with
//! partition 0, an H.264 slice of macroblock 0): that last case lets a
//! frame complete after a loss, which matters for the keyframe that ends
//! the loss.
//!
//! Packets within a frame may arrive in any order and twice. A newer
//! frame completing gives up every older one still incomplete, so nothing
//! waits forever for a packet that was lost; the gap reads as loss. After
//! a loss the decoder cannot use delta frames: they are dropped until a
//! keyframe arrives, and [`Depacketized::Lost`] says so once, for the
//! caller to ask for a keyframe. The stream starts in that state: a delta
//! frame before the first keyframe is useless too.
//!
//! Sequence numbers are extended to 64 bits as they wrap; a jump of
//! thousands (or a new SSRC) is a restarted sender, taken once a second
//! packet follows the first (RFC 3550 Appendix A.1).

use std::collections::{BTreeMap, VecDeque};

use super::{MAX_FRAME_BYTES, MAX_FRAME_PACKETS, VideoFormat, VideoFrame, h264, vp8};
use crate::Error;
use crate::rtp::RtpPacket;

/// A jump forward this far in sequence numbers is a restart, not loss.
const MAX_DROPOUT: i64 = 3000;
/// A packet this far behind what was given out is a restart, not late.
const MAX_MISORDER: u64 = 100;
/// Results kept for [`Depacketizer::poll`] (two frames may complete on
/// one packet); a caller that never polls still gets them one per push.
const MAX_READY: usize = 16;

/// What one packet led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Depacketized {
    /// Nothing complete yet (or the packet was dropped).
    Nothing,
    Frame(VideoFrame),
    /// Something was lost; delta frames are dropped from now on until a
    /// keyframe arrives: ask the sender for one (RTCP PLI or FIR, or SIP
    /// INFO picture_fast_update). Said once per loss.
    Lost,
}

/// Whole frames out of one incoming video stream. See the module docs.
#[derive(Debug)]
pub struct Depacketizer {
    format: VideoFormat,
    ssrc: Option<u32>,
    /// Extended sequence number of the newest packet seen.
    highest: Option<u64>,
    /// Extended sequence number after the last frame given out or up:
    /// anything older is late.
    expected: Option<u64>,
    /// After a far jump, the sequence number that confirms a restart.
    probation: Option<u16>,
    packets: BTreeMap<u64, Packet>,
    /// Bytes of `packets`' data.
    bytes: usize,
    /// The timestamp of a frame given up for its size: its further
    /// packets are dropped as they come.
    discarded: Option<u32>,
    needs_keyframe: bool,
    lost_reported: bool,
    ready: VecDeque<Depacketized>,
    /// H.264's last SPS and PPS, for keyframes that lost theirs.
    parameter_sets: h264::ParameterSets,
}

#[derive(Debug)]
struct Packet {
    timestamp: u32,
    marker: bool,
    unit: Unit,
}

/// What one payload holds, as its format read it.
#[derive(Debug)]
pub(super) struct Unit {
    /// The frame bytes it contributes (H.264: Annex B, start codes and
    /// all; VP8: the payload after the descriptor).
    pub data: Vec<u8>,
    /// The format says a frame begins here.
    pub begins_frame: bool,
    /// It holds an H.264 IDR slice, or begins a VP8 key frame.
    pub keyframe: bool,
    /// It holds coded picture data (H.264: a slice; VP8: always), as
    /// opposed to parameter sets a decoder takes at any time.
    pub slice: bool,
    pub fragment: Fragment,
}

impl Unit {
    pub fn new(fragment: Fragment) -> Unit {
        Unit {
            data: Vec::new(),
            begins_frame: false,
            keyframe: false,
            slice: false,
            fragment,
        }
    }
}

/// Where a payload lies in a NAL unit cut into pieces (H.264 FU-A).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fragment {
    Whole,
    Start,
    Middle,
    End,
}

impl Depacketizer {
    pub fn new(format: VideoFormat) -> Self {
        Depacketizer {
            format,
            ssrc: None,
            highest: None,
            expected: None,
            probation: None,
            packets: BTreeMap::new(),
            bytes: 0,
            discarded: None,
            needs_keyframe: true,
            lost_reported: false,
            ready: VecDeque::new(),
            parameter_sets: h264::ParameterSets::default(),
        }
    }

    pub fn format(&self) -> VideoFormat {
        self.format
    }

    /// One RTP packet (already parsed with [`RtpPacket::parse`], payload
    /// type already checked by the caller). When one packet completes two
    /// frames, the second waits in [`Depacketizer::poll`].
    pub fn push(&mut self, packet: &RtpPacket<'_>) -> Depacketized {
        self.take(packet);
        self.poll().unwrap_or(Depacketized::Nothing)
    }

    /// A result of an earlier push not yet handed out: drain this after
    /// each push to get every frame at once.
    pub fn poll(&mut self) -> Option<Depacketized> {
        self.ready.pop_front()
    }

    /// Delta frames are being dropped until a keyframe arrives (since a
    /// loss, or since the start): a caller that asked for a keyframe on
    /// [`Depacketized::Lost`] may ask again while this holds.
    pub fn waiting_for_keyframe(&self) -> bool {
        self.needs_keyframe
    }

    fn take(&mut self, packet: &RtpPacket<'_>) {
        if self.ssrc != Some(packet.ssrc) {
            if self.ssrc.is_some() {
                self.restart();
            }
            self.ssrc = Some(packet.ssrc);
        }
        let Some(seq) = self.extend(packet.sequence) else {
            return;
        };
        if self.discarded == Some(packet.timestamp) || self.packets.contains_key(&seq) {
            return;
        }
        let unit = match self.format {
            VideoFormat::H264 => h264::unit(packet.payload),
            VideoFormat::Vp8 => vp8::unit(packet.payload),
        };
        // A payload that does not parse is dropped: the gap it leaves is
        // loss like any other.
        let Ok(unit) = unit else {
            return;
        };
        self.bytes += unit.data.len();
        self.packets.insert(
            seq,
            Packet {
                timestamp: packet.timestamp,
                marker: packet.marker,
                unit,
            },
        );
        self.keep_bounds();
        self.assemble(seq);
    }

    /// The extended sequence number of `sequence`, or `None` when the
    /// packet is late (older than what was given out) or far off.
    fn extend(&mut self, sequence: u16) -> Option<u64> {
        // Starts high so that going back from the first packet never
        // goes below zero.
        const BASE: u64 = 1 << 32;
        let Some(highest) = self.highest else {
            let seq = BASE + u64::from(sequence);
            self.highest = Some(seq);
            return Some(seq);
        };
        // The truncation to 16 bits is the point: the distance mod 2^16.
        let delta = i64::from(sequence.wrapping_sub(highest as u16) as i16);
        let seq = highest.saturating_add_signed(delta);
        let floor = self.expected.unwrap_or(0);
        if delta > MAX_DROPOUT || seq.saturating_add(MAX_MISORDER) < floor {
            if self.probation == Some(sequence) {
                // `highest` is cleared: this numbers the packet afresh.
                self.restart();
                self.extend(sequence)
            } else {
                self.probation = Some(sequence.wrapping_add(1));
                None
            }
        } else {
            self.probation = None;
            if seq < floor {
                return None;
            }
            self.highest = Some(highest.max(seq));
            Some(seq)
        }
    }

    /// A new sender (new SSRC, or a sequence that jumped): what was held
    /// is dropped, and the new stream starts from a keyframe.
    fn restart(&mut self) {
        self.highest = None;
        self.expected = None;
        self.probation = None;
        self.packets.clear();
        self.bytes = 0;
        self.discarded = None;
        self.needs_keyframe = true;
        self.lost_reported = false;
    }

    /// Gives up the oldest frame while more is held than a frame may
    /// have: a frame that big, or a pile of frames that never complete.
    fn keep_bounds(&mut self) {
        while self.packets.len() > MAX_FRAME_PACKETS || self.bytes > MAX_FRAME_BYTES {
            let Some((_, oldest)) = self.packets.first_key_value() else {
                break;
            };
            let timestamp = oldest.timestamp;
            self.packets.retain(|_, p| p.timestamp != timestamp);
            self.bytes = self.packets.values().map(|p| p.unit.data.len()).sum();
            self.discarded = Some(timestamp);
            self.lost();
        }
    }

    /// Gives out every frame `seq` completed: its own, the one before it
    /// (ended by a packet of another timestamp), the one after it (whose
    /// start it shows), and those that follow once those are out.
    fn assemble(&mut self, seq: u64) {
        let mut candidates = [seq.checked_sub(1), Some(seq), seq.checked_add(1)];
        loop {
            let next = candidates
                .into_iter()
                .flatten()
                .filter_map(|s| self.complete_frame(s))
                .min_by_key(|(first, _)| *first);
            let Some((first, last)) = next else {
                break;
            };
            self.give_out(first, last);
            candidates = [self.expected, Some(seq), seq.checked_add(1)];
        }
    }

    /// The first and last sequence number of the frame `seq` belongs to,
    /// if it is complete. The end is looked for first: while packets
    /// arrive in order it is not there yet, and the walk back over a
    /// large frame is made once, when it is.
    fn complete_frame(&self, seq: u64) -> Option<(u64, u64)> {
        let timestamp = self.packets.get(&seq)?.timestamp;
        let mut last = seq;
        loop {
            let packet = self.packets.get(&last)?;
            if packet.marker {
                break;
            }
            match self.packets.get(&(last + 1)) {
                Some(next) if next.timestamp == timestamp => last += 1,
                Some(_) => break,
                None => return None,
            }
        }
        let mut first = seq;
        let mut after_another = false;
        while let Some(previous) = first.checked_sub(1).and_then(|p| self.packets.get(&p)) {
            if previous.timestamp != timestamp || previous.marker {
                after_another = true;
                break;
            }
            first -= 1;
        }
        let begins = self
            .packets
            .get(&first)
            .is_some_and(|p| p.unit.begins_frame);
        (Some(first) == self.expected || after_another || begins).then_some((first, last))
    }

    /// Takes the frame `first..=last` out, gives up everything older,
    /// and gives the frame out unless a decoder could not use it.
    fn give_out(&mut self, first: u64, last: u64) {
        let gave_up = self.expected.is_some_and(|e| e != first)
            || self.packets.range(..first).next().is_some();
        let newer = self.packets.split_off(&(last + 1));
        let taken = std::mem::replace(&mut self.packets, newer);
        self.bytes = self
            .bytes
            .saturating_sub(taken.values().map(|p| p.unit.data.len()).sum());
        self.expected = Some(last + 1);
        self.discarded = None;
        let mut timestamp = 0;
        let units: Vec<Unit> = taken
            .into_iter()
            .filter(|(seq, _)| *seq >= first)
            .map(|(_, p)| {
                timestamp = p.timestamp;
                p.unit
            })
            .collect();
        if gave_up {
            self.needs_keyframe = true;
        }
        let mut joined = join(self.format, timestamp, units);
        if self.format == VideoFormat::H264
            && let Ok(Joined::Frame(frame) | Joined::Standalone(frame)) = &mut joined
            && !self
                .parameter_sets
                .complete(&mut frame.data, frame.keyframe)
        {
            joined = Err(Error::VideoPayload("H.264 keyframe without parameter sets"));
        }
        match joined {
            Ok(Joined::Frame(frame)) if frame.keyframe => {
                self.needs_keyframe = false;
                self.lost_reported = false;
                self.ready_frame(frame);
            }
            Ok(Joined::Frame(frame)) if !self.needs_keyframe => self.ready_frame(frame),
            // Parameter sets alone: whatever state the decoder is in, it
            // takes them (and the keyframe after them may need them).
            Ok(Joined::Standalone(frame)) => self.ready_frame(frame),
            Ok(Joined::Empty) => {}
            Ok(Joined::Frame(_)) | Err(_) => self.lost(),
        }
    }

    fn ready_frame(&mut self, frame: VideoFrame) {
        if self.ready.len() >= MAX_READY {
            self.lost();
        } else {
            self.ready.push_back(Depacketized::Frame(frame));
        }
    }

    /// A frame is missing: drop delta frames until a keyframe, and say
    /// so once.
    fn lost(&mut self) {
        self.needs_keyframe = true;
        if !self.lost_reported {
            self.lost_reported = true;
            self.ready.push_back(Depacketized::Lost);
        }
    }
}

/// A complete frame's payloads joined.
enum Joined {
    Frame(VideoFrame),
    /// H.264 without a slice (parameter sets, SEI): no delta frame.
    Standalone(VideoFrame),
    Empty,
}

fn join(format: VideoFormat, timestamp: u32, units: Vec<Unit>) -> Result<Joined, Error> {
    let mut open_fragment = false;
    for unit in &units {
        open_fragment = match (unit.fragment, open_fragment) {
            (Fragment::Whole, false) | (Fragment::End, true) => false,
            (Fragment::Start, false) | (Fragment::Middle, true) => true,
            _ => return Err(Error::VideoPayload("FU-A pieces out of order")),
        };
    }
    if open_fragment {
        return Err(Error::VideoPayload("FU-A not ended within its frame"));
    }
    let keyframe = match format {
        VideoFormat::H264 => units.iter().any(|u| u.keyframe),
        VideoFormat::Vp8 => units.first().is_some_and(|u| u.keyframe),
    };
    let slice = units.iter().any(|u| u.slice);
    let size: usize = units.iter().map(|u| u.data.len()).sum();
    if size > MAX_FRAME_BYTES {
        return Err(Error::VideoPayload("frame too large"));
    }
    let mut data = Vec::with_capacity(size);
    for unit in units {
        data.extend_from_slice(&unit.data);
    }
    let frame = VideoFrame {
        timestamp,
        keyframe,
        data,
    };
    Ok(if frame.data.is_empty() {
        Joined::Empty
    } else if slice {
        Joined::Frame(frame)
    } else {
        Joined::Standalone(frame)
    })
}
