//! Real socket, real phone on a wrong clock: `auxilio-core` with its clock at
//! 2001-01-01 raises an SOS; the server stores it once with its own receive
//! time, pins it on the console flagged `clock_suspect`, and the phone gets
//! its receipt.

mod common;

use std::time::Duration;

use auxilio_core::{Core, CoreConfig, CoreEvent, SosRequest};
use auxilio_protocol::{now_ms, AlertKind};
use common::*;

/// 2001-01-01T00:00:00Z, where cheap phones land after the battery dies.
const CLOCK_2001_MS: i64 = 978_307_200_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_sos_from_a_phone_whose_clock_reads_2001_is_pinned_flagged_and_stored_once() {
    let server = TestServer::new();
    let base = server.serve().await;
    let mut console = server.console(&base).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = CoreConfig::new(dir.path(), url::Url::parse(&base).unwrap());
    config.backoff_initial = Duration::from_millis(100);
    config.clock_offset_ms = CLOCK_2001_MS - now_ms();
    let core = Core::open(config).await.unwrap();
    let mut events = core.subscribe();
    core.enroll(CODE, Phone::profile()).await.unwrap();
    // The satellites' time, right, on a phone whose own clock is not.
    core.feed_fix(gps_fix_now()).unwrap();
    let before = now_ms();
    let id = core
        .raise_sos(SosRequest {
            kind: AlertKind::Asalto,
            ..SosRequest::default()
        })
        .await
        .unwrap();

    let pinned = console.next_of("alert").await;
    assert_eq!(pinned.data["id"], id.to_string());
    assert_eq!(pinned.data["clock_suspect"], true);
    assert_eq!(
        pinned.data["fix"]["source"], "gps",
        "fresh, whatever the clock"
    );
    let created = pinned.data["created_at_ms"].as_i64().unwrap();
    let received = pinned.data["received_at_ms"].as_i64().unwrap();
    assert!(created < CLOCK_2001_MS + 60_000, "the phone's 2001");
    assert!(
        received >= before && received <= now_ms(),
        "the server's clock"
    );

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        match tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the phone got its receipt in time")
        {
            Ok(CoreEvent::Received { alert_id, .. }) if alert_id == id => break,
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(e) => panic!("the phone's events ended: {e}"),
        }
    }
    tokio::time::timeout(Duration::from_secs(20), core.wait_drained())
        .await
        .expect("drained in time")
        .unwrap();
    assert_eq!(count(&server, "alerts"), 1, "stored once");
    assert_eq!(count(&server, "events WHERE kind = 'alert'"), 1);
    core.shutdown().await;
}
