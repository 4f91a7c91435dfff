//! The delivery policy against the shared tables in `fixtures/` (repository
//! root), which the `/sos` page's TypeScript is tested against too
//! (`ui/tests/policy-fixtures.test.ts`).

use std::time::{Duration, UNIX_EPOCH};

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Deserialize;

use std::collections::HashMap;

use super::answer::{self, Expect};
use super::backoff::{self, Policy, RETRY_AFTER_LIMIT};
use super::http::Failure;
use crate::events::OutboxItemKind;
use crate::model::RowState;
use crate::outbox::queue::{self, Claim, NewMessage};
use crate::outbox::Db;
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

#[derive(Deserialize)]
struct AnswerTable {
    alert_id: uuid::Uuid,
    cases: Vec<AnswerCase>,
}

#[derive(Deserialize)]
struct AnswerCase {
    name: String,
    expect: String,
    status: u16,
    body: String,
    outcome: Outcome,
}

#[derive(Deserialize, Debug, PartialEq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    Delivered,
    Transient,
    Permanent,
}

fn outcome_of(r: &Result<(), Failure>) -> Outcome {
    match r {
        Ok(()) => Outcome::Delivered,
        Err(Failure::Transient { .. }) => Outcome::Transient,
        Err(Failure::Permanent { .. }) => Outcome::Permanent,
    }
}

#[test]
fn answers_are_sorted_as_the_table_says() {
    let t: AnswerTable = fixture!("answers.json");
    for c in &t.cases {
        let expect = match c.expect.as_str() {
            "alert" => Expect::View(t.alert_id),
            "positions" => Expect::Receipt,
            other => panic!("unknown expect {other}"),
        };
        let got = answer::judge(c.status, None, c.body.as_bytes(), expect);
        assert_eq!(outcome_of(&got), c.outcome, "{}", c.name);
    }
}

#[derive(Deserialize)]
struct OrderTable {
    scenarios: Vec<Scenario>,
}

#[derive(Deserialize)]
struct Scenario {
    name: String,
    steps: Vec<Step>,
    #[serde(rename = "final")]
    end: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Step {
    Queue {
        queue: String,
    },
    Send {
        send: Option<String>,
        #[serde(default)]
        answer: Option<Outcome>,
    },
}

const ENDPOINT: &str = "http://serenazgo.test/";
const NOW: i64 = 1_750_000_000_000;

/// The outbox of one endpoint driven through the real queue (SQLite in
/// memory), answering as the scenario says, as the delivery worker does.
struct Drive {
    db: Db,
    ids: HashMap<String, uuid::Uuid>,
    names: HashMap<uuid::Uuid, String>,
    seq: u32,
    rows: Vec<(uuid::Uuid, OutboxItemKind)>,
}

impl Drive {
    fn queue(&mut self, what: &str) {
        let (name, item) = what.split_once('.').unwrap();
        let id = *self
            .ids
            .entry(name.to_owned())
            .or_insert_with(uuid::Uuid::now_v7);
        self.names.insert(id, name.to_owned());
        let item = OutboxItemKind::parse(item).unwrap();
        self.seq += 1;
        let msg = NewMessage {
            alert_id: id,
            item,
            seq: (item == OutboxItemKind::Position).then_some(self.seq),
            method: "POST",
            path: "/x",
            body: b"{}",
            signature: None,
        };
        self.db
            .write(|tx| match item {
                OutboxItemKind::Alert => queue::enqueue_alert(tx, &[ENDPOINT.into()], &msg, NOW),
                _ => queue::enqueue_dependent(tx, &msg, NOW).map(drop),
            })
            .unwrap();
        self.rows.push((id, item));
    }

    fn send(&mut self, answer: Option<Outcome>) -> Option<String> {
        let claim = self
            .db
            .write(|tx| queue::claim_next(tx, ENDPOINT, 200, true, NOW))
            .unwrap()?;
        let (id, what) = match &claim {
            Claim::Single(row) => (row.alert_id, row.item.as_str()),
            Claim::Positions(rows) => (rows[0].alert_id, "positions"),
        };
        let state = match answer.unwrap() {
            Outcome::Delivered => RowState::Delivered,
            Outcome::Transient => RowState::Queued,
            Outcome::Permanent => RowState::Wedged,
        };
        let refused_alert = state == RowState::Wedged && what == "alert";
        self.db
            .write(|tx| {
                queue::finish(tx, &claim.row_ids(), state, Some("refused"), NOW)?;
                if refused_alert {
                    queue::wedge_dependents(tx, ENDPOINT, id, NOW)?;
                }
                Ok(())
            })
            .unwrap();
        Some(format!("{}.{what}", self.names[&id]))
    }

    fn states(&self) -> Vec<String> {
        let pending = self.db.read(queue::pending).unwrap();
        let mut seen: HashMap<(uuid::Uuid, OutboxItemKind), usize> = HashMap::new();
        self.rows
            .iter()
            .map(|key| {
                let nth = seen.entry(*key).or_default();
                let state = pending
                    .iter()
                    .filter(|p| (p.alert_id, p.item) == *key)
                    .nth(*nth)
                    .map_or("delivered", |p| p.state.as_str());
                *nth += 1;
                state.to_owned()
            })
            .collect()
    }
}

#[test]
fn delivery_order_and_wedging_follow_the_table() {
    let t: OrderTable = fixture!("order.json");
    for s in t.scenarios {
        let mut d = Drive {
            db: Db::open_in_memory().unwrap(),
            ids: HashMap::new(),
            names: HashMap::new(),
            seq: 0,
            rows: Vec::new(),
        };
        for (i, step) in s.steps.iter().enumerate() {
            match step {
                Step::Queue { queue } => d.queue(queue),
                Step::Send { send, answer } => {
                    assert_eq!(&d.send(*answer), send, "{}: step {i}", s.name);
                }
            }
        }
        assert_eq!(d.states(), s.end, "{}", s.name);
    }
}
