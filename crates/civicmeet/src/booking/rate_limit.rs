//! The per-IP limit on booking submissions (BK-5): a token bucket per
//! address, in memory. `rate_limit_per_minute` tokens, refilled evenly
//! over a minute; a request that finds the bucket empty gets 429 with the
//! seconds until the next token as Retry-After.
//!
//! IPv6 addresses are bucketed by their /64 (one household or phone gets
//! a whole /64). Addresses are never logged or stored.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// More addresses than this and the full buckets are forgotten.
const MAX_TRACKED: usize = 100_000;

pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    /// Milliseconds since the epoch of the last refill.
    at_ms: i64,
}

impl RateLimiter {
    /// `per_minute` 0 turns the limit off.
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `ip` at `now_ms`, or says how many seconds to wait.
    pub fn check(&self, ip: IpAddr, now_ms: i64) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_ms = capacity / 60_000.0;
        let key = bucket_key(ip);
        // A poisoned lock only means another request panicked; the map holds.
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| b.tokens + (now_ms - b.at_ms) as f64 * per_ms < capacity);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: capacity,
            at_ms: now_ms,
        });
        let elapsed = (now_ms - bucket.at_ms).max(0) as f64;
        bucket.tokens = (bucket.tokens + elapsed * per_ms).min(capacity);
        bucket.at_ms = now_ms;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait_ms = (1.0 - bucket.tokens) / per_ms;
            Err((wait_ms / 1000.0).ceil().max(1.0) as u64)
        }
    }
}

fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_then_one_token_per_interval() {
        let limiter = RateLimiter::new(6);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..6 {
            assert_eq!(limiter.check(ip, 0), Ok(()));
        }
        assert_eq!(limiter.check(ip, 0), Err(10));
        assert_eq!(limiter.check("192.0.2.2".parse().unwrap(), 0), Ok(()));
        assert_eq!(limiter.check(ip, 10_000), Ok(()));
        assert!(limiter.check(ip, 10_000).is_err());
    }

    #[test]
    fn ipv6_by_slash_64() {
        let limiter = RateLimiter::new(1);
        assert_eq!(limiter.check("2001:db8::1".parse().unwrap(), 0), Ok(()));
        assert!(limiter.check("2001:db8::2".parse().unwrap(), 0).is_err());
    }
}
