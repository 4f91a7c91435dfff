//! Table-driven tests over recorded sequences of fixes.

use super::*;

const T0: i64 = 1_750_000_000_000; // when the SOS starts waiting
const DEADLINE_MS: i64 = 8_000;

const POLICY: FixPolicy = FixPolicy {
    good_accuracy_m: 50.0,
    fresh_max_age_ms: 30_000,
};

fn fix(fixed_at_ms: i64, accuracy_m: f64, source: FixSource) -> Fix {
    Fix {
        lat: -8.0712,
        lon: -79.0105,
        accuracy_m,
        altitude_m: None,
        speed_mps: None,
        heading_deg: None,
        fixed_at_ms,
        source,
    }
}

/// A live GPS fix measured when it arrived (`t` ms after the SOS began).
fn gps(t: i64, accuracy_m: f64) -> (i64, Fix) {
    (t, fix(T0 + t, accuracy_m, FixSource::Gps))
}

/// 2001-01-01T00:00:00Z, where cheap phones land after the battery dies.
const CLOCK_2001_MS: i64 = 978_307_200_000;
const DAY_MS: i64 = 24 * 3_600_000;

/// Fed `t` ms after the SOS began (monotonic), when the phone clock read
/// `clock0 + t`.
fn fed_at(t: i64, clock0: i64, fix: Fix) -> Fed {
    Fed {
        fix,
        fed_mono_ms: Some(t),
        clock_ms: clock0 + t,
    }
}

fn place() -> Place {
    Place {
        name: "Mercado La Hermelinda".into(),
        lat: -8.0801,
        lon: -79.0202,
        radius_m: 80.0,
    }
}

#[derive(Debug, PartialEq)]
enum Expect {
    /// Chosen `t` ms after the start, with this source, accuracy and time.
    Use {
        t: i64,
        source: FixSource,
        accuracy_m: f64,
        fixed_at_ms: i64,
    },
    Nothing,
}

struct Case {
    name: &'static str,
    /// The phone's clock when the SOS began (`T0` when it is right).
    clock0: i64,
    arrivals: Vec<(i64, Fix)>,
    /// Fed just as the SOS began.
    last_known: Option<Fix>,
    place: Option<Place>,
    expect: Expect,
}

/// Replays a case the way `raise_sos` waits: a decision at the start, at each
/// arrival before the deadline, and once at the deadline.
fn replay(case: &Case) -> Expect {
    let last_known = case.last_known.clone().map(|f| fed_at(0, case.clock0, f));
    let mut recent: Vec<Fed> = Vec::new();
    let mut moments: Vec<(i64, Option<&Fix>)> = vec![(0, None)];
    moments.extend(case.arrivals.iter().map(|(t, f)| (*t, Some(f))));
    for (t, arrival) in moments {
        if t >= DEADLINE_MS {
            break;
        }
        if let Some(f) = arrival {
            recent.push(fed_at(t, case.clock0, f.clone()));
        }
        match choose(
            &recent,
            last_known.as_ref(),
            case.place.as_ref(),
            (t, case.clock0 + t),
            false,
            &POLICY,
        ) {
            Choice::Use(f) => return expect_of(t, f),
            Choice::Wait => {}
            Choice::Nothing => panic!("{}: Nothing before the deadline", case.name),
        }
    }
    match choose(
        &recent,
        last_known.as_ref(),
        case.place.as_ref(),
        (DEADLINE_MS, case.clock0 + DEADLINE_MS),
        true,
        &POLICY,
    ) {
        Choice::Use(f) => expect_of(DEADLINE_MS, f),
        Choice::Wait => panic!("{}: Wait after the deadline", case.name),
        Choice::Nothing => Expect::Nothing,
    }
}

fn expect_of(t: i64, f: Fix) -> Expect {
    assert!(f.validate(T0 + t).is_ok(), "a chosen fix must be valid");
    Expect::Use {
        t,
        source: f.source,
        accuracy_m: f.accuracy_m,
        fixed_at_ms: f.fixed_at_ms,
    }
}

