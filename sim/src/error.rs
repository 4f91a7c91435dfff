use auxilio_core::CoreError;
use thiserror::Error;

/// Why a simulator command failed. Messages carry ids and counts, never
/// names, phones or coordinates.
#[derive(Debug, Error)]
pub enum SimError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("invalid argument: {0}")]
    Argument(&'static str),
    #[error("{count} outbox row(s) wedged: {reasons}")]
    Wedged { count: usize, reasons: String },
    #[error("timed out: {0}")]
    Timeout(String),
    #[error("this phone is not enrolled and {0} row(s) wait for enrollment: pass --code")]
    NotEnrolled(usize),
    #[error("writing the output failed: {0}")]
    Output(#[from] std::io::Error),
    #[error("the report could not be written as JSON: {0}")]
    Report(#[from] serde_json::Error),
}

impl SimError {
    /// The process exit code: 3 wedged, 4 timed out, 5 not enrolled, 2 bad
    /// arguments, 1 anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            SimError::Wedged { .. } => 3,
            SimError::Timeout(_) => 4,
            SimError::NotEnrolled(_) => 5,
            SimError::Argument(_) => 2,
            SimError::Core(_) | SimError::Output(_) | SimError::Report(_) => 1,
        }
    }
}
