//! What each participant records, and the figures of a whole run.
//!
//! Only frames whose send time falls inside the measurement [`Window`]
//! count, on both sides: the sender counts what it sent in the window, the
//! receiver what it got of those (receivers keep listening for a grace
//! period after the window closes). So loss is exact and edges cancel.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::media::{Kind, Stamp};

/// The measurement window in [`crate::clock::now_ns`] time. Closed until
/// the scenario opens it.
#[derive(Debug)]
pub struct Window {
    start: AtomicU64,
    end: AtomicU64,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            start: AtomicU64::new(u64::MAX),
            end: AtomicU64::new(u64::MAX),
        }
    }
}

impl Window {
    pub fn open(&self, at_ns: u64) {
        self.start.store(at_ns, Ordering::Relaxed);
    }

    pub fn close(&self, at_ns: u64) {
        self.end.store(at_ns, Ordering::Relaxed);
    }

    pub fn contains(&self, ns: u64) -> bool {
        ns >= self.start.load(Ordering::Relaxed) && ns < self.end.load(Ordering::Relaxed)
    }
}

/// One participant's counters.
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    /// Frames this participant sent inside the window, per kind.
    pub sent: HashMap<Kind, u64>,
    /// Frames received per (sender, kind) that were sent inside the window.
    pub received: HashMap<(u32, Kind), u64>,
    /// Forwarding latency of each such frame, in microseconds.
    pub latencies_us: Vec<u32>,
    /// Datagrams that arrived inside the window: what the server forwarded
    /// to this participant (media, retransmissions, RTCP).
    pub datagrams_in: u64,
    /// Whether the media connection came up.
    pub connected: bool,
    /// Why the participant stopped early, if it did.
    pub error: Option<String>,
}

impl Recorder {
    pub fn on_sent(&mut self, window: &Window, stamp: &Stamp) {
        if window.contains(stamp.sent_ns) {
            *self.sent.entry(stamp.kind).or_default() += 1;
        }
    }

    pub fn on_received(&mut self, window: &Window, stamp: &Stamp, now_ns: u64) {
        if window.contains(stamp.sent_ns) {
            *self.received.entry((stamp.sender, stamp.kind)).or_default() += 1;
            let us = now_ns.saturating_sub(stamp.sent_ns) / 1_000;
            self.latencies_us
                .push(u32::try_from(us).unwrap_or(u32::MAX));
        }
    }

    pub fn on_datagram(&mut self, window: &Window, now_ns: u64) {
        if window.contains(now_ns) {
            self.datagrams_in += 1;
        }
    }
}

/// A participant's place in the scenario: the figures need to know who
/// should have received what.
#[derive(Debug, Clone, Copy)]
pub struct Seat {
    pub id: u32,
    pub room: u32,
    pub audio: bool,
    pub video: bool,
}

/// The media figures of one run (the server's CPU and memory are added by
/// the scenario).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MediaFigures {
    pub participants: usize,
    pub connected: usize,
    /// Participants that failed, and the first reason.
    pub failed: usize,
    pub first_error: Option<String>,
    /// Publisher→subscriber streams that should flow.
    pub streams: u64,
    /// Of those, the ones that delivered at least one frame in the window
    /// (a stream that never got set up counts as not flowing even when its
    /// publisher sent nothing either).
    pub streams_flowing: u64,
    pub frames_expected: u64,
    pub frames_received: u64,
    /// Fraction of expected frames that did not arrive (0..1).
    pub loss: f64,
    /// The worst single stream's loss.
    pub worst_stream_loss: f64,
    pub latency_p50_us: u32,
    pub latency_p99_us: u32,
    pub datagrams_forwarded: u64,
}

