//! Router tests of the phone-facing API (`oneshot`), including every
//! bad-input case: nothing invalid is stored, nothing panics.

mod common;

use auxilio_protocol::wire::{cancel_path, status_path, PATH_ALERTS, PATH_POSITIONS};
use auxilio_protocol::{now_ms, Cancel, PositionBatch, PositionUpdate, PROTOCOL_VERSION};
use auxilio_server::Settings;
use axum::http::StatusCode;
use common::*;

#[tokio::test]
async fn test_enroll_returns_the_organization_place_and_sms_number() {
    let server = TestServer::with_settings(Settings {
        sms_number: Some("+51 944 000 105".into()),
        ..Settings::default()
    });
    let phone = Phone::new();
    let resp = server.send(phone.enroll_request("code-market")).await;
    assert_eq!(resp.status, StatusCode::CREATED, "{:?}", resp.json);
    assert_eq!(resp.json["device_id"], phone.id.to_string());
    assert_eq!(resp.json["organization"], "Mercado Central");
    assert_eq!(resp.json["place"]["name"], "Puesto 12");
    assert_eq!(resp.json["sms_number"], "+51 944 000 105");
    // Retrying the same enrollment is harmless.
    let again = server.send(phone.enroll_request("code-market")).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(count(&server, "devices"), 1);
}

#[tokio::test]
async fn test_enroll_with_an_unknown_expired_or_used_up_code_is_403() {
    let server = TestServer::new();
    for code in ["nope", "code-expired"] {
        server
            .send(Phone::new().enroll_request(code))
            .await
            .assert_error(StatusCode::FORBIDDEN, "bad_code");
    }
    assert_eq!(
        server
            .send(Phone::new().enroll_request("code-once"))
            .await
            .status,
        StatusCode::CREATED
    );
    server
        .send(Phone::new().enroll_request("code-once"))
        .await
        .assert_error(StatusCode::FORBIDDEN, "bad_code");
    assert_eq!(count(&server, "devices"), 1);
}

#[tokio::test]
async fn test_enroll_of_a_known_device_id_with_another_key_is_409() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let thief = Phone {
        key: auxilio_protocol::DeviceKey::generate().unwrap(),
        id: phone.id,
    };
    server
        .send(thief.enroll_request(CODE))
        .await
        .assert_error(StatusCode::CONFLICT, "key_mismatch");
}

#[tokio::test]
async fn test_enroll_with_bad_json_or_a_bad_key_is_400() {
    let server = TestServer::new();
    let resp = server
        .send(json_request(
            "POST",
            "/api/v1/enroll",
            &serde_json::json!({"v": 1, "code": 5}),
        ))
        .await;
    resp.assert_error(StatusCode::BAD_REQUEST, "malformed");
    let phone = Phone::new();
    let mut req = serde_json::to_value(auxilio_protocol::EnrollRequest {
        v: PROTOCOL_VERSION,
        code: CODE.into(),
        device_id: phone.id,
        public_key: "AAAA".into(),
        profile: Phone::profile(),
    })
    .unwrap();
    let resp = server
        .send(json_request("POST", "/api/v1/enroll", &req))
        .await;
    resp.assert_error(StatusCode::BAD_REQUEST, "bad_key");
    req["public_key"] = phone.key.public_key().to_base64().into();
    req["profile"]["dni"] = "123".into();
    server
        .send(json_request("POST", "/api/v1/enroll", &req))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid");
    assert_eq!(count(&server, "devices"), 0);
}

#[tokio::test]
async fn test_an_alert_is_201_the_first_time_and_200_with_the_same_view_after_stored_once() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let alert = phone.alert();
    let first = server
        .send(phone.signed_json("POST", PATH_ALERTS, &alert))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.json);
    assert_eq!(first.json["id"], alert.id.to_string());
    assert_eq!(first.json["status"], "new");
    let second = server
        .send(phone.signed_json("POST", PATH_ALERTS, &alert))
        .await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.json, first.json);
    assert_eq!(count(&server, "alerts"), 1);
    assert_eq!(count(&server, "events WHERE kind = 'alert'"), 1);
    // The raw signed bytes are kept.
    let conn = rusqlite::Connection::open(server.dir.path().join("server.db")).unwrap();
    let raw: Vec<u8> = conn
        .query_row("SELECT raw FROM alerts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(raw, serde_json::to_vec(&alert).unwrap());
}

