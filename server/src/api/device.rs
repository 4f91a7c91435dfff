//! The phone-facing API: enrollment and signed ingest.

use std::convert::Infallible;
use std::sync::Arc;

use auxilio_protocol::{
    decode, Alert, AlertId, AlertView, Cancel, DeviceId, EnrollRequest, PositionBatch, PublicKey,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures::Stream;
use tokio::sync::broadcast;

use crate::error::AppError;
use crate::extract::{parse_id, RawBody, SignedBody};
use crate::model::{StoredEvent, StreamPayload};
use crate::state::AppState;
use crate::store::{Applied, Command};

fn unexpected() -> AppError {
    AppError::internal()
}

/// `POST /api/v1/enroll` (unsigned: the code is the credential).
#[utoipa::path(post, path = "/api/v1/enroll", tag = "device",
    request_body(content = Object, description = "protocol::EnrollRequest"),
    responses((status = 201, description = "protocol::EnrollResponse"), (status = 400), (status = 403, description = "bad code"), (status = 409, description = "device id enrolled with another key")))]
pub async fn enroll(
    State(state): State<AppState>,
    RawBody(bytes): RawBody,
) -> Result<(StatusCode, Json<auxilio_protocol::EnrollResponse>), AppError> {
    let req: EnrollRequest = decode(&bytes, auxilio_protocol::now_ms())?;
    let public_key = PublicKey::from_base64(&req.public_key)?.to_bytes();
    match state
        .writer
        .submit(Command::Enroll { req, public_key })
        .await?
    {
        Applied::Enrolled(mut response) => {
            response.sms_number = state.settings.sms_number.clone();
            Ok((StatusCode::CREATED, Json(response)))
        }
        _ => Err(unexpected()),
    }
}

/// `POST /api/v1/alerts`: 201 the first time, 200 for the same id again.
#[utoipa::path(post, path = "/api/v1/alerts", tag = "device",
    request_body(content = Object, description = "protocol::Alert, signed"),
    responses((status = 201, description = "protocol::AlertView, newly stored"), (status = 200, description = "protocol::AlertView, already stored"),
        (status = 400), (status = 401), (status = 403), (status = 409), (status = 413), (status = 429)))]
pub async fn post_alert(
    State(state): State<AppState>,
    signed: SignedBody,
) -> Result<(StatusCode, Json<AlertView>), AppError> {
    let alert: Alert = decode(&signed.bytes, auxilio_protocol::now_ms())?;
    let cmd = Command::IngestAlert {
        device_id: signed.device_id,
        alert,
        raw: signed.bytes.to_vec(),
    };
    match state.writer.submit(cmd).await? {
        Applied::Alert {
            view,
            created: true,
        } => Ok((StatusCode::CREATED, Json(view))),
        Applied::Alert {
            view,
            created: false,
        } => Ok((StatusCode::OK, Json(view))),
        _ => Err(unexpected()),
    }
}

/// `POST /api/v1/positions`: deduplicated on `(alert_id, seq)`.
#[utoipa::path(post, path = "/api/v1/positions", tag = "device",
    request_body(content = Object, description = "protocol::PositionBatch, signed"),
    responses((status = 200, description = "protocol::BatchReceipt"), (status = 400), (status = 401), (status = 403), (status = 404, description = "unknown alert")))]
pub async fn post_positions(
    State(state): State<AppState>,
    signed: SignedBody,
) -> Result<Json<auxilio_protocol::BatchReceipt>, AppError> {
    let batch: PositionBatch = decode(&signed.bytes, auxilio_protocol::now_ms())?;
    match state
        .writer
        .submit(Command::IngestPositions {
            device_id: signed.device_id,
            batch,
        })
        .await?
    {
        Applied::Positions(receipt) => Ok(Json(receipt)),
        _ => Err(unexpected()),
    }
}

/// `POST /api/v1/alerts/{id}/cancel`.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/cancel", tag = "device",
    params(("id" = String, Path, description = "alert id")),
    request_body(content = Object, description = "protocol::Cancel, signed"),
    responses((status = 200, description = "protocol::AlertView"), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed: SignedBody,
) -> Result<Json<AlertView>, AppError> {
    let id = parse_id(&id)?;
    let cancel: Cancel = decode(&signed.bytes, auxilio_protocol::now_ms())?;
    if cancel.alert_id != id {
        return Err(AppError::bad_request(
            "invalid",
            "alert_id does not match the path",
        ));
    }
    match state
        .writer
        .submit(Command::Cancel {
            device_id: signed.device_id,
            cancel,
        })
        .await?
    {
        Applied::View(view) => Ok(Json(view)),
        _ => Err(unexpected()),
    }
}

async fn own_view(
    state: &AppState,
    device_id: DeviceId,
    id: AlertId,
) -> Result<AlertView, AppError> {
    state
        .read(move |s| s.device_alert_view(device_id, id))
        .await?
        .ok_or_else(|| AppError::not_found("unknown alert"))
}

/// `GET /api/v1/alerts/{id}/status` (signed, empty body).
#[utoipa::path(get, path = "/api/v1/alerts/{id}/status", tag = "device",
    params(("id" = String, Path, description = "alert id")),
    responses((status = 200, description = "protocol::AlertView"), (status = 401), (status = 403), (status = 404)))]
pub async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed: SignedBody,
) -> Result<Json<AlertView>, AppError> {
    let id = parse_id(&id)?;
    Ok(Json(own_view(&state, signed.device_id, id).await?))
}

fn view_event(view: &AlertView) -> Event {
    Event::default()
        .event("status")
        .json_data(view)
        .unwrap_or_else(|_| Event::default().event("status"))
}

/// `GET /api/v1/alerts/{id}/events` (signed, SSE): the current view at once,
/// then every change of the device's own alert; ends after a final status.
#[utoipa::path(get, path = "/api/v1/alerts/{id}/events", tag = "device",
    params(("id" = String, Path, description = "alert id")),
    responses((status = 200, description = "text/event-stream of protocol::AlertView (event `status`)"), (status = 401), (status = 403), (status = 404)))]
pub async fn events(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed: SignedBody,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let id = parse_id(&id)?;
    // Subscribe before reading so no change falls between the read and the stream.
    let rx = state.events.subscribe();
    let first = own_view(&state, signed.device_id, id).await?;
    let guard = crate::api::stream::SubscriberGuard::new(state.metrics.clone());
    let device_id = signed.device_id;
    let init = (Some(first), rx, state, false, guard);
    let stream = futures::stream::unfold(
        init,
        move |(pending, mut rx, state, done, guard)| async move {
            if let Some(view) = pending {
                let done = view.status.is_terminal();
                return Some((Ok(view_event(&view)), (None, rx, state, done, guard)));
            }
            if done {
                return None;
            }
            loop {
                let next: Result<Arc<StoredEvent>, _> = rx.recv().await;
                let view = match next {
                    Ok(ev) => match &ev.payload {
                        StreamPayload::Status(s) if s.alert_id == id => s.view.clone(),
                        _ => continue,
                    },
                    // Fell behind: read the current view from the store instead.
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        match own_view(&state, device_id, id).await {
                            Ok(view) => view,
                            Err(_) => return None,
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                };
                let done = view.status.is_terminal();
                return Some((Ok(view_event(&view)), (None, rx, state, done, guard)));
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
