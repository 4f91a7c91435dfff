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
    // Live subscribers hold only 4 events: anything more makes them lag.
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
