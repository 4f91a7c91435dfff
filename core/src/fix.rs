//! Fix selection, pure: which position an SOS carries, and how it is labelled.
//!
//! An SOS never waits for a position: at the tap it carries the best one
//! known at that instant ([`at_tap`]): the most accurate fresh fix; else the
//! last fed fix, labelled `last_known` with its original time; else the
//! registered place, labelled `registered_place`; else none at all. Unless
//! that was already a good fresh fix (at least as accurate as
//! `good_accuracy_m`), the refinement window follows ([`refinement`]): the
//! first good fresh fix within it, or at its end the best fresh one that
//! improves on what the alert carries, goes at once as the alert's refined
//! position. (0, 0) and accuracy <= 0 never pass (`Fix::validate`).
//!
//! The phone's clock may be wrong (reset to 2000, days off, never set while
//! offline), and a fix's time may come from another clock (the satellites'),
//! so freshness is measured on the monotonic clock from the moment core was
//! fed the fix ([`Fed`]), plus how old the fix already was then by the
//! phone's clock. A fix stamped after the phone's clock (beyond the freshness
//! window) proves the two clocks disagree: then only the monotonic time since
//! it was fed counts. A wrong clock never stops an SOS from carrying a fix.

use auxilio_protocol::{Fix, FixSource, Place, Validate};

#[derive(Clone, Copy, Debug)]
pub(crate) struct FixPolicy {
    pub good_accuracy_m: f64,
    pub fresh_max_age_ms: i64,
}

/// A last known fix older than this on the phone's clock loses to the
/// registered place (it is used when there is no place: an old position is
/// better than no SOS).
pub(crate) const STALE_LAST_KNOWN_MS: i64 = 14 * 24 * 60 * 60 * 1000;

/// A fix as core was fed it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Fed {
    pub fix: Fix,
    /// Monotonic milliseconds (see [`crate::fixbook::FixBook::mono_ms`]) when
    /// it was fed; `None` for a fix restored from disk at start, which is
    /// never fresh.
    pub fed_mono_ms: Option<i64>,
    /// The phone's wall clock when it was fed.
    pub clock_ms: i64,
}

/// What to do now.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Choice {
    /// Use this fix (already labelled).
    Use(Fix),
    /// Keep waiting for a better fix (the deadline has not passed).
    Wait,
    /// The deadline passed and there is nothing at all.
    Nothing,
}

/// How old the fix is at `now_mono_ms`, as far as core can tell: the
/// monotonic time since it was fed, plus its age by the phone's clock when it
/// was fed, unless the fix is stamped after that clock (then the clocks
/// disagree and its stamp says nothing about its age). `None`: unknown.
pub(crate) fn age_ms(fed: &Fed, now_mono_ms: i64, policy: &FixPolicy) -> Option<i64> {
    let since_fed = now_mono_ms.saturating_sub(fed.fed_mono_ms?).max(0);
    let age_at_feed = fed.clock_ms.saturating_sub(fed.fix.fixed_at_ms);
    if age_at_feed < -policy.fresh_max_age_ms {
        Some(since_fed)
    } else {
        Some(since_fed.saturating_add(age_at_feed.max(0)))
    }
}

/// Whether a fix passes the protocol's rules (none of which reads a clock).
fn valid(fix: &Fix) -> bool {
    fix.validate(0).is_ok()
}

/// A live provider's fix, valid, and at most `fresh_max_age` old.
pub(crate) fn is_fresh(fed: &Fed, now_mono_ms: i64, policy: &FixPolicy) -> bool {
    is_live(&fed.fix)
        && valid(&fed.fix)
        && age_ms(fed, now_mono_ms, policy).is_some_and(|age| age <= policy.fresh_max_age_ms)
}

/// The most accurate of the fresh fixes (the later fed one on a tie).
fn best_fresh<'a>(fixes: &'a [Fed], now_mono_ms: i64, policy: &FixPolicy) -> Option<&'a Fed> {
    fixes
        .iter()
        .filter(|f| is_fresh(f, now_mono_ms, policy))
        .min_by(|a, b| {
            a.fix
                .accuracy_m
                .total_cmp(&b.fix.accuracy_m)
                .then(b.fed_mono_ms.cmp(&a.fed_mono_ms))
                .then(b.fix.fixed_at_ms.cmp(&a.fix.fixed_at_ms))
        })
}

