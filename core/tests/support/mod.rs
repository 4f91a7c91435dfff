//! A small serenazgo stand-in on loopback for core's delivery tests: it
//! verifies every signature with `auxilio-protocol`, decodes and validates
//! every body, stores alerts once by id and positions once by (id, seq), and
//! can be told to fail on purpose.

#![allow(dead_code, clippy::result_large_err)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auxilio_core::protocol::{
    self, wire, Alert, AlertStatus, AlertView, ApiError, Cancel, EnrollRequest, EnrollResponse,
    Fix, PositionBatch, PublicKey,
};
use auxilio_core::{CoreConfig, Profile};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use uuid::Uuid;

/// What the next signed POST gets instead of a normal answer.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer this status (with `Retry-After` seconds if given), store nothing.
    Status(u16, Option<u64>),
    /// Store the message, then answer 500 (the phone never learns it worked).
    CommitThen500,
    /// Wait this long before handling the request normally.
    Slow(Duration),
    /// Answer 200 with an HTML page, store nothing (a captive portal).
    Portal,
}

#[derive(Default)]
pub struct Seen {
    pub devices: HashMap<Uuid, PublicKey>,
    pub sms_number: Option<String>,
    pub alerts: BTreeMap<Uuid, (Alert, AlertView)>,
    /// Every alert POST that reached the handler (duplicates included).
    pub alert_posts: usize,
    pub positions: BTreeMap<(Uuid, u32), Fix>,
    pub duplicate_positions: usize,
    /// Size of every position batch accepted.
    pub batches: Vec<usize>,
    pub cancels: Vec<Uuid>,
    /// "alert <id>", "positions", "cancel <id>" in the order they were stored.
    pub log: Vec<String>,
    pub faults: VecDeque<Fault>,
    /// Every signed POST that arrived, failed on purpose or not.
    pub posts: usize,
    /// When set, every request gets 503.
    pub down: bool,
}

#[derive(Clone)]
pub struct TestServer {
    pub url: url::Url,
    pub seen: Arc<Mutex<Seen>>,
}

type Shared = Arc<Mutex<Seen>>;

fn now() -> i64 {
    protocol::now_ms()
}

fn error(status: u16, kind: &str, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        code,
        Json(ApiError {
            kind: kind.into(),
            message: message.into(),
        }),
    )
        .into_response()
}

fn fault_response(status: u16, retry_after: Option<u64>) -> Response {
    let mut resp = error(status, "injected", "injected failure");
    if let Some(s) = retry_after {
        resp.headers_mut()
            .insert("retry-after", HeaderValue::from(s));
    }
    resp
}

/// Checks the signature headers; returns the device id.
fn verify(
    seen: &Seen,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Uuid, Response> {
    let device = headers
        .get(wire::HEADER_DEVICE)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| error(401, "unauthorized", "missing device"))?;
    let sig = headers
        .get(wire::HEADER_SIGNATURE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| error(401, "unauthorized", "missing signature"))?;
    let key = seen
        .devices
        .get(&device)
        .ok_or_else(|| error(403, "unknown_device", "unknown device"))?;
    key.verify_request(method.as_str(), uri.path(), body, sig)
        .map_err(|_| error(401, "bad_signature", "bad signature"))?;
    Ok(device)
}

enum Step {
    Normal,
    ThenFail,
}

/// Applies the next fault, if any. `Err` is the answer to give instead.
async fn take_fault(state: &Shared) -> Result<Step, Response> {
    let fault = {
        let mut seen = state.lock().unwrap();
        seen.posts += 1;
        if seen.down {
            return Err(fault_response(503, None));
        }
        seen.faults.pop_front()
    };
    match fault {
        None => Ok(Step::Normal),
        Some(Fault::Status(code, ra)) => Err(fault_response(code, ra)),
        Some(Fault::Portal) => Err((
            StatusCode::OK,
            [("content-type", "text/html")],
            "<html>Inicie sesion en la red WiFi</html>",
        )
            .into_response()),
        Some(Fault::CommitThen500) => Ok(Step::ThenFail),
        Some(Fault::Slow(d)) => {
            tokio::time::sleep(d).await;
            Ok(Step::Normal)
        }
    }
}

