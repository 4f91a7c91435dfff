//! Test harness: a real `auxilio-server` on loopback (its own SQLite file,
//! the demo data), and the app on Tauri's mock runtime with a real core in a
//! temporary directory. Commands go through IPC exactly as the web view
//! sends them, including the app's ACL (capabilities) from `context()`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use auxilio_app_lib::{app_builder, context, init, Startup};
use auxilio_server::demo::DemoCredentials;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Listener, WebviewWindow};
use tempfile::TempDir;

pub struct TestServer {
    pub url: url::Url,
    pub state: auxilio_server::AppState,
    pub creds: DemoCredentials,
    _dir: TempDir,
}

/// Starts a seeded server on 127.0.0.1 (a free port) on Tauri's runtime.
pub fn server() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let state = auxilio_server::server::open_state(
        &dir.path().join("server.db"),
        auxilio_server::Settings::default(),
    )
    .unwrap();
    let creds = auxilio_server::demo::seed(state.store.as_ref()).unwrap();
    let listener =
        tauri::async_runtime::block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    tauri::async_runtime::spawn(auxilio_server::server::serve_on(listener, state.clone()));
    TestServer {
        url: format!("http://{addr}").parse().unwrap(),
        state,
        creds,
        _dir: dir,
    }
}

pub struct TestApp {
    pub app: tauri::App<MockRuntime>,
    pub window: WebviewWindow<MockRuntime>,
    pub events: mpsc::Receiver<(String, Value)>,
    /// The app's data directory.
    pub data_dir: PathBuf,
    /// Owns `data_dir` when this app made it.
    pub dir: Option<TempDir>,
}

/// The app with a fresh data directory, talking to `server`.
pub fn app(server: &url::Url) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut t = app_in(server, dir.path());
    t.dir = Some(dir);
    t
}

/// The app on an existing data directory (a restart), talking to `server`.
pub fn app_in(server: &url::Url, data_dir: &Path) -> TestApp {
    let startup = Startup {
        data_dir: Some(data_dir.to_path_buf()),
        server: Some(server.clone()),
        ..Startup::new()
    };
    let app = app_builder(mock_builder()).build(context()).unwrap();
    init(app.handle(), startup).unwrap();
    let (tx, events) = mpsc::channel();
    for name in [
        auxilio_app_lib::events::EVENT_CORE,
        auxilio_app_lib::events::EVENT_SMS,
        auxilio_app_lib::events::EVENT_UNIT_ASSIGNMENT,
        auxilio_app_lib::events::EVENT_ENROLL_LINK,
        auxilio_app_lib::events::EVENT_UNIT_SESSION_ENDED,
        auxilio_app_lib::events::EVENT_UNIT_ALERT_CHANGED,
        auxilio_app_lib::events::EVENT_UNIT_STREAM,
        auxilio_app_lib::events::EVENT_UNIT_VIEW,
    ] {
        let tx = tx.clone();
        app.listen_any(name, move |e| {
            let v: Value = serde_json::from_str(e.payload()).unwrap();
            let _ = tx.send((name.to_string(), v));
        });
    }
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    TestApp {
        app,
        window,
        events,
        data_dir: data_dir.to_path_buf(),
        dir: None,
    }
}

/// `invoke(cmd, args)` from `window`, as its web view would.
pub fn invoke_in(
    window: &WebviewWindow<MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

impl TestApp {
    /// `invoke(cmd, args)` as the web view does it: Ok(value) or Err({kind, message}).
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke_in(&self.window, cmd, args)
    }

    /// The error `kind` of a command that must fail.
    pub fn error_kind(&self, cmd: &str, args: Value) -> String {
        let err = self
            .invoke(cmd, args)
            .expect_err(&format!("{cmd} should have failed"));
        assert!(
            err["message"].is_string(),
            "{cmd}: errors carry a message: {err}"
        );
        err["kind"]
            .as_str()
            .unwrap_or_else(|| panic!("{cmd}: not a tagged error: {err}"))
            .to_string()
    }

    /// Waits for an event on `name` whose payload matches.
    pub fn wait_event(&self, name: &str, what: impl Fn(&Value) -> bool, within: Duration) -> Value {
        let end = Instant::now() + within;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok((n, v)) if n == name && what(&v) => return v,
                Ok(_) => {}
                Err(_) => panic!("no matching {name} event within {within:?}"),
            }
        }
    }

    /// Every event on `name` up to and including the first whose payload
    /// matches (to count what came before it).
    pub fn events_until(
        &self,
        name: &str,
        what: impl Fn(&Value) -> bool,
        within: Duration,
    ) -> Vec<Value> {
        let end = Instant::now() + within;
        let mut seen = Vec::new();
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok((n, v)) if n == name => {
                    let done = what(&v);
                    seen.push(v);
                    if done {
                        return seen;
                    }
                }
                Ok(_) => {}
                Err(_) => panic!("no matching {name} event within {within:?}; saw {seen:?}"),
            }
        }
    }

    /// Stops this app's background work (duty, core) as an exit would, so
    /// another app can open the same data directory.
    pub fn shut_down(&self) {
        use tauri::Manager;
        let state = self.app.state::<auxilio_app_lib::AppState>();
        state.unit.stop_duty_task();
        tauri::async_runtime::block_on(state.core.shutdown());
    }

    /// Enrolls with the demo code.
    pub fn enroll(&self, server: &TestServer) -> Value {
        self.invoke(
            "enroll",
            json!({ "code": server.creds.code, "profile": profile() }),
        )
        .unwrap()
    }
}

