//! Extractors that turn bad input into the app's own `{kind, message}`
//! errors: raw bodies with the size limit, JSON, query strings, and signed
//! device requests (verified over the exact bytes before anything parses them).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use auxilio_protocol::wire::{HEADER_DEVICE, HEADER_SIGNATURE};
use auxilio_protocol::{DeviceId, PublicKey};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::device_cache::KnownDevice;
use crate::error::AppError;
use crate::ratelimit::retry_after_secs;
use crate::state::AppState;

/// The body as bytes, at most [`auxilio_protocol::limits::MAX_BODY_BYTES`] (413 beyond).
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(RawBody(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::too_large())
            }
            Err(_) => Err(AppError::bad_request(
                "malformed",
                "the body could not be read",
            )),
        }
    }
}

/// Keeps only the category and position of a JSON error: serde's own text
/// may quote input (personal data).
pub fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "unreadable input",
        Category::Syntax => "not valid JSON",
        Category::Data => "a field is missing, unknown or of the wrong type",
        Category::Eof => "the JSON ends too early",
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}

/// A JSON body for the responder API.
pub struct AppJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        serde_json::from_slice(&bytes)
            .map(AppJson)
            .map_err(|e| AppError::bad_request("malformed", describe_json_error(&e)))
    }
}

/// A query string.
pub struct AppQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for AppQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        Query::try_from_uri(&parts.uri)
            .map(|Query(q)| AppQuery(q))
            .map_err(|_| AppError::bad_request("malformed", "bad query parameters"))
    }
}

/// Parses an id from the path; a malformed id is simply not found.
pub fn parse_id(text: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(text).map_err(|_| AppError::not_found("unknown alert"))
}

/// A request signed by an enrolled, non-revoked device, verified over the
/// exact method, path and body bytes. The body is not parsed here.
pub struct SignedBody {
    pub device_id: DeviceId,
    pub bytes: Bytes,
}

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

impl FromRequest<AppState> for SignedBody {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let (parts, body) = req.into_parts();
        let device = header(&parts, HEADER_DEVICE).ok_or_else(|| {
            AppError::unauthorized("missing_signature", "the request is not signed")
        })?;
        let signature = header(&parts, HEADER_SIGNATURE)
            .ok_or_else(|| {
                AppError::unauthorized("missing_signature", "the request is not signed")
            })?
            .to_string();
        let device_id = uuid::Uuid::parse_str(device.trim()).map_err(|_| {
            AppError::unauthorized("bad_signature", "the device header is not a UUID")
        })?;
        let method = parts.method.as_str().to_string();
        let path = parts.uri.path().to_string();
        let RawBody(bytes) = RawBody::from_request(Request::from_parts(parts, body), state).await?;

        let device = known_device(state, device_id)
            .await?
            .ok_or_else(|| AppError::forbidden("unknown_device", "unknown device"))?;
        if device.revoked {
            return Err(AppError::forbidden("revoked", "device revoked"));
        }
        device
            .key
            .verify_request(&method, &path, &bytes, &signature)?;
        state
            .device_limiter
            .check(&device_id, Instant::now())
            .map_err(|wait| AppError::rate_limited(retry_after_secs(wait)))?;
        Ok(SignedBody { device_id, bytes })
    }
}

/// A device's key and whether it is revoked: from the short-lived cache,
/// else from the store (then cached). `None` for a device never enrolled.
pub async fn known_device(
    state: &AppState,
    device_id: DeviceId,
) -> Result<Option<KnownDevice>, AppError> {
    let now = Instant::now();
    if let Some(device) = state.devices.get(&device_id, now) {
        return Ok(Some(device));
    }
    let Some(auth) = state.read(move |s| s.device_auth(device_id)).await? else {
        return Ok(None);
    };
    let device = KnownDevice {
        // Enrollment stored only valid keys.
        key: PublicKey::from_bytes(&auth.public_key).map_err(|_| AppError::internal())?,
        revoked: auth.revoked,
    };
    state.devices.put(device_id, device, now);
    Ok(Some(device))
}

/// The client's address, when the server was started with connect info.
pub fn client_ip(req: &Request) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Middleware: the per-address rate limit on every API request.
pub async fn limit_by_ip(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let ip = client_ip(&req);
    match state.ip_limiter.check(&ip, Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(wait) => AppError::rate_limited(retry_after_secs(wait)).into_response(),
    }
}
