//! The one clock shared by senders and receivers.
//!
//! Every simulated participant runs in this process, so a send timestamp
//! written into a frame and the receive time read on arrival come from the
//! same monotonic clock: their difference is the forwarding latency (plus
//! the load generator's own scheduling delay, which shares the machine).

use std::sync::OnceLock;
use std::time::Instant;

static EPOCH: OnceLock<Instant> = OnceLock::new();

/// Nanoseconds since the first call in this process.
pub fn now_ns() -> u64 {
    let epoch = EPOCH.get_or_init(Instant::now);
    // u64 nanoseconds last 584 years: the cast cannot truncate in practice.
    epoch.elapsed().as_nanos() as u64
}
