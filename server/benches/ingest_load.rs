//! Durable ingest under load, on loopback, in one process:
//! DEVICES enrolled phones post pre-signed alerts from CONCURRENCY client
//! tasks while SUBSCRIBERS consoles hold the live stream open. Prints the
//! committed throughput, the request latency (p50/p99), and the time from
//! sending an alert to its arrival on a subscriber (p50/p99).
//!
//! `cargo bench -p auxilio-server --bench ingest_load`
//! (knobs: AUXILIO_BENCH_ALERTS, _DEVICES, _SUBSCRIBERS, _CONCURRENCY, _RATE)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use auxilio_protocol::wire::{HEADER_DEVICE, HEADER_SIGNATURE, PATH_ALERTS};
use auxilio_protocol::*;
use auxilio_server::auth::hash_password;
use auxilio_server::model::Role;
use auxilio_server::ratelimit::Rate;
use auxilio_server::server::serve_on;
use auxilio_server::store::sqlite::SqliteStore;
use auxilio_server::store::{Command, NewAccount, NewCode, Store};
use auxilio_server::{AppState, Settings};
use support::cpu::cpu_time;
use support::{alert, knob};
use uuid::Uuid;

mod support;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Reads one SSE stream, recording when each alert id arrives.
async fn subscribe(
    mut resp: reqwest::Response,
    arrivals: Option<Arc<Mutex<HashMap<String, Instant>>>>,
) {
    let Some(arrivals) = arrivals else {
        // The other subscribers only drain their stream: the generator's own
        // parsing would otherwise eat the CPU the server is measured on.
        while let Ok(Some(_)) = resp.chunk().await {}
        return;
    };
    let mut buf = String::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        let now = Instant::now();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        let mut seen = Vec::new();
        let mut cursor = 0;
        while let Some(end) = buf[cursor..].find("\n\n") {
            let block = &buf[cursor..cursor + end];
            cursor += end + 2;
            if block.contains("event: alert") {
                if let Some(pos) = block.find("\"id\":\"") {
                    seen.push(block[pos + 6..].chars().take(36).collect::<String>());
                }
            }
        }
        buf.drain(..cursor);
        let mut arrivals = arrivals.lock().unwrap();
        for id in seen {
            arrivals.insert(id, now);
        }
    }
}

