//! The SMS gateway's side of the fallback: its shared secret, and how an
//! alert first reached the server.

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The secret an SMS gateway sends as `Authorization: Bearer …`. Never
/// printed: its `Debug` is redacted, and it is compared in constant time.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct GatewaySecret(String);

impl GatewaySecret {
    pub fn new(secret: impl Into<String>) -> Self {
        GatewaySecret(secret.into())
    }

    /// Whether `given` is the secret. Both sides are hashed first, so the
    /// time taken says nothing about the secret's length or its bytes.
    pub fn matches(&self, given: &str) -> bool {
        let (want, got) = (Sha256::digest(self.0.as_bytes()), Sha256::digest(given));
        want.iter()
            .zip(got.iter())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
    }
}

impl std::fmt::Debug for GatewaySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GatewaySecret(<redacted>)")
    }
}

impl std::str::FromStr for GatewaySecret {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().is_empty() {
            return Err("the SMS gateway secret must not be empty");
        }
        Ok(GatewaySecret(s.to_string()))
    }
}

pub use auxilio_protocol::responder::ReceivedVia;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_matches_only_itself_and_never_prints() {
        let secret: GatewaySecret = "s3cret-gateway".parse().unwrap();
        assert!(secret.matches("s3cret-gateway"));
        assert!(!secret.matches("s3cret-gatewaY"));
        assert!(!secret.matches("s3cret"));
        assert!(!secret.matches(""));
        assert!(!format!("{secret:?}").contains("s3cret"));
        assert!("  ".parse::<GatewaySecret>().is_err());
    }
}
