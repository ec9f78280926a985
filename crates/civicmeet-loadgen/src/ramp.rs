//! The ramp: a scenario at doubling loads until it no longer holds (1%
//! loss, or a participant that fails), then the largest held load again
//! for the medians. Each run gets a fresh server, so peak memory is that
//! run's own.

use std::future::Future;

use serde::Serialize;

use crate::scenario::{Load, RunResult, Scenario};
use crate::stats::median;

/// What a ramp found.
#[derive(Debug, Clone, Serialize)]
pub struct RampResult {
    pub scenario: &'static str,
    pub target: String,
    /// Whether even the first step held.
    pub held: bool,
    /// The largest load held (or the first step's, when none held).
    pub load: Load,
    /// Runs at that load; the figures below are their medians.
    pub runs: usize,
    pub median: Medians,
    /// Every run, for the record.
    pub steps: Vec<RunResult>,
}

/// Medians over repeated runs at one load.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Medians {
    pub participants: usize,
    pub streams: u64,
    pub loss: f64,
    pub latency_p50_us: f64,
    pub latency_p99_us: f64,
    pub packets_per_cpu_second: Option<f64>,
    pub streams_per_core: Option<f64>,
    pub server_cpu_utilisation: Option<f64>,
    pub peak_memory_kib: Option<f64>,
    pub memory_per_participant_kib: Option<f64>,
}

/// Ramps `scenario` with `run` (one measured run at a load, on a fresh
/// server) up to `max_steps`, then repeats the largest held load until
/// there are `repeat` runs of it.
pub async fn ramp<F, Fut>(
    scenario: &Scenario,
    target: &str,
    max_steps: u32,
    repeat: usize,
    mut run: F,
) -> RampResult
where
    F: FnMut(Load) -> Fut,
    Fut: Future<Output = Option<RunResult>>,
{
    let mut steps = Vec::new();
    let mut best: Option<Load> = None;
    for step in 0..max_steps.max(1) {
        let load = scenario.load(step);
        let Some(result) = run(load).await else {
            break;
        };
        eprintln!(
            "  {target} {} rooms={} size={}: loss {:.3}%, p99 {} µs, {}",
            scenario.name,
            load.rooms,
            load.room_size,
            result.media.loss * 100.0,
            result.media.latency_p99_us,
            if result.held() { "held" } else { "not held" },
        );
        let held = result.held();
        steps.push(result);
        if !held {
            break;
        }
        best = Some(load);
    }
    let load = best.unwrap_or_else(|| scenario.load(0));
    let mut at_load: Vec<RunResult> = steps.iter().filter(|r| r.load == load).cloned().collect();
    while best.is_some() && at_load.len() < repeat {
        match run(load).await {
            Some(result) => {
                at_load.push(result.clone());
                steps.push(result);
            }
            None => break,
        }
    }
    RampResult {
        scenario: scenario.name,
        target: target.to_owned(),
        held: best.is_some(),
        load,
        runs: at_load.len(),
        median: medians(&at_load),
        steps,
    }
}

fn medians(runs: &[RunResult]) -> Medians {
    let Some(first) = runs.first() else {
        return Medians::default();
    };
    let of = |f: &dyn Fn(&RunResult) -> f64| median(&mut runs.iter().map(f).collect::<Vec<_>>());
    let of_opt = |f: &dyn Fn(&RunResult) -> Option<f64>| {
        let mut v: Vec<f64> = runs.iter().filter_map(f).collect();
        (!v.is_empty()).then(|| median(&mut v))
    };
    Medians {
        participants: first.media.participants,
        streams: first.media.streams,
        loss: of(&|r| r.media.loss),
        latency_p50_us: of(&|r| f64::from(r.media.latency_p50_us)),
        latency_p99_us: of(&|r| f64::from(r.media.latency_p99_us)),
        packets_per_cpu_second: of_opt(&|r| r.packets_per_cpu_second()),
        streams_per_core: of_opt(&|r| r.streams_per_core()),
        server_cpu_utilisation: of_opt(&|r| r.server_cpu_seconds.map(|c| c / r.seconds)),
        peak_memory_kib: of_opt(&|r| r.peak_memory_kib.map(|k| k as f64)),
        memory_per_participant_kib: of_opt(&|r| r.memory_per_participant_kib),
    }
}