/// Gathers the recorders of all seats: every participant subscribes to
/// every publisher of its room but itself.
pub fn figures(seats: &[Seat], recorders: &[Recorder]) -> MediaFigures {
    let mut sent: HashMap<(u32, Kind), u64> = HashMap::new();
    for (seat, rec) in seats.iter().zip(recorders) {
        for (kind, n) in &rec.sent {
            sent.insert((seat.id, *kind), *n);
        }
    }
    let mut f = MediaFigures {
        participants: seats.len(),
        connected: recorders.iter().filter(|r| r.connected).count(),
        failed: recorders.iter().filter(|r| r.error.is_some()).count(),
        first_error: recorders.iter().find_map(|r| r.error.clone()),
        ..MediaFigures::default()
    };
    let mut latencies = Vec::new();
    for (me, rec) in seats.iter().zip(recorders) {
        for other in seats.iter().filter(|s| s.room == me.room && s.id != me.id) {
            for (kind, publishes) in [(Kind::Audio, other.audio), (Kind::Video, other.video)] {
                if !publishes {
                    continue;
                }
                f.streams += 1;
                let expected = sent.get(&(other.id, kind)).copied().unwrap_or(0);
                let got = rec.received.get(&(other.id, kind)).copied().unwrap_or(0);
                // Duplicates cannot raise a stream above what was sent.
                let got = got.min(expected);
                if got > 0 {
                    f.streams_flowing += 1;
                }
                f.frames_expected += expected;
                f.frames_received += got;
                if expected > 0 {
                    let loss = 1.0 - got as f64 / expected as f64;
                    f.worst_stream_loss = f.worst_stream_loss.max(loss);
                }
            }
        }
        f.datagrams_forwarded += rec.datagrams_in;
        latencies.extend_from_slice(&rec.latencies_us);
    }
    if f.frames_expected > 0 {
        f.loss = 1.0 - f.frames_received as f64 / f.frames_expected as f64;
    }
    latencies.sort_unstable();
    f.latency_p50_us = percentile(&latencies, 0.50);
    f.latency_p99_us = percentile(&latencies, 0.99);
    f
}

/// The `q` quantile of sorted values (nearest rank); 0 when empty.
pub fn percentile(sorted: &[u32], q: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// The median of some values; 0 when empty.
pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_counts_only_the_window_and_each_stream_once() {
        let window = Window::default();
        window.open(100);
        window.close(200);
        let seats = [
            Seat {
                id: 0,
                room: 0,
                audio: true,
                video: false,
            },
            Seat {
                id: 1,
                room: 0,
                audio: true,
                video: false,
            },
            Seat {
                id: 2,
                room: 1,
                audio: true,
                video: false,
            },
        ];
        let mut recs = vec![
            Recorder::default(),
            Recorder::default(),
            Recorder::default(),
        ];
        for (i, seq) in [(0u32, 0u32), (0, 1), (1, 0), (1, 1)] {
            let stamp = Stamp {
                sender: i,
                kind: Kind::Audio,
                seq,
                sent_ns: 150,
            };
            recs[i as usize].on_sent(&window, &stamp);
        }
        // Outside the window: neither sent nor received counts.
        let late = Stamp {
            sender: 0,
            kind: Kind::Audio,
            seq: 9,
            sent_ns: 250,
        };
        recs[0].on_sent(&window, &late);
        recs[1].on_received(&window, &late, 260);
        // 1 gets both of 0's frames, 0 gets one of 1's.
        for seq in 0..2 {
            let s = Stamp {
                sender: 0,
                kind: Kind::Audio,
                seq,
                sent_ns: 150,
            };
            recs[1].on_received(&window, &s, 151_150);
        }
        let s = Stamp {
            sender: 1,
            kind: Kind::Audio,
            seq: 0,
            sent_ns: 150,
        };
        recs[0].on_received(&window, &s, 2_150);
        let f = figures(&seats, &recs);
        assert_eq!(f.streams, 2, "room 1 has nobody to hear");
        assert_eq!(f.frames_expected, 4);
        assert_eq!(f.frames_received, 3);
        assert!((f.loss - 0.25).abs() < 1e-9);
        assert!((f.worst_stream_loss - 0.5).abs() < 1e-9);
        assert_eq!(f.latency_p50_us, 151);
        assert_eq!(f.latency_p99_us, 151);
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), 50);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&[], 0.5), 0);
    }
}
