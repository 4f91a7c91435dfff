//! A patrol unit works its assignment through IPC, against a real
//! auxilio-server on loopback: on duty, the central dispatches, the unit
//! lists it, goes en route, on scene, and resolves it with an outcome; the
//! server has each step, and the unit's screen hears every change.

mod common;

use std::time::Duration;

use auxilio_app_lib::events::{
    EVENT_UNIT_ALERT_CHANGED, EVENT_UNIT_ASSIGNMENT, EVENT_UNIT_STREAM, EVENT_UNIT_VIEW,
};
use auxilio_server::model::AlertDetail;
use common::{app, citizen_alert, dispatch, server, server_alert, wait_until, TestApp};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

fn on_duty(server: &common::TestServer) -> (TestApp, i64) {
    let unit = app(&server.url);
    let account = unit
        .invoke(
            "unit_login",
            json!({ "username": server.creds.unit.0, "password": server.creds.unit.1 }),
        )
        .unwrap();
    assert_eq!(
        unit.invoke("unit_duty", json!({})).unwrap(),
        json!({ "on_duty": false, "live": false })
    );
    unit.invoke("start_duty", json!({})).unwrap();
    unit.wait_event(EVENT_UNIT_STREAM, |e| e["live"] == true, WAIT);
    assert_eq!(
        unit.invoke("unit_duty", json!({})).unwrap(),
        json!({ "on_duty": true, "live": true })
    );
    (unit, account["unit_id"].as_i64().unwrap())
}

fn stored(server: &common::TestServer, id: uuid::Uuid) -> AlertDetail {
    server_alert(server, id).expect("the server has the alert")
}

fn step(unit: &TestApp, id: uuid::Uuid, args: Value) -> Value {
    let mut args = args;
    args["alertId"] = json!(id);
    unit.invoke("unit_transition", args).unwrap()
}

