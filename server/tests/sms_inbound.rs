//! `POST /api/v1/sms/inbound`: the SMS gateway hands over the compact signed
//! SMS of an alert; it is stored as the same alert as its HTTP copy.

mod common;

use auxilio_protocol::sms::{encode_sms, SmsAlert};
use auxilio_protocol::wire::PATH_ALERTS;
use auxilio_protocol::{Alert, DeviceKey};
use auxilio_server::sms::GatewaySecret;
use auxilio_server::Settings;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{count, get, Phone, Response, TestServer};
use serde_json::json;

const SECRET: &str = "gateway-secret-7f3a";
const PATH: &str = "/api/v1/sms/inbound";

fn server() -> TestServer {
    TestServer::with_settings(Settings {
        sms_gateway_secret: Some(GatewaySecret::new(SECRET)),
        ..Settings::default()
    })
}

fn sms_text(alert: &Alert, key: &DeviceKey) -> String {
    encode_sms(&SmsAlert::from_alert(alert).unwrap(), key).unwrap()
}

fn json_post(secret: Option<&str>, text: &str) -> Request<Body> {
    let mut req = Request::builder()
        .method("POST")
        .uri(PATH)
        .header("content-type", "application/json");
    if let Some(s) = secret {
        req = req.header("authorization", format!("Bearer {s}"));
    }
    let body = json!({"from": "+51944123456", "text": text}).to_string();
    req.body(Body::from(body)).unwrap()
}

fn form_post(secret: &str, text: &str) -> Request<Body> {
    let body = serde_urlencoded::to_string([("From", "+51944123456"), ("Body", text)]).unwrap();
    Request::builder()
        .method("POST")
        .uri(PATH)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", format!("Bearer {secret}"))
        .body(Body::from(body))
        .unwrap()
}

/// The value of `auxilio_sms_inbound_total{result="…"}` (0 when absent).
async fn sms_metric(server: &TestServer, result: &str) -> u64 {
    let resp = server.app().oneshot_text(get("/metrics")).await;
    let line = format!("auxilio_sms_inbound_total{{result=\"{result}\"}} ");
    resp.lines()
        .find_map(|l| l.strip_prefix(&line))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0)
}

trait OneshotText {
    async fn oneshot_text(self, req: Request<Body>) -> String;
}

impl OneshotText for axum::Router {
    async fn oneshot_text(self, req: Request<Body>) -> String {
        use tower::ServiceExt;
        let resp = self.oneshot(req).await.unwrap();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}

fn nothing_stored(server: &TestServer) {
    assert_eq!(count(server, "alerts"), 0);
    assert_eq!(count(server, "events WHERE kind = 'alert'"), 0);
}

async fn summary(server: &TestServer, id: uuid::Uuid) -> serde_json::Value {
    let token = server.login("central").await;
    let resp = server
        .send(common::authed(get(&format!("/api/v1/alerts/{id}")), &token))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.json);
    resp.json["alert"].clone()
}

#[tokio::test]
async fn test_the_route_is_404_without_a_configured_secret() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let text = sms_text(&phone.alert(), &phone.key);
    let resp = server.send(json_post(Some(SECRET), &text)).await;
    resp.assert_error(StatusCode::NOT_FOUND, "not_found");
    nothing_stored(&server);
}

#[tokio::test]
async fn test_a_missing_or_wrong_secret_is_401_and_stores_nothing() {
    let server = server();
    let phone = server.phone().await;
    let text = sms_text(&phone.alert(), &phone.key);
    for secret in [None, Some("wrong"), Some(""), Some("gateway-secret-7f3")] {
        let resp = server.send(json_post(secret, &text)).await;
        resp.assert_error(StatusCode::UNAUTHORIZED, "bad_secret");
    }
    // A secret sent without the Bearer scheme is no secret.
    let mut req = json_post(None, &text);
    req.headers_mut()
        .insert("authorization", SECRET.parse().unwrap());
    server
        .send(req)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "bad_secret");
    nothing_stored(&server);
    assert_eq!(sms_metric(&server, "bad_secret").await, 5);
    assert_eq!(sms_metric(&server, "new").await, 0);
}

#[tokio::test]
async fn test_text_that_is_not_an_auxilio_sms_is_400_and_stores_nothing() {
    let server = server();
    let phone = server.phone().await;
    let good = sms_text(&phone.alert(), &phone.key);
    let mut flipped = good.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    for text in [
        "hola, necesito ayuda",
        "AUX1 not-base64!",
        &good[..good.len() - 1],
        "",
    ] {
        let resp = server.send(json_post(Some(SECRET), text)).await;
        resp.assert_error(StatusCode::BAD_REQUEST, "not_auxilio_sms");
    }
    // Not a body a gateway sends at all.
    let mut req = json_post(Some(SECRET), "");
    *req.body_mut() = Body::from("{\"message\": 1}");
    server
        .send(req)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "malformed");
    nothing_stored(&server);
    assert_eq!(sms_metric(&server, "not_auxilio").await, 5);
    // One character changed in the signature still parses but does not verify.
    let resp = server.send(json_post(Some(SECRET), &flipped)).await;
    resp.assert_error(StatusCode::FORBIDDEN, "bad_signature");
    nothing_stored(&server);
}

