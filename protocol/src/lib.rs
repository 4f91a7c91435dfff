//! The wire contract shared by the Auxilio phone (`auxilio-core`) and the
//! serenazgo/PNP server (`auxilio-server`): versioned message types, their
//! validation, Ed25519 request signing and the compact SMS form.
//!
//! See `protocol/PROTOCOL.md` for the HTTP API, the canonical signed form and
//! the SMS layout.

mod error;
pub mod limits;
mod sign;
pub mod sms;
mod text;
mod types;
mod validate;
pub mod wire;

pub use error::ProtocolError;
pub use sign::{signing_input, DeviceKey, PublicKey, SIGNATURE_B64_LEN};
pub use text::{is_refused_char, sanitize_text, Lines};
pub use types::*;
pub use validate::{
    check_coordinates, check_phone, check_timestamp, decode, is_null_island, Validate,
    NULL_ISLAND_DEG,
};

/// Milliseconds since the Unix epoch, now (UTC).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