fn view(id: Uuid) -> AlertView {
    AlertView {
        id,
        status: AlertStatus::New,
        received_at_ms: now(),
        updated_at_ms: now(),
        outcome: None,
        unit_distance_m: None,
        unit_name: None,
    }
}

async fn enroll(State(state): State<Shared>, body: Bytes) -> Response {
    let req: EnrollRequest = match protocol::decode(&body, now()) {
        Ok(r) => r,
        Err(e) => return error(400, e.kind(), &e.to_string()),
    };
    if req.code != "EP-2024" {
        return error(403, "bad_code", "unknown enrollment code");
    }
    let Ok(key) = PublicKey::from_base64(&req.public_key) else {
        return error(400, "bad_key", "bad key");
    };
    let mut seen = state.lock().unwrap();
    seen.devices.insert(req.device_id, key);
    let resp = EnrollResponse {
        device_id: req.device_id,
        organization: Some("Mototaxis El Cortijo".into()),
        place: None,
        sms_number: seen.sms_number.clone(),
    };
    (StatusCode::CREATED, Json(resp)).into_response()
}

async fn alerts(
    State(state): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let step = match take_fault(&state).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut seen = state.lock().unwrap();
    seen.alert_posts += 1;
    let device = match verify(&seen, &method, &uri, &headers, &body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let alert: Alert = match protocol::decode(&body, now()) {
        Ok(a) => a,
        Err(e) => return error(400, e.kind(), &e.to_string()),
    };
    if alert.device_id != device {
        return error(403, "device_mismatch", "device mismatch");
    }
    let id = alert.id;
    let created = !seen.alerts.contains_key(&id);
    if created {
        seen.alerts.insert(id, (alert, view(id)));
        seen.log.push(format!("alert {id}"));
    }
    if matches!(step, Step::ThenFail) {
        return error(500, "injected", "committed, then failed");
    }
    let v = seen.alerts[&id].1.clone();
    let code = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (code, Json(v)).into_response()
}

async fn positions(
    State(state): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let step = match take_fault(&state).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut seen = state.lock().unwrap();
    if let Err(r) = verify(&seen, &method, &uri, &headers, &body) {
        return r;
    }
    let batch: PositionBatch = match protocol::decode(&body, now()) {
        Ok(b) => b,
        Err(e) => return error(400, e.kind(), &e.to_string()),
    };
    let (mut accepted, mut duplicates) = (0u32, 0u32);
    for u in &batch.updates {
        if !seen.alerts.contains_key(&u.alert_id) {
            return error(404, "unknown_alert", "unknown alert");
        }
    }
    for u in batch.updates {
        if seen.positions.insert((u.alert_id, u.seq), u.fix).is_none() {
            accepted += 1;
        } else {
            duplicates += 1;
            seen.duplicate_positions += 1;
        }
    }
    let n = accepted as usize + duplicates as usize;
    seen.batches.push(n);
    seen.log.push("positions".into());
    if matches!(step, Step::ThenFail) {
        return error(500, "injected", "committed, then failed");
    }
    Json(protocol::BatchReceipt {
        accepted,
        duplicates,
    })
    .into_response()
}

async fn cancel(
    State(state): State<Shared>,
    Path(id): Path<Uuid>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = take_fault(&state).await {
        return r;
    }
    let mut seen = state.lock().unwrap();
    if let Err(r) = verify(&seen, &method, &uri, &headers, &body) {
        return r;
    }
    let c: Cancel = match protocol::decode(&body, now()) {
        Ok(c) => c,
        Err(e) => return error(400, e.kind(), &e.to_string()),
    };
    if c.alert_id != id {
        return error(400, "invalid", "id mismatch");
    }
    let Some((_, v)) = seen.alerts.get_mut(&id) else {
        return error(404, "unknown_alert", "unknown alert");
    };
    if !v.status.is_terminal() {
        v.status = AlertStatus::Cancelled;
        v.updated_at_ms = now();
    }
    let v = v.clone();
    seen.cancels.push(id);
    seen.log.push(format!("cancel {id}"));
    Json(v).into_response()
}

async fn status(
    State(state): State<Shared>,
    Path(id): Path<Uuid>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let seen = state.lock().unwrap();
    if seen.down {
        return fault_response(503, None);
    }
    if let Err(r) = verify(&seen, &method, &uri, &headers, b"") {
        return r;
    }
    match seen.alerts.get(&id) {
        Some((_, v)) => Json(v.clone()).into_response(),
        None => error(404, "unknown_alert", "unknown alert"),
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        let seen: Shared = Arc::new(Mutex::new(Seen::default()));
        let app = Router::new()
            .route(wire::PATH_ENROLL, post(enroll))
            .route(wire::PATH_ALERTS, post(alerts))
            .route(wire::PATH_POSITIONS, post(positions))
            .route("/api/v1/alerts/{id}/cancel", post(cancel))
            .route("/api/v1/alerts/{id}/status", get(status))
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestServer {
            url: url::Url::parse(&format!("http://{addr}/")).unwrap(),
            seen,
        }
    }

    pub fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap()
    }

    /// What an operator does: move the alert to `status`.
    pub fn set_status(&self, id: Uuid, status: AlertStatus) {
        let mut seen = self.seen();
        let (_, v) = seen.alerts.get_mut(&id).expect("alert on the server");
        v.status = status;
        v.updated_at_ms = now();
        if status == AlertStatus::EnRoute {
            v.unit_name = Some("Serenazgo 07".into());
            v.unit_distance_m = Some(850.0);
        }
    }
}

