//! The live stream under pressure (`oneshot`): a subscriber that falls
//! behind the broadcast buffer catches up from the store.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use tower::ServiceExt;

#[tokio::test]
async fn test_a_subscriber_that_falls_behind_catches_up_from_the_store_without_gaps() {
    use futures::StreamExt;
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
    let mut text = String::new();
    let mut seen: Vec<String> = Vec::new();
    while seen.len() < sent.len() {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), body.next())
            .await
            .expect("the stream went quiet")
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            if block.contains("event: alert") {
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap();
                let v: serde_json::Value = serde_json::from_str(data).unwrap();
                seen.push(v["id"].as_str().unwrap().to_string());
            }
        }
    }
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
