//! Protocol version 2 on the server: an SOS with no position is stored,
//! listed and pinned as "ubicación desconocida"; the refined position that
//! follows moves it; a phone's positions are ordered by its own sequence,
//! never its clock; the same alert id with another body is a conflict.

mod common;

use auxilio_protocol::wire::{status_path, PATH_ALERTS, PATH_POSITIONS};
use auxilio_protocol::{
    now_ms, Alert, Fix, FixSource, PositionBatch, PositionUpdate, PROTOCOL_VERSION,
};
use auxilio_server::store::Store;
use axum::http::StatusCode;
use common::{authed, count, get, json_request, Phone, Response, TestServer};
use serde_json::{json, Value};
use uuid::Uuid;

fn fix_at(lat: f64, lon: f64, fixed_at_ms: i64) -> Fix {
    Fix {
        lat,
        lon,
        accuracy_m: 8.0,
        altitude_m: None,
        speed_mps: None,
        heading_deg: None,
        fixed_at_ms,
        source: FixSource::Gps,
    }
}

fn no_fix_alert(phone: &Phone) -> Alert {
    let mut alert = phone.alert();
    alert.fix = None;
    alert
}

fn batch(phone: &Phone, updates: Vec<PositionUpdate>) -> PositionBatch {
    PositionBatch {
        v: PROTOCOL_VERSION,
        device_id: phone.id,
        updates,
    }
}

fn update(alert_id: Uuid, seq: u32, fix: Fix, refines: bool) -> PositionUpdate {
    PositionUpdate {
        alert_id,
        seq,
        fix,
        refines,
    }
}

async fn post_positions(server: &TestServer, phone: &Phone, updates: Vec<PositionUpdate>) {
    let resp = server
        .send(phone.signed_json("POST", PATH_POSITIONS, &batch(phone, updates)))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.json);
}

async fn responder_get(server: &TestServer, token: &str, path: &str) -> Response {
    let resp = server.send(authed(get(path), token)).await;
    assert_eq!(resp.status, StatusCode::OK, "{path}: {:?}", resp.json);
    resp
}

async fn detail(server: &TestServer, token: &str, id: Uuid) -> Value {
    responder_get(server, token, &format!("/api/v1/alerts/{id}"))
        .await
        .json
}

async fn transition(server: &TestServer, token: &str, id: Uuid, body: Value) -> Response {
    let path = format!("/api/v1/alerts/{id}/transition");
    let resp = server
        .send(authed(json_request("POST", &path, &body), token))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{body}: {:?}", resp.json);
    resp
}

