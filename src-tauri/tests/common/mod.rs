//! Test harness: a real `auxilio-server` on loopback (its own SQLite file,
//! the demo data), and the app on Tauri's mock runtime with a real core in a
//! temporary directory. Commands go through IPC exactly as the web view
//! sends them, including the app's ACL (capabilities) from `context()`.

#![allow(dead_code)]

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
    pub dir: TempDir,
}

/// The app with a fresh data directory, talking to `server`.
pub fn app(server: &url::Url) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let startup = Startup {
        data_dir: Some(dir.path().to_path_buf()),
        server: Some(server.clone()),
        ..Startup::new()
    };
    let app = app_builder(mock_builder()).build(context()).unwrap();
    init(app.handle(), startup).unwrap();
    let (tx, events) = mpsc::channel();
    for name in [
        auxilio_app_lib::events::EVENT_CORE,
        auxilio_app_lib::events::EVENT_UNIT_ASSIGNMENT,
        auxilio_app_lib::events::EVENT_ENROLL_LINK,
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
        dir,
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