/// A fix labelled as last known: same place and time, never fresh.
pub(crate) fn as_last_known(fix: &Fix) -> Fix {
    Fix {
        source: FixSource::LastKnown,
        ..fix.clone()
    }
}

/// The registered place as a fix measured "now" (the place does not move).
pub(crate) fn place_fix(place: &Place, now_ms: i64) -> Fix {
    Fix {
        lat: place.lat,
        lon: place.lon,
        accuracy_m: place.radius_m,
        altitude_m: None,
        speed_mps: None,
        heading_deg: None,
        fixed_at_ms: now_ms,
        source: FixSource::RegisteredPlace,
    }
}

/// Decides, at `now_mono_ms` (phone clock `now_ms`), from the fixes fed since
/// the SOS began waiting (`recent`, any order), the last known fix, and the
/// registered place.
pub(crate) fn choose(
    recent: &[Fed],
    last_known: Option<&Fed>,
    place: Option<&Place>,
    (now_mono_ms, now_ms): (i64, i64),
    deadline_passed: bool,
    policy: &FixPolicy,
) -> Choice {
    let fresh = best_fresh(recent, now_mono_ms, policy)
        .or_else(|| last_known.filter(|f| is_fresh(f, now_mono_ms, policy)));
    if let Some(f) = fresh {
        if f.fix.accuracy_m <= policy.good_accuracy_m || deadline_passed {
            return Choice::Use(f.fix.clone());
        }
    }
    if !deadline_passed {
        return Choice::Wait;
    }
    // The last fed fix: feeding order, not the stamps, which may come from
    // different clocks.
    let newest_known = recent
        .iter()
        .chain(last_known)
        .filter(|f| f.fix.source != FixSource::RegisteredPlace && valid(&f.fix))
        .max_by_key(|f| (f.fed_mono_ms, f.fix.fixed_at_ms));
    let place_fix = place.map(|p| place_fix(p, now_ms)).filter(valid);
    match (newest_known, place_fix) {
        (Some(known), Some(place))
            if now_ms.saturating_sub(known.fix.fixed_at_ms) > STALE_LAST_KNOWN_MS =>
        {
            Choice::Use(place)
        }
        (Some(known), _) => Choice::Use(as_last_known(&known.fix)),
        (None, Some(place)) => Choice::Use(place),
        (None, None) => Choice::Nothing,
    }
}

/// The position an SOS carries at the tap: [`choose`] as if the deadline had
/// passed, so it never waits; `None` when nothing at all is known.
pub(crate) fn at_tap(
    recent: &[Fed],
    last_known: Option<&Fed>,
    place: Option<&Place>,
    now: (i64, i64),
    policy: &FixPolicy,
) -> Option<Fix> {
    match choose(recent, last_known, place, now, true, policy) {
        Choice::Use(fix) => Some(fix),
        Choice::Wait | Choice::Nothing => None,
    }
}

/// A live provider's fix at least as accurate as `good_accuracy_m`.
pub(crate) fn is_good(fix: &Fix, policy: &FixPolicy) -> bool {
    is_live(fix) && fix.accuracy_m <= policy.good_accuracy_m
}

/// During the refinement window after the tap: the refined position to send
/// now, `Wait` for a better one, or `Nothing` (the window is over and no
/// fresh fix improves on `raised`, what the alert carries).
pub(crate) fn refinement(
    recent: &[Fed],
    last_known: Option<&Fed>,
    raised: Option<&Fix>,
    now_mono_ms: i64,
    window_passed: bool,
    policy: &FixPolicy,
) -> Choice {
    let fresh = best_fresh(recent, now_mono_ms, policy)
        .or_else(|| last_known.filter(|f| is_fresh(f, now_mono_ms, policy)))
        .map(|f| &f.fix);
    let improves = |fix: &Fix| match raised {
        Some(r) if is_good(r, policy) => false,
        Some(r) if is_live(r) => fix.accuracy_m < r.accuracy_m,
        // Anything fresh beats a last known fix, a registered place or nothing.
        _ => true,
    };
    match fresh {
        Some(fix) if is_good(fix, policy) && improves(fix) => Choice::Use(fix.clone()),
        _ if !window_passed => Choice::Wait,
        Some(fix) if improves(fix) => Choice::Use(fix.clone()),
        _ => Choice::Nothing,
    }
}

fn is_live(fix: &Fix) -> bool {
    matches!(
        fix.source,
        FixSource::Gps | FixSource::Network | FixSource::Fused
    )
}

#[cfg(test)]
#[path = "fix_tests.rs"]
mod tests;
