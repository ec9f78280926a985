//! `civicmeet-loadgen`: ramps the issue-5 scenarios against civicmeet,
//! Janus's VideoRoom and the plain UDP relay and prints the table (see BENCHMARKS.md).
//!
//!     cargo build --release -p civicmeet -p civicmeet-loadgen
//!     target/release/civicmeet-loadgen all

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use civicmeet_loadgen::ramp::{RampResult, ramp};
use civicmeet_loadgen::relay_process::RelayProcess;
use civicmeet_loadgen::report;
use civicmeet_loadgen::scenario::{self, Scenario, Timing};
use civicmeet_loadgen::target::civicmeet::Civicmeet;
use civicmeet_loadgen::target::janus::JanusTarget;
use civicmeet_loadgen::target::{Error, Target};

#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Scenarios to run (mesh-5, mesh-10, one-to-many, audio-50), or `all`.
    #[arg(default_value = "all")]
    scenarios: Vec<String>,
    /// Targets: civicmeet, janus (the Debian package `janus`), udp-relay.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "civicmeet,janus,udp-relay"
    )]
    targets: Vec<String>,
    /// The civicmeet server binary [default: `civicmeet` next to this one].
    #[arg(long)]
    server: Option<PathBuf>,
    /// The relay binary [default: `udp-relay` next to this one].
    #[arg(long)]
    relay: Option<PathBuf>,
    /// Ramp steps at most (loads 1, 2, 4, ... times the first).
    #[arg(long, default_value_t = 5)]
    max_steps: u32,
    /// Runs at the largest held load; the table shows their medians.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Seconds after the last join before measuring.
    #[arg(long, default_value_t = 3.0)]
    warmup: f64,
    /// Seconds measured per run.
    #[arg(long, default_value_t = 5.0)]
    measure: f64,
    /// Print JSON (every run and the medians) instead of the table.
    #[arg(long)]
    json: bool,
    /// Also write the JSON to this file.
    #[arg(long)]
    json_out: Option<PathBuf>,
    /// Also write the table to this file.
    #[arg(long)]
    table_out: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("civicmeet-loadgen: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("civicmeet-loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A binary next to this one (both are built into the same target dir).
fn sibling(name: &str) -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(name)))
        .unwrap_or_else(|| PathBuf::from(name))
}

async fn run(args: Args) -> Result<(), String> {
    let scenarios: Vec<Scenario> = if args.scenarios.iter().any(|s| s == "all") {
        Scenario::all()
    } else {
        args.scenarios
            .iter()
            .map(|name| Scenario::by_name(name).ok_or_else(|| format!("no scenario {name}")))
            .collect::<Result<_, _>>()?
    };
    let server = args.server.clone().unwrap_or_else(|| sibling("civicmeet"));
    let relay = args.relay.clone().unwrap_or_else(|| sibling("udp-relay"));
    let timing = Timing {
        warmup: Duration::from_secs_f64(args.warmup),
        measure: Duration::from_secs_f64(args.measure),
        grace: Duration::from_millis(500),
    };
    let mut results: Vec<RampResult> = Vec::new();
    for scenario in &scenarios {
        for target in &args.targets {
            eprintln!("{} against {target}", scenario.name);
            let result = match target.as_str() {
                "civicmeet" => ramp_civicmeet(scenario, &server, timing, &args).await,
                "janus" => ramp_webrtc(scenario, "janus", timing, &args, JanusTarget::start).await,
                "udp-relay" => ramp_relay(scenario, &relay, timing, &args).await,
                other => return Err(format!("no target {other}")),
            };
            results.push(result);
        }
    }
    let json = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
    let table = report::markdown(&results);
    let write = |path: &Option<PathBuf>, text: &str| match path {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display())),
        None => Ok(()),
    };
    write(&args.json_out, &json)?;
    write(&args.table_out, &table)?;
    if args.json {
        println!("{json}");
    } else {
        print!("{table}");
    }
    Ok(())
}

async fn ramp_civicmeet(
    scenario: &Scenario,
    server: &Path,
    timing: Timing,
    args: &Args,
) -> RampResult {
    ramp_webrtc(scenario, "civicmeet", timing, args, || {
        Civicmeet::spawn(server)
    })
    .await
}

/// Ramps a WebRTC target; `start` makes a fresh server for each run
/// (civicmeet's binary, or a Janus of its own).
async fn ramp_webrtc<T, F, Fut>(
    scenario: &Scenario,
    name: &str,
    timing: Timing,
    args: &Args,
    start: F,
) -> RampResult
where
    T: Target,
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let start = &start;
    ramp(
        scenario,
        name,
        args.max_steps,
        args.repeat,
        |load| async move {
            let target = match start().await {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("  cannot start {name}: {e}");
                    return None;
                }
            };
            match scenario::run_webrtc(&target, scenario, load, timing).await {
                Ok(result) => Some(result),
                Err(e) => {
                    eprintln!("  run failed: {e}");
                    None
                }
            }
        },
    )
    .await
}

async fn ramp_relay(scenario: &Scenario, relay: &Path, timing: Timing, args: &Args) -> RampResult {
    ramp(
        scenario,
        "udp-relay",
        args.max_steps,
        args.repeat,
        |load| async move {
            match RelayProcess::spawn(relay).await {
                Ok(process) => {
                    Some(scenario::run_raw(process.addr, process.pid, scenario, load, timing).await)
                }
                Err(e) => {
                    eprintln!("  cannot start the relay: {e}");
                    None
                }
            }
        },
    )
    .await
}
