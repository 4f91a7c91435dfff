//! Real socket, real phone: `auxilio-core` (the phone's brain) enrolls,
//! raises an SOS and delivers it to a running server; a console's stream
//! pins it; an operator acknowledges; the phone learns it from the server.

mod common;

use std::time::Duration;

use auxilio_core::{Core, CoreConfig, CoreEvent, SosRequest};
use auxilio_protocol::AlertKind;
use common::*;
use serde_json::json;

async fn wait_for(
    events: &mut tokio::sync::broadcast::Receiver<CoreEvent>,
    mut wanted: impl FnMut(&CoreEvent) -> bool,
) -> CoreEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let next = tokio::time::timeout_at(deadline, events.recv()).await;
        match next.expect("the phone did not get there in time") {
            Ok(ev) if wanted(&ev) => return ev,
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(e) => panic!("the phone's events ended: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_sos_from_auxilio_core_is_pinned_and_the_phone_sees_the_acknowledgement() {
    let server = TestServer::new();
    let base = server.serve().await;
    let mut console = server.console(&base).await;
    let http = reqwest::Client::new();
    let op = server.login("central").await;

    // The phone.
    let dir = tempfile::tempdir().unwrap();
    let mut config = CoreConfig::new(dir.path(), url::Url::parse(&base).unwrap());
    config.status_poll_interval = Duration::from_millis(200);
    config.backoff_initial = Duration::from_millis(100);
    let core = Core::open(config).await.unwrap();
    let mut events = core.subscribe();
    core.enroll(CODE, Phone::profile()).await.unwrap();
    core.feed_fix(gps_fix_now()).unwrap();
    let sos = SosRequest {
        kind: AlertKind::Extorsion,
        silent: true,
        note: None,
        battery_pct: Some(41),
    };
    let id = core.raise_sos(sos).await.unwrap();

    // It is pinned on the console, where it is and as it was raised.
    let pinned = console.next_of("alert").await;
    assert_eq!(pinned.data["id"], id.to_string());
    assert_eq!(pinned.data["kind"], "extorsion");
    assert_eq!(pinned.data["silent"], true);
    assert_eq!(pinned.data["fix"]["lat"], -8.0712);
    wait_for(
        &mut events,
        |e| matches!(e, CoreEvent::Received { alert_id, .. } if *alert_id == id),
    )
    .await;

    // The operator acknowledges; the phone is told.
    let resp = http
        .post(format!("{base}/api/v1/alerts/{id}/transition"))
        .bearer_auth(&op)
        .json(&json!({"to": "acknowledged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ack = wait_for(
        &mut events,
        |e| matches!(e, CoreEvent::Acknowledged { alert_id, .. } if *alert_id == id),
    )
    .await;
    let CoreEvent::Acknowledged { view, .. } = ack else {
        unreachable!()
    };
    assert_eq!(view.status, auxilio_protocol::AlertStatus::Acknowledged);
    core.shutdown().await;
}
