//! Exponential backoff with full jitter, capped, honouring `Retry-After`.

use std::time::Duration;

use rand::Rng;

/// The longest `Retry-After` obeyed: an emergency never waits longer than this
/// because a server asked (the shell can still force a retry).
pub(crate) const RETRY_AFTER_LIMIT: Duration = Duration::from_secs(10 * 60);

/// The wait before retry number `failures` (1 after the first failure):
/// uniform in `[0, min(cap, initial * 2^(failures-1))]`, and at least the
/// server's `Retry-After` (itself at most [`RETRY_AFTER_LIMIT`]).
pub(crate) fn delay(
    failures: u32,
    initial: Duration,
    cap: Duration,
    retry_after: Option<Duration>,
    rng: &mut impl Rng,
) -> Duration {
    let exp = failures.saturating_sub(1).min(31);
    let ceiling = initial.saturating_mul(1u32 << exp).min(cap);
    let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    let jittered = Duration::from_millis(rng.gen_range(0..=ceiling_ms));
    match retry_after {
        Some(ra) => jittered.max(ra.min(RETRY_AFTER_LIMIT)),
        None => jittered,
    }
}

/// `Retry-After` in whole seconds (the HTTP-date form is ignored: the
/// jittered backoff applies instead).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn delay_stays_within_the_exponential_bound() {
        let mut rng = StdRng::seed_from_u64(7);
        for failures in 1..=6u32 {
            let bound = S * (1 << (failures - 1));
            let mut max_seen = Duration::ZERO;
            for _ in 0..500 {
                let d = delay(failures, S, Duration::from_secs(60), None, &mut rng);
                assert!(d <= bound, "failure {failures}: {d:?} > {bound:?}");
                max_seen = max_seen.max(d);
            }
            // Full jitter spreads over the whole range, not just near 0.
            assert!(max_seen > bound / 2, "failure {failures}: max {max_seen:?}");
        }
    }

    #[test]
    fn delay_is_capped() {
        let mut rng = StdRng::seed_from_u64(1);
        let cap = Duration::from_secs(60);
        for failures in [7, 10, 40, u32::MAX] {
            for _ in 0..200 {
                assert!(delay(failures, S, cap, None, &mut rng) <= cap);
            }
        }
    }

    #[test]
    fn retry_after_is_a_floor_and_is_bounded() {
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..200 {
            let d = delay(
                1,
                S,
                Duration::from_secs(60),
                Some(Duration::from_secs(5)),
                &mut rng,
            );
            assert!(d >= Duration::from_secs(5));
            assert!(d <= Duration::from_secs(5).max(S));
        }
        let d = delay(
            1,
            S,
            Duration::from_secs(60),
            Some(Duration::from_secs(86_400)),
            &mut rng,
        );
        assert_eq!(d, RETRY_AFTER_LIMIT);
    }

    #[test]
    fn retry_after_header_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
