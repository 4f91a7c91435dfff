//! Durability: the real `auxilio-server` binary is loaded with signed alerts
//! from several tasks, killed with SIGKILL mid-load, and restarted on the
//! same database. Every alert that was answered 201 must be there, once.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auxilio_protocol::now_ms;
use auxilio_protocol::wire::{HEADER_DEVICE, HEADER_SIGNATURE, PATH_ALERTS};
use auxilio_server::store::sqlite::SqliteStore;
use auxilio_server::store::{Command as StoreCommand, NewCode, Store};
use common::{Phone, CODE};

/// The server binary, next to the test binary's directory (target/debug).
fn server_binary() -> PathBuf {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(|dir| dir.join("auxilio-server")));
    match beside {
        Some(path) if path.exists() => path,
        _ => PathBuf::from(env!("CARGO_BIN_EXE_auxilio-server")),
    }
}

/// Kills the child if the test fails half-way.
struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(db: &Path) -> Server {
    let mut child = Command::new(server_binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        // Each phone posts as fast as it can; the per-device limit is tested
        // in limits.rs, not here.
        .args(["--rate-device-per-min", "0"])
        .env("AUXILIO_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the auxilio-server binary runs");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("the server prints its address")
        .to_string();
    Server(child, url)
}

async fn enroll(http: &reqwest::Client, base: &str) -> Phone {
    let phone = Phone::new();
    let body = axum::body::to_bytes(phone.enroll_request(CODE).into_body(), usize::MAX)
        .await
        .unwrap();
    let resp = http
        .post(format!("{base}/api/v1/enroll"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    phone
}

async fn post_alert(
    http: &reqwest::Client,
    base: &str,
    phone: &Phone,
    body: Vec<u8>,
) -> Result<u16, reqwest::Error> {
    let sig = phone.key.sign_request("POST", PATH_ALERTS, &body);
    let resp = http
        .post(format!("{base}{PATH_ALERTS}"))
        .header(HEADER_DEVICE, phone.id.to_string())
        .header(HEADER_SIGNATURE, sig)
        .body(body)
        .send()
        .await?;
    Ok(resp.status().as_u16())
}

/// An alert the server answered 201: who sent it, its id, its exact bytes.
type Answered = (Arc<Phone>, uuid::Uuid, Vec<u8>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_every_alert_answered_201_survives_sigkill_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("durable.db");
    {
        let store = SqliteStore::open(&db).unwrap();
        let code = NewCode {
            code: CODE.into(),
            organization_id: None,
            max_uses: None,
            expires_at_ms: None,
        };
        store
            .apply(vec![StoreCommand::CreateCode(code)], now_ms())
            .unwrap();
    }
    let server = start(&db);
    let base = server.1.clone();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    const TASKS: usize = 8;
    let mut phones = Vec::new();
    for _ in 0..TASKS {
        phones.push(Arc::new(enroll(&http, &base).await));
    }
    let acked: Arc<Mutex<Vec<Answered>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let interrupted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for phone in &phones {
        let (http, base, phone, acked, stop) = (
            http.clone(),
            base.clone(),
            phone.clone(),
            acked.clone(),
            stop.clone(),
        );
        let interrupted = interrupted.clone();
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let alert = phone.alert();
                let body = serde_json::to_vec(&alert).unwrap();
                match post_alert(&http, &base, &phone, body.clone()).await {
                    Ok(201) => acked.lock().unwrap().push((phone.clone(), alert.id, body)),
                    Ok(status) => panic!("unexpected status {status}"),
                    // The server died under us: this one was never answered.
                    Err(_) => {
                        interrupted.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                }
            }
        }));
    }
    // Kill it mid-load, once a good number were answered.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < 300 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut server = server;
    server.0.kill().unwrap(); // SIGKILL on Unix
    server.0.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        interrupted.load(Ordering::SeqCst) > 0,
        "the kill did not land mid-load"
    );
    assert!(
        acked.len() >= 300,
        "only {} alerts were answered before the deadline",
        acked.len()
    );

    // Restart on the same file: every answered alert is there, once.
    let restarted = start(&db);
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        for (_, id, _) in &acked {
            let n: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM alerts WHERE id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(n, 1, "alert answered 201 is missing after SIGKILL");
            let events: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM events WHERE kind = 'alert' AND alert_id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(events, 1);
        }
    }
    // A phone retrying an answered alert is told it is already stored.
    for (phone, _, body) in acked.iter().take(20) {
        assert_eq!(
            post_alert(&http, &restarted.1, phone, body.clone())
                .await
                .unwrap(),
            200
        );
    }
}
