//! Fix selection, pure: which position an SOS carries, and how it is labelled.
//!
//! Order of preference: a fresh fix at least as accurate as `good_accuracy_m`
//! (taken at once); when the deadline passes, the most accurate fresh fix;
//! else the last known fix, labelled `last_known` with its original time;
//! else the registered place, labelled `registered_place`. A fix is fresh
//! when it came from a live provider (gps / network / fused) and is at most
//! `fresh_max_age` old. (0, 0) and accuracy <= 0 never pass (`Fix::validate`).

use auxilio_protocol::{Fix, FixSource, Place, Validate};

#[derive(Clone, Copy, Debug)]
pub(crate) struct FixPolicy {
    pub good_accuracy_m: f64,
    pub fresh_max_age_ms: i64,
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

/// A live provider's fix, valid now, and measured within `fresh_max_age` of
/// the phone's clock (either way: a fix stamped far ahead of the clock is not
/// known to be fresh either).
pub(crate) fn is_fresh(fix: &Fix, now_ms: i64, policy: &FixPolicy) -> bool {
    let age_ms = now_ms.saturating_sub(fix.fixed_at_ms);
    matches!(
        fix.source,
        FixSource::Gps | FixSource::Network | FixSource::Fused
    ) && fix.validate(now_ms).is_ok()
        && (-policy.fresh_max_age_ms..=policy.fresh_max_age_ms).contains(&age_ms)
}

/// The most accurate of the fresh fixes (the newer one on a tie).
fn best_fresh<'a>(fixes: &'a [Fix], now_ms: i64, policy: &FixPolicy) -> Option<&'a Fix> {
    fixes
        .iter()
        .filter(|f| is_fresh(f, now_ms, policy))
        .min_by(|a, b| {
            a.accuracy_m
                .total_cmp(&b.accuracy_m)
                .then(b.fixed_at_ms.cmp(&a.fixed_at_ms))
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

/// Decides, at `now_ms`, from the fixes seen since the SOS began waiting
/// (`recent`, any order), the last known fix, and the registered place.
pub(crate) fn choose(
    recent: &[Fix],
    last_known: Option<&Fix>,
    place: Option<&Place>,
    now_ms: i64,
    deadline_passed: bool,
    policy: &FixPolicy,
) -> Choice {
    let fresh = best_fresh(recent, now_ms, policy)
        .or_else(|| last_known.filter(|f| is_fresh(f, now_ms, policy)));
    if let Some(f) = fresh {
        if f.accuracy_m <= policy.good_accuracy_m || deadline_passed {
            return Choice::Use(f.clone());
        }
    }
    if !deadline_passed {
        return Choice::Wait;
    }
    let newest_known = recent
        .iter()
        .chain(last_known)
        .filter(|f| f.source != FixSource::RegisteredPlace)
        .map(as_last_known)
        .filter(|f| f.validate(now_ms).is_ok())
        .max_by_key(|f| f.fixed_at_ms);
    if let Some(f) = newest_known {
        return Choice::Use(f);
    }
    match place.map(|p| place_fix(p, now_ms)) {
        Some(f) if f.validate(now_ms).is_ok() => Choice::Use(f),
        _ => Choice::Nothing,
    }
}

#[cfg(test)]
#[path = "fix_tests.rs"]
mod tests;
