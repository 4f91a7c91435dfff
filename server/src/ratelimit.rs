//! Token-bucket rate limits, per device and per client address.
//!
//! Defaults are generous: a phone retrying after a long time offline, or a
//! whole fleet behind one carrier NAT, must not be refused. A refused request
//! gets 429 with `Retry-After`; the phone keeps the message and retries.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept at most before idle ones are forgotten.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Sustained requests per minute; 0 disables the limit.
    pub per_minute: u32,
    /// Requests allowed at once after being idle.
    pub burst: u32,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct RateLimiter<K> {
    rate: Rate,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    pub fn new(rate: Rate) -> Self {
        RateLimiter {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`, or says how long to wait for one.
    pub fn check(&self, key: &K, now: Instant) -> Result<(), Duration> {
        if self.rate.per_minute == 0 {
            return Ok(());
        }
        let per_sec = f64::from(self.rate.per_minute) / 60.0;
        let burst = f64::from(self.rate.burst.max(1));
        // A poisoned lock only means another request panicked; the map is still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            buckets
                .retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * per_sec < burst);
        }
        let bucket = buckets.entry(key.clone()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let refill = now.saturating_duration_since(bucket.at).as_secs_f64() * per_sec;
        bucket.tokens = (bucket.tokens + refill).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_sec))
        }
    }
}

/// Whole seconds to put in `Retry-After` (at least 1).
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_next_request_waits_for_a_token() {
        let limiter = RateLimiter::new(Rate {
            per_minute: 60,
            burst: 3,
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(&"a", t0).is_ok());
        }
        let wait = limiter.check(&"a", t0).unwrap_err();
        assert!(wait <= Duration::from_secs(1) && wait > Duration::ZERO);
        assert_eq!(retry_after_secs(wait), 1);
        // Another key has its own bucket.
        assert!(limiter.check(&"b", t0).is_ok());
        // One second later one token is back.
        assert!(limiter.check(&"a", t0 + Duration::from_secs(1)).is_ok());
        assert!(limiter.check(&"a", t0 + Duration::from_secs(1)).is_err());
    }

    #[test]
    fn zero_disables_the_limit() {
        let limiter = RateLimiter::new(Rate {
            per_minute: 0,
            burst: 0,
        });
        let t0 = Instant::now();
        for _ in 0..10_000 {
            assert!(limiter.check(&1u32, t0).is_ok());
        }
    }
}
