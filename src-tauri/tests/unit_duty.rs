//! A patrol unit on duty, against a real auxilio-server on loopback: new
//! assignments come by the live stream at once, survive a dropped line
//! exactly once, and the unit's login survives an app restart.

mod common;

use std::time::{Duration, Instant};

use auxilio_app_lib::events::{EVENT_UNIT_ASSIGNMENT, EVENT_UNIT_SESSION_ENDED};
use auxilio_app_lib::unit::stored::FILE_NAME;
use common::{app, app_in, citizen_alert, dispatch, server, wait_until, Proxy, TestApp};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(30);
/// The old duty loop polled every 10 s; the stream must do far better.
const AT_ONCE: Duration = Duration::from_secs(3);

fn login(t: &TestApp, server: &common::TestServer) -> i64 {
    t.invoke(
        "unit_login",
        json!({ "username": server.creds.unit.0, "password": server.creds.unit.1 }),
    )
    .unwrap()["unit_id"]
        .as_i64()
        .unwrap()
}

fn is(id: uuid::Uuid) -> impl Fn(&Value) -> bool {
    move |a: &Value| a["id"] == json!(id.to_string())
}

#[test]
fn test_a_dispatch_reaches_the_unit_on_duty_within_seconds() {
    let server = server();
    let unit = app(&server.url);
    let unit_id = login(&unit, &server);
    unit.invoke("start_duty", json!({})).unwrap();
    // The unit's live stream is open before anything happens.
    wait_until("the unit follows the stream", WAIT, || {
        common::stream_subscribers(&server) == 1
    });

    let (_citizen, id) = citizen_alert(&server);
    let op = common::login(&server, &server.creds.operator);
    let dispatched_at = Instant::now();
    dispatch(&server, &op, id, unit_id);
    let a = unit.wait_event(EVENT_UNIT_ASSIGNMENT, is(id), WAIT);
    let took = dispatched_at.elapsed();
    eprintln!("dispatch to assignment event: {took:?}");
    assert!(took < AT_ONCE, "the assignment took {took:?}");
    assert_eq!(a["status"], "dispatched");
    assert_eq!(a["unit_id"], unit_id);
    assert_eq!(a["kind"], "asalto");
}

#[test]
fn test_an_assignment_made_while_the_line_was_down_arrives_once_when_it_returns() {
    let server = server();
    let proxy = Proxy::start(&server.url);
    let unit = app(&proxy.url);
    let unit_id = login(&unit, &server);
    unit.invoke("start_duty", json!({})).unwrap();
    wait_until("the unit follows the stream", WAIT, || {
        common::stream_subscribers(&server) == 1
    });
    let op = common::login(&server, &server.creds.operator);
    let (_citizen, first) = citizen_alert(&server);

    // The line drops; the unit keeps trying (and failing) to reconnect.
    proxy.cut();
    wait_until("the unit tries to reconnect", WAIT, || proxy.refused() >= 1);
    // Meanwhile the central dispatches the unit.
    dispatch(&server, &op, first, unit_id);
    let refused = proxy.refused();
    wait_until("a reconnect fails after the dispatch", WAIT, || {
        proxy.refused() > refused
    });
    let early: Vec<_> = unit
        .events
        .try_iter()
        .filter(|(name, _)| name == EVENT_UNIT_ASSIGNMENT)
        .collect();
    assert!(early.is_empty(), "nothing arrives while the line is down");

    // The line is back: the stream resumes after its Last-Event-ID and the
    // dispatch made meanwhile arrives.
    proxy.restore();
    let a = unit.wait_event(EVENT_UNIT_ASSIGNMENT, is(first), WAIT);
    assert_eq!(a["status"], "dispatched");

    // Another drop and return replays from the new mark: the first alert is
    // not announced again. The next assignment proves the stream is live.
    proxy.cut();
    let refused = proxy.refused();
    wait_until("the unit notices the second drop", WAIT, || {
        proxy.refused() > refused
    });
    proxy.restore();
    common::transition(
        &server,
        &op,
        first,
        json!({ "to": "resolved", "outcome": "attended" }),
    );
    let (_citizen2, second) = citizen_alert(&server);
    dispatch(&server, &op, second, unit_id);
    let seen = unit.events_until(EVENT_UNIT_ASSIGNMENT, is(second), WAIT);
    assert!(
        seen.iter().all(|a| !is(first)(a)),
        "the first assignment was announced again: {seen:?}"
    );
    assert_eq!(seen.len(), 1, "{seen:?}");
}

