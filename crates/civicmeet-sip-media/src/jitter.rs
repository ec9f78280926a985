//! A jitter buffer for one incoming audio stream: packets go in as they
//! arrive, frames come out at the steady pace the decoder needs.
//!
//! Playout follows the RTP timestamps (RFC 3550 §5.1), not arrival: the
//! buffer plays the frame whose timestamp is next, and a frame that has
//! not arrived when its turn comes is [`Frame::Lost`] (the caller
//! conceals it). A packet that arrives after its turn is dropped as late;
//! one that arrives twice is kept once; reordered packets are put back in
//! order. Sequence numbers and timestamps wrap around at 16 and 32 bits and
//! are unwrapped here; a new SSRC, or a timestamp far from the one
//! playing, restarts the buffer.
//!
//! How long a frame waits (the target delay) follows the jitter measured
//! over the last two seconds: for each packet its transit (arrival time
//! minus timestamp, in clock ticks), and the target is the 95th percentile
//! of transit minus the smallest, within the configured bounds. When the
//! buffer holds more than the target, one frame is dropped; when a frame
//! is missing and the buffer holds less, playout waits a frame instead of
//! skipping it (the decoder conceals the pause). Time is always an
//! argument, and memory is bounded by [`JitterConfig::max_packets`].

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::Error;
use crate::rtp::{MAX_PAYLOAD, RtpPacket};

/// Packets whose transit the target delay is measured over (two seconds
/// of 20 ms frames).
const TRANSIT_WINDOW: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JitterConfig {
    /// The RTP clock of the stream: 8000 for G.711 and G.722 (whose clock
    /// runs at 8 kHz although it samples at 16), 48000 for Opus.
    pub clock_rate: u32,
    /// The duration of one packet and of one [`JitterBuffer::pop`]: the
    /// negotiated ptime, 20 ms in our SDP.
    pub frame: Duration,
    /// Bounds of the target delay.
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// Packets held at most; more are refused.
    pub max_packets: usize,
}

impl JitterConfig {
    /// 20 ms frames, a target between 40 and 200 ms, room for 50 packets
    /// (a second, several times the largest target).
    pub fn audio(clock_rate: u32) -> Self {
        JitterConfig {
            clock_rate,
            frame: Duration::from_millis(20),
            min_delay: Duration::from_millis(40),
            max_delay: Duration::from_millis(200),
            max_packets: 50,
        }
    }
}

/// What [`JitterBuffer::pop`] gives for one frame's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// The next frame in order: decode it.
    Audio(AudioFrame),
    /// The frame whose turn it is did not arrive (or playout pauses to let
    /// the buffer grow): conceal it.
    Lost,
    /// Nothing is playing: no packet yet, the buffer is filling to its
    /// target, or the sender went quiet. Play silence; there is nothing
    /// to conceal.
    Idle,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioFrame {
    pub payload: Vec<u8>,
    pub sequence: u16,
    pub timestamp: u32,
    /// The marker bit: the first packet of a talkspurt.
    pub marker: bool,
}

/// What became of a pushed packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Stored,
    /// Its turn has passed: dropped.
    Late,
    /// Already held: dropped.
    Duplicate,
    /// The buffer is full: dropped.
    Full,
}

/// Counters since the buffer was made (resets do not clear them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitterStats {
    pub received: u64,
    pub played: u64,
    /// `Lost` frames given while playing.
    pub lost: u64,
    pub late: u64,
    pub duplicates: u64,
    pub full: u64,
    /// Frames dropped to bring the delay down to the target.
    pub discarded: u64,
    /// Restarts for a new SSRC or a timestamp jump.
    pub resets: u64,
}

#[derive(Debug, Clone)]
struct Stored {
    payload: Vec<u8>,
    sequence: u16,
    timestamp: u32,
    marker: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing to play; the first packet starts buffering.
    Idle,
    /// Packets are held until the oldest would have waited the target
    /// delay.
    Buffering,
    /// `next` is the (unwrapped) timestamp of the frame to play next;
    /// `missing` counts consecutive pops that found nothing.
    Playing { next: i64, missing: u32 },
}

