//! The live stream under pressure (`oneshot`): a subscriber that falls
//! behind the broadcast buffer catches up from the store.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use tower::ServiceExt;

#[tokio::test]
async fn test_a_subscriber_that_falls_behind_catches_up_from_the_store_without_gaps() {
    // Live subscribers hold only 4 commits (each alert below is its own
    // commit): anything more makes them lag.
    let server = TestServer::with_stream_buffer(4);
    let phone = server.phone().await;
    let op = server.login("central").await;
    let resp = oneshot(&server, authed(get("/api/v1/stream"), &op)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body().into_data_stream();

    // 30 alerts are committed while the subscriber reads nothing.
    let mut sent = Vec::new();
    for _ in 0..30 {
        sent.push(server.raise(&phone).await.to_string());
    }
    let alerts = |seen: &[(String, serde_json::Value)]| {
        seen.iter()
            .filter(|(event, _)| event == "alert")
            .map(|(_, data)| data["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let events = read_until(&mut body, |seen| alerts(seen).len() >= sent.len()).await;
    let seen = alerts(&events);
    assert_eq!(seen, sent, "every alert once, in commit order");
}

async fn oneshot(server: &TestServer, req: Request<Body>) -> axum::response::Response {
    server.app().oneshot(req).await.unwrap()
}

#[tokio::test]
async fn test_a_commit_of_several_alerts_reaches_a_console_as_one_chunk_in_commit_order() {
    use auxilio_server::committed::Committed;
    use auxilio_server::store::{Command, Store};
    use futures::StreamExt;
    use std::sync::Arc;
    let server = TestServer::new();
    let phone = server.phone().await;
    let op = server.login("central").await;
    let resp = oneshot(&server, authed(get("/api/v1/stream"), &op)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body().into_data_stream();

    // Three alerts in ONE group commit, published the way the writer does.
    let alerts: Vec<_> = (0..3).map(|_| phone.alert()).collect();
    let cmds = alerts
        .iter()
        .map(|a| Command::IngestAlert {
            device_id: phone.id,
            alert: a.clone(),
            raw: serde_json::to_vec(a).unwrap(),
        })
        .collect();
    let outcome = server
        .store
        .apply(cmds, auxilio_protocol::now_ms())
        .unwrap();
    assert_eq!(outcome.events.len(), 3);
    server
        .state
        .events
        .send(Arc::new(Committed::new(outcome.events)))
        .unwrap();

    let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), body.next())
        .await
        .expect("the commit arrived")
        .unwrap()
        .unwrap();
    let text = std::str::from_utf8(&chunk).unwrap();
    let ids: Vec<String> = text
        .split("\n\n")
        .filter(|block| block.contains("event: alert"))
        .map(|block| {
            let data = block
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .unwrap();
            let v: serde_json::Value = serde_json::from_str(data).unwrap();
            v["id"].as_str().unwrap().to_string()
        })
        .collect();
    let sent: Vec<String> = alerts.iter().map(|a| a.id.to_string()).collect();
    assert_eq!(ids, sent, "all three in one chunk, in commit order");
}

/// Reads SSE blocks from `body` until `done` says so; returns (event, data) pairs.
async fn read_until(
    body: &mut axum::body::BodyDataStream,
    done: impl Fn(&[(String, serde_json::Value)]) -> bool,
) -> Vec<(String, serde_json::Value)> {
    use futures::StreamExt;
    let mut text = String::new();
    let mut seen = Vec::new();
    while !done(&seen) {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), body.next())
            .await
            .expect("the stream went quiet")
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let event = block.lines().find_map(|l| l.strip_prefix("event: "));
            let data = block.lines().find_map(|l| l.strip_prefix("data: "));
            if let (Some(event), Some(data)) = (event, data) {
                seen.push((event.to_string(), serde_json::from_str(data).unwrap()));
            }
        }
    }
    seen
}

#[tokio::test]
async fn test_a_patrol_unit_sees_only_its_own_unit_and_the_alerts_it_was_sent_to() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let op = server.login("central").await;
    let unit = server.login("serenazgo01").await;
    let unit_resp = oneshot(&server, authed(get("/api/v1/stream"), &unit)).await;
    assert_eq!(unit_resp.status(), StatusCode::OK);
    let mut unit_body = unit_resp.into_body().into_data_stream();
    let op_resp = oneshot(&server, authed(get("/api/v1/stream"), &op)).await;
    let mut op_body = op_resp.into_body().into_data_stream();

    // Two alerts; the central sends this unit to the second one only.
    let other = server.raise(&phone).await;
    let mine = server.raise(&phone).await;
    for (to, extra) in [
        ("acknowledged", serde_json::json!({})),
        ("dispatched", serde_json::json!({"unit_id": server.unit_id})),
    ] {
        let mut body = serde_json::json!({ "to": to });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let path = format!("/api/v1/alerts/{mine}/transition");
        let resp = oneshot(&server, authed(json_request("POST", &path, &body), &op)).await;
        assert_eq!(resp.status(), StatusCode::OK, "{to}");
    }
    let path = format!("/api/v1/alerts/{other}/transition");
    let body = serde_json::json!({"to": "acknowledged"});
    let resp = oneshot(&server, authed(json_request("POST", &path, &body), &op)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    // The last event: the central resolves the unit's alert.
    let path = format!("/api/v1/alerts/{mine}/transition");
    let body = serde_json::json!({"to": "resolved", "outcome": "attended"});
    let resp = oneshot(&server, authed(json_request("POST", &path, &body), &op)).await;
    assert_eq!(resp.status(), StatusCode::OK);

    let resolved = |seen: &[(String, serde_json::Value)]| {
        seen.iter()
            .any(|(e, d)| e == "status" && d["view"]["status"] == "resolved")
    };
    let on_unit = read_until(&mut unit_body, resolved).await;
    let on_console = read_until(&mut op_body, resolved).await;
    let about = |seen: &[(String, serde_json::Value)], id: uuid::Uuid| {
        let id = id.to_string();
        seen.iter()
            .filter(|(_, d)| d["alert_id"] == id.as_str() || d["id"] == id.as_str())
            .count()
    };
    assert!(
        about(&on_console, other) >= 2,
        "the central sees every alert"
    );
    assert_eq!(about(&on_unit, other), 0, "{on_unit:?}");
    let statuses: Vec<&str> = on_unit
        .iter()
        .filter(|(e, _)| e == "status")
        .map(|(_, d)| d["view"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["dispatched", "resolved"], "{on_unit:?}");
    assert!(
        on_unit
            .iter()
            .filter(|(e, _)| e == "unit")
            .all(|(_, d)| d["id"] == server.unit_id),
        "only its own unit"
    );
    assert!(
        on_unit.iter().all(|(e, _)| e != "alert"),
        "no new alert reaches a unit before it is sent"
    );

    // The list: the unit sees its own (now closed) alert in a range, not the other.
    let resp = oneshot(
        &server,
        authed(get("/api/v1/alerts?open=false&from_ms=0"), &unit),
    )
    .await;
    let list = Response::read(resp).await;
    let ids: Vec<&str> = list.json["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [mine.to_string().as_str()]);
}
