//! The delivery policy against the shared tables in `fixtures/` (repository
//! root), which the `/sos` page's TypeScript is tested against too
//! (`ui/tests/policy-fixtures.test.ts`).

use std::time::{Duration, UNIX_EPOCH};

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Deserialize;

use super::backoff::{self, Policy, RETRY_AFTER_LIMIT};
use crate::CoreConfig;

macro_rules! fixture {
    ($name:literal) => {
        serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/",
            $name
        )))
        .unwrap()
    };
}

const SAMPLES: usize = 300;

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap()
}

#[derive(Deserialize)]
struct BackoffTable {
    initial_ms: u64,
    cap_ms: u64,
    retry_after_limit_ms: u64,
    ceilings: Vec<Ceiling>,
    retry_after: Vec<Floor>,
}

#[derive(Deserialize)]
struct Ceiling {
    failures: u32,
    max_ms: u64,
}

#[derive(Deserialize)]
struct Floor {
    failures: u32,
    retry_after_ms: u64,
    min_ms: u64,
    max_ms: u64,
}

#[test]
fn backoff_bounds_follow_the_table() {
    let t: BackoffTable = fixture!("backoff.json");
    let policy = Policy {
        initial: Duration::from_millis(t.initial_ms),
        cap: Duration::from_millis(t.cap_ms),
    };
    assert_eq!(policy, Policy::DEFAULT, "the table's bounds are core's");
    let config = CoreConfig::new("/nonexistent", "http://x.test".parse().unwrap());
    assert_eq!(
        (config.backoff_initial, config.backoff_cap),
        (policy.initial, policy.cap)
    );
    assert_eq!(ms(RETRY_AFTER_LIMIT), t.retry_after_limit_ms);
    let mut rng = StdRng::seed_from_u64(18);
    for c in &t.ceilings {
        assert_eq!(
            ms(policy.ceiling(c.failures)),
            c.max_ms,
            "failures {}",
            c.failures
        );
        let mut top = 0;
        for _ in 0..SAMPLES {
            let d = ms(policy.delay(c.failures, None, &mut rng));
            assert!(d <= c.max_ms, "failures {}: {d} ms", c.failures);
            top = top.max(d);
        }
        assert!(top > c.max_ms / 2, "full jitter reaches the top half");
    }
    for f in &t.retry_after {
        let ra = Some(Duration::from_millis(f.retry_after_ms));
        for _ in 0..SAMPLES {
            let d = ms(policy.delay(f.failures, ra, &mut rng));
            assert!(
                (f.min_ms..=f.max_ms).contains(&d),
                "failures {}, retry-after {}: {d} ms",
                f.failures,
                f.retry_after_ms
            );
        }
    }
}

#[derive(Deserialize)]
struct RetryAfterTable {
    now_ms: u64,
    now_http_date: String,
    cases: Vec<RetryAfterCase>,
}

#[derive(Deserialize)]
struct RetryAfterCase {
    header: String,
    wait_ms: Option<u64>,
}

#[test]
fn retry_after_header_forms_follow_the_table() {
    let t: RetryAfterTable = fixture!("retry_after.json");
    let now = UNIX_EPOCH + Duration::from_millis(t.now_ms);
    assert_eq!(backoff::reference_now(Some(&t.now_http_date)), now);
    for c in &t.cases {
        let got = backoff::parse_retry_after(&c.header, now).map(ms);
        assert_eq!(got, c.wait_ms, "Retry-After {:?}", c.header);
    }
    // Without a server date, a date is measured on this clock.
    assert!(backoff::reference_now(None) > now);
}
