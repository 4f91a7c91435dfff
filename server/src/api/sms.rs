//! `POST /api/v1/sms/inbound`: an SMS gateway hands over a text a phone sent
//! as its SMS fallback. The text is the compact signed form of an alert
//! (`auxilio_protocol::sms`); once verified against the device's key it is
//! stored as the same alert its HTTP copy is (one SOS, one alert).

use auxilio_protocol::sms::parse_sms;
use auxilio_protocol::AlertId;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::DomainError;
use crate::error::AppError;
use crate::extract::{known_device, RawBody};
use crate::state::AppState;
use crate::store::{Applied, Command};

pub use auxilio_protocol::wire::PATH_SMS_INBOUND;

/// What a gateway posts as JSON.
#[derive(Deserialize, ToSchema)]
pub struct InboundSms {
    /// The sender's number as the gateway saw it (not stored: the device's
    /// enrollment profile is the reporter).
    #[serde(default)]
    pub from: Option<String>,
    /// The message text.
    pub text: String,
}

/// The form-encoded body common gateways post (`From`, `Body`, Twilio-style).
#[derive(Deserialize)]
struct InboundForm {
    #[serde(rename = "Body")]
    body: String,
}

/// Whether the alert was stored by this SMS or already was.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SmsStored {
    New,
    Existing,
}

/// The answer, sent only after the commit.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, ToSchema)]
pub struct SmsReceipt {
    #[schema(value_type = String, format = Uuid)]
    pub alert_id: AlertId,
    pub stored: SmsStored,
}

/// The `result` label of `auxilio_sms_inbound_total`.
fn result_of(e: &AppError) -> &'static str {
    match e.status {
        StatusCode::UNAUTHORIZED => "bad_secret",
        StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE => "not_auxilio",
        StatusCode::FORBIDDEN => match e.kind {
            "unknown_device" => "unknown_device",
            "revoked" => "revoked",
            _ => "bad_signature",
        },
        StatusCode::CONFLICT => "conflict",
        _ => "error",
    }
}

/// `POST /api/v1/sms/inbound`, for the SMS gateway.
#[utoipa::path(post, path = "/api/v1/sms/inbound", tag = "gateway",
    request_body(content = InboundSms, description = "JSON `{from, text}`, or form-encoded `From` / `Body`; `Authorization: Bearer <gateway secret>`"),
    responses((status = 200, body = SmsReceipt, description = "stored (after the commit)"),
        (status = 400, description = "not an Auxilio SMS"), (status = 401, description = "bad or missing secret"),
        (status = 403, description = "bad signature, unknown or revoked device"),
        (status = 404, description = "no gateway secret configured"), (status = 409)))]
pub async fn inbound(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<RawBody, AppError>,
) -> Result<Json<SmsReceipt>, AppError> {
    let Some(secret) = state.settings.sms_gateway_secret.as_ref() else {
        return Err(AppError::not_found("no such endpoint"));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let answer = if secret.matches(given.trim()) {
        take(&state, &headers, body).await
    } else {
        Err(AppError::unauthorized(
            "bad_secret",
            "missing or wrong gateway secret",
        ))
    };
    let result = match &answer {
        Ok(receipt) if receipt.stored == SmsStored::New => "new",
        Ok(_) => "existing",
        Err(e) => result_of(e),
    };
    state.metrics.count_sms(result);
    answer.map(Json)
}

async fn take(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<RawBody, AppError>,
) -> Result<SmsReceipt, AppError> {
    let RawBody(bytes) = body?;
    let text = sms_text(headers, &bytes)?;
    let signed = parse_sms(&text)
        .map_err(|_| AppError::bad_request("not_auxilio_sms", "not an Auxilio SMS"))?;
    let device = known_device(state, signed.alert.device_id)
        .await?
        .ok_or_else(|| AppError::forbidden("unknown_device", "unknown device"))?;
    if device.revoked {
        return Err(AppError::forbidden("revoked", "device revoked"));
    }
    signed
        .verify(&device.key)
        .map_err(|_| AppError::forbidden("bad_signature", "the SMS signature does not verify"))?;
    let mut raw = signed.payload().to_vec();
    raw.extend_from_slice(signed.signature());
    let cmd = Command::IngestSms {
        sms: signed.alert,
        raw,
    };
    match state.writer.submit(cmd).await? {
        Applied::Alert { view, created } => Ok(SmsReceipt {
            alert_id: view.id,
            stored: if created {
                SmsStored::New
            } else {
                SmsStored::Existing
            },
        }),
        _ => Err(AppError::from(DomainError::Internal)),
    }
}

/// The message text of a JSON or a form-encoded body.
fn sms_text(headers: &HeaderMap, bytes: &[u8]) -> Result<String, AppError> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let malformed = || AppError::bad_request("malformed", "expected {from, text} or From/Body");
    if form {
        serde_urlencoded::from_bytes::<InboundForm>(bytes)
            .map(|f| f.body)
            .map_err(|_| malformed())
    } else {
        serde_json::from_slice::<InboundSms>(bytes)
            .map(|j| j.text)
            .map_err(|_| malformed())
    }
}
