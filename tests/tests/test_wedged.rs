//! Wedged is never the end of an SOS: an alert the server refused for good
//! is kept with its reason and tried again on re-enrollment, at a new
//! server URL, and slowly on its own. It arrives once.

use std::time::Duration;

use auxilio_core::{Core, CoreEvent, OutboxItemKind, SosRequest};
use auxilio_e2e::harness::{demo_profile, enrolled_phone, quick_config, EventLog};
use auxilio_e2e::{Fault, FaultRule, Route, TestServer};
use auxilio_protocol::{AlertId, AlertKind};

fn sos() -> SosRequest {
    SosRequest {
        kind: AlertKind::Asalto,
        silent: false,
        note: None,
        battery_pct: Some(50),
    }
}

/// Raises an SOS the server refuses once with a 400, and waits until the
/// phone has it wedged with a reason.
async fn refused_once(rx: &TestServer, core: &Core) -> AlertId {
    let events = EventLog::start(core);
    rx.push_fault(FaultRule::on(Route::Alert, Fault::Reject(400)).times(1));
    let id = core.raise_sos(sos()).await.unwrap();
    let reason = events
        .wait_for("the Wedged event", |e| match e {
            CoreEvent::Wedged {
                alert_id,
                item: OutboxItemKind::Alert,
                reason,
            } if *alert_id == id => Some(reason.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert!(!reason.is_empty());
    assert_eq!(rx.committed_count(id), 0);
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_wedged_sos_is_retried_slowly_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let mut config = quick_config(dir.path(), rx.url());
    config.wedged_retry_every = Duration::from_millis(500);
    let core = enrolled_phone(&rx, config).await.unwrap();
    let id = refused_once(&rx, &core).await;
    rx.wait_for_commit(id).await.unwrap();
    assert_eq!(rx.committed_count(id), 1);
    assert_eq!(rx.alert_answers(id), vec![201]);
    let report = tokio::time::timeout(Duration::from_secs(10), core.wait_drained())
        .await
        .unwrap()
        .unwrap();
    assert!(report.wedged.is_empty(), "nothing is left wedged");
    let local = core.alert(id).unwrap().unwrap();
    assert!(local.received && local.wedged_reason.is_none());
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_wedged_sos_is_retried_on_re_enrollment() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    // The default slow retry (10 min) never fires within this test.
    let core = enrolled_phone(&rx, quick_config(dir.path(), rx.url()))
        .await
        .unwrap();
    let id = refused_once(&rx, &core).await;
    assert!(core.alert(id).unwrap().unwrap().wedged_reason.is_some());
    core.enroll(&rx.enroll_code(), demo_profile())
        .await
        .unwrap();
    rx.wait_for_commit(id).await.unwrap();
    assert_eq!(rx.committed_count(id), 1);
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_wedged_sos_is_retried_when_the_server_url_changes() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let core = enrolled_phone(&rx, quick_config(dir.path(), rx.url()))
        .await
        .unwrap();
    let id = refused_once(&rx, &core).await;
    core.shutdown().await;

    // Reopened with the same URL: still wedged (the open decides).
    let core = Core::open(quick_config(dir.path(), rx.url()))
        .await
        .unwrap();
    assert!(core.alert(id).unwrap().unwrap().wedged_reason.is_some());
    core.shutdown().await;

    // Another URL (the same server here, under another path): tried again.
    let moved = rx.url().join("/otra-central/").unwrap();
    let core = Core::open(quick_config(dir.path(), moved)).await.unwrap();
    rx.wait_for_commit(id).await.unwrap();
    assert_eq!(rx.committed_count(id), 1);
    core.shutdown().await;
}
