//! Tags, branches and SDP session ids, from a seed the shell draws from
//! the operating system (tests fix it, so every run is the same).
//!
//! A tag only has to be unique (RFC 3261 §19.3); it is no secret, since
//! every message of the dialog carries it. Still, each value is a SipHash
//! of the seed and a counter rather than the counter itself, so tags seen
//! on one call say nothing about another call's.

use std::hash::{Hash, Hasher};

#[derive(Debug)]
pub struct Ids {
    seed: u64,
    counter: u64,
}

impl Ids {
    pub fn new(seed: u64) -> Ids {
        Ids { seed, counter: 0 }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.counter = self.counter.wrapping_add(1);
        // DefaultHasher::new() is SipHash with fixed keys: deterministic
        // for one build, which is all tests need.
        let mut hasher = std::hash::DefaultHasher::new();
        (self.seed, self.counter).hash(&mut hasher);
        hasher.finish()
    }

    pub fn tag(&mut self) -> String {
        format!("{:016x}", self.next_u64())
    }

    /// A branch for a request we send: the RFC 3261 magic cookie first.
    pub fn branch(&mut self) -> String {
        format!("z9hG4bK{:016x}", self.next_u64())
    }

    /// An SDP session id: below 2^62, so peers that read it into a signed
    /// 64-bit number do not overflow.
    pub fn session_id(&mut self) -> u64 {
        self.next_u64() >> 2
    }

    /// A whole number of seconds in `0..=max`.
    pub fn below(&mut self, max: u64) -> u64 {
        self.next_u64() % (max + 1)
    }
}