#[tokio::test]
async fn test_an_sos_with_no_position_is_pinned_then_its_refined_position_moves_it() {
    let server = TestServer::new();
    let base = server.serve().await;
    let mut console = server.console(&base).await;
    let op = server.login("central").await;
    let phone = server.phone().await;

    // The phone knew no position at the tap: the SOS goes all the same.
    let alert = no_fix_alert(&phone);
    let resp = server
        .send(phone.signed_json("POST", PATH_ALERTS, &alert))
        .await;
    assert_eq!(resp.status, StatusCode::CREATED, "{:?}", resp.json);

    let pinned = console.next_of("alert").await;
    assert_eq!(pinned.data["id"], alert.id.to_string());
    assert!(pinned.data.get("fix").is_none(), "{}", pinned.data);
    assert!(pinned.data.get("last").is_none(), "{}", pinned.data);

    let list = responder_get(&server, &op, "/api/v1/alerts?open=true").await;
    let listed = &list.json["alerts"][0];
    assert_eq!(listed["id"], alert.id.to_string());
    assert!(listed.get("fix").is_none() && listed.get("last").is_none());
    let raw_fix: Option<String> = rusqlite::Connection::open(server.dir.path().join("server.db"))
        .unwrap()
        .query_row(
            "SELECT fix_json FROM alerts WHERE id = ?1",
            [alert.id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(raw_fix, None, "no fix as raised");

    // No position: no unit is nearest, and a dispatched unit has no distance.
    let nearest = responder_get(
        &server,
        &op,
        &format!("/api/v1/alerts/{}/nearest-units", alert.id),
    )
    .await;
    assert_eq!(nearest.json, json!([]));
    transition(&server, &op, alert.id, json!({"to": "acknowledged"})).await;
    let dispatched = transition(
        &server,
        &op,
        alert.id,
        json!({"to": "dispatched", "unit_id": server.unit_id}),
    )
    .await;
    assert_eq!(dispatched.json["unit_name"], "Serenazgo 01");
    assert!(dispatched.json.get("unit_distance_m").is_none());

    // The refined position arrives as a position update that refines.
    let refined = fix_at(-8.0705, -79.0001, now_ms() - 200);
    post_positions(
        &server,
        &phone,
        vec![update(alert.id, 1, refined.clone(), true)],
    )
    .await;
    let moved = console.next_of("position").await;
    assert_eq!(moved.data["alert_id"], alert.id.to_string());
    assert_eq!(moved.data["refines"], true);
    assert_eq!(moved.data["fix"]["lat"], refined.lat);

    let shown = detail(&server, &op, alert.id).await;
    assert_eq!(shown["alert"]["last"]["lat"], refined.lat);
    assert_eq!(shown["alert"]["last"]["lon"], refined.lon);
    assert_eq!(shown["alert"]["last"]["source"], "gps");
    assert!(shown["alert"].get("fix").is_none(), "the fix as raised");
    assert_eq!(shown["track"][0]["seq"], 1);
    assert_eq!(shown["track"][0]["refines"], true);

    // Now there is a position: the distance and the nearest units follow.
    let view = server
        .send(phone.signed("GET", &status_path(&alert.id), Vec::new()))
        .await;
    assert_eq!(view.status, StatusCode::OK);
    let d = view.json["unit_distance_m"].as_f64().unwrap();
    assert!((40.0..80.0).contains(&d), "{d}");
    let nearest = responder_get(
        &server,
        &op,
        &format!("/api/v1/alerts/{}/nearest-units", alert.id),
    )
    .await;
    assert_eq!(nearest.json[0]["unit"]["call_sign"], "Serenazgo 02");
}

#[tokio::test]
async fn test_version_1_needs_a_fix_version_2_does_not_and_version_3_is_unknown() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let send = |body: Vec<u8>| server.send(phone.signed("POST", PATH_ALERTS, body));

    let mut v1_no_fix = serde_json::to_value(no_fix_alert(&phone)).unwrap();
    v1_no_fix["v"] = 1.into();
    send(serde_json::to_vec(&v1_no_fix).unwrap())
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid");

    let mut v3 = serde_json::to_value(phone.alert()).unwrap();
    v3["v"] = 3.into();
    send(serde_json::to_vec(&v3).unwrap())
        .await
        .assert_error(StatusCode::BAD_REQUEST, "unsupported_version");
    assert_eq!(count(&server, "alerts"), 0);

    let mut v1 = phone.alert();
    v1.v = 1;
    let resp = send(serde_json::to_vec(&v1).unwrap()).await;
    assert_eq!(resp.status, StatusCode::CREATED, "{:?}", resp.json);

    // A version 1 batch cannot refine; a version 1 plain one is read as before.
    let mut v1_refines = batch(
        &phone,
        vec![update(v1.id, 1, fix_at(-8.07, -79.0, now_ms()), true)],
    );
    v1_refines.v = 1;
    server
        .send(phone.signed_json("POST", PATH_POSITIONS, &v1_refines))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid");
    v1_refines.updates[0].refines = false;
    let resp = server
        .send(phone.signed_json("POST", PATH_POSITIONS, &v1_refines))
        .await;
    assert_eq!(resp.json, json!({"accepted": 1, "duplicates": 0}));
    assert_eq!(count(&server, "positions WHERE refines = 0"), 1);
}

#[tokio::test]
async fn test_the_same_alert_id_with_another_body_is_409_and_changes_nothing() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let op = server.login("central").await;
    let alert = phone.alert();
    let body = serde_json::to_vec(&alert).unwrap();
    let first = server
        .send(phone.signed("POST", PATH_ALERTS, body.clone()))
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    // The same bytes again (a retry): 200, stored once.
    let again = server
        .send(phone.signed("POST", PATH_ALERTS, body.clone()))
        .await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.json);
    assert_eq!(again.json["id"], alert.id.to_string());

    let mut changed = alert.clone();
    changed.note = Some("otra cosa".into());
    changed.fix = Some(fix_at(-8.09, -79.02, now_ms()));
    server
        .send(phone.signed_json("POST", PATH_ALERTS, &changed))
        .await
        .assert_error(StatusCode::CONFLICT, "conflict");
    // Even the same JSON spaced differently is another body.
    let mut spaced = body.clone();
    spaced.push(b' ');
    server
        .send(phone.signed("POST", PATH_ALERTS, spaced))
        .await
        .assert_error(StatusCode::CONFLICT, "conflict");

    let raw: Vec<u8> = rusqlite::Connection::open(server.dir.path().join("server.db"))
        .unwrap()
        .query_row(
            "SELECT raw FROM alerts WHERE id = ?1",
            [alert.id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(raw, body);
    let shown = detail(&server, &op, alert.id).await;
    assert!(shown["alert"].get("note").is_none());
    assert_eq!(shown["alert"]["fix"]["lat"], -8.0712);
    assert_eq!(count(&server, "alerts"), 1);
    assert_eq!(count(&server, "events WHERE kind = 'alert'"), 1);
    assert_eq!(
        count(&server, &format!("events WHERE alert_id = '{}'", alert.id)),
        1,
        "no status event either"
    );
}

/// Issue 10 §5: a fix stamped in the future (a wrong clock, or a registered
/// place stamped with the phone's time) must not freeze the newest position,
/// the nearest units and the distance shown to the person.
#[tokio::test]
async fn test_a_future_stamped_fix_does_not_freeze_the_newest_position() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let op = server.login("central").await;
    let now = now_ms();
    // Raised next to "Serenazgo 02", the phone's clock a day ahead.
    let mut alert = phone.alert_at(-8.0999, -79.0299);
    alert.created_at_ms = now + 86_400_000;
    if let Some(fix) = alert.fix.as_mut() {
        fix.fixed_at_ms = now + 86_400_000;
        fix.source = FixSource::RegisteredPlace;
    }
    server.raise_alert(&phone, &alert).await;
    assert_eq!(nearest_first(&server, &op, alert.id).await, "Serenazgo 02");

    // Its first tracked fix is stamped in the future too; the later ones
    // have the right time (the clock was fixed), and walk to "Serenazgo 01".
    post_positions(
        &server,
        &phone,
        vec![update(
            alert.id,
            1,
            fix_at(-8.0990, -79.0290, now + 86_400_000),
            false,
        )],
    )
    .await;
    let last = |server: &TestServer| {
        server
            .store
            .alert_summary(alert.id)
            .unwrap()
            .unwrap()
            .last
            .unwrap()
    };
    assert_eq!(last(&server).lat, -8.0990);
    post_positions(
        &server,
        &phone,
        vec![update(alert.id, 2, fix_at(-8.0800, -79.0100, now), false)],
    )
    .await;
    assert_eq!(last(&server).lat, -8.0800);
    post_positions(
        &server,
        &phone,
        vec![update(
            alert.id,
            3,
            fix_at(-8.0701, -79.0001, now + 10_000),
            false,
        )],
    )
    .await;
    let newest = last(&server);
    assert_eq!((newest.lat, newest.lon), (-8.0701, -79.0001));
    assert_eq!(newest.source, FixSource::Gps);
    assert_eq!(nearest_first(&server, &op, alert.id).await, "Serenazgo 01");

    // A delayed batch of an older sequence number does not move it back.
    post_positions(
        &server,
        &phone,
        vec![update(
            alert.id,
            0,
            fix_at(-8.0950, -79.0250, now + 20_000),
            false,
        )],
    )
    .await;
    assert_eq!(last(&server).lat, -8.0701);
    let shown = detail(&server, &op, alert.id).await;
    let seqs: Vec<u64> = shown["track"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, vec![0, 1, 2, 3]);
    assert_eq!(shown["alert"]["fix"]["source"], "registered_place");
}

/// The call sign of the unit nearest to the alert's newest position.
async fn nearest_first(server: &TestServer, token: &str, id: Uuid) -> Value {
    let path = format!("/api/v1/alerts/{id}/nearest-units");
    responder_get(server, token, &path).await.json[0]["unit"]["call_sign"].clone()
}

trait RaiseAlert {
    async fn raise_alert(&self, phone: &Phone, alert: &Alert);
}

impl RaiseAlert for TestServer {
    async fn raise_alert(&self, phone: &Phone, alert: &Alert) {
        let resp = self
            .send(phone.signed_json("POST", PATH_ALERTS, alert))
            .await;
        assert_eq!(resp.status, StatusCode::CREATED, "{:?}", resp.json);
    }
}