fn cases() -> Vec<Case> {
    let old = T0 - 10 * 60_000;
    vec![
        Case {
            clock0: T0,
            name: "a good fix at 2 s is taken at once",
            arrivals: vec![gps(500, 120.0), gps(2_000, 12.0), gps(3_000, 5.0)],
            last_known: None,
            place: Some(place()),
            expect: Expect::Use {
                t: 2_000,
                source: FixSource::Gps,
                accuracy_m: 12.0,
                fixed_at_ms: T0 + 2_000,
            },
        },
        Case {
            clock0: T0,
            name: "exactly 50 m is good enough",
            arrivals: vec![gps(1_000, 50.0)],
            last_known: None,
            place: None,
            expect: Expect::Use {
                t: 1_000,
                source: FixSource::Gps,
                accuracy_m: 50.0,
                fixed_at_ms: T0 + 1_000,
            },
        },
        Case {
            clock0: T0,
            name: "only poor fixes: the most accurate fresh one at the deadline",
            arrivals: vec![gps(1_000, 300.0), gps(3_000, 80.0), gps(6_000, 150.0)],
            last_known: Some(fix(old, 10.0, FixSource::Gps)),
            place: Some(place()),
            expect: Expect::Use {
                t: DEADLINE_MS,
                source: FixSource::Gps,
                accuracy_m: 80.0,
                fixed_at_ms: T0 + 3_000,
            },
        },
        Case {
            clock0: T0,
            name: "equal accuracy: the newer fix",
            arrivals: vec![gps(1_000, 90.0), gps(4_000, 90.0)],
            last_known: None,
            place: None,
            expect: Expect::Use {
                t: DEADLINE_MS,
                source: FixSource::Gps,
                accuracy_m: 90.0,
                fixed_at_ms: T0 + 4_000,
            },
        },
        Case {
            clock0: T0,
            name: "a network fix inside 50 m counts as good",
            arrivals: vec![(4_000, fix(T0 + 4_000, 40.0, FixSource::Network))],
            last_known: None,
            place: None,
            expect: Expect::Use {
                t: 4_000,
                source: FixSource::Network,
                accuracy_m: 40.0,
                fixed_at_ms: T0 + 4_000,
            },
        },
        Case {
            clock0: T0,
            name: "a fresh good last known fix (fed just before) is used at once",
            arrivals: vec![],
            last_known: Some(fix(T0 - 10_000, 20.0, FixSource::Fused)),
            place: Some(place()),
            expect: Expect::Use {
                t: 0,
                source: FixSource::Fused,
                accuracy_m: 20.0,
                fixed_at_ms: T0 - 10_000,
            },
        },
        Case {
            clock0: T0,
            name: "no fresh fix: the last known one, with its original time",
            arrivals: vec![],
            last_known: Some(fix(old, 15.0, FixSource::Gps)),
            place: Some(place()),
            expect: Expect::Use {
                t: DEADLINE_MS,
                source: FixSource::LastKnown,
                accuracy_m: 15.0,
                fixed_at_ms: old,
            },
        },
        Case {
            clock0: T0,
            name: "a fix that goes stale while waiting is not passed off as fresh",
            arrivals: vec![],
            last_known: Some(fix(T0 - 25_000, 100.0, FixSource::Gps)),
            place: None,
            expect: Expect::Use {
                t: DEADLINE_MS,
                source: FixSource::LastKnown,
                accuracy_m: 100.0,
                fixed_at_ms: T0 - 25_000,
            },
        },
        Case {
            clock0: T0,
            name: "an old fix delivered late by the platform is never fresh",
            arrivals: vec![(1_000, fix(T0 - 5 * 60_000, 5.0, FixSource::Gps))],
            last_known: None,
            place: Some(place()),
            expect: Expect::Use {
                t: DEADLINE_MS,
                source: FixSource::LastKnown,
                accuracy_m: 5.0,
                fixed_at_ms: T0 - 5 * 60_000,
            },
        },
        Case {
            clock0: T0,
            name: "nothing at all: the registered place",
            arrivals: vec![],
            last_known: None,
            place: Some(place()),
            expect: Expect::Use {
                t: DEADLINE_MS,
                source: FixSource::RegisteredPlace,
                accuracy_m: 80.0,
                fixed_at_ms: T0 + DEADLINE_MS,
            },
        },
        Case {
            clock0: T0,
            name: "(0, 0) and accuracy 0 are never chosen",
            arrivals: vec![
                (
                    1_000,
                    Fix {
                        lat: 0.0,
                        lon: 0.0,
                        ..fix(T0 + 1_000, 5.0, FixSource::Gps)
                    },
                ),
                (2_000, fix(T0 + 2_000, 0.0, FixSource::Gps)),
                (3_000, fix(T0 + 3_000, -3.0, FixSource::Gps)),
                (
                    4_000,
                    Fix {
                        lat: f64::NAN,
                        ..fix(T0 + 4_000, 5.0, FixSource::Gps)
                    },
                ),
            ],
            last_known: Some(Fix {
                lat: 0.0,
                lon: 0.0,
                ..fix(old, 5.0, FixSource::Gps)
            }),
            place: Some(place()),
            expect: Expect::Use {
                t: DEADLINE_MS,
                source: FixSource::RegisteredPlace,
                accuracy_m: 80.0,
                fixed_at_ms: T0 + DEADLINE_MS,
            },
        },
        Case {
            clock0: T0,
            name:
                "a fix stamped two days after the phone clock: the clock is behind, the fix fresh",
            arrivals: vec![(1_000, fix(T0 + 2 * DAY_MS, 5.0, FixSource::Gps))],
            last_known: None,
            place: None,
            expect: Expect::Use {
                t: 1_000,
                source: FixSource::Gps,
                accuracy_m: 5.0,
                fixed_at_ms: T0 + 2 * DAY_MS,
            },
        },
        Case {
            clock0: CLOCK_2001_MS,
            name: "the phone clock reads 2001, the fixes carry satellite time: fresh, at once",
            arrivals: vec![gps(500, 120.0), gps(2_000, 12.0)],
            last_known: None,
            place: Some(place()),
            expect: Expect::Use {
                t: 2_000,
                source: FixSource::Gps,
                accuracy_m: 12.0,
                fixed_at_ms: T0 + 2_000,
            },
        },
        Case {
            clock0: CLOCK_2001_MS,
            name: "the phone clock reads 2001 and stamps the fixes too: fresh, at once",
            arrivals: vec![(1_500, fix(CLOCK_2001_MS + 1_400, 8.0, FixSource::Fused))],
            last_known: None,
            place: None,
            expect: Expect::Use {
                t: 1_500,
                source: FixSource::Fused,
                accuracy_m: 8.0,
                fixed_at_ms: CLOCK_2001_MS + 1_400,
            },
        },
        Case {
            clock0: CLOCK_2001_MS,
            name:
                "the phone clock reads 2001, a fix from an hour before on that clock is not fresh",
            arrivals: vec![(1_000, fix(CLOCK_2001_MS - 3_600_000, 5.0, FixSource::Gps))],
            last_known: None,
            place: Some(place()),
            expect: Expect::Use {
                t: DEADLINE_MS,
                source: FixSource::LastKnown,
                accuracy_m: 5.0,
                fixed_at_ms: CLOCK_2001_MS - 3_600_000,
            },
        },
        Case {
            clock0: CLOCK_2001_MS,
            name: "the phone clock reads 2001 and nothing is fed: the place, on the phone's clock",
            arrivals: vec![],
            last_known: None,
            place: Some(place()),
            expect: Expect::Use {
                t: DEADLINE_MS,
                source: FixSource::RegisteredPlace,
                accuracy_m: 80.0,
                fixed_at_ms: CLOCK_2001_MS + DEADLINE_MS,
            },
        },
        Case {
            clock0: T0 + 2 * DAY_MS,
            name:
                "the phone clock runs two days ahead: the fix is kept as last known, never dropped",
            arrivals: vec![gps(1_000, 6.0)],
            last_known: None,
            place: Some(place()),
            expect: Expect::Use {
                t: DEADLINE_MS,
                source: FixSource::LastKnown,
                accuracy_m: 6.0,
                fixed_at_ms: T0 + 1_000,
            },
        },
        Case {
            clock0: T0,
            name: "with no place, a last known fix of any age is better than no SOS",
            arrivals: vec![],
            last_known: Some(fix(T0 - 30 * DAY_MS, 5.0, FixSource::Gps)),
            place: None,
            expect: Expect::Use {
                t: DEADLINE_MS,
                source: FixSource::LastKnown,
                accuracy_m: 5.0,
                fixed_at_ms: T0 - 30 * DAY_MS,
            },
        },
        Case {
            clock0: T0,
            name: "a last known fix older than two weeks loses to the registered place",
            arrivals: vec![],
            last_known: Some(fix(T0 - 30 * DAY_MS, 5.0, FixSource::Gps)),
            place: Some(place()),
            expect: Expect::Use {
                t: DEADLINE_MS,
                source: FixSource::RegisteredPlace,
                accuracy_m: 80.0,
                fixed_at_ms: T0 + DEADLINE_MS,
            },
        },
        Case {
            clock0: T0,
            name: "nothing and no place: no position",
            arrivals: vec![gps(1_000, 0.0)],
            last_known: None,
            place: None,
            expect: Expect::Nothing,
        },
    ]
}

