//! PIN attempts per link: three wrong PINs block the link for a while,
//! and each further block lasts twice as long (capped). Kept in memory,
//! per process; time is an argument, so the rules are tested without
//! waiting.
//!
//! Counting per link rather than per socket means reconnecting does not
//! buy new attempts; counting per link rather than per meeting means one
//! guest's typos do not lock out the others.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Wrong PINs allowed before a block.
pub const MAX_ATTEMPTS: u32 = 3;
/// The first block; each further one doubles, up to [`MAX_BLOCK`].
pub const FIRST_BLOCK: Duration = Duration::from_secs(60);
pub const MAX_BLOCK: Duration = Duration::from_secs(60 * 60);

/// Attempts per link; `K` identifies a link (the store's `LinkRef`).
#[derive(Debug)]
pub struct PinGuard<K> {
    links: HashMap<K, Attempts>,
}

impl<K> Default for PinGuard<K> {
    fn default() -> Self {
        PinGuard {
            links: HashMap::new(),
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Attempts {
    failures: u32,
    blocks: u32,
    blocked_until: Option<Instant>,
}

/// What a wrong PIN leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Try again; this many attempts remain.
    Retry { attempts_left: u32 },
    /// The link is blocked until then.
    Blocked { until: Instant },
}

impl<K: Hash + Eq + Clone> PinGuard<K> {
    /// `Err(until)` while the link is blocked.
    pub fn check(&self, link: &K, now: Instant) -> Result<(), Instant> {
        match self.links.get(link).and_then(|a| a.blocked_until) {
            Some(until) if until > now => Err(until),
            _ => Ok(()),
        }
    }

    /// Counts a wrong PIN.
    pub fn failed(&mut self, link: &K, now: Instant) -> Failure {
        let attempts = self.links.entry(link.clone()).or_default();
        if attempts.blocked_until.is_some_and(|until| until <= now) {
            attempts.blocked_until = None;
        }
        attempts.failures += 1;
        if attempts.failures < MAX_ATTEMPTS {
            return Failure::Retry {
                attempts_left: MAX_ATTEMPTS - attempts.failures,
            };
        }
        let block = FIRST_BLOCK
            .saturating_mul(1u32 << attempts.blocks.min(16))
            .min(MAX_BLOCK);
        attempts.failures = 0;
        attempts.blocks += 1;
        let until = now + block;
        attempts.blocked_until = Some(until);
        Failure::Blocked { until }
    }

    /// A right PIN forgets the link's history.
    pub fn succeeded(&mut self, link: &K) {
        self.links.remove(link);
    }

    /// Forgets links that failed nothing since a block that ended more
    /// than [`MAX_BLOCK`] ago, so the map does not grow with old history.
    pub fn prune(&mut self, now: Instant) {
        self.links.retain(|_, a| {
            a.failures > 0 || a.blocked_until.is_some_and(|until| until + MAX_BLOCK > now)
        });
    }

    pub fn len(&self) -> usize {
        self.links.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_wrong_pins_block_and_blocks_double() {
        let mut guard = PinGuard::default();
        let t0 = Instant::now();
        let link = "a";
        assert_eq!(guard.check(&link, t0), Ok(()));
        assert_eq!(guard.failed(&link, t0), Failure::Retry { attempts_left: 2 });
        assert_eq!(guard.failed(&link, t0), Failure::Retry { attempts_left: 1 });
        assert_eq!(
            guard.failed(&link, t0),
            Failure::Blocked { until: t0 + FIRST_BLOCK }
        );
        assert_eq!(guard.check(&link, t0 + FIRST_BLOCK / 2), Err(t0 + FIRST_BLOCK));
        // Another link is not affected.
        assert_eq!(guard.check(&"b", t0), Ok(()));

        let t1 = t0 + FIRST_BLOCK;
        assert_eq!(guard.check(&link, t1), Ok(()));
        guard.failed(&link, t1);
        guard.failed(&link, t1);
        assert_eq!(
            guard.failed(&link, t1),
            Failure::Blocked { until: t1 + 2 * FIRST_BLOCK }
        );
    }

    #[test]
    fn blocks_are_capped_and_a_right_pin_forgets() {
        let mut guard = PinGuard::default();
        let mut now = Instant::now();
        let mut last = Duration::ZERO;
        for _ in 0..20 {
            guard.failed(&1, now);
            guard.failed(&1, now);
            let Failure::Blocked { until } = guard.failed(&1, now) else {
                panic!("the third failure blocks");
            };
            last = until - now;
            now = until;
        }
        assert_eq!(last, MAX_BLOCK);
        guard.failed(&1, now);
        guard.succeeded(&1);
        assert_eq!(guard.failed(&1, now), Failure::Retry { attempts_left: 2 });
    }

    #[test]
    fn pruning_keeps_recent_history_only() {
        let mut guard = PinGuard::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            guard.failed(&1, t0);
        }
        guard.failed(&2, t0);
        guard.prune(t0 + FIRST_BLOCK + MAX_BLOCK);
        assert_eq!(guard.len(), 1, "link 2 has a pending failure");
    }
}
