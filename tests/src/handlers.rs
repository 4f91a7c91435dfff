//! The HTTP side of the receiver: authenticate, decode, apply the scripted
//! fault, store, answer. Every body is checked with
//! `auxilio_protocol::decode` and every signed request with
//! `PublicKey::verify_request` over the exact bytes received.

use std::sync::Arc;

use auxilio_protocol::limits::MAX_BODY_BYTES;
use auxilio_protocol::wire::{
    HEADER_DEVICE, HEADER_SIGNATURE, PATH_ALERTS, PATH_ENROLL, PATH_POSITIONS,
};
use auxilio_protocol::{decode, now_ms, AlertId, ApiError, DeviceId};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Serialize;

use crate::fault::{Fault, Route};
use crate::shared::{ConnHandle, Shared};
use crate::state::{Refusal, State as Store};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(PATH_ENROLL, post(enroll))
        .route(PATH_ALERTS, post(alert))
        .route(PATH_POSITIONS, post(positions))
        .route("/api/v1/alerts/{id}/cancel", post(cancel))
        .route("/api/v1/alerts/{id}/status", get(status))
        .route(PORTAL_PATH, get(portal).post(portal))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared)
}

/// The login page of the simulated captive portal.
const PORTAL_PATH: &str = "/portal/login";

async fn portal() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<html><body><h1>Bienvenido al WiFi gratis</h1><p>Inicie sesión</p></body></html>",
    )
        .into_response()
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ApiError {
            kind: self.kind.to_owned(),
            message: self.message,
        };
        (status, Json(body)).into_response()
    }
}

fn ok<T: Serialize>(status: StatusCode, body: T) -> Response {
    (status, Json(body)).into_response()
}

fn invalid(e: auxilio_protocol::ProtocolError) -> Refusal {
    Refusal::new(400, e.kind(), e.to_string())
}

/// A signed POST: who signed it, and its body decoded and validated.
fn signed_post<T: serde::de::DeserializeOwned + auxilio_protocol::Validate>(
    shared: &Shared,
    headers: &HeaderMap,
    uri: &Uri,
    body: &[u8],
) -> Result<(DeviceId, T), Refusal> {
    let device = authenticate(shared, headers, "POST", uri.path(), body)?;
    let msg = decode::<T>(body, now_ms()).map_err(invalid)?;
    Ok((device, msg))
}