#[tokio::test]
async fn test_bad_alerts_are_refused_and_nothing_is_stored() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let send = |body: Vec<u8>| server.send(phone.signed("POST", PATH_ALERTS, body));

    send(b"{not json".to_vec())
        .await
        .assert_error(StatusCode::BAD_REQUEST, "malformed");
    send(b"".to_vec())
        .await
        .assert_error(StatusCode::BAD_REQUEST, "malformed");

    let mut v = serde_json::to_value(phone.alert()).unwrap();
    v["v"] = 3.into();
    send(serde_json::to_vec(&v).unwrap())
        .await
        .assert_error(StatusCode::BAD_REQUEST, "unsupported_version");

    let zero = phone.alert_at(0.0, 0.0);
    send(serde_json::to_vec(&zero).unwrap())
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid");

    let mut bad_accuracy = phone.alert();
    bad_accuracy.fix.as_mut().unwrap().accuracy_m = 0.0;
    send(serde_json::to_vec(&bad_accuracy).unwrap())
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid");

    let mut v = serde_json::to_value(phone.alert()).unwrap();
    v["surprise"] = true.into();
    send(serde_json::to_vec(&v).unwrap())
        .await
        .assert_error(StatusCode::BAD_REQUEST, "malformed");

    let huge = vec![b' '; auxilio_protocol::limits::MAX_BODY_BYTES + 1];
    send(huge)
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");

    assert_eq!(count(&server, "alerts"), 0);
    assert_eq!(
        count(&server, "events"),
        2,
        "only the two units' creation events"
    );
}

#[tokio::test]
async fn test_missing_or_bad_signatures_are_401() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let body = serde_json::to_vec(&phone.alert()).unwrap();

    let unsigned = json_request("POST", PATH_ALERTS, &serde_json::from_slice(&body).unwrap());
    server
        .send(unsigned)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "missing_signature");

    let mut no_sig = phone.signed("POST", PATH_ALERTS, body.clone());
    no_sig.headers_mut().remove("x-auxilio-signature");
    server
        .send(no_sig)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "missing_signature");

    let mut garbage = phone.signed("POST", PATH_ALERTS, body.clone());
    garbage
        .headers_mut()
        .insert("x-auxilio-signature", "!!!".parse().unwrap());
    server
        .send(garbage)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "bad_signature");

    // Signed over other bytes: one changed byte of the body.
    let mut tampered = body.clone();
    let sig = phone.key.sign_request("POST", PATH_ALERTS, &body);
    *tampered.last_mut().unwrap() = b' ';
    let mut req = phone.signed("POST", PATH_ALERTS, tampered);
    req.headers_mut()
        .insert("x-auxilio-signature", sig.parse().unwrap());
    server
        .send(req)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "bad_signature");

    // Signed for another path.
    let sig = phone.key.sign_request("POST", PATH_POSITIONS, &body);
    let mut req = phone.signed("POST", PATH_ALERTS, body.clone());
    req.headers_mut()
        .insert("x-auxilio-signature", sig.parse().unwrap());
    server
        .send(req)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "bad_signature");

    let mut bad_id = phone.signed("POST", PATH_ALERTS, body);
    bad_id
        .headers_mut()
        .insert("x-auxilio-device", "not-a-uuid".parse().unwrap());
    server
        .send(bad_id)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "bad_signature");
    assert_eq!(count(&server, "alerts"), 0);
}

#[tokio::test]
async fn test_unknown_and_revoked_devices_are_403() {
    let server = TestServer::new();
    let stranger = Phone::new();
    server
        .send(stranger.signed_json("POST", PATH_ALERTS, &stranger.alert()))
        .await
        .assert_error(StatusCode::FORBIDDEN, "unknown_device");

    let phone = server.phone().await;
    auxilio_server::admin::revoke_device(server.store.as_ref(), phone.id).unwrap();
    server
        .send(phone.signed_json("POST", PATH_ALERTS, &phone.alert()))
        .await
        .assert_error(StatusCode::FORBIDDEN, "revoked");
    server
        .send(phone.enroll_request(CODE))
        .await
        .assert_error(StatusCode::FORBIDDEN, "revoked");
    assert_eq!(count(&server, "alerts"), 0);
    assert_eq!(
        count(&server, "audit_log WHERE action = 'revoke_device'"),
        1
    );
}

