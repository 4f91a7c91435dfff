//! What the benchmarks share: their knobs and a typical alert.

use auxilio_protocol::*;
use uuid::Uuid;

#[allow(dead_code)] // used by ingest_load only
pub mod cpu;

/// `AUXILIO_BENCH_<name>` from the environment, or `default`.
pub fn knob(name: &str, default: usize) -> usize {
    std::env::var(format!("AUXILIO_BENCH_{name}"))
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `i`th alert of a run: a mototaxi driver somewhere in El Porvenir.
pub fn alert(device: Uuid, i: usize) -> Alert {
    let now = now_ms();
    Alert {
        v: PROTOCOL_VERSION,
        id: Uuid::now_v7(),
        device_id: device,
        kind: AlertKind::ALL[i % AlertKind::ALL.len()],
        created_at_ms: now,
        fix: Some(Fix {
            lat: -8.07 - (i % 100) as f64 * 1e-4,
            lon: -79.0 + (i % 37) as f64 * 1e-4,
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
    }
}
