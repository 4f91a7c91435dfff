//! The one error type of the HTTP layer. Every refusal reaches the client as
//! `{ "kind": "...", "message": "..." }` ([`auxilio_protocol::ApiError`]).
//! Messages never carry personal data; internal failures are generic. No
//! logging happens here: the store and writer log where a failure occurs.

use auxilio_protocol::{ApiError, ProtocolError};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::domain::DomainError;
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq)]
pub struct AppError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    /// Seconds, for 429 and 503.
    pub retry_after_s: Option<u64>,
}

impl AppError {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        AppError {
            status,
            kind,
            message: message.into(),
            retry_after_s: None,
        }
    }

    pub fn bad_request(kind: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, kind, message)
    }

    pub fn unauthorized(kind: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, kind, message)
    }

    pub fn forbidden(kind: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, kind, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "the body is larger than {} bytes",
                auxilio_protocol::limits::MAX_BODY_BYTES
            ),
        )
    }

    pub fn rate_limited(retry_after_s: u64) -> Self {
        AppError {
            retry_after_s: Some(retry_after_s.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests; retry later",
            )
        }
    }

    /// A transient failure: the client should retry.
    pub fn unavailable() -> Self {
        AppError {
            retry_after_s: Some(1),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "temporarily unavailable; retry",
            )
        }
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }
}

impl From<ProtocolError> for AppError {
    fn from(e: ProtocolError) -> Self {
        let status = match e {
            ProtocolError::BadSignature => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        };
        // ProtocolError's messages name fields, never values.
        AppError::new(status, e.kind(), e.to_string())
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        let message = e.to_string();
        match e {
            DomainError::BadCode => AppError::forbidden("bad_code", message),
            DomainError::UnknownDevice => AppError::forbidden("unknown_device", message),
            DomainError::Revoked => AppError::forbidden("revoked", message),
            DomainError::DeviceMismatch => AppError::forbidden("device_mismatch", message),
            DomainError::Forbidden(_) => AppError::forbidden("forbidden", message),
            DomainError::KeyMismatch => {
                AppError::new(StatusCode::CONFLICT, "key_mismatch", message)
            }
            DomainError::UnknownAlert => AppError::not_found(message),
            DomainError::NotFound(_) => AppError::not_found(message),
            DomainError::Exists(_) => AppError::new(StatusCode::CONFLICT, "exists", message),
            DomainError::InvalidTransition { .. } => {
                AppError::new(StatusCode::CONFLICT, "invalid_transition", message)
            }
            DomainError::Conflict(_) => AppError::new(StatusCode::CONFLICT, "conflict", message),
            DomainError::Invalid(_) => AppError::bad_request("invalid", message),
            DomainError::Internal => AppError::unavailable(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(_: StoreError) -> Self {
        AppError::unavailable()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ApiError {
            kind: self.kind.to_string(),
            message: self.message,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(s) = self.retry_after_s {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.kind,
            self.message
        )
    }
}

impl std::error::Error for AppError {}
