//! What the server spends on one alert's signature and body before it is
//! committed: `verify_request` (strict Ed25519 over method, path and body)
//! and `decode` (JSON + validation), each timed over many runs.
//!
//! `cargo bench -p auxilio-protocol --bench verify`

use std::hint::black_box;
use std::time::Instant;

use auxilio_protocol::wire::PATH_ALERTS;
use auxilio_protocol::*;

const RUNS: u32 = 20_000;

fn per_run(label: &str, mut f: impl FnMut()) {
    for _ in 0..RUNS / 10 {
        f(); // warm up
    }
    let started = Instant::now();
    for _ in 0..RUNS {
        f();
    }
    let us = started.elapsed().as_secs_f64() * 1e6 / f64::from(RUNS);
    println!("  {label:<28} {us:>6.1} µs");
}

fn main() {
    let key = DeviceKey::generate().expect("a key");
    let device = uuid::Uuid::new_v4();
    let now = now_ms();
    let alert = Alert {
        v: PROTOCOL_VERSION,
        id: uuid::Uuid::now_v7(),
        device_id: device,
        kind: AlertKind::Asalto,
        created_at_ms: now,
        fix: Some(Fix {
            lat: -8.0712,
            lon: -79.0034,
            accuracy_m: 15.0,
            altitude_m: None,
            speed_mps: None,
            heading_deg: None,
            fixed_at_ms: now - 500,
            source: FixSource::Gps,
        }),
        reporter: Reporter {
            display_name: "Conductor de prueba".into(),
            phone: "+51 900 000 000".into(),
            role: ReporterRole::MototaxiDriver,
            organization: None,
            plate: None,
            place: None,
        },
        battery_pct: Some(80),
        silent: false,
        note: None,
        app_version: "bench".into(),
    };
    let body = serde_json::to_vec(&alert).expect("json");
    let signature = key.sign_request("POST", PATH_ALERTS, &body);
    let public = PublicKey::from_bytes(&key.public_key().to_bytes()).expect("a key");
    println!(
        "verify: one alert of {} bytes, {RUNS} runs each",
        body.len()
    );
    per_run("sign_request (the phone)", || {
        black_box(key.sign_request("POST", PATH_ALERTS, black_box(&body)));
    });
    per_run("verify_request (the server)", || {
        black_box(public.verify_request("POST", PATH_ALERTS, black_box(&body), &signature))
            .expect("valid");
    });
    per_run("decode::<Alert> (the server)", || {
        black_box(decode::<Alert>(black_box(&body), now)).expect("valid");
    });
}
