//! The phone is killed (SIGKILL: no cleanup) at the worst moments of an
//! SOS. A new process on the same data directory delivers it, and the
//! server has it exactly once.
//!
//! The simulator binary is found next to this test binary; run with
//! `cargo test --workspace` (or build `auxilio-sim` first).

use std::path::Path;

use auxilio_core::{AlertId, Core};
use auxilio_e2e::harness::quick_config;
use auxilio_e2e::sim::SimChild;
use auxilio_e2e::{Fault, FaultRule, Route, ServerOptions, TestServer};

fn raise_args(rx: &TestServer, dir: &Path) -> Vec<String> {
    [
        "raise",
        "--server",
        rx.url().as_str(),
        "--data",
        &dir.to_string_lossy(),
        "--code",
        &rx.enroll_code(),
        "--kind",
        "asalto",
        "--lat",
        "-8.07",
        "--lon",
        "-79.00",
        "--accuracy",
        "12",
        "--fix-deadline-ms",
        "500",
        "--backoff-initial-ms",
        "50",
        "--backoff-cap-ms",
        "500",
        // Long enough that a held request is still in flight when killed.
        "--request-timeout-ms",
        "20000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// `auxilio-sim deliver` on the same directory; returns its exit code.
async fn deliver(rx: &TestServer, dir: &Path) -> Option<i32> {
    let url = rx.url().to_string();
    let data = dir.to_string_lossy().to_string();
    let code = rx.enroll_code();
    let args = [
        "deliver",
        "--server",
        &url,
        "--data",
        &data,
        "--code",
        &code,
        "--backoff-initial-ms",
        "50",
        "--backoff-cap-ms",
        "500",
        "--timeout-s",
        "60",
    ];
    SimChild::spawn(&args).unwrap().wait().await.unwrap()
}

fn spawn(args: &[String]) -> SimChild {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    SimChild::spawn(&args).unwrap()
}

/// Opens the phone's database after the processes are gone: the alert is
/// marked delivered and nothing is left in the outbox.
async fn assert_delivered_locally(rx: &TestServer, dir: &Path, id: AlertId) {
    let core = Core::open(quick_config(dir, rx.url())).await.unwrap();
    let alert = core
        .alert(id)
        .unwrap()
        .expect("the alert is in the local db");
    assert!(alert.received, "the local db shows the alert delivered");
    assert!(
        core.pending()
            .unwrap()
            .iter()
            .all(|p| p.alert_id != id || p.item != auxilio_core::OutboxItemKind::Alert),
        "no alert row left in the outbox"
    );
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_killed_right_after_queued_with_the_server_down() {
    let dir = tempfile::tempdir().unwrap();
    // The server is down: enrollment and delivery both fail.
    let rx = TestServer::start_down(ServerOptions::default())
        .await
        .unwrap();

    let mut phone = spawn(&raise_args(&rx, dir.path()));
    let id = phone.expect_id("queued").await.unwrap();
    phone.kill9().await.unwrap();

    rx.restart().await.unwrap();
    assert_eq!(
        rx.committed_count(id),
        0,
        "nothing was sent before the kill"
    );
    assert_eq!(deliver(&rx, dir.path()).await, Some(0));

    assert_eq!(rx.committed_count(id), 1);
    assert_eq!(rx.committed_alerts(), vec![id]);
    assert_delivered_locally(&rx, dir.path(), id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_killed_while_the_alert_is_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    // The server takes the request but has stored nothing when the phone dies.
    rx.push_fault(FaultRule::on(Route::Alert, Fault::Hold));

    let mut phone = spawn(&raise_args(&rx, dir.path()));
    let id = phone.expect_id("queued").await.unwrap();
    rx.wait_for_held(1).await.unwrap();
    phone.kill9().await.unwrap();
    assert_eq!(rx.committed_count(id), 0);

    assert_eq!(deliver(&rx, dir.path()).await, Some(0));
    assert_eq!(rx.committed_count(id), 1);

    // The request that was in flight at the crash finishes late (or was
    // dropped with its connection): still stored once.
    rx.release_held();
    rx.wait_until("the held request to end", auxilio_e2e::DEFAULT_WAIT, |r| {
        r.held() == 0
    })
    .await
    .unwrap();
    assert_eq!(rx.committed_count(id), 1);
    assert_eq!(rx.conflicts(), 0);
    assert_delivered_locally(&rx, dir.path(), id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_killed_after_the_server_committed_but_before_the_phone_heard() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    // The server stores the alert and keeps its answer back.
    rx.push_fault(FaultRule::on(Route::Alert, Fault::CommitThenHold));

    let mut phone = spawn(&raise_args(&rx, dir.path()));
    let id = phone.expect_id("queued").await.unwrap();
    rx.wait_for_commit(id).await.unwrap();
    rx.wait_for_held(1).await.unwrap();
    phone.kill9().await.unwrap();
    rx.release_held();

    // The new process does not know the server has it, sends it again, and
    // the server recognises the id.
    assert_eq!(deliver(&rx, dir.path()).await, Some(0));
    assert_eq!(rx.committed_count(id), 1);
    assert!(
        rx.alert_posts(id) >= 2,
        "the alert was sent again after the crash"
    );
    assert_eq!(rx.conflicts(), 0);
    assert_delivered_locally(&rx, dir.path(), id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_phone_that_is_not_killed_reports_received() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let mut phone = spawn(&raise_args(&rx, dir.path()));
    let queued = phone.expect_id("queued").await.unwrap();
    let received = phone.expect_id("received").await.unwrap();
    assert_eq!(queued, received);
    assert_eq!(phone.wait().await.unwrap(), Some(0));
    assert_eq!(rx.committed_count(queued), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_raise_rides_out_an_outage_and_reports_received() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::start_down(ServerOptions::default())
        .await
        .unwrap();

    // Not even enrolled yet: the SOS is queued all the same.
    let mut phone = spawn(&raise_args(&rx, dir.path()));
    let id = phone.expect_id("queued").await.unwrap();
    rx.restart().await.unwrap();
    assert_eq!(phone.expect_id("received").await.unwrap(), id);
    assert_eq!(phone.wait().await.unwrap(), Some(0));
    assert_eq!(rx.committed_count(id), 1);
    assert_eq!(rx.enrollments(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_deliver_fails_with_the_reason_when_an_alert_is_wedged() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::start_down(ServerOptions::default())
        .await
        .unwrap();
    let mut args = raise_args(&rx, dir.path());
    args.push("--no-wait".into());
    let mut phone = spawn(&args);
    let id = phone.expect_id("queued").await.unwrap();
    assert_eq!(
        phone.wait().await.unwrap(),
        Some(0),
        "--no-wait exits once queued"
    );

    // The server refuses this alert for good.
    rx.reject_alert(id);
    rx.restart().await.unwrap();
    assert_eq!(deliver(&rx, dir.path()).await, Some(3), "exit 3: wedged");
    assert_eq!(rx.committed_count(id), 0);

    // The wedged alert is kept, with its reason, never deleted.
    let core = Core::open(quick_config(dir.path(), rx.url()))
        .await
        .unwrap();
    let local = core.alert(id).unwrap().unwrap();
    assert!(local.wedged_reason.is_some());
    assert!(core.pending().unwrap().iter().any(|p| p.alert_id == id));
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_killed_at_many_moments_never_loses_or_duplicates_an_alert() {
    let rx = TestServer::up().await.unwrap();
    // Slow answers widen the window in which a kill lands mid-send.
    rx.push_fault(
        FaultRule::on(
            Route::Alert,
            Fault::Delay(std::time::Duration::from_millis(15)),
        )
        .forever(),
    );
    let mut raised = Vec::new();
    let mut dirs = Vec::new();
    for round in 0..10u64 {
        let dir = tempfile::tempdir().unwrap();
        // raise, killed 0 to 45 ms after "queued"
        let mut phone = spawn(&raise_args(&rx, dir.path()));
        let id = phone.expect_id("queued").await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(round * 5)).await;
        phone.kill9().await.unwrap();
        // then a deliver, itself killed at a different moment
        let url = rx.url().to_string();
        let data = dir.path().to_string_lossy().to_string();
        let code = rx.enroll_code();
        let second = SimChild::spawn(&[
            "deliver", "--server", &url, "--data", &data, "--code", &code,
        ])
        .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(45 - round * 5)).await;
        second.kill9().await.unwrap();
        raised.push(id);
        dirs.push(dir);
    }
    // Finally every phone is allowed to finish.
    for dir in &dirs {
        assert_eq!(deliver(&rx, dir.path()).await, Some(0));
    }
    for (id, dir) in raised.iter().zip(&dirs) {
        assert_eq!(rx.committed_count(*id), 1, "alert {id}");
        assert_delivered_locally(&rx, dir.path(), *id).await;
    }
    assert_eq!(rx.committed_alerts().len(), raised.len());
    assert_eq!(rx.conflicts(), 0);
}
