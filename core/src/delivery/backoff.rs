//! The one retry policy of Auxilio's clients: exponential backoff with full
//! jitter, capped, honouring `Retry-After` (both header forms) up to a limit.
//!
//! Core's delivery tasks, the app's live-stream follower and the simulator's
//! enrollment retry all wait through this module; the `/sos` web page's
//! TypeScript (`ui/src/citizen/policy.ts`) follows the same rule, and both are
//! tested against the same tables in `fixtures/` at the repository root.

use std::time::{Duration, SystemTime};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The longest `Retry-After` obeyed: an emergency never waits longer than this
/// because a server asked (the shell can still force a retry).
pub const RETRY_AFTER_LIMIT: Duration = Duration::from_secs(10 * 60);

/// The bounds of one backoff: the first wait's ceiling and the largest one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub initial: Duration,
    pub cap: Duration,
}

impl Policy {
    /// Core's delivery (`CoreConfig::default`), the simulator and the web
    /// page: 1 s, doubling, at most 60 s.
    pub const DEFAULT: Policy = Policy {
        initial: Duration::from_secs(1),
        cap: Duration::from_secs(60),
    };

    /// The ceiling of the wait before retry number `failures` (1 after the
    /// first failure): `min(cap, initial × 2^(failures-1))`.
    pub fn ceiling(&self, failures: u32) -> Duration {
        let exp = failures.saturating_sub(1).min(31);
        self.initial.saturating_mul(1u32 << exp).min(self.cap)
    }

    /// The wait before retry number `failures`: uniform in
    /// `[0, ceiling(failures)]` (full jitter), and at least the server's
    /// `Retry-After`, itself at most [`RETRY_AFTER_LIMIT`].
    pub fn delay(
        &self,
        failures: u32,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        let ceiling_ms = u64::try_from(self.ceiling(failures).as_millis()).unwrap_or(u64::MAX);
        let jittered = Duration::from_millis(rng.gen_range(0..=ceiling_ms));
        match retry_after {
            Some(ra) => jittered.max(ra.min(RETRY_AFTER_LIMIT)),
            None => jittered,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::DEFAULT
    }
}

/// A [`Policy`] with its count of failures in a row, for a loop that retries.
#[derive(Debug)]
pub struct Backoff {
    policy: Policy,
    failures: u32,
    rng: StdRng,
}

impl Backoff {
    pub fn new(policy: Policy) -> Backoff {
        Backoff {
            policy,
            failures: 0,
            rng: StdRng::from_entropy(),
        }
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// One more failure: the wait before the next try.
    pub fn next_delay(&mut self, retry_after: Option<Duration>) -> Duration {
        self.failures = self.failures.saturating_add(1);
        self.policy.delay(self.failures, retry_after, &mut self.rng)
    }

    /// A try worked (or the network is back): the next failure waits the
    /// least again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// A `Retry-After` header value as a wait: delta-seconds (`"120"`) or an
/// HTTP-date (`"Wed, 21 Oct 2015 07:28:00 GMT"`), measured from `now` (pass
/// the answer's own `Date` header when there is one, so a wrong phone clock
/// does not stretch or skip the wait). A date in the past is no wait; anything
/// else (`"-1"`, `"1.5"`, `"soon"`) is `None`. Not bounded here: [`Policy::delay`]
/// applies [`RETRY_AFTER_LIMIT`].
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: only an overflow fails, and that is "very long".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The `now` to measure an HTTP-date `Retry-After` from: the answer's `Date`
/// header if it parses, else this device's clock.
pub fn reference_now(date_header: Option<&str>) -> SystemTime {
    date_header
        .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
        .unwrap_or_else(SystemTime::now)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn policy() -> Policy {
        Policy {
            initial: S,
            cap: Duration::from_secs(60),
        }
    }

    #[test]
    fn delay_spreads_over_the_whole_exponential_range() {
        let mut rng = StdRng::seed_from_u64(7);
        for failures in 1..=6u32 {
            let bound = S * (1 << (failures - 1));
            let mut max_seen = Duration::ZERO;
            for _ in 0..500 {
                let d = policy().delay(failures, None, &mut rng);
                assert!(d <= bound, "failure {failures}: {d:?} > {bound:?}");
                max_seen = max_seen.max(d);
            }
            // Full jitter spreads over the whole range, not just near 0.
            assert!(max_seen > bound / 2, "failure {failures}: max {max_seen:?}");
        }
    }

    #[test]
    fn a_backoff_counts_failures_and_resets() {
        let mut b = Backoff::new(policy());
        for _ in 0..10 {
            assert!(b.next_delay(None) <= Duration::from_secs(60));
        }
        assert_eq!(b.failures(), 10);
        b.reset();
        assert_eq!(b.failures(), 0);
        assert!(b.next_delay(None) <= S);
        // The second wait's ceiling is 2 s: the server's 9 s is the floor.
        assert_eq!(
            b.next_delay(Some(Duration::from_secs(9))),
            Duration::from_secs(9)
        );
    }

    #[test]
    fn the_reference_time_is_the_servers_date_when_it_has_one() {
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        let at = reference_now(Some(date));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", at),
            Some(Duration::from_secs(30))
        );
        let local = reference_now(Some("yesterday"));
        assert!(local > at, "an unreadable Date falls back to this clock");
    }
}