#[test]
fn fix_selection_over_recorded_sequences() {
    for case in cases() {
        assert_eq!(replay(&case), case.expect, "case: {}", case.name);
    }
}

#[test]
fn last_known_and_place_fixes_are_never_fresh() {
    let now = T0;
    let fresh = |f: Fix| is_fresh(&fed_at(0, now, f), 0, &POLICY);
    assert!(fresh(fix(now, 5.0, FixSource::Gps)));
    assert!(!fresh(fix(now, 5.0, FixSource::LastKnown)));
    assert!(!fresh(fix(now, 5.0, FixSource::RegisteredPlace)));
    assert!(!fresh(fix(now - 30_001, 5.0, FixSource::Gps)));
    assert_eq!(
        as_last_known(&fix(now, 5.0, FixSource::Gps)).source,
        FixSource::LastKnown
    );
}

#[test]
fn freshness_runs_on_the_monotonic_clock_not_the_phone_clock() {
    // Fed at once from a clock 25 years behind: fresh for 30 s after it was
    // fed, then stale, whatever the phone clock says meanwhile.
    let f = Fed {
        fix: fix(T0, 5.0, FixSource::Gps),
        fed_mono_ms: Some(1_000),
        clock_ms: CLOCK_2001_MS,
    };
    assert!(is_fresh(&f, 1_000, &POLICY));
    assert!(is_fresh(&f, 31_000, &POLICY));
    assert!(!is_fresh(&f, 31_001, &POLICY));
    // A fix restored from disk at start is never fresh.
    let restored = Fed {
        fed_mono_ms: None,
        ..f.clone()
    };
    assert!(!is_fresh(&restored, 1_000, &POLICY));
    assert_eq!(age_ms(&restored, 1_000, &POLICY), None);
    // On one clock, the age it already had when fed counts.
    let aged = Fed {
        fix: fix(T0 - 20_000, 5.0, FixSource::Gps),
        fed_mono_ms: Some(0),
        clock_ms: T0,
    };
    assert_eq!(age_ms(&aged, 5_000, &POLICY), Some(25_000));
    assert!(!is_fresh(&aged, 10_001, &POLICY));
}

