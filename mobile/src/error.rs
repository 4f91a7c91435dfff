//! The one error that crosses the FFI (Kotlin: `AuxilioException`, Swift:
//! `AuxilioError`). Each variant keeps core's reason, which names what failed
//! and never personal data (names, phones, DNI, coordinates).

use auxilio_core::CoreError;

#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum AuxilioError {
    /// The local database failed (disk full, corrupt file, ...).
    #[error("local storage failed: {reason}")]
    Storage { reason: String },
    /// Reading or creating the data directory failed.
    #[error("data directory: {reason}")]
    DataDir { reason: String },
    /// The configuration cannot work (e.g. a zero batch size, a bad URL).
    #[error("invalid configuration: {reason}")]
    Config { reason: String },
    /// A platform fix was refused ((0, 0), accuracy <= 0, a future time, ...).
    #[error("fix refused: {reason}")]
    InvalidFix { reason: String },
    /// A message composed on the phone did not pass validation (e.g. a note
    /// that is too long).
    #[error("invalid message: {reason}")]
    Invalid { reason: String },
    /// No profile yet: enroll before raising an SOS.
    #[error("no profile: enroll this device first")]
    NoProfile,
    #[error("unknown alert")]
    UnknownAlert,
    /// The alert is already resolved or cancelled.
    #[error("the alert is already closed")]
    AlertClosed,
    /// A string given as an alert id is not one.
    #[error("not an alert id")]
    InvalidAlertId,
    /// The server could not be reached (connection, timeout).
    #[error("server unreachable: {reason}")]
    Unreachable { reason: String },
    /// The server answered with an error status (`kind` is its error kind).
    #[error("server refused the request: HTTP {status} ({kind})")]
    Server { status: u16, kind: String },
    /// The server answered 2xx with a body this version cannot read.
    #[error("unexpected server answer: {reason}")]
    BadResponse { reason: String },
    /// `shutdown` was called.
    #[error("the core is shut down")]
    Shutdown,
    /// The library itself failed (its runtime, a task that stopped).
    #[error("internal error: {reason}")]
    Internal { reason: String },
}

impl From<CoreError> for AuxilioError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Storage(reason) => AuxilioError::Storage { reason },
            CoreError::Io(reason) => AuxilioError::DataDir { reason },
            CoreError::Config(reason) => AuxilioError::Config {
                reason: reason.to_owned(),
            },
            CoreError::InvalidFix(p) => AuxilioError::InvalidFix {
                reason: p.to_string(),
            },
            CoreError::Invalid(p) => AuxilioError::Invalid {
                reason: p.to_string(),
            },
            CoreError::NoProfile => AuxilioError::NoProfile,
            CoreError::UnknownAlert => AuxilioError::UnknownAlert,
            CoreError::AlertClosed => AuxilioError::AlertClosed,
            CoreError::Unreachable(reason) => AuxilioError::Unreachable { reason },
            CoreError::Server { status, kind } => AuxilioError::Server { status, kind },
            CoreError::BadResponse(reason) => AuxilioError::BadResponse { reason },
            CoreError::Shutdown => AuxilioError::Shutdown,
        }
    }
}

/// Parses an alert id given by native code.
pub(crate) fn parse_alert_id(id: &str) -> Result<auxilio_core::AlertId, AuxilioError> {
    uuid::Uuid::parse_str(id).map_err(|_| AuxilioError::InvalidAlertId)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_kind_and_reason() {
        let e: AuxilioError = CoreError::Server {
            status: 429,
            kind: "rate_limited".into(),
        }
        .into();
        assert!(
            matches!(e, AuxilioError::Server { status: 429, ref kind } if kind == "rate_limited")
        );
        let e: AuxilioError =
            CoreError::InvalidFix(auxilio_core::protocol::ProtocolError::Invalid {
                field: "lat",
                reason: "(0, 0) is not a real position",
            })
            .into();
        assert_eq!(
            e.to_string(),
            "fix refused: invalid field `lat`: (0, 0) is not a real position"
        );
    }

    #[test]
    fn alert_ids_are_uuids() {
        assert!(parse_alert_id("0190b3c2-7d4e-7a51-9c3e-2f1d6b8a9e01").is_ok());
        assert!(matches!(
            parse_alert_id("+51 944 000 111"),
            Err(AuxilioError::InvalidAlertId)
        ));
    }
}