#[tokio::test]
async fn test_a_bad_signature_an_unknown_or_a_revoked_device_is_403_and_stores_nothing() {
    let server = server();
    let phone = server.phone().await;
    // Signed with another key than the one the phone enrolled.
    let forged = sms_text(&phone.alert(), &DeviceKey::generate().unwrap());
    server
        .send(json_post(Some(SECRET), &forged))
        .await
        .assert_error(StatusCode::FORBIDDEN, "bad_signature");
    // A phone that never enrolled.
    let stranger = Phone::new();
    let text = sms_text(&stranger.alert(), &stranger.key);
    server
        .send(json_post(Some(SECRET), &text))
        .await
        .assert_error(StatusCode::FORBIDDEN, "unknown_device");
    // A revoked phone.
    auxilio_server::admin::revoke_device(server.store.as_ref(), phone.id).unwrap();
    let text = sms_text(&phone.alert(), &phone.key);
    server
        .send(json_post(Some(SECRET), &text))
        .await
        .assert_error(StatusCode::FORBIDDEN, "revoked");
    nothing_stored(&server);
    assert_eq!(sms_metric(&server, "bad_signature").await, 1);
    assert_eq!(sms_metric(&server, "unknown_device").await, 1);
    assert_eq!(sms_metric(&server, "revoked").await, 1);
}

#[tokio::test]
async fn test_a_json_sms_is_stored_once_pinned_and_marked_sms() {
    let server = server();
    let phone = server.phone().await;
    let alert = phone.alert();
    let text = sms_text(&alert, &phone.key);

    let resp = server.send(json_post(Some(SECRET), &text)).await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.json);
    assert_eq!(resp.json["alert_id"], alert.id.to_string());
    assert_eq!(resp.json["stored"], "new");
    // The gateway retries: the same alert, answered as existing.
    let again = server.send(json_post(Some(SECRET), &text)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json["stored"], "existing");

    assert_eq!(count(&server, "alerts"), 1);
    assert_eq!(count(&server, "events WHERE kind = 'alert'"), 1);
    let pinned = summary(&server, alert.id).await;
    assert_eq!(pinned["received_via"], "sms");
    assert_eq!(pinned["kind"], "asalto");
    assert!(
        (pinned["fix"]["lat"].as_f64().unwrap() - alert.fix.as_ref().unwrap().lat).abs() < 1e-5
    );
    // The reporter is the enrollment profile (the SMS carries no one's name).
    assert_eq!(pinned["reporter"]["display_name"], "Rosa Quispe");
    assert_eq!(pinned["reporter"]["phone"], "+51 944 123 456");
    assert_eq!(sms_metric(&server, "new").await, 1);
    assert_eq!(sms_metric(&server, "existing").await, 1);
}

#[tokio::test]
async fn test_a_form_encoded_sms_is_stored() {
    let server = server();
    let phone = server.phone().await;
    let alert = phone.alert();
    let resp = server
        .send(form_post(SECRET, &sms_text(&alert, &phone.key)))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.json);
    assert_eq!(resp.json["stored"], "new");
    assert_eq!(resp.json["alert_id"], alert.id.to_string());
    assert_eq!(count(&server, "alerts WHERE received_via = 'sms'"), 1);
}

#[tokio::test]
async fn test_the_http_copy_after_the_sms_completes_the_same_alert() {
    let server = server();
    let phone = server.phone().await;
    let mut alert = phone.alert();
    alert.note = Some("dos sujetos en moto".into());
    alert.battery_pct = Some(41);
    let resp = server
        .send(json_post(Some(SECRET), &sms_text(&alert, &phone.key)))
        .await;
    assert_eq!(resp.json["stored"], "new");
    assert!(summary(&server, alert.id).await["note"].is_null());

    let http: Response = server
        .send(phone.signed_json("POST", PATH_ALERTS, &alert))
        .await;
    assert_eq!(http.status, StatusCode::OK, "{:?}", http.json);
    assert_eq!(http.json["id"], alert.id.to_string());
    // One SOS, one alert, one pin; the completion is a status event.
    assert_eq!(count(&server, "alerts"), 1);
    assert_eq!(count(&server, "events WHERE kind = 'alert'"), 1);
    assert_eq!(count(&server, "events WHERE kind = 'status'"), 1);
    let full = summary(&server, alert.id).await;
    assert_eq!(full["received_via"], "sms");
    assert_eq!(full["note"], "dos sujetos en moto");
    assert_eq!(full["battery_pct"], 41);
    assert_eq!(full["fix"]["lat"], alert.fix.as_ref().unwrap().lat);
    assert_eq!(
        full["fix"]["fixed_at_ms"],
        alert.fix.as_ref().unwrap().fixed_at_ms
    );
    assert_eq!(full["created_at_ms"], alert.created_at_ms);
    assert_eq!(count(&server, "alerts WHERE awaiting_http = 0"), 1);
    // The raw column now holds the exact signed HTTP body.
    assert_eq!(
        count(&server, "alerts WHERE length(raw) > 114"),
        1,
        "the SMS bytes were replaced by the signed body"
    );
    // A retry of the HTTP copy is an ordinary retry now.
    let retry = server
        .send(phone.signed_json("POST", PATH_ALERTS, &alert))
        .await;
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(count(&server, "events WHERE kind = 'status'"), 1);
}