fn authenticate(
    shared: &Shared,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<DeviceId, Refusal> {
    let unauthenticated = |what: &str| Refusal::new(401, "unauthenticated", what);
    let device = headers
        .get(HEADER_DEVICE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| uuid::Uuid::parse_str(v).ok())
        .ok_or_else(|| unauthenticated("missing or malformed device header"))?;
    let signature = headers
        .get(HEADER_SIGNATURE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthenticated("missing signature"))?;
    let key = shared
        .lock()
        .key_of(&device)
        .ok_or_else(|| Refusal::new(403, "unknown_device", "device not enrolled"))?;
    key.verify_request(method, path, body, signature)
        .map_err(|_| Refusal::new(401, "bad_signature", "signature does not verify"))?;
    Ok(device)
}

fn with_retry_after(status: StatusCode, kind: &'static str, seconds: u64) -> Response {
    let mut response = Refusal::new(status.as_u16(), kind, "try again later").into_response();
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Applies the scripted fault around `commit`, which stores the message
/// under the state lock and builds the answer.
async fn run(
    shared: &Shared,
    conn: &ConnHandle,
    route: Route,
    alerts: &[AlertId],
    commit: impl FnOnce(&mut Store) -> Response,
) -> Response {
    let fault = shared.lock().faults.take(route, alerts);
    if let Some(f) = &fault {
        tracing::debug!(?route, fault = ?f, "injecting fault");
    }
    match &fault {
        Some(Fault::Drop) => return conn.drop_connection().await,
        Some(Fault::Unavailable { retry_after_s }) => {
            return with_retry_after(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                *retry_after_s,
            )
        }
        Some(Fault::RateLimited { retry_after_s }) => {
            return with_retry_after(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                *retry_after_s,
            )
        }
        Some(Fault::Reject(code)) => {
            return Refusal::new(*code, "rejected", "refused on purpose by the test receiver")
                .into_response()
        }
        Some(Fault::CaptivePortal) => {
            return (StatusCode::FOUND, [(header::LOCATION, PORTAL_PATH)], "").into_response()
        }
        Some(Fault::HtmlOk) => return portal().await,
        Some(Fault::Delay(d)) => tokio::time::sleep(*d).await,
        Some(Fault::Hold) => shared.hold().await,
        Some(Fault::DropAfterCommit) | Some(Fault::CommitThenHold) | None => {}
    }
    let response = {
        let mut state = shared.lock();
        commit(&mut state)
    };
    shared.touch();
    match fault {
        Some(Fault::DropAfterCommit) => conn.drop_connection().await,
        Some(Fault::CommitThenHold) => {
            shared.hold().await;
            response
        }
        _ => response,
    }
}

async fn enroll(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<ConnHandle>,
    body: Bytes,
) -> Response {
    shared.count(Route::Enroll);
    let req = match decode::<auxilio_protocol::EnrollRequest>(&body, now_ms()) {
        Ok(r) => r,
        Err(e) => return invalid(e).into_response(),
    };
    run(&shared, &conn, Route::Enroll, &[], |s| {
        match s.enroll(req) {
            Ok(resp) => ok(StatusCode::CREATED, resp),
            Err(r) => r.into_response(),
        }
    })
    .await
}

async fn alert(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<ConnHandle>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    shared.count(Route::Alert);
    let (device, alert) =
        match signed_post::<auxilio_protocol::Alert>(&shared, &headers, &uri, &body) {
            Ok(signed) => signed,
            Err(r) => return r.into_response(),
        };
    let id = alert.id;
    run(&shared, &conn, Route::Alert, &[id], |s| {
        match s.store_alert(device, alert) {
            Ok((true, view)) => ok(StatusCode::CREATED, view),
            Ok((false, view)) => ok(StatusCode::OK, view),
            Err(r) => r.into_response(),
        }
    })
    .await
}

async fn positions(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<ConnHandle>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    shared.count(Route::Positions);
    let (device, batch) =
        match signed_post::<auxilio_protocol::PositionBatch>(&shared, &headers, &uri, &body) {
            Ok(signed) => signed,
            Err(r) => return r.into_response(),
        };
    let mut alerts: Vec<AlertId> = batch.updates.iter().map(|u| u.alert_id).collect();
    alerts.dedup();
    run(&shared, &conn, Route::Positions, &alerts, |s| {
        match s.store_positions(device, batch) {
            Ok(receipt) => ok(StatusCode::OK, receipt),
            Err(r) => r.into_response(),
        }
    })
    .await
}

fn path_id(raw: &str) -> Result<AlertId, Refusal> {
    uuid::Uuid::parse_str(raw).map_err(|_| Refusal::new(404, "not_found", "unknown alert"))
}

async fn cancel(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<ConnHandle>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    shared.count(Route::Cancel);
    let device = match authenticate(&shared, &headers, "POST", uri.path(), &body) {
        Ok(d) => d,
        Err(r) => return r.into_response(),
    };
    let id = match path_id(&raw_id) {
        Ok(id) => id,
        Err(r) => return r.into_response(),
    };
    let cancel = match decode::<auxilio_protocol::Cancel>(&body, now_ms()) {
        Ok(c) => c,
        Err(e) => return invalid(e).into_response(),
    };
    run(&shared, &conn, Route::Cancel, &[id], |s| {
        match s.store_cancel(device, id, cancel) {
            Ok(view) => ok(StatusCode::OK, view),
            Err(r) => r.into_response(),
        }
    })
    .await
}

async fn status(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<ConnHandle>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    shared.count(Route::Status);
    let device = match authenticate(&shared, &headers, "GET", uri.path(), &body) {
        Ok(d) => d,
        Err(r) => return r.into_response(),
    };
    let id = match path_id(&raw_id) {
        Ok(id) => id,
        Err(r) => return r.into_response(),
    };
    run(&shared, &conn, Route::Status, &[id], |s| {
        match s.view(device, id) {
            Ok(view) => ok(StatusCode::OK, view),
            Err(r) => r.into_response(),
        }
    })
    .await
}