#[test]
fn test_the_unit_login_survives_a_restart_and_a_dispatch_made_while_closed_arrives() {
    let server = server();
    let first = app(&server.url);
    let data_dir = first.data_dir.clone();
    assert_eq!(
        first.invoke("unit_account", json!({})).unwrap(),
        Value::Null
    );
    let unit_id = login(&first, &server);
    first.invoke("start_duty", json!({})).unwrap();
    let file = data_dir.join(FILE_NAME);
    assert!(file.exists(), "the login is saved");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "readable by this user only");
    }
    // The app is closed (no logout); the central dispatches the unit.
    first.shut_down();
    let (_citizen, id) = citizen_alert(&server);
    let op = common::login(&server, &server.creds.operator);
    dispatch(&server, &op, id, unit_id);

    // The app starts again on the same data directory: still logged in.
    let again = app_in(&server.url, &data_dir);
    let account = again.invoke("unit_account", json!({})).unwrap();
    assert_eq!(account["unit_id"], unit_id);
    assert_eq!(account["username"], json!(server.creds.unit.0));
    again.invoke("start_duty", json!({})).unwrap();
    let seen = again.events_until(EVENT_UNIT_ASSIGNMENT, is(id), WAIT);
    assert_eq!(seen.len(), 1, "announced once: {seen:?}");

    // Logout ends it here and on the server.
    let token = saved_token(&file);
    again.invoke("unit_logout", json!({})).unwrap();
    assert!(!file.exists(), "logout removes the saved login");
    assert_eq!(
        again.invoke("unit_account", json!({})).unwrap(),
        Value::Null
    );
    assert_eq!(
        me_status(&server, &token),
        401,
        "the token is void on the server"
    );
    drop(first);
}

#[test]
fn test_a_session_the_server_revoked_is_forgotten_and_the_unit_is_told() {
    let server = server();
    let proxy = Proxy::start(&server.url);
    let unit = app(&proxy.url);
    login(&unit, &server);
    unit.invoke("start_duty", json!({})).unwrap();
    wait_until("the unit follows the stream", WAIT, || {
        common::stream_subscribers(&server) == 1
    });
    let file = unit.data_dir.join(FILE_NAME);
    let token = saved_token(&file);
    // The session ends on the server (expired, or revoked by an admin).
    let revoked = tauri::async_runtime::block_on(
        reqwest::Client::new()
            .post(server.url.join("/api/v1/logout").unwrap())
            .bearer_auth(&token)
            .send(),
    )
    .unwrap();
    assert!(revoked.status().is_success());
    // The next reconnect is refused with 401.
    proxy.cut();
    wait_until("the unit notices the drop", WAIT, || proxy.refused() >= 1);
    proxy.restore();
    unit.wait_event(EVENT_UNIT_SESSION_ENDED, |_| true, WAIT);
    assert!(!file.exists(), "a refused login is not kept");
    assert_eq!(unit.invoke("unit_account", json!({})).unwrap(), Value::Null);
    assert_eq!(unit.error_kind("start_duty", json!({})), "not_logged_in");
    let err = unit
        .invoke("start_duty", json!({}))
        .unwrap_err()
        .to_string();
    assert!(!err.contains(&token), "no token in errors");
}

fn saved_token(file: &std::path::Path) -> String {
    let saved: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    saved["token"].as_str().unwrap().to_owned()
}

fn me_status(server: &common::TestServer, token: &str) -> u16 {
    tauri::async_runtime::block_on(
        reqwest::Client::new()
            .get(server.url.join("/api/v1/me").unwrap())
            .bearer_auth(token)
            .send(),
    )
    .unwrap()
    .status()
    .as_u16()
}