#[tokio::test]
async fn test_the_sms_after_the_http_copy_is_existing() {
    let server = server();
    let phone = server.phone().await;
    let alert = phone.alert();
    let http = server
        .send(phone.signed_json("POST", PATH_ALERTS, &alert))
        .await;
    assert_eq!(http.status, StatusCode::CREATED);
    let resp = server
        .send(json_post(Some(SECRET), &sms_text(&alert, &phone.key)))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.json);
    assert_eq!(resp.json["stored"], "existing");
    assert_eq!(count(&server, "events WHERE kind = 'alert'"), 1);
    assert_eq!(summary(&server, alert.id).await["received_via"], "http");
}

/// Protocol v2: an SOS raised with no position goes by SMS too (its
/// position bytes all zero); it is stored and pinned without a fix, and its
/// HTTP copy completes it (200, never 409).
#[tokio::test]
async fn test_an_sms_with_no_position_is_stored_and_its_http_copy_completes_it() {
    let server = server();
    let phone = server.phone().await;
    let mut alert = phone.alert();
    alert.fix = None;
    alert.note = Some("no sé dónde estoy".into());
    let resp = server
        .send(json_post(Some(SECRET), &sms_text(&alert, &phone.key)))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.json);
    assert_eq!(resp.json["stored"], "new");
    let pinned = summary(&server, alert.id).await;
    assert_eq!(pinned["received_via"], "sms");
    assert!(pinned.get("fix").is_none() && pinned.get("last").is_none());
    assert_eq!(
        count(&server, "alerts WHERE lat IS NULL AND awaiting_http = 1"),
        1
    );

    let http = server
        .send(phone.signed_json("POST", PATH_ALERTS, &alert))
        .await;
    assert_eq!(http.status, StatusCode::OK, "{:?}", http.json);
    let full = summary(&server, alert.id).await;
    assert_eq!(full["note"], "no sé dónde estoy");
    assert!(full.get("fix").is_none());
    assert_eq!(count(&server, "alerts WHERE awaiting_http = 0"), 1);
    assert_eq!(count(&server, "events WHERE kind = 'alert'"), 1);

    // Completed: now another body with that id is a conflict, like any alert.
    let mut other = alert.clone();
    other.note = Some("otra".into());
    server
        .send(phone.signed_json("POST", PATH_ALERTS, &other))
        .await
        .assert_error(StatusCode::CONFLICT, "conflict");
    assert_eq!(
        summary(&server, alert.id).await["note"],
        "no sé dónde estoy"
    );
}

/// A position update that reached the server between the SMS and the HTTP
/// copy stays the newest position: the phone's sequence comes after the
/// raised fix, whatever the clocks say.
#[tokio::test]
async fn test_the_http_copy_does_not_move_the_newest_position_back() {
    use auxilio_protocol::{PositionBatch, PositionUpdate, PROTOCOL_VERSION};
    let server = server();
    let phone = server.phone().await;
    let alert = phone.alert();
    server
        .send(json_post(Some(SECRET), &sms_text(&alert, &phone.key)))
        .await;
    let mut fix = alert.fix.clone().unwrap();
    fix.lat = -8.0801;
    fix.fixed_at_ms -= 60_000;
    let batch = PositionBatch {
        v: PROTOCOL_VERSION,
        device_id: phone.id,
        updates: vec![PositionUpdate {
            alert_id: alert.id,
            seq: 1,
            fix,
            refines: false,
        }],
    };
    let resp = server
        .send(phone.signed_json("POST", auxilio_protocol::wire::PATH_POSITIONS, &batch))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.json);
    let http = server
        .send(phone.signed_json("POST", PATH_ALERTS, &alert))
        .await;
    assert_eq!(http.status, StatusCode::OK, "{:?}", http.json);
    let full = summary(&server, alert.id).await;
    assert_eq!(full["fix"]["lat"], -8.0712);
    assert_eq!(full["last"]["lat"], -8.0801);
}
