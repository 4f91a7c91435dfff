//! Delivery through a network that fails on purpose: every alert arrives
//! exactly once, positions and cancels only after their alert, and the one
//! alert the server refuses for good is kept as wedged with its reason.

use std::time::Duration;

use auxilio_core::{CoreEvent, OutboxItemKind, RowState, SosRequest};
use auxilio_e2e::harness::{enrolled_phone, keep_feeding, quick_config, EventLog};
use auxilio_e2e::{Fault, FaultRule, Route, Stored, TestServer};
use auxilio_protocol::AlertKind;

fn sos(kind: AlertKind) -> SosRequest {
    SosRequest {
        kind,
        silent: false,
        note: None,
        battery_pct: Some(64),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_every_alert_arrives_exactly_once_through_a_faulty_network() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let core = enrolled_phone(&rx, quick_config(dir.path(), rx.url()))
        .await
        .unwrap();
    let events = EventLog::start(&core);
    let _gps = keep_feeding(&core, Duration::from_millis(50));

    // The server goes down; a driver raises five alerts meanwhile.
    rx.stop().await;
    let kinds = [
        AlertKind::Asalto,
        AlertKind::Extorsion,
        AlertKind::Accidente,
        AlertKind::Sos,
        AlertKind::EmergenciaMedica,
    ];
    let mut ids = Vec::new();
    for kind in kinds {
        ids.push(core.raise_sos(sos(kind)).await.unwrap());
    }
    let refused = ids[2];
    let called_off = ids[3];
    // One of them is called off before the network comes back.
    core.cancel(called_off, Some("me equivoqué".into()))
        .await
        .unwrap();

    // When it comes back, the network is bad: dropped connections (before and
    // after the server stored the alert), 503 with Retry-After, slow answers,
    // and a permanent 400 for one chosen alert.
    rx.reject_alert(refused);
    rx.push_fault(FaultRule::on(Route::Alert, Fault::Drop).times(2));
    rx.push_fault(FaultRule::on(
        Route::Alert,
        Fault::Unavailable { retry_after_s: 1 },
    ));
    rx.push_fault(FaultRule::on(Route::Alert, Fault::DropAfterCommit));
    rx.push_fault(FaultRule::on(Route::Alert, Fault::Delay(Duration::from_millis(300))).times(2));
    rx.push_fault(FaultRule::on(
        Route::Alert,
        Fault::RateLimited { retry_after_s: 1 },
    ));
    rx.push_fault(FaultRule::on(Route::Alert, Fault::CutAfterCommit));
    rx.push_fault(FaultRule::on(Route::Alert, Fault::Replay));
    rx.push_fault(FaultRule::on(Route::Positions, Fault::Drop));
    rx.push_fault(FaultRule::on(Route::Positions, Fault::Replay));
    rx.push_fault(FaultRule::on(Route::Positions, Fault::DropAfterCommit));
    rx.push_fault(FaultRule::on(
        Route::Positions,
        Fault::Unavailable { retry_after_s: 1 },
    ));
    rx.push_fault(FaultRule::on(
        Route::Positions,
        Fault::Delay(Duration::from_millis(300)),
    ));
    rx.push_fault(FaultRule::on(Route::Cancel, Fault::Drop));
    rx.restart().await.unwrap();
    core.connectivity_restored();

    let report = tokio::time::timeout(Duration::from_secs(60), core.wait_drained())
        .await
        .expect("the queue drains within a minute")
        .unwrap();

    // Every alert but the refused one is stored exactly once, with the
    // content the phone composed (no re-composed retries).
    for id in &ids {
        let expected = u32::from(*id != refused);
        assert_eq!(rx.committed_count(*id), expected, "alert {id}");
    }
    assert_eq!(rx.conflicts(), 0);
    // Two drops, one 503, one 429, one drop after commit and one cut answer
    // each cost a retry; a replay reached the server twice.
    assert!(
        rx.requests(Route::Alert) >= ids.len() + 5,
        "the faults were hit: {} alert requests",
        rx.requests(Route::Alert)
    );
    assert_eq!(rx.pending_faults(), 1, "only the forever-400 rule is left");

    // The refused alert is wedged with its reason, kept, and announced.
    assert!(report.wedged.iter().any(|w| w.alert_id == refused
        && w.item == OutboxItemKind::Alert
        && w.wedged_reason.as_deref().is_some_and(|r| !r.is_empty())));
    let pending = core.pending().unwrap();
    assert!(pending.iter().any(|p| p.alert_id == refused
        && p.item == OutboxItemKind::Alert
        && p.state == RowState::Wedged));
    assert!(
        pending.iter().all(|p| p.state == RowState::Wedged),
        "nothing else is left"
    );
    let local = core.alert(refused).unwrap().unwrap();
    assert!(!local.received && local.wedged_reason.is_some());
    events
        .wait_for("the Wedged event", |e| match e {
            CoreEvent::Wedged {
                alert_id,
                item: OutboxItemKind::Alert,
                reason,
            } if *alert_id == refused => Some(reason.clone()),
            _ => None,
        })
        .await
        .unwrap();

    // The cancel arrived, after its alert, and the phone says so.
    assert!(rx.is_cancelled(called_off));
    events
        .wait_for("the Cancelled event", |e| {
            matches!(e, CoreEvent::Cancelled { alert_id } if *alert_id == called_off).then_some(())
        })
        .await
        .unwrap();
    // A batch the server stored but could not acknowledge was re-sent with
    // the same (alert_id, seq): the server saw duplicates, stored them once.
    assert!(rx.duplicate_positions() >= 1);
    // Positions were tracked and delivered, never before their alert.
    assert!(ids
        .iter()
        .filter(|id| **id != refused)
        .any(|id| !rx.positions(*id).is_empty()));
    assert!(rx.positions(refused).is_empty());
    assert_eq!(rx.order_violations(), Vec::<String>::new());
    let stored = rx.stored();
    for (i, s) in stored.iter().enumerate() {
        let alert_id = match s {
            Stored::Alert(_) => continue,
            Stored::Position { alert_id, .. } | Stored::Cancel(alert_id) => *alert_id,
        };
        assert!(
            stored[..i].contains(&Stored::Alert(alert_id)),
            "{s:?} came before its alert"
        );
    }

    // Each delivered alert was announced as received, once.
    for id in ids.iter().filter(|id| **id != refused) {
        let received = events
            .all()
            .iter()
            .filter(|e| matches!(e, CoreEvent::Received { alert_id, .. } if alert_id == id))
            .count();
        assert_eq!(received, 1, "alert {id}");
        assert!(core.alert(*id).unwrap().unwrap().received);
    }
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_answer_slower_than_the_timeout_is_retried_without_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let mut config = quick_config(dir.path(), rx.url());
    config.request_timeout = Duration::from_millis(500);
    let core = enrolled_phone(&rx, config).await.unwrap();

    // The server commits the first post at once but its answer takes 1.5 s:
    // the phone gives up waiting at 0.5 s and tries again.
    rx.push_fault(FaultRule::on(
        Route::Alert,
        Fault::SlowAnswer(Duration::from_millis(1500)),
    ));
    let id = core.raise_sos(sos(AlertKind::Asalto)).await.unwrap();
    let report = tokio::time::timeout(Duration::from_secs(30), core.wait_drained())
        .await
        .unwrap()
        .unwrap();
    assert!(report.wedged.is_empty());
    assert!(
        rx.requests(Route::Alert) >= 2,
        "the phone retried after its timeout"
    );
    // The server stored it on the first post and said so again on the retry.
    assert_eq!(rx.alert_answers(id)[..2], [201, 200]);
    assert_eq!(rx.committed_count(id), 1);
    assert_eq!(rx.conflicts(), 0);
    assert!(core.alert(id).unwrap().unwrap().received);
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_alert_raised_before_enrollment_waits_and_then_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let core = auxilio_core::Core::open(quick_config(dir.path(), rx.url()))
        .await
        .unwrap();
    core.set_profile(auxilio_e2e::harness::demo_profile())
        .unwrap();
    core.feed_fix(auxilio_e2e::harness::good_fix(-8.06, -79.01))
        .unwrap();

    let id = core.raise_sos(sos(AlertKind::Violencia)).await.unwrap();
    assert_eq!(
        core.pending()
            .unwrap()
            .iter()
            .filter(|p| p.alert_id == id)
            .count(),
        1
    );

    core.enroll(&rx.enroll_code(), auxilio_e2e::harness::demo_profile())
        .await
        .unwrap();
    core.connectivity_restored();
    rx.wait_for_commit(id).await.unwrap();
    assert_eq!(rx.committed_count(id), 1);
    // Nothing went out unsigned or unenrolled: the real server would have
    // refused it (403), and the only alert post it ever saw is the one it took.
    assert_eq!(rx.requests(Route::Alert), 1);
    assert_eq!(rx.alert_answers(id), [201]);
    core.shutdown().await;
}

/// The first alert post gets `fault` (a 503 asking to wait about 2 s or
/// more); quick_config caps the backoff at 200 ms, so only the server's
/// `Retry-After` can make the phone wait that long before its retry.
async fn assert_retry_waits_for(fault: Fault) {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let core = enrolled_phone(&rx, quick_config(dir.path(), rx.url()))
        .await
        .unwrap();
    rx.push_fault(FaultRule::on(Route::Alert, fault));
    let id = core.raise_sos(sos(AlertKind::Extorsion)).await.unwrap();
    rx.wait_for_commit(id).await.unwrap();
    let times = rx.arrival_times(Route::Alert);
    assert_eq!(times.len(), 2);
    let waited = times[1] - times[0];
    assert!(
        waited >= Duration::from_millis(1900),
        "retried after {waited:?}"
    );
    assert_eq!(rx.committed_count(id), 1);
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_retry_after_is_honoured_even_above_the_backoff_cap() {
    assert_retry_waits_for(Fault::Unavailable { retry_after_s: 2 }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_new_sos_during_a_60_s_backoff_leaves_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let mut config = quick_config(dir.path(), rx.url());
    config.backoff_initial = Duration::from_secs(60);
    config.backoff_cap = Duration::from_secs(60);
    let core = enrolled_phone(&rx, config).await.unwrap();
    rx.push_fault(FaultRule::on(
        Route::Alert,
        Fault::Unavailable { retry_after_s: 60 },
    ));
    let first = core.raise_sos(sos(AlertKind::Asalto)).await.unwrap();
    rx.wait_for_answers(Route::Alert, 1).await.unwrap();
    assert_eq!(rx.committed_count(first), 0, "the 503 stored nothing");

    // The task now waits 60 s; a second SOS ends that wait.
    let raised = std::time::Instant::now();
    let second = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    rx.wait_for_commit(second).await.unwrap();
    rx.wait_for_commit(first).await.unwrap();
    let times = rx.arrival_times(Route::Alert);
    assert_eq!(times.len(), 3, "one 503, then both alerts once");
    let late = times[2] - raised;
    assert!(
        late < Duration::from_secs(2),
        "the new SOS left after {late:?}"
    );
    assert_eq!(rx.committed_count(first), 1);
    assert_eq!(rx.committed_count(second), 1);
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_http_date_retry_after_is_honoured() {
    // An HTTP-date has whole seconds: "3 s from now" written down is 2 to 3 s away.
    assert_retry_waits_for(Fault::UnavailableUntil {
        after: Duration::from_secs(3),
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_positions_still_honour_a_retry_after_when_a_new_sos_wakes_the_task() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let core = enrolled_phone(&rx, quick_config(dir.path(), rx.url()))
        .await
        .unwrap();
    let _gps = keep_feeding(&core, Duration::from_millis(50));
    // The first position batch is answered 503, Retry-After: 3.
    rx.push_fault(FaultRule::on(
        Route::Positions,
        Fault::Unavailable { retry_after_s: 3 },
    ));
    let first = core.raise_sos(sos(AlertKind::Asalto)).await.unwrap();
    rx.wait_for_commit(first).await.unwrap();
    rx.wait_for_answers(Route::Positions, 1).await.unwrap();
    let refused_at = rx.arrival_times(Route::Positions)[0];

    // A new SOS wakes the task: the alert goes at once, positions wait.
    let second = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    rx.wait_for_commit(second).await.unwrap();
    let alert_at = *rx.arrival_times(Route::Alert).last().unwrap();
    assert!(
        alert_at - refused_at < Duration::from_secs(2),
        "the new SOS waited {:?}",
        alert_at - refused_at
    );
    rx.wait_for_requests(Route::Positions, 2).await.unwrap();
    let resumed = rx.arrival_times(Route::Positions)[1] - refused_at;
    assert!(
        resumed >= Duration::from_millis(2900),
        "positions resumed after {resumed:?}"
    );
    assert!(rx.arrival_times(Route::Positions)[1] > alert_at);
    rx.wait_for_positions(first, 1).await.unwrap();
    core.shutdown().await;
}
