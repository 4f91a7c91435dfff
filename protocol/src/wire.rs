//! Paths and headers of the HTTP API (version 1).

/// The device id of a signed request, as a hyphenated UUID.
pub const HEADER_DEVICE: &str = "x-auxilio-device";
/// The Ed25519 signature of a signed request, base64url without padding.
pub const HEADER_SIGNATURE: &str = "x-auxilio-signature";

pub const PATH_ENROLL: &str = "/api/v1/enroll";
pub const PATH_ALERTS: &str = "/api/v1/alerts";
pub const PATH_POSITIONS: &str = "/api/v1/positions";

/// `POST`: a signed [`crate::Cancel`].
pub fn cancel_path(id: &crate::AlertId) -> String {
    format!("/api/v1/alerts/{id}/cancel")
}

/// `GET`: the [`crate::AlertView`] of the device's own alert (signed, empty body).
pub fn status_path(id: &crate::AlertId) -> String {
    format!("/api/v1/alerts/{id}/status")
}
