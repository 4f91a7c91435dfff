//! The store alone: how many alerts the single writer commits per second
//! (group commits of BATCH alerts each, WAL + `synchronous=FULL`), with no
//! HTTP, signing or streaming around it. Tells whether the writer or the
//! rest of the request path limits `ingest_load`.
//!
//! `cargo bench -p auxilio-server --bench store_apply`
//! (knobs: AUXILIO_BENCH_ALERTS, AUXILIO_BENCH_BATCH)

use std::sync::Arc;
use std::time::Instant;

use auxilio_protocol::*;
use auxilio_server::store::sqlite::SqliteStore;
use auxilio_server::store::{Command, NewCode, Store};
use support::{alert, knob};
use uuid::Uuid;

mod support;

fn main() {
    let total = knob("ALERTS", 50_000);
    let batch = knob("BATCH", 256).max(1);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Arc::new(SqliteStore::open(&dir.path().join("bench.db")).expect("the store"));
    let code = Command::CreateCode(NewCode {
        code: "bench".into(),
        organization_id: None,
        max_uses: None,
        expires_at_ms: None,
    });
    store.apply(vec![code], now_ms()).expect("a code");
    let devices: Vec<Uuid> = (0..1000).map(|_| Uuid::new_v4()).collect();
    let enroll: Vec<Command> = devices
        .iter()
        .map(|id| Command::Enroll {
            req: EnrollRequest {
                v: PROTOCOL_VERSION,
                code: "bench".into(),
                device_id: *id,
                public_key: String::new(),
                profile: Profile {
                    display_name: "Prueba".into(),
                    phone: "+51 900 000 000".into(),
                    ..Profile::default()
                },
            },
            public_key: [9; 32],
        })
        .collect();
    store.apply(enroll, now_ms()).expect("enrolled");

    let alerts: Vec<(Uuid, Alert, Vec<u8>)> = (0..total)
        .map(|i| {
            let device = devices[i % devices.len()];
            let a = alert(device, i);
            let raw = serde_json::to_vec(&a).expect("json");
            (device, a, raw)
        })
        .collect();
    let started = Instant::now();
    let mut commits = 0;
    let mut iter = alerts.into_iter().peekable();
    while iter.peek().is_some() {
        let cmds: Vec<Command> = iter
            .by_ref()
            .take(batch)
            .map(|(device_id, alert, raw)| Command::IngestAlert {
                device_id,
                alert,
                raw,
            })
            .collect();
        let out = store.apply(cmds, now_ms()).expect("committed");
        assert!(out.results.iter().all(|r| r.is_ok()), "every alert stored");
        commits += 1;
    }
    let took = started.elapsed();
    println!("store_apply: {total} alerts in {commits} group commits of {batch}");
    println!(
        "  {:.0} alerts/s, {:.1} µs per alert, {:.2} ms per commit",
        total as f64 / took.as_secs_f64(),
        took.as_secs_f64() * 1e6 / total as f64,
        took.as_secs_f64() * 1e3 / commits as f64
    );
}