/// An address where nothing listens.
/// Waits (at most 20 s) until the outbox is empty.
pub async fn drained(core: &auxilio_core::Core) -> auxilio_core::DrainReport {
    tokio::time::timeout(Duration::from_secs(20), core.wait_drained())
        .await
        .expect("drained in time")
        .unwrap()
}

pub fn dead_url() -> url::Url {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    url::Url::parse(&format!("http://{addr}/")).unwrap()
}

/// Fast timings for tests.
pub fn config(dir: &std::path::Path, server: url::Url) -> CoreConfig {
    let mut c = CoreConfig::new(dir, server);
    c.fix_deadline = Duration::from_millis(300);
    c.backoff_initial = Duration::from_millis(20);
    c.backoff_cap = Duration::from_millis(200);
    c.request_timeout = Duration::from_secs(2);
    c.status_poll_interval = Duration::from_millis(50);
    c.tracking_interval = Duration::from_millis(50);
    c
}

pub fn profile() -> Profile {
    Profile {
        display_name: "Rosa Quispe".into(),
        dni: Some("40123456".into()),
        phone: "+51 944 123 456".into(),
        role: auxilio_core::protocol::ReporterRole::MototaxiDriver,
        plate: Some("M1-234".into()),
        place: None,
    }
}

/// A live GPS fix in El Porvenir measured `age_ms` ago.
pub fn gps(age_ms: i64, accuracy_m: f64) -> Fix {
    Fix {
        lat: -8.0712,
        lon: -79.0105,
        accuracy_m,
        altitude_m: None,
        speed_mps: None,
        heading_deg: None,
        fixed_at_ms: now() - age_ms,
        source: auxilio_core::FixSource::Gps,
    }
}

/// Waits (at most 10 s) for the first event that `pick` accepts.
pub async fn next_event<T>(
    rx: &mut tokio::sync::broadcast::Receiver<auxilio_core::CoreEvent>,
    mut pick: impl FnMut(&auxilio_core::CoreEvent) -> Option<T>,
) -> T {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match rx.recv().await {
                Ok(ev) => {
                    if let Some(t) = pick(&ev) {
                        return t;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(e) => panic!("event channel closed: {e}"),
            }
        }
    })
    .await
    .expect("event in time")
}
