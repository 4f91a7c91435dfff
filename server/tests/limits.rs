//! Router tests (`oneshot`): rate limits, unknown routes, and the device's
//! own status stream.

mod common;

use auxilio_protocol::wire::{cancel_path, status_path, PATH_ALERTS};
use auxilio_protocol::{now_ms, Cancel, PROTOCOL_VERSION};
use auxilio_server::ratelimit::Rate;
use auxilio_server::Settings;
use axum::http::StatusCode;
use common::*;

#[tokio::test]
async fn test_a_device_over_its_rate_gets_429_with_retry_after() {
    let server = TestServer::with_settings(Settings {
        device_rate: Rate {
            per_minute: 60,
            burst: 2,
        },
        ..Settings::default()
    });
    let phone = server.phone().await;
    let alert = phone.alert();
    for _ in 0..2 {
        assert!(server
            .send(phone.signed_json("POST", PATH_ALERTS, &alert))
            .await
            .status
            .is_success());
    }
    let limited = server
        .send(phone.signed_json("POST", PATH_ALERTS, &alert))
        .await;
    limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry));
    // Another device is not affected.
    let other = server.phone().await;
    assert_eq!(
        server
            .send(other.signed_json("POST", PATH_ALERTS, &other.alert()))
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn test_an_address_over_its_rate_gets_429_with_retry_after() {
    let server = TestServer::with_settings(Settings {
        ip_rate: Rate {
            per_minute: 6,
            burst: 1,
        },
        ..Settings::default()
    });
    let ok = server.send(Phone::new().enroll_request(CODE)).await;
    assert_eq!(ok.status, StatusCode::CREATED);
    let limited = server.send(Phone::new().enroll_request(CODE)).await;
    limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&retry));
    assert_eq!(count(&server, "devices"), 1);
}

#[tokio::test]
async fn test_unknown_paths_and_methods_get_json_errors() {
    let server = TestServer::new();
    server
        .send(get("/api/v1/nothing"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    server
        .send(get("/api/v1/enroll"))
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn test_the_device_status_stream_needs_the_owners_signature() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let alert = phone.alert();
    server
        .send(phone.signed_json("POST", PATH_ALERTS, &alert))
        .await;
    let path = format!("/api/v1/alerts/{}/events", alert.id);

    server
        .send(get(&path))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "missing_signature");
    let other = server.phone().await;
    server
        .send(other.signed("GET", &path, vec![]))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    let mut wrong = phone.signed("GET", &path, vec![]);
    let sig = phone.key.sign_request("GET", &status_path(&alert.id), &[]);
    wrong
        .headers_mut()
        .insert("x-auxilio-signature", sig.parse().unwrap());
    server
        .send(wrong)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "bad_signature");

    // A cancelled alert's stream sends the final status and ends.
    let cancel = Cancel {
        v: PROTOCOL_VERSION,
        alert_id: alert.id,
        device_id: phone.id,
        cancelled_at_ms: now_ms(),
        reason: None,
    };
    server
        .send(phone.signed_json("POST", &cancel_path(&alert.id), &cancel))
        .await;
    use tower::ServiceExt;
    let resp = server
        .app()
        .oneshot(phone.signed("GET", &path, vec![]))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let body = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        axum::body::to_bytes(resp.into_body(), usize::MAX),
    )
    .await
    .expect("the stream of a final alert ends")
    .unwrap();
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        text.contains("event: status") && text.contains("\"status\":\"cancelled\""),
        "{text}"
    );
}
