//! Every command through IPC on Tauri's mock runtime, against a real core on
//! a temporary directory and a real auxilio-server on loopback.

mod common;

use std::time::Duration;

use auxilio_app_lib::events::{EVENT_CORE, EVENT_UNIT_ASSIGNMENT};
use auxilio_app_lib::keepalive::Mode;
use common::{app, server, server_alert};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);

fn id_of(v: &Value) -> uuid::Uuid {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn test_an_sos_raised_through_the_command_reaches_the_server() {
    let server = server();
    let t = app(&server.url);

    // A fresh install: not enrolled, no profile; SOS says so.
    assert_eq!(t.invoke("is_enrolled", json!({})).unwrap(), json!(false));
    assert_eq!(t.invoke("profile", json!({})).unwrap(), Value::Null);
    assert_eq!(
        t.error_kind(
            "raise_sos",
            json!({ "req": { "kind": "sos", "silent": false } })
        ),
        "not_enrolled"
    );

    // A wrong code is a tagged bad_code; the demo code enrolls.
    assert_eq!(
        t.error_kind(
            "enroll",
            json!({ "code": "WRONG-CODE", "profile": common::profile() })
        ),
        "bad_code"
    );
    let answer = t.enroll(&server);
    assert!(answer["device_id"].is_string());
    assert_eq!(t.invoke("is_enrolled", json!({})).unwrap(), json!(true));
    assert_eq!(
        t.invoke("profile", json!({})).unwrap()["display_name"],
        "Vecina de prueba"
    );

    // Desktop has no location source: the place is set by hand.
    let place = t
        .invoke(
            "set_position",
            json!({ "lat": -8.0745, "lon": -79.0012, "radiusM": 30.0 }),
        )
        .unwrap();
    assert_eq!(place["radius_m"], 30.0);

    let id = id_of(
        &t.invoke(
            "raise_sos",
            json!({ "req": { "kind": "asalto", "silent": false, "note": "puesto 12" } }),
        )
        .unwrap(),
    );
    let queued = t.wait_event(EVENT_CORE, |e| e["type"] == "queued", WAIT);
    assert_eq!(id_of(&queued["alert_id"]), id);
    assert_eq!(
        common::keepalive(&t),
        Some(Mode::Alert),
        "an open SOS keeps the (Android) foreground service running"
    );
    let received = t.wait_event(EVENT_CORE, |e| e["type"] == "received", WAIT);
    assert_eq!(received["view"]["status"], "new");

    let stored = server_alert(&server, id).expect("the server has the alert");
    assert_eq!(stored.alert.kind.as_str(), "asalto");
    assert_eq!(stored.alert.fix.as_ref().unwrap().lat, -8.0745);
    assert_eq!(
        stored.alert.battery_pct,
        auxilio_app_lib::battery::sysfs_level(std::path::Path::new(
            auxilio_app_lib::battery::SYSFS_POWER_SUPPLY
        )),
        "the alert carries this machine's battery level, or none when it has no battery"
    );
    assert_eq!(
        serde_json::to_value(stored.alert.fix.as_ref().unwrap().source).unwrap(),
        "registered_place",
        "a hand-set position is labelled, never passed off as measured"
    );

    // The local views.
    let local = t.invoke("alert_status", json!({ "alertId": id })).unwrap();
    assert_eq!(local["received"], true);
    let open = t.invoke("open_alerts", json!({})).unwrap();
    assert_eq!(id_of(&open[0]["id"]), id);
    assert!(t.invoke("pending", json!({})).unwrap().is_array());
    assert!(t.invoke("pending_count", json!({})).unwrap().is_u64());

    // Cancel reaches the server too.
    t.invoke(
        "cancel_sos",
        json!({ "alertId": id, "reason": "falsa alarma" }),
    )
    .unwrap();
    t.wait_event(EVENT_CORE, |e| e["type"] == "cancelled", WAIT);
    assert_eq!(common::keepalive(&t), None, "no open alert, no service");
    assert_eq!(
        serde_json::to_value(server_alert(&server, id).unwrap().alert.status).unwrap(),
        "cancelled"
    );
    assert_eq!(t.invoke("open_alerts", json!({})).unwrap(), json!([]));
}

#[test]
fn test_unknown_alerts_and_bad_arguments_are_tagged_errors() {
    let server = server();
    let t = app(&server.url);
    t.enroll(&server);
    let unknown = uuid::Uuid::now_v7();
    for cmd in ["alert_status", "cancel_sos", "sms_fallback_sent"] {
        assert_eq!(
            t.error_kind(cmd, json!({ "alertId": unknown })),
            "unknown_alert",
            "{cmd}"
        );
    }
    // Malformed arguments are refused by Tauri before the command runs.
    assert!(t
        .invoke("cancel_sos", json!({ "alertId": "not-a-uuid" }))
        .is_err());
    assert_eq!(
        t.error_kind("set_settings", json!({ "serverUrl": "ftp://x" })),
        "invalid"
    );
    assert_eq!(
        t.error_kind("open_link", json!({ "url": "https://example.org" })),
        "invalid"
    );
    assert_eq!(
        t.error_kind("unit_report", json!({ "lat": -8.07 })),
        "invalid"
    );
}

#[test]
fn test_no_zero_position_is_ever_sent_and_an_sos_without_one_still_goes() {
    let server = server();
    let t = app(&server.url);
    t.enroll(&server);

    // What the geolocation plugin's desktop half would give, and a zero radius.
    for (lat, lon, radius) in [
        (0.0, 0.0, 10.0),
        (0.0, 0.0, 0.0),
        (-8.07, -79.0, 0.0),
        (-8.07, -79.0, -5.0),
    ] {
        assert_eq!(
            t.error_kind(
                "set_position",
                json!({ "lat": lat, "lon": lon, "radiusM": radius })
            ),
            "invalid",
            "({lat}, {lon}) ± {radius}"
        );
    }
    assert_eq!(
        t.error_kind("unit_report", json!({ "lat": 0.0, "lon": 0.0 })),
        "invalid"
    );
    // So there is no position at all: the SOS is sent all the same, without
    // one, never with a made-up (0, 0) (and silently: no keepalive notice
    // that says "alerta").
    let id = id_of(
        &t.invoke(
            "raise_sos",
            json!({ "req": { "kind": "sos", "silent": true } }),
        )
        .unwrap(),
    );
    assert_eq!(common::keepalive(&t), Some(Mode::SilentAlert));
    t.wait_event(EVENT_CORE, |e| e["type"] == "received", WAIT);
    let stored = server_alert(&server, id).expect("the server has the alert");
    assert_eq!(stored.alert.fix, None, "no position, and no (0, 0)");
    assert!(stored.alert.silent);
}

#[test]
fn test_settings_links_and_platform_answers() {
    let server = server();
    let t = app(&server.url);
    let s = t.invoke("settings", json!({})).unwrap();
    assert_eq!(s["platform"], "desktop");
    assert_eq!(s["has_location"], false);
    assert_eq!(s["server_url"], server.url.to_string());
    assert_eq!(s["role"], "citizen");

    let s = t
        .invoke(
            "set_settings",
            json!({ "serverUrl": "https://auxilio.example.org", "role": "unit" }),
        )
        .unwrap();
    assert_eq!(s["role"], "unit");
    assert_eq!(s["restart_required"], true);
    let saved = std::fs::read_to_string(t.data_dir.join("settings.json")).unwrap();
    assert!(saved.contains("auxilio.example.org"));

    assert_eq!(
        t.invoke("haptic", json!({ "kind": "hold" })).unwrap(),
        json!(false)
    );
    assert!(t.invoke("haptic", json!({ "kind": "loud" })).is_err());
    assert_eq!(
        t.invoke("arm_location", json!({ "active": true })).unwrap(),
        json!(false)
    );
    assert_eq!(
        t.invoke("arm_location", json!({ "active": false }))
            .unwrap(),
        json!(false)
    );
    assert_eq!(
        t.invoke("connectivity_restored", json!({})).unwrap(),
        Value::Null
    );
    // The opener plugin is not registered on the mock runtime: a valid link
    // gets as far as the opener and says so.
    assert_eq!(
        t.error_kind("open_link", json!({ "url": "tel:105" })),
        "unsupported"
    );
    let ms = t.invoke("ui_ready", json!({ "screen": "sos" })).unwrap();
    assert!(ms.is_u64());
    // An unknown command is refused by the ACL.
    assert!(t.invoke("drop_database", json!({})).is_err());
}

#[test]
fn test_the_capabilities_grant_the_commands_to_the_main_window_only() {
    let server = server();
    let t = app(&server.url);
    assert!(t.invoke("is_enrolled", json!({})).is_ok());
    let other = tauri::WebviewWindowBuilder::new(&t.app, "other", Default::default())
        .build()
        .unwrap();
    let refused = common::invoke_in(&other, "is_enrolled", json!({}))
        .expect_err("a window without a capability cannot call the app's commands");
    assert!(
        refused.to_string().contains("not allowed"),
        "refused by the ACL: {refused}"
    );
}

#[test]
fn test_a_unit_goes_on_duty_gets_an_assignment_and_acknowledges_it() {
    let server = server();
    let t = app(&server.url);

    assert_eq!(t.error_kind("start_duty", json!({})), "not_logged_in");
    assert_eq!(
        t.error_kind(
            "unit_login",
            json!({ "username": server.creds.unit.0, "password": "wrong" })
        ),
        "unauthorized"
    );
    assert_eq!(
        t.error_kind(
            "unit_login",
            json!({ "username": server.creds.operator.0, "password": server.creds.operator.1 })
        ),
        "unauthorized",
        "an operator account is not a unit"
    );
    let account = t
        .invoke(
            "unit_login",
            json!({ "username": server.creds.unit.0, "password": server.creds.unit.1 }),
        )
        .unwrap();
    let unit_id = account["unit_id"].as_i64().unwrap();
    let view = t.invoke("start_duty", json!({})).unwrap();
    assert_eq!(view["available"], true);
    assert_eq!(common::keepalive(&t), Some(Mode::Duty));
    let view = t
        .invoke("unit_report", json!({ "lat": -8.071, "lon": -79.001 }))
        .unwrap();
    assert_eq!(view["lat"], -8.071);

    // A citizen's alert, acknowledged and dispatched to this unit by the central.
    let citizen = app(&server.url);
    citizen.enroll(&server);
    citizen
        .invoke(
            "set_position",
            json!({ "lat": -8.0682, "lon": -78.9961, "radiusM": 40.0 }),
        )
        .unwrap();
    let id = id_of(
        &citizen
            .invoke(
                "raise_sos",
                json!({ "req": { "kind": "violencia", "silent": true } }),
            )
            .unwrap(),
    );
    citizen.wait_event(EVENT_CORE, |e| e["type"] == "received", WAIT);
    let op = common::login(&server, &server.creds.operator);
    common::dispatch(&server, &op, id, unit_id);

    // The live stream announces it at once (tests/unit_duty.rs times it).
    let a = t.wait_event(
        EVENT_UNIT_ASSIGNMENT,
        |a| a["id"] == json!(id.to_string()),
        WAIT,
    );
    assert_eq!(a["status"], "dispatched");
    let view = t
        .invoke("acknowledge_assignment", json!({ "alertId": id }))
        .unwrap();
    assert_eq!(view["status"], "en_route");
    // The reporter sees the unit on its way.
    citizen.wait_event(EVENT_CORE, |e| e["type"] == "en_route", WAIT);

    let view = t.invoke("stop_duty", json!({})).unwrap();
    assert_eq!(view["available"], false);
    assert_eq!(common::keepalive(&t), None);
    t.invoke("unit_logout", json!({})).unwrap();
    assert_eq!(t.error_kind("stop_duty", json!({})), "not_logged_in");
}

#[test]
fn test_an_enrollment_link_opens_enrollment_with_its_code() {
    let server = server();
    let t = app(&server.url);
    let link: url::Url = format!("auxilio://enroll?code={}", server.creds.code)
        .parse()
        .unwrap();
    auxilio_app_lib::deeplink::handle(t.app.handle(), &link);
    let e = t.wait_event(
        auxilio_app_lib::events::EVENT_ENROLL_LINK,
        |_| true,
        Duration::from_secs(5),
    );
    assert_eq!(e["code"], json!(server.creds.code));
    // Not enrolled yet: the window now shows the form with the link in `?enroll=`.
    let url = t.window.url().unwrap();
    assert_eq!(url.path(), auxilio_app_lib::CITIZEN_PAGE);
    let enroll = url
        .query_pairs()
        .find(|(k, _)| k == "enroll")
        .map(|(_, v)| v.into_owned());
    assert_eq!(enroll, Some(link.to_string()));
    // A link that is not an enrollment link does nothing.
    auxilio_app_lib::deeplink::handle(t.app.handle(), &"auxilio://other?code=X".parse().unwrap());
    assert!(t.events.recv_timeout(Duration::from_millis(300)).is_err());
}