/// The refinement window after a tap that could not wait.
mod refining {
    use super::*;

    fn live(t: i64, accuracy_m: f64) -> Fed {
        fed_at(t, T0, gps(t, accuracy_m).1)
    }

    fn decide(recent: &[Fed], raised: Option<&Fix>, t: i64, passed: bool) -> Choice {
        refinement(recent, None, raised, t, passed, &POLICY)
    }

    #[test]
    fn a_good_fix_is_sent_at_once_and_a_poor_one_waits_for_the_window() {
        let poor = live(1_000, 120.0);
        assert_eq!(
            decide(std::slice::from_ref(&poor), None, 1_000, false),
            Choice::Wait
        );
        let good = live(3_000, 9.0);
        assert_eq!(
            decide(&[poor.clone(), good.clone()], None, 3_000, false),
            Choice::Use(good.fix.clone())
        );
        // At the end of the window the best fresh one goes, even if poor.
        assert_eq!(
            decide(std::slice::from_ref(&poor), None, DEADLINE_MS, true),
            Choice::Use(poor.fix.clone())
        );
    }

    #[test]
    fn nothing_fresh_by_the_end_of_the_window_sends_nothing() {
        assert_eq!(decide(&[], None, DEADLINE_MS, true), Choice::Nothing);
        let stale = live(0, 9.0);
        assert_eq!(decide(&[stale], None, 60_000, true), Choice::Nothing);
    }

    #[test]
    fn only_a_fix_that_improves_on_the_raised_one_refines_it() {
        let raised_poor = live(0, 80.0).fix;
        let worse = live(2_000, 150.0);
        assert_eq!(
            decide(
                std::slice::from_ref(&worse),
                Some(&raised_poor),
                DEADLINE_MS,
                true
            ),
            Choice::Nothing,
            "150 m does not refine 80 m"
        );
        let better = live(2_000, 40.0);
        assert_eq!(
            decide(
                std::slice::from_ref(&better),
                Some(&raised_poor),
                2_000,
                false
            ),
            Choice::Use(better.fix.clone())
        );
        let raised_good = live(0, 9.0).fix;
        assert_eq!(
            decide(&[better], Some(&raised_good), DEADLINE_MS, true),
            Choice::Nothing,
            "a good fresh fix at the tap needs no refinement"
        );
        // Anything fresh refines a last known fix or a registered place.
        let mut last_known = live(0, 5.0).fix;
        last_known.source = FixSource::LastKnown;
        assert_eq!(
            decide(
                std::slice::from_ref(&worse),
                Some(&last_known),
                DEADLINE_MS,
                true
            ),
            Choice::Use(worse.fix.clone())
        );
        let place = place_fix(&place(), T0);
        assert_eq!(
            decide(
                std::slice::from_ref(&worse),
                Some(&place),
                DEADLINE_MS,
                true
            ),
            Choice::Use(worse.fix)
        );
    }

    #[test]
    fn at_the_tap_nothing_known_is_no_position_not_an_error() {
        assert_eq!(at_tap(&[], None, None, (0, T0), &POLICY), None);
        let p = at_tap(&[], None, Some(&place()), (0, T0), &POLICY);
        assert_eq!(p.map(|f| f.source), Some(FixSource::RegisteredPlace));
        let poor = live(0, 300.0);
        let now = at_tap(
            std::slice::from_ref(&poor),
            None,
            None,
            (10, T0 + 10),
            &POLICY,
        );
        assert_eq!(now, Some(poor.fix), "the best fresh one, without waiting");
    }
}
