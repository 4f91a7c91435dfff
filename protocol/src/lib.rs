//! The wire contract shared by the Auxilio phone (`auxilio-core`) and the
//! serenazgo/PNP server (`auxilio-server`): versioned message types, their
//! validation, Ed25519 request signing and the compact SMS form.
//!
//! See `protocol/PROTOCOL.md` for the HTTP API, the canonical signed form and
//! the SMS layout.

/// Gives wire enums `as_str` and `parse` (and `Display`), from strum's
/// derives: strum follows the same `snake_case` rule as serde, and a test
/// (`responder::tests`) pins the two together, variant by variant.
macro_rules! wire_names {
    ($($name:ident),+ $(,)?) => {$(
        impl $name {
            /// The wire name (`"en_route"`, …), as serde writes it.
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            /// The variant of a wire name; `None` for an unknown one.
            pub fn parse(text: &str) -> Option<Self> {
                text.parse().ok()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}
pub(crate) use wire_names;

mod error;
pub mod limits;
pub mod responder;
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