#[test]
fn test_a_unit_lists_its_assignment_and_works_it_to_resolved() {
    let server = server();
    let (unit, unit_id) = on_duty(&server);
    assert_eq!(
        unit.invoke("unit_assignments", json!({})).unwrap(),
        json!([])
    );
    // A position report comes back on the stream as this unit's view.
    unit.invoke("unit_report", json!({ "lat": -8.071, "lon": -79.001 }))
        .unwrap();
    let seen = unit.wait_event(EVENT_UNIT_VIEW, |u| u["lat"] == -8.071, WAIT);
    assert_eq!(seen["id"], unit_id);
    assert!(seen["position_at_ms"].as_i64().unwrap() > 0);

    // Two alerts: one for this unit, one the central keeps unassigned.
    let (_citizen, id) = citizen_alert(&server);
    let (_other, not_mine) = citizen_alert(&server);
    let op = common::login(&server, &server.creds.operator);
    dispatch(&server, &op, id, unit_id);
    let announced = unit.wait_event(EVENT_UNIT_ASSIGNMENT, |a| a["id"] == json!(id), WAIT);
    // What the screen shows: who, where, since when.
    assert_eq!(announced["reporter"]["display_name"], "Vecina de prueba");
    assert!(announced["received_at_ms"].as_i64().unwrap() > 0);

    let list = unit.invoke("unit_assignments", json!({})).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "only this unit's alert: {list:?}");
    assert_eq!(list[0]["id"], json!(id));
    assert_ne!(list[0]["id"], json!(not_mine));
    assert_eq!(list[0]["status"], "dispatched");
    assert_eq!(list[0]["reporter"]["phone"], "+51900000111");
    assert!((list[0]["last"]["lat"].as_f64().unwrap() + 8.0682).abs() < 1e-6);

    // Bad input is refused here, as a tagged error, before the server is asked.
    for bad in [
        json!({ "to": "acknowledged" }),
        json!({ "to": "resolved" }),
        json!({ "to": "resolved", "outcome": "fixed" }),
        json!({ "to": "on_scene", "outcome": "attended" }),
    ] {
        let mut args = bad.clone();
        args["alertId"] = json!(id);
        assert_eq!(unit.error_kind("unit_transition", args), "invalid", "{bad}");
    }
    assert_eq!(
        stored(&server, id).alert.status,
        auxilio_core::AlertStatus::Dispatched
    );

    let v = step(&unit, id, json!({ "to": "en_route" }));
    assert_eq!(v["status"], "en_route");
    unit.wait_event(
        EVENT_UNIT_ALERT_CHANGED,
        |c| c["alert_id"] == json!(id) && c["status"] == "en_route",
        WAIT,
    );
    assert_eq!(
        stored(&server, id).alert.status,
        auxilio_core::AlertStatus::EnRoute
    );

    // A position report while en route: the server repeats the status (the
    // distance changed); the screen is not told again.
    unit.invoke("unit_report", json!({ "lat": -8.0685, "lon": -78.9965 }))
        .unwrap();
    unit.wait_event(EVENT_UNIT_VIEW, |u| u["lat"] == -8.0685, WAIT);

    let v = step(&unit, id, json!({ "to": "on_scene" }));
    assert_eq!(v["status"], "on_scene");
    let told = unit.events_until(
        EVENT_UNIT_ALERT_CHANGED,
        |c| c["status"] == "on_scene",
        WAIT,
    );
    assert_eq!(told.len(), 1, "told once per status: {told:?}");
    assert_eq!(
        unit.invoke("unit_assignments", json!({})).unwrap()[0]["status"],
        "on_scene"
    );

    let v = step(
        &unit,
        id,
        json!({ "to": "resolved", "outcome": "transferred_pnp" }),
    );
    assert_eq!(v["status"], "resolved");
    assert_eq!(v["outcome"], "transferred_pnp");
    let detail = stored(&server, id);
    assert_eq!(detail.alert.status, auxilio_core::AlertStatus::Resolved);
    assert_eq!(
        detail.alert.outcome,
        Some(auxilio_core::protocol::Outcome::TransferredPnp)
    );
    assert_eq!(
        unit.invoke("unit_assignments", json!({})).unwrap(),
        json!([])
    );
    // Resolving frees the unit for the next dispatch.
    let units: Vec<Value> = common::units(&server, &op);
    let me = units.iter().find(|u| u["id"] == unit_id).unwrap();
    assert_eq!(me["available"], true);

    // A closed alert cannot move again; the server's refusal is tagged.
    let again = unit.error_kind(
        "unit_transition",
        json!({ "alertId": id, "to": "on_scene" }),
    );
    assert_eq!(again, "invalid");
    // Another unit's (unassigned) alert is not this unit's to move.
    let theirs = unit.error_kind(
        "unit_transition",
        json!({ "alertId": not_mine, "to": "on_scene" }),
    );
    assert_eq!(theirs, "unauthorized");
}

#[test]
fn test_the_unit_hears_when_the_central_closes_its_assignment() {
    let server = server();
    let (unit, unit_id) = on_duty(&server);
    let (_citizen, id) = citizen_alert(&server);
    let op = common::login(&server, &server.creds.operator);
    dispatch(&server, &op, id, unit_id);
    unit.wait_event(EVENT_UNIT_ASSIGNMENT, |a| a["id"] == json!(id), WAIT);
    common::transition(
        &server,
        &op,
        id,
        json!({ "to": "resolved", "outcome": "false_alarm" }),
    );
    let c = unit.wait_event(
        EVENT_UNIT_ALERT_CHANGED,
        |c| c["alert_id"] == json!(id),
        WAIT,
    );
    assert_eq!(c["status"], "resolved");
    assert_eq!(
        unit.invoke("unit_assignments", json!({})).unwrap(),
        json!([])
    );

    // Off duty: the stream is closed and the screen can say so.
    unit.invoke("stop_duty", json!({})).unwrap();
    wait_until("the unit's stream closes", WAIT, || {
        common::stream_subscribers(&server) == 0
    });
    assert_eq!(
        unit.invoke("unit_duty", json!({})).unwrap(),
        json!({ "on_duty": false, "live": false })
    );
    unit.invoke("unit_logout", json!({})).unwrap();
    assert_eq!(unit.error_kind("unit_duty", json!({})), "not_logged_in");
    assert_eq!(
        unit.error_kind("unit_assignments", json!({})),
        "not_logged_in"
    );
}
