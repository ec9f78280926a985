//! Cost of simulcast layer switching under churn, without sockets.
//!
//! One publisher sending three layers and eight subscribers, on the test
//! harness's virtual clock. Two rounds of the same length: "steady", every
//! tile keeps its size; "churn", every subscriber's tile flips between a
//! thumbnail and a large view every 200 ms (40 layer changes a second for
//! the room, each asking for a keyframe and choosing layers again). The
//! figure is wall time inside router calls per forwarded frame, and the
//! ratio churn / steady in the same run: what switching adds. Speed is
//! never asserted; without `--bench` (as `cargo test --all-targets` runs
//! it) one short round checks that layers do switch.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use civicmeet_router::{Layer, RoomId};
use common::Sim;

const SUBSCRIBERS: usize = 8;
const FLIP: Duration = Duration::from_millis(200);

struct Round {
    frames: u64,
    busy: Duration,
    switches: u64,
}

fn round(seconds: u64, churn: bool) -> Round {
    let mut sim = Sim::new();
    let publisher = sim.join_simulcast(RoomId(1));
    let subscribers: Vec<_> = (0..SUBSCRIBERS)
        .map(|_| sim.join(RoomId(1), true, false))
        .collect();
    for s in &subscribers {
        sim.router
            .set_tile(sim.now, *s, publisher, Some(720))
            .expect("a participant");
    }
    // Warm up: ICE, DTLS, renegotiation and the first keyframes.
    sim.run_for(Duration::from_secs(3));
    let frames = sim.router.stats().frames_forwarded;
    sim.router_busy = Duration::ZERO;
    let mut switches = 0;
    let mut last: Vec<Option<Layer>> = subscribers
        .iter()
        .map(|s| sim.router.receiving_layer(*s, publisher))
        .collect();
    let steps = seconds * 1000 / FLIP.as_millis() as u64;
    for step in 0..steps {
        if churn {
            let height = if step % 2 == 0 { 120 } else { 720 };
            for s in &subscribers {
                let started = std::time::Instant::now();
                sim.router
                    .set_tile(sim.now, *s, publisher, Some(height))
                    .expect("a participant");
                sim.router_busy += started.elapsed();
            }
        }
        sim.run_for(FLIP);
        for (i, s) in subscribers.iter().enumerate() {
            let now = sim.router.receiving_layer(*s, publisher);
            if now != last[i] {
                switches += 1;
                last[i] = now;
            }
        }
    }
    Round {
        frames: sim.router.stats().frames_forwarded - frames,
        busy: sim.router_busy,
        switches,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        let r = round(2, true);
        assert!(
            r.frames > 0 && r.switches > 0,
            "smoke round: {} frames, {} switches",
            r.frames,
            r.switches
        );
        println!(
            "layer switching bench smoke: {} frames, {} switches, ok",
            r.frames, r.switches
        );
        return;
    }
    println!(
        "router cost per forwarded frame, 1 simulcast publisher to {SUBSCRIBERS} subscribers, median of 5 rounds of 10 s"
    );
    println!(
        "{:>8} {:>10} {:>10} {:>12}",
        "round", "frames", "switches", "ns/frame"
    );
    let mut medians = Vec::new();
    for churn in [false, true] {
        let rounds: Vec<Round> = (0..5).map(|_| round(10, churn)).collect();
        let per_frame = median(
            rounds
                .iter()
                .map(|r| r.busy.as_nanos() as f64 / r.frames as f64)
                .collect(),
        );
        let r = &rounds[0];
        println!(
            "{:>8} {:>10} {:>10} {per_frame:>12.0}",
            if churn { "churn" } else { "steady" },
            r.frames,
            r.switches
        );
        medians.push(per_frame);
    }
    println!("churn / steady: {:.2}x", medians[1] / medians[0]);
}