#[tokio::test]
async fn test_an_alert_naming_another_device_is_403_and_a_reused_id_is_409() {
    let server = TestServer::new();
    let a = server.phone().await;
    let b = server.phone().await;
    let mut alert = a.alert();
    alert.device_id = b.id;
    server
        .send(a.signed_json("POST", PATH_ALERTS, &alert))
        .await
        .assert_error(StatusCode::FORBIDDEN, "device_mismatch");

    let alert = a.alert();
    assert_eq!(
        server
            .send(a.signed_json("POST", PATH_ALERTS, &alert))
            .await
            .status,
        StatusCode::CREATED
    );
    let mut stolen = alert.clone();
    stolen.device_id = b.id;
    server
        .send(b.signed_json("POST", PATH_ALERTS, &stolen))
        .await
        .assert_error(StatusCode::CONFLICT, "conflict");
    assert_eq!(count(&server, "alerts"), 1);
}

#[tokio::test]
async fn test_positions_are_deduplicated_on_alert_and_seq() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let alert = phone.alert();
    server
        .send(phone.signed_json("POST", PATH_ALERTS, &alert))
        .await;
    let update = |seq: u32, lat: f64| {
        let mut fix = alert.fix.clone().unwrap();
        fix.lat = lat;
        fix.fixed_at_ms = now_ms() - 100 + i64::from(seq);
        PositionUpdate {
            alert_id: alert.id,
            seq,
            fix,
            refines: false,
        }
    };
    let batch = PositionBatch {
        v: PROTOCOL_VERSION,
        device_id: phone.id,
        updates: vec![update(1, -8.072), update(2, -8.073), update(2, -8.073)],
    };
    let resp = server
        .send(phone.signed_json("POST", PATH_POSITIONS, &batch))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.json);
    assert_eq!(
        resp.json,
        serde_json::json!({"accepted": 2, "duplicates": 1})
    );
    let resp = server
        .send(phone.signed_json("POST", PATH_POSITIONS, &batch))
        .await;
    assert_eq!(
        resp.json,
        serde_json::json!({"accepted": 0, "duplicates": 3})
    );
    assert_eq!(count(&server, "positions"), 2);
    let summary = server.store.as_ref();
    let last = auxilio_server::store::Store::alert_summary(summary, alert.id)
        .unwrap()
        .unwrap()
        .last
        .unwrap();
    assert_eq!(last.lat, -8.073);

    let mut stray = batch.clone();
    stray.updates = vec![PositionUpdate {
        alert_id: uuid::Uuid::now_v7(),
        ..update(3, -8.074)
    }];
    server
        .send(phone.signed_json("POST", PATH_POSITIONS, &stray))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    let mut zero = batch.clone();
    zero.updates = vec![update(4, 0.0)];
    zero.updates[0].fix.lon = 0.0;
    server
        .send(phone.signed_json("POST", PATH_POSITIONS, &zero))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid");

    let other = server.phone().await;
    let mut foreign = batch.clone();
    foreign.device_id = other.id;
    server
        .send(other.signed_json("POST", PATH_POSITIONS, &foreign))
        .await
        .assert_error(StatusCode::FORBIDDEN, "device_mismatch");
    assert_eq!(count(&server, "positions"), 2);
}

#[tokio::test]
async fn test_cancel_and_status_follow_the_devices_own_alert() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let alert = phone.alert();
    server
        .send(phone.signed_json("POST", PATH_ALERTS, &alert))
        .await;

    let status = server
        .send(phone.signed("GET", &status_path(&alert.id), vec![]))
        .await;
    assert_eq!(status.status, StatusCode::OK);
    assert_eq!(status.json["status"], "new");

    let other = server.phone().await;
    server
        .send(other.signed("GET", &status_path(&alert.id), vec![]))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    server
        .send(phone.signed("GET", "/api/v1/alerts/not-a-uuid/status", vec![]))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    let cancel = Cancel {
        v: PROTOCOL_VERSION,
        alert_id: alert.id,
        device_id: phone.id,
        cancelled_at_ms: now_ms(),
        reason: Some("fue un error".into()),
    };
    let wrong_path = cancel_path(&uuid::Uuid::now_v7());
    server
        .send(phone.signed_json("POST", &wrong_path, &cancel))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid");

    let resp = server
        .send(phone.signed_json("POST", &cancel_path(&alert.id), &cancel))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.json);
    assert_eq!(resp.json["status"], "cancelled");
    let again = server
        .send(phone.signed_json("POST", &cancel_path(&alert.id), &cancel))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json["status"], "cancelled");
    assert_eq!(count(&server, "audit_log WHERE action = 'cancel'"), 1);
}
