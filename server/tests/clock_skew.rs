//! A phone whose clock is wrong still gets its SOS stored: the server keeps
//! its own receive time and flags the alert (`clock_suspect`), and the
//! creation-to-commit latency is not fed the phone's nonsense. Garbage is
//! still refused. Router tests (`oneshot`).

mod common;

use auxilio_protocol::wire::PATH_ALERTS;
use auxilio_protocol::{now_ms, Alert};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use serde_json::Value;
use tower::ServiceExt;

/// 2001-01-01T00:00:00Z, where cheap phones land after the battery dies.
const CLOCK_2001_MS: i64 = 978_307_200_000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// One way to make an alert garbage.
type Spoil = fn(&mut Alert);

/// An alert raised on a phone whose clock reads `clock_ms`; its fix carries
/// `fixed_at_ms` (the phone's clock, or the satellites' when they differ).
fn alert_on_clock(phone: &Phone, clock_ms: i64, fixed_at_ms: i64) -> Alert {
    let mut alert = phone.alert();
    alert.created_at_ms = clock_ms;
    alert.fix.as_mut().unwrap().fixed_at_ms = fixed_at_ms;
    alert
}

async fn listed(server: &TestServer, token: &str) -> Vec<Value> {
    let resp = server.send(authed(get("/api/v1/alerts"), token)).await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.json);
    resp.json["alerts"].as_array().unwrap().clone()
}

fn find<'a>(alerts: &'a [Value], id: &uuid::Uuid) -> &'a Value {
    alerts
        .iter()
        .find(|a| a["id"] == id.to_string())
        .unwrap_or_else(|| panic!("alert {id} is not listed"))
}

async fn metrics(server: &TestServer) -> String {
    let resp = server.app().oneshot(get("/metrics")).await.unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn test_an_alert_created_in_2001_is_stored_once_flagged_and_timed_by_the_server() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let alert = alert_on_clock(&phone, CLOCK_2001_MS, CLOCK_2001_MS - 2_000);
    let before = now_ms();
    let first = server
        .send(phone.signed_json("POST", PATH_ALERTS, &alert))
        .await;
    let after = now_ms();
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.json);
    let received = first.json["received_at_ms"].as_i64().unwrap();
    assert!(
        (before..=after).contains(&received),
        "the server's clock, not the phone's"
    );
    let again = server
        .send(phone.signed_json("POST", PATH_ALERTS, &alert))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json, first.json);
    assert_eq!(count(&server, "alerts"), 1, "stored once");

    let op = server.login("central").await;
    let alerts = listed(&server, &op).await;
    let summary = find(&alerts, &alert.id);
    assert_eq!(summary["clock_suspect"], true, "{summary}");
    assert_eq!(summary["created_at_ms"], CLOCK_2001_MS);
    assert_eq!(summary["received_at_ms"], received);

    // What the live stream carried (and replays) is flagged too.
    let conn = rusqlite::Connection::open(server.dir.path().join("server.db")).unwrap();
    let payload: String = conn
        .query_row(
            "SELECT payload FROM events WHERE kind = 'alert' AND alert_id = ?1",
            [alert.id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    let payload: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["clock_suspect"], true, "{payload}");

    let m = metrics(&server).await;
    assert!(m.contains("auxilio_alerts_received_total 1"), "{m}");
    assert!(m.contains("auxilio_alerts_clock_suspect_total 1"), "{m}");
    assert!(
        m.contains("auxilio_alert_created_to_committed_seconds_count 0"),
        "25 years are not a delivery latency: {m}"
    );
}