#[derive(Debug, Clone)]
pub struct JitterBuffer {
    config: JitterConfig,
    frame_ticks: i64,
    min_ticks: i64,
    max_ticks: i64,
    /// Timestamps further than this from the playout point restart it.
    horizon: i64,
    /// Consecutive empty pops after which playout stops.
    idle_after: u32,
    /// The first instant seen: clock ticks count from it.
    epoch: Option<Instant>,
    ssrc: Option<u32>,
    /// The highest timestamp seen, raw and unwrapped.
    highest: Option<(u32, i64)>,
    packets: BTreeMap<i64, Stored>,
    state: State,
    /// Transit (arrival minus timestamp, ticks) of the latest packets.
    transits: VecDeque<i64>,
    scratch: Vec<i64>,
    target: i64,
    stats: JitterStats,
}

impl JitterBuffer {
    pub fn new(config: JitterConfig) -> Self {
        let clock_rate = config.clock_rate.max(1);
        let ticks = |d: Duration| duration_ticks(d, clock_rate);
        let frame_ticks = ticks(config.frame).max(1);
        let min_ticks = ticks(config.min_delay);
        let max_ticks = ticks(config.max_delay).max(min_ticks);
        let max_packets = config.max_packets.max(1);
        let horizon = max_ticks + frame_ticks * max_packets as i64;
        // Stop after the longest target has passed with nothing to play
        // (a sender that stopped, or silence suppression): the next packet
        // then buffers afresh instead of being played at once.
        let idle_after = u32::try_from(max_ticks / frame_ticks + 2).unwrap_or(u32::MAX);
        JitterBuffer {
            config: JitterConfig {
                max_packets,
                clock_rate,
                ..config
            },
            frame_ticks,
            min_ticks,
            max_ticks,
            horizon,
            idle_after,
            epoch: None,
            ssrc: None,
            highest: None,
            packets: BTreeMap::new(),
            state: State::Idle,
            transits: VecDeque::with_capacity(TRANSIT_WINDOW),
            scratch: Vec::with_capacity(TRANSIT_WINDOW),
            target: min_ticks,
            stats: JitterStats::default(),
        }
    }

