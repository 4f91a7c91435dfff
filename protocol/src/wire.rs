//! Paths and headers of the HTTP API (version 1).
//!
//! Every route template of the API is here, once: the server's router and
//! its OpenAPI document, the phone and the unit app all take them from here.
//! `{id}` is an alert id (hyphenated UUID); [`alert_path`] fills it in.

/// The device id of a signed request, as a hyphenated UUID.
pub const HEADER_DEVICE: &str = "x-auxilio-device";
/// The Ed25519 signature of a signed request, base64url without padding.
pub const HEADER_SIGNATURE: &str = "x-auxilio-signature";

/// `POST`: a phone enrolls (unsigned; the code is the credential).
pub const PATH_ENROLL: &str = "/api/v1/enroll";
/// `POST`: a signed alert (device); `GET`: the alert list (responder).
pub const PATH_ALERTS: &str = "/api/v1/alerts";
/// `POST`: a signed batch of tracked positions.
pub const PATH_POSITIONS: &str = "/api/v1/positions";
/// `GET`: one alert with its track and history (responder).
pub const PATH_ALERT: &str = "/api/v1/alerts/{id}";
/// `POST`: a signed cancel of the device's own alert.
pub const PATH_ALERT_CANCEL: &str = "/api/v1/alerts/{id}/cancel";
/// `GET`: the view of the device's own alert (signed, empty body).
pub const PATH_ALERT_STATUS: &str = "/api/v1/alerts/{id}/status";
/// `GET`: the view of the device's own alert as a live stream (signed).
pub const PATH_ALERT_EVENTS: &str = "/api/v1/alerts/{id}/events";
/// `POST`: moves an alert along its lifecycle (responder).
pub const PATH_ALERT_TRANSITION: &str = "/api/v1/alerts/{id}/transition";
/// `GET`: available units nearest to the alert (responder).
pub const PATH_ALERT_NEAREST_UNITS: &str = "/api/v1/alerts/{id}/nearest-units";
/// `POST`: a responder logs in (cookie and bearer token).
pub const PATH_LOGIN: &str = "/api/v1/login";
/// `POST`: ends the session of the request.
pub const PATH_LOGOUT: &str = "/api/v1/logout";
/// `GET`: who is logged in.
pub const PATH_ME: &str = "/api/v1/me";
/// `GET`: every patrol unit.
pub const PATH_UNITS: &str = "/api/v1/units";
/// `POST`: a unit reports its position and availability.
pub const PATH_UNITS_ME: &str = "/api/v1/units/me";
/// `GET`: the responders' live stream (server-sent events).
pub const PATH_STREAM: &str = "/api/v1/stream";
/// `POST`: an SMS gateway hands over a received SMS (bearer secret).
pub const PATH_SMS_INBOUND: &str = "/api/v1/sms/inbound";
/// `GET`: the OpenAPI document of this API.
pub const PATH_OPENAPI: &str = "/api/v1/openapi.json";
/// `GET`: liveness and storage.
pub const PATH_HEALTHZ: &str = "/healthz";
/// `GET`: Prometheus/OpenMetrics text.
pub const PATH_METRICS: &str = "/metrics";

/// A template with `{id}` filled in with an alert id.
pub fn alert_path(template: &str, id: &crate::AlertId) -> String {
    template.replace("{id}", &id.to_string())
}

/// `POST`: a signed [`crate::Cancel`].
pub fn cancel_path(id: &crate::AlertId) -> String {
    alert_path(PATH_ALERT_CANCEL, id)
}

/// `GET`: the [`crate::AlertView`] of the device's own alert (signed, empty body).
pub fn status_path(id: &crate::AlertId) -> String {
    alert_path(PATH_ALERT_STATUS, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_its_template_with_the_id() {
        let id = uuid::Uuid::nil();
        assert_eq!(
            cancel_path(&id),
            "/api/v1/alerts/00000000-0000-0000-0000-000000000000/cancel"
        );
        assert_eq!(
            status_path(&id),
            "/api/v1/alerts/00000000-0000-0000-0000-000000000000/status"
        );
        assert_eq!(
            alert_path(PATH_ALERT, &id),
            "/api/v1/alerts/00000000-0000-0000-0000-000000000000"
        );
    }
}