#[tokio::test]
async fn test_a_clock_days_ahead_is_flagged_and_a_right_one_is_not() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let now = now_ms();
    // The phone's clock runs two days ahead; the fix time is the satellites'.
    let ahead = alert_on_clock(&phone, now + 2 * DAY_MS, now - 1_000);
    // A phone offline for an hour with a right clock: a late delivery.
    let late = alert_on_clock(&phone, now - 3_600_000, now - 3_601_000);
    let right = phone.alert();
    for alert in [&ahead, &late, &right] {
        let resp = server
            .send(phone.signed_json("POST", PATH_ALERTS, alert))
            .await;
        assert_eq!(resp.status, StatusCode::CREATED, "{:?}", resp.json);
    }
    let op = server.login("central").await;
    let alerts = listed(&server, &op).await;
    assert_eq!(find(&alerts, &ahead.id)["clock_suspect"], true);
    for ok in [&late, &right] {
        assert!(
            find(&alerts, &ok.id).get("clock_suspect").is_none(),
            "serialised only when true"
        );
    }
    let m = metrics(&server).await;
    assert!(m.contains("auxilio_alerts_clock_suspect_total 1"), "{m}");
    assert!(
        m.contains("auxilio_alert_created_to_committed_seconds_count 2"),
        "{m}"
    );
}

#[tokio::test]
async fn test_alerts_are_listed_newest_received_first_whatever_the_phone_clock() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let right = phone.alert();
    let wrong = alert_on_clock(&phone, CLOCK_2001_MS, CLOCK_2001_MS);
    for alert in [&right, &wrong] {
        let resp = server
            .send(phone.signed_json("POST", PATH_ALERTS, alert))
            .await;
        assert_eq!(resp.status, StatusCode::CREATED);
    }
    let op = server.login("central").await;
    let alerts = listed(&server, &op).await;
    assert_eq!(alerts[0]["id"], wrong.id.to_string(), "received last");
    // A range on the server's clock finds it; one on 2001 does not.
    let since = now_ms() - 60_000;
    let resp = server
        .send(authed(get(&format!("/api/v1/alerts?from_ms={since}")), &op))
        .await;
    assert_eq!(resp.json["alerts"].as_array().unwrap().len(), 2);
    let in_2001 = format!(
        "/api/v1/alerts?from_ms={}&to_ms={}",
        CLOCK_2001_MS - DAY_MS,
        CLOCK_2001_MS + DAY_MS
    );
    let resp = server.send(authed(get(&in_2001), &op)).await;
    assert_eq!(resp.json["alerts"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn test_garbage_from_a_wrong_clock_is_still_400_and_not_stored() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let send = |body: Vec<u8>| {
        let req: Request<Body> = phone.signed("POST", PATH_ALERTS, body);
        server.send(req)
    };
    let base = || alert_on_clock(&phone, CLOCK_2001_MS, CLOCK_2001_MS);
    let cases: [(&str, Spoil); 5] = [
        ("a negative time", |a| a.created_at_ms = -1),
        ("a time after the year 9999", |a| {
            a.fix.as_mut().unwrap().fixed_at_ms = 253_402_300_800_000
        }),
        ("(0, 0)", |a| {
            let f = a.fix.as_mut().unwrap();
            (f.lat, f.lon) = (0.0, 0.0)
        }),
        ("accuracy 0", |a| a.fix.as_mut().unwrap().accuracy_m = 0.0),
        ("latitude out of range", |a| {
            a.fix.as_mut().unwrap().lat = 91.0
        }),
    ];
    for (what, change) in cases {
        let mut alert = base();
        change(&mut alert);
        let resp = send(serde_json::to_vec(&alert).unwrap()).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{what}");
        resp.assert_error(StatusCode::BAD_REQUEST, "invalid");
    }
    let mut v = serde_json::to_value(base()).unwrap();
    v["v"] = 3.into();
    send(serde_json::to_vec(&v).unwrap())
        .await
        .assert_error(StatusCode::BAD_REQUEST, "unsupported_version");
    assert_eq!(count(&server, "alerts"), 0);
}

#[tokio::test]
async fn test_the_openapi_document_describes_clock_suspect_as_optional() {
    let server = TestServer::new();
    let doc = server.send(get("/api/v1/openapi.json")).await;
    assert_eq!(doc.status, StatusCode::OK);
    let schema = &doc.json["components"]["schemas"]["AlertSummary"];
    let field = &schema["properties"]["clock_suspect"];
    assert_eq!(field["type"], "boolean", "{schema}");
    assert!(
        field["description"]
            .as_str()
            .is_some_and(|d| d.contains("received_at_ms")),
        "{field}"
    );
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(required.contains(&"received_at_ms"));
    assert!(!required.contains(&"clock_suspect"), "{required:?}");
}
