//! The one error type that crosses IPC. The web view receives
//! `{ "kind": "...", "message": "..." }` and switches on `kind`
//! (`ui/src/citizen/data.ts`, `DataError`). Messages never carry personal
//! data: they come from `CoreError`'s texts (which promise that) or are fixed.

use auxilio_core::CoreError;
use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Error, Serialize)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
pub enum Error {
    /// No profile yet: enroll first.
    #[error("{0}")]
    NotEnrolled(String),
    /// The server refused the enrollment code.
    #[error("{0}")]
    BadCode(String),
    /// Input refused (a (0, 0) position, a bad URL, a bad profile, …).
    #[error("{0}")]
    Invalid(String),
    /// The server could not be reached.
    #[error("{0}")]
    Network(String),
    /// The server answered with an error (5xx, an unexpected answer, …).
    #[error("{0}")]
    Server(String),
    /// The local database or data directory failed.
    #[error("{0}")]
    Storage(String),
    #[error("{0}")]
    UnknownAlert(String),
    /// The alert is already resolved or cancelled.
    #[error("{0}")]
    AlertClosed(String),
    /// Unit commands need `unit_login` first, or the session expired.
    #[error("{0}")]
    NotLoggedIn(String),
    /// The server refused the unit's credentials or role.
    #[error("{0}")]
    Unauthorized(String),
    /// This platform cannot do it (e.g. haptics on desktop).
    #[error("{0}")]
    Unsupported(String),
    /// A bug or a shutdown; the message says which, without details.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid(message.into())
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal(message.into())
    }

    /// The `kind` the web view sees.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotEnrolled(_) => "not_enrolled",
            Error::BadCode(_) => "bad_code",
            Error::Invalid(_) => "invalid",
            Error::Network(_) => "network",
            Error::Server(_) => "server",
            Error::Storage(_) => "storage",
            Error::UnknownAlert(_) => "unknown_alert",
            Error::AlertClosed(_) => "alert_closed",
            Error::NotLoggedIn(_) => "not_logged_in",
            Error::Unauthorized(_) => "unauthorized",
            Error::Unsupported(_) => "unsupported",
            Error::Internal(_) => "internal",
        }
    }
}

impl From<CoreError> for Error {
    fn from(e: CoreError) -> Self {
        let message = e.to_string();
        match e {
            CoreError::Storage(_) | CoreError::Io(_) => Error::Storage(message),
            CoreError::Config(_) | CoreError::Shutdown => Error::Internal(message),
            CoreError::InvalidFix(_) | CoreError::Invalid(_) => Error::Invalid(message),
            CoreError::NoProfile => Error::NotEnrolled(message),
            CoreError::UnknownAlert => Error::UnknownAlert(message),
            CoreError::AlertClosed => Error::AlertClosed(message),
            CoreError::Unreachable(_) => Error::Network(message),
            // Enrollment is the only unsigned call: 403 there is a bad code.
            CoreError::Server { status: 403, .. } => Error::BadCode(message),
            CoreError::Server { status, .. } if (400..500).contains(&status) => {
                Error::Invalid(message)
            }
            CoreError::Server { .. } | CoreError::BadResponse(_) => Error::Server(message),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_serialize_as_kind_and_message() {
        let v = serde_json::to_value(Error::from(CoreError::NoProfile)).unwrap();
        assert_eq!(v["kind"], "not_enrolled");
        assert_eq!(v["message"], "no profile: enroll this device first");
        let v = serde_json::to_value(Error::from(CoreError::Server {
            status: 403,
            kind: "bad_code".into(),
        }))
        .unwrap();
        assert_eq!(v["kind"], "bad_code");
    }

    #[test]
    fn kind_matches_the_serialized_tag() {
        for e in [
            Error::NotEnrolled(String::new()),
            Error::BadCode(String::new()),
            Error::Invalid(String::new()),
            Error::Network(String::new()),
            Error::Server(String::new()),
            Error::Storage(String::new()),
            Error::UnknownAlert(String::new()),
            Error::AlertClosed(String::new()),
            Error::NotLoggedIn(String::new()),
            Error::Unauthorized(String::new()),
            Error::Unsupported(String::new()),
            Error::Internal(String::new()),
        ] {
            assert_eq!(serde_json::to_value(&e).unwrap()["kind"], e.kind());
        }
    }
}
