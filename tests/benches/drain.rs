//! How long a phone takes to empty a backlog of 10,000 position updates
//! once the server comes back (target: under 5 s).
//!
//! The real server (in this process, behind the fault layer) goes down;
//! fifty alerts are raised and tracked quickly until
//! 10,000 position updates (200 per alert, the per-alert bound) wait in
//! the outbox; the server comes back on the same port, the shell reports
//! connectivity, and the clock runs until `wait_drained` resolves.
//!
//! Run: `cargo bench -p auxilio-e2e --bench drain`.

use std::time::{Duration, Instant};

use auxilio_core::{OutboxItemKind, SosRequest};
use auxilio_e2e::harness::{enrolled_phone, keep_feeding, quick_config};
use auxilio_e2e::{Route, TestServer};
use auxilio_protocol::AlertKind;

// Core tracks at most every 100 ms, so the backlog is built by many alerts
// tracked at once: 50 alerts x 200 newest positions each.
const ALERTS: usize = 50;
const PER_ALERT: u32 = 200;
const TOTAL: usize = ALERTS * PER_ALERT as usize;
const TRACKING: Duration = Duration::from_secs(22);

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let rx = TestServer::up().await.expect("the server starts");
    let mut config = quick_config(dir.path(), rx.url());
    config.max_positions_per_alert = PER_ALERT;
    config.tracking_interval = Duration::from_millis(100);
    // Tracking ends before the drain starts, so the backlog is fixed.
    config.tracking_max = TRACKING;
    // Production backoff: only connectivity_restored makes the retry prompt.
    config.backoff_initial = Duration::from_secs(1);
    config.backoff_cap = Duration::from_secs(60);
    let batch = config.position_batch_max;
    let core = enrolled_phone(&rx, config)
        .await
        .expect("the phone enrolls");

    rx.stop().await;
    let gps = keep_feeding(&core, Duration::from_millis(20));
    for _ in 0..ALERTS {
        core.raise_sos(SosRequest {
            kind: AlertKind::Asalto,
            silent: false,
            note: None,
            battery_pct: None,
        })
        .await
        .expect("the SOS is queued");
    }
    let fill_started = Instant::now();
    // Wait for tracking to end (and, if the phone is slow, for the backlog).
    loop {
        let done = fill_started.elapsed() > TRACKING + Duration::from_millis(500);
        if (done && positions_queued(&core) >= TOTAL)
            || fill_started.elapsed() > TRACKING + Duration::from_secs(60)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    drop(gps);
    let queued = positions_queued(&core);
    println!(
        "backlog: {queued} position updates + {ALERTS} alerts queued in {:.1} s (server down)",
        fill_started.elapsed().as_secs_f64()
    );

    rx.restart().await.expect("the server comes back");
    let started = Instant::now();
    core.connectivity_restored();
    let report = core.wait_drained().await.expect("the queue drains");
    let elapsed = started.elapsed();

    let stored = rx.position_count();
    let alerts = rx.committed_alerts();
    let once = alerts.iter().all(|id| rx.committed_count(*id) == 1);
    println!(
        "requests: {} alert posts, {} position batches (batch size {batch}); duplicates re-sent: {}",
        rx.requests(Route::Alert),
        rx.requests(Route::Positions),
        rx.duplicate_positions()
    );
    if stored < TOTAL {
        println!(
            "warning: the backlog was {stored}, not {TOTAL}: the phone could not queue fast enough"
        );
    }
    println!(
        "result: drained {stored} position updates (+{} alerts, each stored once: {once}) to the real loopback \
         server in {:.0} ms ({:.0} updates/s); wedged rows: {}; target < 5000 ms: {}",
        alerts.len(),
        elapsed.as_secs_f64() * 1000.0,
        stored as f64 / elapsed.as_secs_f64().max(1e-9),
        report.wedged.len(),
        if elapsed < Duration::from_secs(5) { "met" } else { "MISSED" },
    );
    core.shutdown().await;
}

fn positions_queued(core: &auxilio_core::Core) -> usize {
    core.pending()
        .map(|p| {
            p.iter()
                .filter(|i| i.item == OutboxItemKind::Position)
                .count()
        })
        .unwrap_or(0)
}
