use thiserror::Error;

/// Why a message was refused. Messages name the field, never its value, so
/// no personal data (names, phones, coordinates) ends up in logs.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    #[error("malformed message: {0}")]
    Malformed(String),
    #[error("unsupported protocol version {found} (this side reads {min} to {max})")]
    UnsupportedVersion { found: u64, min: u16, max: u16 },
    #[error("invalid field `{field}`: {reason}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
    #[error("bad signature")]
    BadSignature,
    #[error("bad key: {0}")]
    BadKey(&'static str),
    #[error("bad SMS form: {0}")]
    BadSms(&'static str),
}

impl ProtocolError {
    pub(crate) fn invalid(field: &'static str, reason: &'static str) -> Self {
        ProtocolError::Invalid { field, reason }
    }

    /// A stable machine-readable name, used as `kind` in `{kind, message}`.
    pub fn kind(&self) -> &'static str {
        match self {
            ProtocolError::Malformed(_) => "malformed",
            ProtocolError::UnsupportedVersion { .. } => "unsupported_version",
            ProtocolError::Invalid { .. } => "invalid",
            ProtocolError::BadSignature => "bad_signature",
            ProtocolError::BadKey(_) => "bad_key",
            ProtocolError::BadSms(_) => "bad_sms",
        }
    }
}
