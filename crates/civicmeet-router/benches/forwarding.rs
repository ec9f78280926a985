//! Cost of the router per forwarded packet, without sockets.
//!
//! Rooms of simulated str0m peers (audio 50 frames/s, video 30 frames/s of
//! three RTP packets) run on the virtual clock of the test harness; only the
//! wall time spent inside router calls is counted, not the peers' work. The
//! workload is identical on every run, so later work can compare: run
//! `cargo bench -p civicmeet-router` before and after a change, on the same
//! machine, and compare the medians. For a noise-free figure, count
//! instructions instead: `valgrind --tool=callgrind` on the bench binary.
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it does one
//! small round and checks that packets were forwarded: a smoke test, never a
//! speed assertion. With `--one-round=SECONDS` it runs one fixed round, for counting
//! instructions under callgrind (see BENCHMARKS.md).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use civicmeet_router::RoomId;
use common::Sim;

struct Round {
    packets_out: u64,
    frames_forwarded: u64,
    router_busy: Duration,
}

fn round(rooms: u64, per_room: usize, seconds: u64) -> Round {
    let mut sim = Sim::new();
    for room in 0..rooms {
        for _ in 0..per_room {
            sim.join(RoomId(room), true, true);
        }
    }
    // Warm up: ICE, DTLS and renegotiation are not what we measure.
    sim.run_for(Duration::from_secs(1));
    let transmits = sim.router_transmits;
    let frames = sim.router.stats().frames_forwarded;
    sim.router_busy = Duration::ZERO;
    sim.run_for(Duration::from_secs(seconds));
    Round {
        packets_out: sim.router_transmits - transmits,
        frames_forwarded: sim.router.stats().frames_forwarded - frames,
        router_busy: sim.router_busy,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let one_round = std::env::args().find_map(|a| {
        a.strip_prefix("--one-round=")
            .and_then(|secs| secs.parse::<u64>().ok())
    });
    if let Some(seconds) = one_round {
        // For instruction counts: one fixed round of 4 rooms of 5 (set-up
        // included, so compare two lengths; see BENCHMARKS.md).
        let r = round(4, 5, seconds);
        println!(
            "one round: 4 rooms of 5, {seconds} s: {} packets out, {} frames",
            r.packets_out, r.frames_forwarded
        );
        return;
    }
    if !bench {
        let r = round(1, 3, 1);
        assert!(
            r.packets_out > 0 && r.frames_forwarded > 0,
            "smoke round forwarded nothing"
        );
        println!("forwarding bench smoke: {} packets out, ok", r.packets_out);
        return;
    }

    println!("router cost per forwarded packet (virtual time, no sockets), median of 5 rounds");
    println!(
        "{:>6} {:>6} {:>12} {:>12} {:>14} {:>14}",
        "rooms", "size", "packets", "frames", "ns/packet", "ns/frame"
    );
    for (rooms, per_room) in [(1, 3), (4, 5), (2, 10)] {
        let rounds: Vec<Round> = (0..5).map(|_| round(rooms, per_room, 5)).collect();
        let per_packet = median(
            rounds
                .iter()
                .map(|r| r.router_busy.as_nanos() as f64 / r.packets_out as f64)
                .collect(),
        );
        let per_frame = median(
            rounds
                .iter()
                .map(|r| r.router_busy.as_nanos() as f64 / r.frames_forwarded as f64)
                .collect(),
        );
        let r = &rounds[0];
        println!(
            "{rooms:>6} {per_room:>6} {:>12} {:>12} {per_packet:>14.0} {per_frame:>14.0}",
            r.packets_out, r.frames_forwarded
        );
    }
}