    pub fn config(&self) -> &JitterConfig {
        &self.config
    }

    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// Packets held now.
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    /// The delay the buffer currently aims for.
    pub fn target_delay(&self) -> Duration {
        let nanos = self.target.max(0) as u128 * 1_000_000_000 / u128::from(self.config.clock_rate);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// Takes a packet received at `now`. Only a payload larger than
    /// [`MAX_PAYLOAD`] is an error; late, duplicate and overflowing
    /// packets are dropped and said so.
    pub fn push(&mut self, now: Instant, packet: &RtpPacket<'_>) -> Result<Pushed, Error> {
        if packet.payload.len() > MAX_PAYLOAD {
            return Err(Error::PayloadTooLarge(packet.payload.len()));
        }
        self.stats.received += 1;
        let now = self.ticks(now);
        if self.ssrc.is_some_and(|ssrc| ssrc != packet.ssrc) {
            self.restart();
        }
        self.ssrc = Some(packet.ssrc);
        let timestamp = self.unwrap_timestamp(packet.timestamp);

        // A timestamp far from where playout is (or from what is held)
        // means the sender jumped: start over from this packet.
        let anchor = match self.state {
            State::Playing { next, .. } => Some(next),
            _ => self.packets.keys().next().copied(),
        };
        if anchor.is_some_and(|anchor| (timestamp - anchor).abs() > self.horizon) {
            self.restart();
            self.highest = Some((packet.timestamp, timestamp));
        }

        if self.packets.contains_key(&timestamp) {
            self.stats.duplicates += 1;
            return Ok(Pushed::Duplicate);
        }
        self.record_transit(now - timestamp);
        if let State::Playing { next, .. } = self.state
            && timestamp < next
        {
            self.stats.late += 1;
            return Ok(Pushed::Late);
        }
        if self.packets.len() >= self.config.max_packets {
            self.stats.full += 1;
            return Ok(Pushed::Full);
        }
        self.packets.insert(
            timestamp,
            Stored {
                payload: packet.payload.to_vec(),
                sequence: packet.sequence,
                timestamp: packet.timestamp,
                marker: packet.marker,
            },
        );
        if self.state == State::Idle {
            self.state = State::Buffering;
        }
        Ok(Pushed::Stored)
    }

    /// The frame to play at `now`; call once per frame duration.
    pub fn pop(&mut self, now: Instant) -> Frame {
        let now = self.ticks(now);
        // How long the fastest packets would wait before being played.
        let min_transit = self.transits.iter().copied().min().unwrap_or(0);
        let (next, missing) = match self.state {
            State::Idle => return Frame::Idle,
            State::Buffering => {
                let Some(&first) = self.packets.keys().next() else {
                    self.state = State::Idle;
                    return Frame::Idle;
                };
                // Start once the oldest frame, played now, would have
                // waited the target.
                if now - first - min_transit < self.target {
                    return Frame::Idle;
                }
                (first, 0)
            }
            State::Playing { next, missing } => (next, missing),
        };

        // Above the target by a frame, one frame is dropped to catch up.
        let delay = now - next - min_transit;
        let mut next = next;
        if delay > self.target + self.frame_ticks
            && self.packets.len() > 1
            && let Some((&at, _)) = self.packets.range(next..next + self.frame_ticks).next()
        {
            self.packets.remove(&at);
            self.stats.discarded += 1;
            next = at + self.frame_ticks;
        }

        // Anything older than the playout point can never play.
        while let Some(entry) = self.packets.first_entry() {
            if *entry.key() >= next {
                break;
            }
            entry.remove();
            self.stats.late += 1;
        }

        let due = self
            .packets
            .range(next..next + self.frame_ticks)
            .next()
            .map(|(&at, _)| at);
        if let Some(at) = due
            && let Some(stored) = self.packets.remove(&at)
        {
            self.state = State::Playing {
                next: at + self.frame_ticks,
                missing: 0,
            };
            self.stats.played += 1;
            return Frame::Audio(AudioFrame {
                payload: stored.payload,
                sequence: stored.sequence,
                timestamp: stored.timestamp,
                marker: stored.marker,
            });
        }

        self.stats.lost += 1;
        let missing = missing.saturating_add(1);
        if self.packets.is_empty() && missing >= self.idle_after {
            self.state = State::Idle;
            return Frame::Lost;
        }
        // Short of the target, wait for the missing frame (it may be on
        // its way) rather than skip it; the wait grows the delay.
        let next = if delay < self.target {
            next
        } else {
            next + self.frame_ticks
        };
        self.state = State::Playing { next, missing };
        Frame::Lost
    }

    /// Forgets the stream: packets, timestamps, measurements.
    fn restart(&mut self) {
        self.packets.clear();
        self.transits.clear();
        self.highest = None;
        self.state = State::Idle;
        self.target = self.min_ticks;
        self.stats.resets += 1;
    }

    fn ticks(&mut self, now: Instant) -> i64 {
        let epoch = *self.epoch.get_or_insert(now);
        duration_ticks(now.saturating_duration_since(epoch), self.config.clock_rate)
    }

    /// Places a 32-bit timestamp on a line that does not wrap, nearest to
    /// the highest seen (RFC 3550 A.1 does the same for sequence numbers).
    fn unwrap_timestamp(&mut self, raw: u32) -> i64 {
        let unwrapped = match self.highest {
            None => i64::from(raw),
            Some((last_raw, last)) => last + i64::from(raw.wrapping_sub(last_raw) as i32),
        };
        if self.highest.is_none_or(|(_, last)| unwrapped > last) {
            self.highest = Some((raw, unwrapped));
        }
        unwrapped
    }

    fn record_transit(&mut self, transit: i64) {
        if self.transits.len() == TRANSIT_WINDOW {
            self.transits.pop_front();
        }
        self.transits.push_back(transit);
        self.scratch.clear();
        self.scratch.extend(self.transits.iter().copied());
        self.scratch.sort_unstable();
        // Both indices are within the non-empty scratch.
        let lowest = self.scratch[0];
        let high = self.scratch[(self.scratch.len() - 1) * 95 / 100];
        self.target = (high - lowest).clamp(self.min_ticks, self.max_ticks);
    }
}

fn duration_ticks(duration: Duration, clock_rate: u32) -> i64 {
    let ticks = duration.as_nanos() * u128::from(clock_rate) / 1_000_000_000;
    i64::try_from(ticks).unwrap_or(i64::MAX)
}
