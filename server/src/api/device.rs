//! The phone-facing API: enrollment and signed ingest.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use auxilio_protocol::{
    decode, wire, Alert, AlertId, AlertView, ApiError, BatchReceipt, Cancel, DeviceId,
    EnrollRequest, EnrollResponse, PositionBatch, PublicKey,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures::Stream;
use tokio::sync::broadcast;

use crate::committed::Committed;
use crate::error::AppError;
use crate::extract::{parse_id, RawBody, SignedBody};
use crate::model::StreamPayload;
use crate::state::AppState;
use crate::store::{Applied, Command};

/// The two headers of a signed request (`protocol/PROTOCOL.md`): the body
/// is signed together with the method and path by the device's Ed25519 key.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header, names("x-auxilio-device", "x-auxilio-signature"))]
pub struct SignedHeaders(
    /// The enrolled device's id, hyphenated UUID.
    #[allow(dead_code)]
    uuid::Uuid,
    /// Ed25519 signature of `AUXILIO-V1\n{METHOD}\n{PATH}\n{BODY}`, base64url without padding.
    #[param(min_length = 86, max_length = 86, pattern = "^[A-Za-z0-9_-]{86}$")]
    #[allow(dead_code)]
    String,
);

fn unexpected() -> AppError {
    AppError::internal()
}

/// `POST /api/v1/enroll` (unsigned: the code is the credential).
#[utoipa::path(post, path = wire::PATH_ENROLL, tag = "device",
    request_body = EnrollRequest,
    responses((status = 201, description = "enrolled", body = EnrollResponse),
        (status = 400, description = "malformed or invalid", body = ApiError),
        (status = 403, description = "unknown, used up or expired code", body = ApiError),
        (status = 409, description = "device id enrolled with another key", body = ApiError),
        (status = 413, body = ApiError), (status = 429, body = ApiError)))]
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

