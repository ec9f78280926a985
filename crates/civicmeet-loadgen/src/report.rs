//! The Markdown table of ramp results, ratios to the UDP relay, and the
//! headline of issue 5: civicmeet against Janus in streams per core.

use crate::ramp::RampResult;

/// A Markdown table: one row per scenario and target, with the ratio of
/// packets per CPU-second to the relay's in the same scenario and load.
pub fn markdown(results: &[RampResult]) -> String {
    let mut out = String::from(
        "| scenario | target | largest load held (<1% loss) | participants | streams | loss | \
         latency p50 / p99 (ms) | server CPU | packets / CPU-s | streams / core | vs relay (packets / CPU-s) | \
         peak memory (MiB) | memory / participant (KiB) |\n\
         | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for r in results {
        let m = &r.median;
        let relay = relay_at(results, r);
        let ratio = match (m.packets_per_cpu_second, relay) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.1}%", 100.0 * a / b),
            _ => "–".into(),
        };
        let load = format!(
            "{}{} × {}",
            if r.held { "" } else { "none; first step: " },
            r.load.rooms,
            r.load.room_size
        );
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.2}% | {:.2} / {:.2} | {} | {} | {} | {} | {} | {} |\n",
            r.scenario,
            r.target,
            load,
            m.participants,
            m.streams,
            m.loss * 100.0,
            m.latency_p50_us / 1000.0,
            m.latency_p99_us / 1000.0,
            opt(m.server_cpu_utilisation.map(|u| u * 100.0), |v| format!(
                "{v:.0}%"
            )),
            opt(m.packets_per_cpu_second, |v| format!("{v:.0}")),
            opt(m.streams_per_core, |v| format!("{v:.0}")),
            ratio,
            opt(m.peak_memory_kib, |v| format!("{:.1}", v / 1024.0)),
            opt(m.memory_per_participant_kib, |v| format!("{v:.0}")),
        ));
    }
    out.push_str(&versus_janus(results));
    out
}

/// civicmeet's streams per core over Janus's, per scenario where both ran
/// (issue 5's target: at least 2). Each at its own largest held load:
/// that is what each server delivers per CPU when carrying what it can.
fn versus_janus(results: &[RampResult]) -> String {
    let per_core = |scenario: &str, target: &str| {
        results
            .iter()
            .find(|r| r.scenario == scenario && r.target == target)
            .and_then(|r| r.median.streams_per_core)
    };
    let mut rows = String::new();
    for r in results.iter().filter(|r| r.target == "civicmeet") {
        let (Some(ours), Some(janus)) = (
            per_core(r.scenario, "civicmeet"),
            per_core(r.scenario, "janus"),
        ) else {
            continue;
        };
        let ratio = if janus > 0.0 {
            format!("{:.2}x", ours / janus)
        } else {
            "–".into()
        };
        rows.push_str(&format!(
            "| {} | {ours:.0} | {janus:.0} | {ratio} |\n",
            r.scenario
        ));
    }
    if rows.is_empty() {
        return rows;
    }
    format!(
        "\n| scenario | civicmeet streams / core | Janus streams / core | civicmeet / Janus |\n\
         | --- | ---: | ---: | ---: |\n{rows}"
    )
}

/// The relay's packets per CPU-second in the same scenario, at the same
/// load when the relay ran it (batching makes the relay cheaper per packet
/// at higher loads, so another load would flatter or shame the ratio).
fn relay_at(results: &[RampResult], r: &RampResult) -> Option<f64> {
    let relay = results
        .iter()
        .find(|x| x.scenario == r.scenario && x.target == "udp-relay")?;
    let mut same_load: Vec<f64> = relay
        .steps
        .iter()
        .filter(|s| s.load == r.load)
        .filter_map(|s| s.packets_per_cpu_second())
        .collect();
    if same_load.is_empty() {
        relay.median.packets_per_cpu_second
    } else {
        Some(crate::stats::median(&mut same_load))
    }
}

fn opt(value: Option<f64>, show: impl Fn(f64) -> String) -> String {
    value.map(show).unwrap_or_else(|| "–".into())
}
