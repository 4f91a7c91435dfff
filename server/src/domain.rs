//! The rules' own refusals, apart from storage: the lifecycle and the store
//! both say "no" with a [`DomainError`], and the HTTP layer maps it.

use thiserror::Error;

/// Why one command was refused. The transaction goes on without it.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum DomainError {
    #[error("unknown, expired or used-up enrollment code")]
    BadCode,
    #[error("unknown device")]
    UnknownDevice,
    #[error("device revoked")]
    Revoked,
    #[error("the message names another device than the one that signed it")]
    DeviceMismatch,
    #[error("this device id is enrolled with another key")]
    KeyMismatch,
    #[error("unknown alert")]
    UnknownAlert,
    #[error("unknown {0}")]
    NotFound(&'static str),
    #[error("{0} already exists")]
    Exists(&'static str),
    #[error("an alert cannot go from {from} to {to}")]
    InvalidTransition {
        from: &'static str,
        to: &'static str,
    },
    #[error("{0}")]
    Conflict(&'static str),
    #[error("{0}")]
    Invalid(&'static str),
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    #[error("internal storage error")]
    Internal,
}