/// `POST /api/v1/alerts`: 201 the first time, 200 for the same id and bytes
/// again (or the HTTP copy completing an alert stored from its SMS), 409 for
/// the same id with another body.
#[utoipa::path(post, path = wire::PATH_ALERTS, tag = "device", params(SignedHeaders),
    request_body = Alert, security(()),
    responses((status = 201, description = "newly stored", body = AlertView),
        (status = 200, description = "already stored (same id, same bytes), or the HTTP copy completed an alert stored from its SMS", body = AlertView),
        (status = 400, description = "malformed or invalid", body = ApiError),
        (status = 401, description = "missing or bad signature", body = ApiError),
        (status = 403, description = "unknown or revoked device", body = ApiError),
        (status = 409, description = "the alert id belongs to another device, or is stored with another body", body = ApiError),
        (status = 413, body = ApiError), (status = 429, body = ApiError)))]
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
#[utoipa::path(post, path = wire::PATH_POSITIONS, tag = "device", params(SignedHeaders),
    request_body = PositionBatch, security(()),
    responses((status = 200, body = BatchReceipt),
        (status = 400, description = "malformed or invalid", body = ApiError),
        (status = 401, description = "missing or bad signature", body = ApiError),
        (status = 403, description = "unknown or revoked device, or another device's alert", body = ApiError),
        (status = 404, description = "unknown alert", body = ApiError),
        (status = 413, body = ApiError), (status = 429, body = ApiError)))]
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
#[utoipa::path(post, path = wire::PATH_ALERT_CANCEL, tag = "device",
    params(("id" = uuid::Uuid, Path, description = "alert id"), SignedHeaders),
    request_body = Cancel, security(()),
    responses((status = 200, body = AlertView),
        (status = 400, description = "malformed, invalid, or another alert's id in the body", body = ApiError),
        (status = 401, description = "missing or bad signature", body = ApiError),
        (status = 403, description = "unknown or revoked device, or another device's alert", body = ApiError),
        (status = 404, description = "unknown alert", body = ApiError),
        (status = 413, body = ApiError), (status = 429, body = ApiError)))]
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
#[utoipa::path(get, path = wire::PATH_ALERT_STATUS, tag = "device",
    params(("id" = uuid::Uuid, Path, description = "alert id"), SignedHeaders), security(()),
    responses((status = 200, body = AlertView),
        (status = 401, description = "missing or bad signature", body = ApiError),
        (status = 403, description = "unknown or revoked device, or another device's alert", body = ApiError),
        (status = 404, description = "unknown alert", body = ApiError),
        (status = 429, body = ApiError)))]
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
#[utoipa::path(get, path = wire::PATH_ALERT_EVENTS, tag = "device",
    params(("id" = uuid::Uuid, Path, description = "alert id"), SignedHeaders), security(()),
    responses((status = 200, description = "server-sent events `status`, data an AlertView each", content_type = "text/event-stream", body = String),
        (status = 401, description = "missing or bad signature", body = ApiError),
        (status = 403, description = "unknown or revoked device, or another device's alert", body = ApiError),
        (status = 404, description = "unknown alert", body = ApiError),
        (status = 429, body = ApiError)))]
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
    let feed = OwnAlertFeed {
        pending: VecDeque::from([first]),
        rx,
        state,
        device_id: signed.device_id,
        id,
        done: false,
        _guard: guard,
    };
    let stream = futures::stream::unfold(feed, |mut feed| async move {
        let view = feed.next().await?;
        Some((Ok(view_event(&view)), feed))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// The changes of one device's own alert, in commit order, until a final status.
struct OwnAlertFeed {
    /// Views to send before reading more.
    pending: VecDeque<AlertView>,
    rx: broadcast::Receiver<Arc<Committed>>,
    state: AppState,
    device_id: DeviceId,
    id: AlertId,
    /// A final status was sent.
    done: bool,
    _guard: crate::api::stream::SubscriberGuard,
}

impl OwnAlertFeed {
    async fn next(&mut self) -> Option<AlertView> {
        while !self.done {
            if let Some(view) = self.pending.pop_front() {
                self.done = view.status.is_terminal();
                return Some(view);
            }
            match self.rx.recv().await {
                Ok(commit) => {
                    let id = self.id;
                    self.pending
                        .extend(commit.events.iter().filter_map(|ev| match &ev.payload {
                            StreamPayload::Status(s) if s.alert_id == id => Some(s.view.clone()),
                            _ => None,
                        }));
                }
                // Fell behind: read the current view from the store instead.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let view = own_view(&self.state, self.device_id, self.id).await.ok()?;
                    self.pending.push_back(view);
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{StatusEvent, StoredEvent};
    use crate::store::sqlite::SqliteStore;
    use auxilio_protocol::AlertStatus;

    fn status(id: AlertId, event_id: i64, status: AlertStatus) -> StoredEvent {
        let view = AlertView {
            id,
            status,
            received_at_ms: 1,
            updated_at_ms: event_id,
            outcome: None,
            unit_distance_m: None,
            unit_name: None,
        };
        let payload = StreamPayload::Status(StatusEvent {
            alert_id: id,
            view,
            actor: "system".into(),
            unit_id: None,
        });
        let data = payload.data_json().unwrap();
        StoredEvent::new(event_id, event_id, payload, &data)
    }

    #[tokio::test]
    async fn the_phone_sees_every_step_of_one_commit_in_order_and_stops_at_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("t.db")).unwrap());
        let state = AppState::new(store, crate::Settings::default()).unwrap();
        let (mine, other) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let mut feed = OwnAlertFeed {
            pending: VecDeque::new(),
            rx: state.events.subscribe(),
            state: state.clone(),
            device_id: uuid::Uuid::new_v4(),
            id: mine,
            done: false,
            _guard: crate::api::stream::SubscriberGuard::new(state.metrics.clone()),
        };
        let commit = Committed::new(vec![
            status(mine, 1, AlertStatus::Acknowledged),
            status(other, 2, AlertStatus::Acknowledged),
            status(mine, 3, AlertStatus::Dispatched),
            status(mine, 4, AlertStatus::Resolved),
        ]);
        state.events.send(Arc::new(commit)).unwrap();
        let mut seen = Vec::new();
        while let Some(view) = feed.next().await {
            assert_eq!(view.id, mine);
            seen.push(view.status);
        }
        assert_eq!(
            seen,
            [
                AlertStatus::Acknowledged,
                AlertStatus::Dispatched,
                AlertStatus::Resolved
            ]
        );
    }
}
