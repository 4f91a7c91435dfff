//! The fault layer: every request reaches the real `auxilio_server::app`
//! through here. Phone requests are read whole (to know which alerts they
//! are about), counted, and faulted as the test scripted: before the server
//! sees them (drop, 503, 429, 4xx, captive portal, delay, hold) or after it
//! committed (drop, cut body, slow or held answer, replay). Responder and
//! console requests pass untouched and streamed.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use auxilio_protocol::{AlertId, ApiError};
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::response::IntoResponse;
use axum::{Json, Router};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::fault::{alert_path_id, Fault, Route};
use crate::journal::Answer;
use crate::wire::{ConnHandle, Wire};

/// The login page of the simulated captive portal.
pub(crate) const PORTAL_PATH: &str = "/portal/login";
/// Phone bodies are small; anything above this is passed as a 413.
const MAX_READ: usize = 4 * auxilio_protocol::limits::MAX_BODY_BYTES;

fn portal() -> Response<Body> {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<html><body><h1>Bienvenido al WiFi gratis</h1><p>Inicie sesión</p></body></html>",
    )
        .into_response()
}

fn made_up(status: StatusCode, kind: &str, retry_after: Option<HeaderValue>) -> Response<Body> {
    let body = ApiError {
        kind: kind.to_owned(),
        message: "made up by the test's fault layer".to_owned(),
    };
    let mut response = (status, Json(body)).into_response();
    if let Some(value) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn seconds(s: u64) -> Option<HeaderValue> {
    HeaderValue::from_str(&s.to_string()).ok()
}

/// Which alerts a phone request is about, and how many updates a batch has.
fn about(route: Route, path: &str, body: &[u8]) -> (Vec<AlertId>, Option<usize>) {
    #[derive(serde::Deserialize)]
    struct Id {
        id: AlertId,
    }
    #[derive(serde::Deserialize)]
    struct Update {
        alert_id: AlertId,
    }
    #[derive(serde::Deserialize)]
    struct Batch {
        updates: Vec<Update>,
    }
    match route {
        Route::Alert => (
            serde_json::from_slice::<Id>(body)
                .map(|a| vec![a.id])
                .unwrap_or_default(),
            None,
        ),
        Route::Positions => match serde_json::from_slice::<Batch>(body) {
            Ok(batch) => {
                let n = batch.updates.len();
                let mut ids: Vec<AlertId> = batch.updates.into_iter().map(|u| u.alert_id).collect();
                ids.dedup();
                (ids, Some(n))
            }
            Err(_) => (Vec::new(), None),
        },
        Route::Cancel => (alert_path_id(path, "cancel").into_iter().collect(), None),
        Route::Status => (alert_path_id(path, "status").into_iter().collect(), None),
        Route::Enroll => (Vec::new(), None),
    }
}

/// The same request again, for the server (a replay sends it twice).
fn rebuild(parts: &axum::http::request::Parts, peer: SocketAddr, body: Bytes) -> Request<Body> {
    let mut request = Request::new(Body::from(body));
    *request.method_mut() = parts.method.clone();
    *request.uri_mut() = parts.uri.clone();
    *request.version_mut() = parts.version;
    *request.headers_mut() = parts.headers.clone();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

/// Sends one request to the server and reads its (small) answer whole.
async fn forward(app: &Router, request: Request<Body>) -> (axum::http::response::Parts, Bytes) {
    let response = match app.clone().oneshot(request).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let (parts, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    (parts, bytes)
}

fn record(wire: &Wire, route: Route, alerts: &[AlertId], status: u16, body: &[u8], real: bool) {
    let error_kind = (status >= 400)
        .then(|| {
            serde_json::from_slice::<ApiError>(body)
                .ok()
                .map(|e| e.kind)
        })
        .flatten();
    wire.journal().answered(
        Answer {
            route,
            alerts: alerts.to_vec(),
            status,
            error_kind,
            from_server: real,
        },
        body,
    );
    wire.touch();
}

/// Handles one request on a connection.
pub(crate) async fn handle(
    wire: &Wire,
    app: &Router,
    conn: &ConnHandle,
    peer: SocketAddr,
    request: Request<hyper::body::Incoming>,
) -> Response<Body> {
    let (mut parts, body) = request.into_parts();
    if parts.uri.path() == PORTAL_PATH {
        return portal();
    }
    let Some(route) = Route::of(parts.method.as_str(), parts.uri.path()) else {
        parts.extensions.insert(ConnectInfo(peer));
        let request = Request::from_parts(parts, Body::new(body));
        return match app.clone().oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
    };
    let bytes = match http_body_util::Limited::new(body, MAX_READ).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let (alerts, batch) = about(route, parts.uri.path(), &bytes);
    wire.journal().arrived(route, &alerts, batch);
    let fault = wire.faults().take(route, &alerts);
    wire.touch();
    if let Some(f) = &fault {
        tracing::debug!(?route, fault = ?f, "injecting a fault");
    }
    let early = match &fault {
        Some(Fault::Drop) => return conn.drop_connection().await,
        Some(Fault::Unavailable { retry_after_s }) => Some(made_up(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            seconds(*retry_after_s),
        )),
        Some(Fault::UnavailableUntil { after }) => {
            let when = httpdate::fmt_http_date(SystemTime::now() + *after);
            Some(made_up(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                HeaderValue::from_str(&when).ok(),
            ))
        }
        Some(Fault::RateLimited { retry_after_s }) => Some(made_up(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            seconds(*retry_after_s),
        )),
        Some(Fault::Reject(code)) => Some(made_up(
            StatusCode::from_u16(*code).unwrap_or(StatusCode::BAD_REQUEST),
            "rejected",
            None,
        )),
        Some(Fault::CaptivePortal) => Some(
            (
                StatusCode::FOUND,
                [(header::LOCATION, PORTAL_PATH)],
                Body::empty(),
            )
                .into_response(),
        ),
        Some(Fault::HtmlOk) => Some(portal()),
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(*d).await;
            None
        }
        Some(Fault::Hold) => {
            wire.hold().await;
            None
        }
        _ => None,
    };
    if let Some(response) = early {
        record(wire, route, &alerts, response.status().as_u16(), &[], false);
        return response;
    }

    let (answer, answer_body) = forward(app, rebuild(&parts, peer, bytes.clone())).await;
    record(
        wire,
        route,
        &alerts,
        answer.status.as_u16(),
        &answer_body,
        true,
    );
    match fault {
        Some(Fault::DropAfterCommit) => return conn.drop_connection().await,
        Some(Fault::CutAfterCommit) => return cut(answer, answer_body),
        Some(Fault::CommitThenHold) => wire.hold().await,
        Some(Fault::SlowAnswer(d)) => tokio::time::sleep(d).await,
        Some(Fault::Replay) => {
            wire.journal().arrived(route, &alerts, batch);
            let (again, again_body) = forward(app, rebuild(&parts, peer, bytes)).await;
            record(
                wire,
                route,
                &alerts,
                again.status.as_u16(),
                &again_body,
                true,
            );
        }
        _ => {}
    }
    Response::from_parts(answer, Body::from(answer_body))
}

/// The answer with its full `Content-Length` but only half its body, then
/// (once that half is on the wire) a broken connection.
fn cut(parts: axum::http::response::Parts, body: Bytes) -> Response<Body> {
    let full = body.len();
    let half = body.slice(..full / 2);
    let chunks = futures::stream::unfold(Some(half), |half| async move {
        match half {
            Some(half) => Some((Ok(half), None)),
            None => {
                // Let the headers and the first half be written first.
                tokio::time::sleep(CUT_AFTER).await;
                Some((Err(std::io::Error::other("cut on purpose")), None))
            }
        }
    });
    let mut response = Response::from_parts(parts, Body::from_stream(chunks));
    if let Ok(len) = HeaderValue::from_str(&full.to_string()) {
        response.headers_mut().insert(header::CONTENT_LENGTH, len);
    }
    response
}

/// How long a cut answer stays half-sent before its connection breaks.
const CUT_AFTER: Duration = Duration::from_millis(100);

/// How long the accept loop waits after a failed accept.
pub(crate) const ACCEPT_RETRY: Duration = Duration::from_millis(10);
