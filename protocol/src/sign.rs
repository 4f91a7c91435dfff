//! Ed25519 signing of requests.
//!
//! # Canonical form
//! A device signs the exact bytes it sends, bound to the request line:
//!
//! ```text
//! signing input = "AUXILIO-V1\n" || METHOD || "\n" || PATH || "\n" || BODY
//! ```
//!
//! `METHOD` is upper case (`POST`, `GET`), `PATH` is the request path without
//! query (`/api/v1/alerts`), `BODY` the raw body bytes (empty for `GET`).
//! Neither `METHOD` nor `PATH` may contain a newline (verification refuses
//! it), so the three parts are unambiguous. The signature travels
//! base64url-encoded without padding in the
//! [`crate::wire::HEADER_SIGNATURE`] header, the device id in
//! [`crate::wire::HEADER_DEVICE`]. The server verifies the bytes it received
//! before it parses them; re-serialising is never needed, so field order and
//! whitespace do not matter. Replays are harmless because every message is
//! idempotent by its ids (alert id, `(alert id, seq)`, cancel per alert).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::ProtocolError;

const DOMAIN: &[u8] = b"AUXILIO-V1\n";

/// Length of the [`crate::wire::HEADER_SIGNATURE`] value: 64 bytes in
/// base64url without padding.
pub const SIGNATURE_B64_LEN: usize = 86;

/// The bytes that are signed for a request.
pub fn signing_input(method: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(DOMAIN.len() + method.len() + path.len() + body.len() + 2);
    input.extend_from_slice(DOMAIN);
    input.extend_from_slice(method.as_bytes());
    input.push(b'\n');
    input.extend_from_slice(path.as_bytes());
    input.push(b'\n');
    input.extend_from_slice(body);
    input
}

/// A device's secret key. Never leaves the phone; not `Debug`-printable.
#[derive(Clone)]
pub struct DeviceKey(SigningKey);

impl DeviceKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Result<Self, ProtocolError> {
        let mut seed = [0u8; 32];
        getrandom_fill(&mut seed)?;
        Ok(DeviceKey(SigningKey::from_bytes(&seed)))
    }

    pub fn from_bytes(seed: &[u8; 32]) -> Self {
        DeviceKey(SigningKey::from_bytes(seed))
    }

    /// The 32-byte seed, to store in the phone's database.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Raw signature over arbitrary bytes (used by the SMS form).
    pub fn sign_raw(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }

    /// The value of [`crate::wire::HEADER_SIGNATURE`] for this request.
    pub fn sign_request(&self, method: &str, path: &str, body: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.sign_raw(&signing_input(method, path, body)))
    }
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceKey(..)")
    }
}

fn getrandom_fill(buf: &mut [u8]) -> Result<(), ProtocolError> {
    getrandom::getrandom(buf)
        .map_err(|_| ProtocolError::BadKey("the system random generator failed"))
}

/// A device's public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| ProtocolError::BadKey("a public key is 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&arr)
            .map_err(|_| ProtocolError::BadKey("not a valid Ed25519 point"))?;
        // A small-order key verifies forged signatures under lax rules;
        // strict verification refuses it anyway, enrollment refuses it early.
        if key.is_weak() {
            return Err(ProtocolError::BadKey("a weak (small-order) key"));
        }
        Ok(PublicKey(key))
    }

    pub fn from_base64(text: &str) -> Result<Self, ProtocolError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| ProtocolError::BadKey("not base64url"))?;
        Self::from_bytes(&bytes)
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn to_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0.to_bytes())
    }

    /// Verifies a raw signature over arbitrary bytes (strict: no malleability).
    pub fn verify_raw(&self, message: &[u8], signature: &[u8]) -> Result<(), ProtocolError> {
        let sig = Signature::from_slice(signature).map_err(|_| ProtocolError::BadSignature)?;
        self.0
            .verify_strict(message, &sig)
            .map_err(|_| ProtocolError::BadSignature)
    }

    /// Verifies the [`crate::wire::HEADER_SIGNATURE`] value of a request.
    pub fn verify_request(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        signature_b64: &str,
    ) -> Result<(), ProtocolError> {
        // A newline in the method or path would make the signing input
        // ambiguous (it moves the boundary between path and body); HTTP
        // request lines never carry one, so refuse it outright.
        if method.contains('\n') || path.contains('\n') {
            return Err(ProtocolError::BadSignature);
        }
        let signature_b64 = signature_b64.trim();
        if signature_b64.len() != SIGNATURE_B64_LEN {
            return Err(ProtocolError::BadSignature);
        }
        let sig = URL_SAFE_NO_PAD
            .decode(signature_b64)
            .map_err(|_| ProtocolError::BadSignature)?;
        self.verify_raw(&signing_input(method, path, body), &sig)
    }
}
