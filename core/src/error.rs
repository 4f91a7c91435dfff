//! The public error of `auxilio-core`. Messages name what failed, never
//! personal data (names, phones, DNI, coordinates).

use auxilio_protocol::ProtocolError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CoreError {
    /// The local database failed (disk full, corrupt file, …).
    #[error("local storage failed: {0}")]
    Storage(String),
    /// Reading or creating the data directory failed.
    #[error("data directory: {0}")]
    Io(String),
    /// The configuration cannot work (e.g. a zero batch size).
    #[error("invalid configuration: {0}")]
    Config(&'static str),
    /// A fix from the platform was refused ((0, 0), accuracy <= 0, …).
    #[error("fix refused: {0}")]
    InvalidFix(ProtocolError),
    /// A message composed here did not pass validation.
    #[error("invalid message: {0}")]
    Invalid(ProtocolError),
    /// No profile yet: enroll (or `set_profile`) before raising an SOS.
    #[error("no profile: enroll this device first")]
    NoProfile,
    #[error("unknown alert")]
    UnknownAlert,
    /// The alert is already resolved or cancelled.
    #[error("the alert is already closed")]
    AlertClosed,
    /// The server could not be reached (connection, timeout).
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// The server answered with an error status.
    #[error("server refused the request: HTTP {status} ({kind})")]
    Server { status: u16, kind: String },
    /// The server answered 2xx with a body this version cannot read.
    #[error("unexpected server answer: {0}")]
    BadResponse(String),
    /// `shutdown` was called.
    #[error("the core is shut down")]
    Shutdown,
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        // rusqlite's messages carry the SQLite error and never bound values.
        CoreError::Storage(e.to_string())
    }
}

impl From<serde_json::Error> for CoreError {
    fn from(e: serde_json::Error) -> Self {
        // Only the category: serde_json may quote input values.
        CoreError::Storage(format!("stored JSON unreadable ({:?})", e.classify()))
    }
}

impl From<tokio::task::JoinError> for CoreError {
    fn from(_: tokio::task::JoinError) -> Self {
        CoreError::Storage("a storage task stopped unexpectedly".into())
    }
}
