//! Answers a real network produces besides the scripted drops: 500, 502 and
//! 408 are transient, so the alert is retried and still stored once.

use std::time::Duration;

use auxilio_core::SosRequest;
use auxilio_e2e::harness::{enrolled_phone, quick_config};
use auxilio_e2e::{Fault, FaultRule, Route, TestServer};
use auxilio_protocol::AlertKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_500_502_and_408_are_retried() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let core = enrolled_phone(&rx, quick_config(dir.path(), rx.url()))
        .await
        .unwrap();
    rx.push_fault(FaultRule::on(Route::Alert, Fault::Reject(500)));
    rx.push_fault(FaultRule::on(Route::Alert, Fault::Reject(408)));
    rx.push_fault(FaultRule::on(Route::Alert, Fault::Reject(502)));
    let id = core
        .raise_sos(SosRequest {
            kind: AlertKind::Accidente,
            silent: false,
            note: None,
            battery_pct: None,
        })
        .await
        .unwrap();
    let report = tokio::time::timeout(Duration::from_secs(30), core.wait_drained())
        .await
        .unwrap()
        .unwrap();
    assert!(report.wedged.is_empty(), "{:?}", report.wedged);
    assert_eq!(rx.committed_count(id), 1);
    assert_eq!(rx.requests(Route::Alert), 4);
    assert!(core.alert(id).unwrap().unwrap().received);
    core.shutdown().await;
}