pub fn profile() -> Value {
    json!({
        "display_name": "Vecina de prueba",
        "phone": "+51900000111",
        "role": "market_vendor"
    })
}

/// The alert as the server stored it.
pub fn server_alert(
    server: &TestServer,
    id: uuid::Uuid,
) -> Option<auxilio_server::model::AlertDetail> {
    tauri::async_runtime::block_on(server.state.read(move |s| s.alert_detail(id))).unwrap()
}

/// A responder's bearer token.
pub fn login(server: &TestServer, user: &(String, String)) -> String {
    let v: Value = tauri::async_runtime::block_on(async {
        reqwest::Client::new()
            .post(server.url.join("/api/v1/login").unwrap())
            .json(&json!({ "username": user.0, "password": user.1 }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    v["token"].as_str().unwrap().to_string()
}

/// An operator moves an alert along (`acknowledged`, `dispatched`…).
pub fn transition(server: &TestServer, token: &str, id: uuid::Uuid, body: Value) -> Value {
    tauri::async_runtime::block_on(async {
        let r = reqwest::Client::new()
            .post(
                server
                    .url
                    .join(&format!("/api/v1/alerts/{id}/transition"))
                    .unwrap(),
            )
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "transition refused: {}",
            r.status()
        );
        r.json().await.unwrap()
    })
}

/// Waits until `cond` holds, polling every 20 ms; panics after `within`.
pub fn wait_until(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + within;
    while !cond() {
        assert!(Instant::now() < end, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Open live streams on the server (responders' and devices').
pub fn stream_subscribers(server: &TestServer) -> i64 {
    server.state.metrics.stream_subscribers.get()
}

/// A citizen raises an alert at a registered place; returns the app and the id.
pub fn citizen_alert(server: &TestServer) -> (TestApp, uuid::Uuid) {
    let citizen = app(&server.url);
    citizen.enroll(server);
    citizen
        .invoke(
            "set_position",
            json!({ "lat": -8.0682, "lon": -78.9961, "radiusM": 40.0 }),
        )
        .unwrap();
    let id: uuid::Uuid = citizen
        .invoke(
            "raise_sos",
            json!({ "req": { "kind": "asalto", "silent": false } }),
        )
        .unwrap()
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    citizen.wait_event(
        auxilio_app_lib::events::EVENT_CORE,
        |e| e["type"] == "received",
        Duration::from_secs(30),
    );
    (citizen, id)
}

/// The central acknowledges the alert and dispatches it to `unit_id`.
pub fn dispatch(server: &TestServer, operator: &str, id: uuid::Uuid, unit_id: i64) {
    transition(server, operator, id, json!({ "to": "acknowledged" }));
    transition(
        server,
        operator,
        id,
        json!({ "to": "dispatched", "unit_id": unit_id }),
    );
}

/// A TCP proxy in front of the server whose line can be cut: every open
/// connection is dropped and new ones are refused until `restore`.
pub struct Proxy {
    pub url: url::Url,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    refused: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    cut: tokio::sync::watch::Sender<u64>,
    accept: tauri::async_runtime::JoinHandle<()>,
}

impl Proxy {
    pub fn start(target: &url::Url) -> Proxy {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use std::sync::Arc;
        let upstream = format!(
            "{}:{}",
            target.host_str().unwrap(),
            target.port_or_known_default().unwrap()
        );
        let listener =
            tauri::async_runtime::block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let refused = Arc::new(AtomicUsize::new(0));
        let (cut, _) = tokio::sync::watch::channel(0u64);
        let (up2, refused2, cut2) = (up.clone(), refused.clone(), cut.clone());
        let accept = tauri::async_runtime::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    refused2.fetch_add(1, Ordering::SeqCst);
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                let mut cut_rx = cut2.subscribe();
                if !up2.load(Ordering::SeqCst) {
                    // Cut between the accept and the subscription.
                    continue;
                }
                tauri::async_runtime::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut_rx.changed() => {}
                    }
                });
            }
        });
        Proxy {
            url: format!("http://{addr}").parse().unwrap(),
            up,
            refused,
            cut,
            accept,
        }
    }

    /// Drops every open connection and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    pub fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Connections refused while cut.
    pub fn refused(&self) -> usize {
        self.refused.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

/// The foreground-service mode the shell asked for (what Android would run).
pub fn keepalive(t: &TestApp) -> Option<auxilio_app_lib::keepalive::Mode> {
    use tauri::Manager;
    t.app
        .state::<auxilio_app_lib::AppState>()
        .location
        .keepalive
        .mode()
}

/// `GET /api/v1/units` as a responder sees it.
pub fn units(server: &TestServer, token: &str) -> Vec<Value> {
    tauri::async_runtime::block_on(async {
        reqwest::Client::new()
            .get(server.url.join("/api/v1/units").unwrap())
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    })
}