#[tokio::main]
async fn main() {
    let total = knob("ALERTS", 20_000);
    let devices = knob("DEVICES", 1_000);
    let subscribers = knob("SUBSCRIBERS", 200);
    let concurrency = knob("CONCURRENCY", 256);
    // Alerts per second; 0 posts as fast as possible. A paced run measures
    // tap-to-pin latency at a realistic load instead of under saturation.
    let rate = knob("RATE", 0);

    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("bench.db")).unwrap());
    let setup = vec![
        Command::CreateCode(NewCode {
            code: "bench".into(),
            organization_id: None,
            max_uses: None,
            expires_at_ms: None,
        }),
        Command::CreateAccount(NewAccount {
            username: "central".into(),
            role: Role::Operator,
            password_hash: hash_password("bench").unwrap(),
            unit_id: None,
        }),
    ];
    store.apply(setup, now_ms()).unwrap();
    // The server runs as its own process (the real binary, as deployed)
    // unless AUXILIO_BENCH_IN_PROCESS=1; either way on this machine's cores.
    let in_process = knob("IN_PROCESS", 0) == 1;
    let (base, server_pid, _child) = if in_process {
        let off = Rate {
            per_minute: 0,
            burst: 0,
        };
        let settings = Settings {
            device_rate: off,
            ip_rate: off,
            ..Settings::default()
        };
        let state = AppState::new(store, settings).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(serve_on(listener, state));
        (base, None, None)
    } else {
        drop(store);
        let (base, child) = spawn_server(&dir.path().join("bench.db")).await;
        (base, child.id().map(|id| id.to_string()), Some(child))
    };
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();

    eprintln!("enrolling {devices} devices…");
    let mut keys = Vec::with_capacity(devices);
    for _ in 0..devices {
        let key = DeviceKey::generate().unwrap();
        let id = Uuid::new_v4();
        let req = EnrollRequest {
            v: PROTOCOL_VERSION,
            code: "bench".into(),
            device_id: id,
            public_key: key.public_key().to_base64(),
            profile: Profile {
                display_name: "Prueba".into(),
                phone: "+51 900 000 000".into(),
                ..Profile::default()
            },
        };
        let resp = http
            .post(format!("{base}/api/v1/enroll"))
            .json(&req)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        keys.push((id, key));
    }
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({"username": "central", "password": "bench"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_string();
    let arrivals: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let stream_client = reqwest::Client::new();
    for i in 0..subscribers {
        let resp = stream_client
            .get(format!("{base}/api/v1/stream"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        tokio::spawn(subscribe(resp, (i == 0).then(|| arrivals.clone())));
    }

    eprintln!("signing {total} alerts…");
    let mut work = Vec::with_capacity(total);
    for i in 0..total {
        let (id, key) = &keys[i % devices];
        let a = alert(*id, i);
        let body = serde_json::to_vec(&a).unwrap();
        let sig = key.sign_request("POST", PATH_ALERTS, &body);
        work.push((a.id.to_string(), *id, sig, body));
    }
    let work = Arc::new(Mutex::new(work));
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();

    eprintln!("posting with {concurrency} concurrent clients, {subscribers} subscribers…");
    let cpu_before = (cpu_time("self"), server_pid.as_deref().map(cpu_time));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (http, base, work, sent, latencies) = (
            http.clone(),
            base.clone(),
            work.clone(),
            sent.clone(),
            latencies.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let next = {
                    let mut work = work.lock().unwrap();
                    let left = work.len();
                    work.pop().map(|w| (total - left, w))
                };
                let Some((index, (alert_id, device, sig, body))) = next else {
                    break;
                };
                if rate > 0 {
                    let due = start + Duration::from_secs_f64(index as f64 / rate as f64);
                    tokio::time::sleep_until(due.into()).await;
                }
                let t0 = Instant::now();
                sent.lock().unwrap().insert(alert_id, t0);
                let resp = http
                    .post(format!("{base}{PATH_ALERTS}"))
                    .header(HEADER_DEVICE, device.to_string())
                    .header(HEADER_SIGNATURE, sig)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 201);
                latencies.lock().unwrap().push(t0.elapsed());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = start.elapsed();
    let cpu_after = (cpu_time("self"), server_pid.as_deref().map(cpu_time));
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut lat = latencies.lock().unwrap().clone();
    lat.sort();
    let sent = sent.lock().unwrap().clone();
    let arrivals = arrivals.lock().unwrap().clone();
    let mut pin: Vec<Duration> = sent
        .iter()
        .filter_map(|(id, t0)| arrivals.get(id).map(|t1| t1.saturating_duration_since(*t0)))
        .collect();
    pin.sort();
    println!("ingest_load: {total} alerts, {devices} devices, {subscribers} subscribers, {concurrency} concurrent clients, rate {rate}/s (0 = max), server {}", if in_process { "in this process" } else { "in its own process" });
    println!(
        "  committed throughput: {:.0} alerts/s ({:.2} s)",
        total as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    let per_alert = |d: Duration| d.as_secs_f64() * 1e6 / total as f64;
    match (cpu_before.1, cpu_after.1) {
        (Some(before), Some(after)) => println!(
            "  CPU per alert: server {:.0} µs, load generator and subscribers {:.0} µs",
            per_alert(after.saturating_sub(before)),
            per_alert(cpu_after.0.saturating_sub(cpu_before.0)),
        ),
        _ => println!(
            "  CPU per alert (server, generator and subscribers in one process): {:.0} µs",
            per_alert(cpu_after.0.saturating_sub(cpu_before.0)),
        ),
    }
    println!(
        "  request latency (201 after commit): p50 {:?}  p99 {:?}",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
    let metrics = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or(0.0)
    };
    let (sum, count) = (
        value("auxilio_group_commit_size_sum"),
        value("auxilio_group_commit_size_count"),
    );
    println!(
        "  group commit: {count} transactions, {:.1} commands each on average",
        sum / count.max(1.0)
    );
    let (busy, txns) = (
        value("auxilio_group_commit_seconds_sum"),
        value("auxilio_group_commit_seconds_count"),
    );
    println!(
        "  writer busy {busy:.2} s in total, {:.2} ms per transaction",
        1000.0 * busy / txns.max(1.0)
    );
    println!(
        "  send → subscriber: p50 {:?}  p99 {:?}  ({} of {} seen)",
        percentile(&pin, 0.5),
        percentile(&pin, 0.99),
        pin.len(),
        total
    );
}

/// Starts the real `auxilio-server serve` on `db` with the rate limits off
/// and waits until it answers; the child is killed when dropped.
async fn spawn_server(db: &std::path::Path) -> (String, tokio::process::Child) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_auxilio-server"))
        .arg("--db")
        .arg(db)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--rate-device-per-min", "0", "--rate-ip-per-min", "0"])
        .env("AUXILIO_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("auxilio-server starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(Instant::now() < deadline, "auxilio-server did not answer");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (base, child)
}
