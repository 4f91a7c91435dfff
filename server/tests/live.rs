//! Real-socket tests: a server bound on 127.0.0.1:0, phones and consoles
//! talking HTTP to it, live streams read as Server-Sent Events.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use auxilio_protocol::wire::{HEADER_DEVICE, HEADER_SIGNATURE, PATH_ALERTS};
use auxilio_server::ratelimit::Rate;
use auxilio_server::Settings;
use common::sse::Sse;
use common::*;
use serde_json::{json, Value};

struct Live {
    _server: TestServer,
    base: String,
    http: reqwest::Client,
}

async fn start() -> Live {
    // One phone posts a burst of 120+ alerts here; the per-device limit (its
    // own tests are in limits.rs) would rightly refuse the 121st.
    let server = TestServer::with_settings(Settings {
        device_rate: Rate {
            per_minute: 0,
            burst: 0,
        },
        ..Settings::default()
    });
    let base = server.serve().await;
    Live {
        _server: server,
        base,
        http: reqwest::Client::new(),
    }
}

impl Live {
    async fn enroll(&self) -> Phone {
        let phone = Phone::new();
        let req = phone.enroll_request(CODE);
        let body = axum::body::to_bytes(req.into_body(), usize::MAX)
            .await
            .unwrap();
        let resp = self
            .http
            .post(format!("{}/api/v1/enroll", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        phone
    }

    fn signed(
        &self,
        phone: &Phone,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
    ) -> reqwest::RequestBuilder {
        let sig = phone.key.sign_request(method.as_str(), path, &body);
        self.http
            .request(method, format!("{}{path}", self.base))
            .header(HEADER_DEVICE, phone.id.to_string())
            .header(HEADER_SIGNATURE, sig)
            .body(body)
    }

    async fn raise(&self, phone: &Phone) -> uuid::Uuid {
        let alert = phone.alert();
        let resp = self
            .signed(
                phone,
                reqwest::Method::POST,
                PATH_ALERTS,
                serde_json::to_vec(&alert).unwrap(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        alert.id
    }

    async fn login(&self, username: &str) -> String {
        let resp = self
            .http
            .post(format!("{}/api/v1/login", self.base))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let body: Value = resp.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    async fn stream(&self, token: &str, last_event_id: Option<i64>) -> Sse {
        let mut req = self
            .http
            .get(format!("{}/api/v1/stream", self.base))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id.to_string());
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        Sse::new(resp)
    }
}

#[tokio::test]
async fn test_a_phones_alert_is_pinned_live_and_the_phone_sees_the_acknowledgement() {
    let live = start().await;
    let op = live.login("central").await;
    let mut console = live.stream(&op, None).await;
    let phone = live.enroll().await;

    let id = live.raise(&phone).await;
    let pinned = console.next_of("alert").await;
    assert_eq!(pinned.data["id"], id.to_string());
    assert_eq!(pinned.data["status"], "new");
    assert!(pinned.id.unwrap() > 0);

    // When the phone follows its alert, it first gets the current status.
    let path = format!("/api/v1/alerts/{id}/events");
    let resp = live
        .signed(&phone, reqwest::Method::GET, &path, vec![])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut follow = Sse::new(resp);
    assert_eq!(follow.next_of("status").await.data["status"], "new");

    // When the operator acknowledges, both the phone and the console see it.
    let resp = live
        .http
        .post(format!("{}/api/v1/alerts/{id}/transition", live.base))
        .bearer_auth(&op)
        .json(&json!({"to": "acknowledged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        follow.next_of("status").await.data["status"],
        "acknowledged"
    );
    let change = console.next_of("status").await;
    assert_eq!(change.data["alert_id"], id.to_string());
    assert_eq!(change.data["view"]["status"], "acknowledged");
    assert!(change.id.unwrap() > pinned.id.unwrap());

    // The device stream needs the device's signature.
    let unsigned = live
        .http
        .get(format!("{}{path}", live.base))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
}

#[tokio::test]
async fn test_a_console_reconnecting_with_last_event_id_gets_every_alert_of_a_burst_exactly_once() {
    let live = std::sync::Arc::new(start().await);
    let op = live.login("central").await;
    let phone = std::sync::Arc::new(live.enroll().await);
    const BURST: usize = 120;

    let mut console = live.stream(&op, None).await;
    let first = live.raise(&phone).await;
    let seen_first = console.next_of("alert").await;
    assert_eq!(seen_first.data["id"], first.to_string());
    let mut last_id = seen_first.id.unwrap();

    // Alerts keep coming from another task while the console drops and comes back.
    let posted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let burst = {
        let (live, phone, posted) = (live.clone(), phone.clone(), posted.clone());
        tokio::spawn(async move {
            let mut ids = Vec::new();
            for _ in 0..BURST {
                ids.push(live.raise(&phone).await);
                posted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            ids
        })
    };
    let mut seen: Vec<String> = Vec::new();
    let mut event_ids: Vec<i64> = Vec::new();
    for _ in 0..10 {
        let ev = console.next_of("alert").await;
        last_id = ev.id.unwrap();
        event_ids.push(last_id);
        seen.push(ev.data["id"].as_str().unwrap().to_string());
    }
    drop(console);
    // Reconnect only once alerts were committed while nobody listened.
    while posted.load(std::sync::atomic::Ordering::SeqCst) < 40 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut console = live.stream(&op, Some(last_id)).await;
    while seen.len() < BURST {
        let ev = console.next_of("alert").await;
        event_ids.push(ev.id.unwrap());
        seen.push(ev.data["id"].as_str().unwrap().to_string());
    }
    let sent: HashSet<String> = burst
        .await
        .unwrap()
        .into_iter()
        .map(|id| id.to_string())
        .collect();
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "an alert was delivered twice");
    assert_eq!(unique, sent, "an alert of the burst was missed");
    assert!(
        event_ids.windows(2).all(|w| w[0] < w[1]),
        "event ids must increase"
    );
}

#[tokio::test]
async fn test_the_stream_refuses_a_malformed_last_event_id() {
    let live = start().await;
    let op = live.login("central").await;
    let resp = live
        .http
        .get(format!("{}/api/v1/stream", live.base))
        .bearer_auth(&op)
        .header("last-event-id", "yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["kind"], "malformed");
}
