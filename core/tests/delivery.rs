//! Stories of one phone and the real serenazgo server on loopback, behind
//! the fault layer of `auxilio-e2e`.

mod support;

use std::time::Duration;

use auxilio_core::protocol::sms::parse_sms;
use auxilio_core::protocol::{AlertStatus, Outcome};
use auxilio_core::{
    AlertKind, Core, CoreEvent, FixSource, OutboxItemKind, RowState, SmsState, SosRequest,
};
use support::{
    config, dead_url, drained, enrolled_core, gps, next_event, profile, Fault, FaultRule, Route,
    Stored, TestServer,
};

fn sos(kind: AlertKind) -> SosRequest {
    SosRequest {
        kind,
        silent: false,
        note: Some("me están robando".into()),
        battery_pct: Some(41),
    }
}

// Multi-thread: the SOS commit runs inline there (`block_in_place`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_sos_is_delivered_once_and_the_person_sees_each_step() {
    let server = TestServer::up().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let core = enrolled_core(&server, dir.path()).await;
    assert!(core.is_enrolled());
    let mut events = core.subscribe();

    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Asalto)).await.unwrap();
    let report = drained(&core).await;
    assert!(report.wedged.is_empty());

    // Queued, then Sent, then Received, in that order.
    let mut order = Vec::new();
    while order.len() < 3 {
        match next_event(&mut events, |e| Some(e.clone())).await {
            CoreEvent::Queued { alert_id } if alert_id == id => order.push("queued"),
            CoreEvent::Sent { alert_id } if alert_id == id => order.push("sent"),
            CoreEvent::Received { alert_id, view } if alert_id == id => {
                assert_eq!(view.status, AlertStatus::New);
                order.push("received")
            }
            _ => {}
        }
    }
    assert_eq!(order, ["queued", "sent", "received"]);

    {
        assert_eq!(server.committed_alerts(), [id]);
        let alert = server.alert(id).unwrap();
        assert_eq!(alert.kind, AlertKind::Asalto);
        assert_eq!(alert.fix.as_ref().unwrap().source, FixSource::Gps);
        assert_eq!(alert.fix.as_ref().unwrap().accuracy_m, 8.0);
        assert_eq!(
            alert.reporter.organization.as_deref(),
            Some("Mototaxis El Cortijo")
        );
        assert_eq!(alert.battery_pct, Some(41));
        assert_eq!(alert.note.as_deref(), Some("me están robando"));
    }

    let local = core.alert(id).unwrap().unwrap();
    assert!(local.sent && local.received);
    assert_eq!(local.status, Some(AlertStatus::New));
    assert!(core.pending().unwrap().is_empty());
    core.shutdown().await;
}

#[tokio::test]
async fn test_transient_failures_are_retried_until_the_alert_arrives_exactly_once() {
    let server = TestServer::up().await.unwrap();
    for fault in [
        Fault::Unavailable { retry_after_s: 1 },
        Fault::Reject(500),
        Fault::Reject(429),
        Fault::CutAfterCommit,
        Fault::Delay(Duration::from_secs(3)), // longer than the 2 s request timeout
        Fault::HtmlOk,                        // 200, but not from the server
    ] {
        server.push_fault(FaultRule::on(Route::Alert, fault));
    }
    let dir = tempfile::tempdir().unwrap();
    let core = enrolled_core(&server, dir.path()).await;
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    let report = drained(&core).await;
    assert!(report.wedged.is_empty());
    assert_eq!(server.committed_count(id), 1, "stored once");
    assert_eq!(
        server.requests(Route::Alert),
        7,
        "six failures, then success"
    );
    // Stored by the attempt whose answer was cut; every later post the
    // server saw got 200 for the same id.
    let answers = server.alert_answers(id);
    assert_eq!(answers[0], 201, "{answers:?}");
    assert!(answers[1..].iter().all(|s| *s == 200), "{answers:?}");
    assert!(core.alert(id).unwrap().unwrap().received);
    core.shutdown().await;
}

#[tokio::test]
async fn test_a_refused_alert_is_wedged_with_its_reason_and_kept() {
    let server = TestServer::up().await.unwrap();
    server.push_fault(FaultRule::on(Route::Alert, Fault::Reject(400)));
    let dir = tempfile::tempdir().unwrap();
    let core = enrolled_core(&server, dir.path()).await;
    let mut events = core.subscribe();
    core.feed_fix(gps(0, 8.0)).unwrap();
    let refused = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    let (item, reason) = next_event(&mut events, |e| match e {
        CoreEvent::Wedged {
            alert_id,
            item,
            reason,
        } if *alert_id == refused => Some((*item, reason.clone())),
        _ => None,
    })
    .await;
    assert_eq!(item, OutboxItemKind::Alert);
    assert!(reason.starts_with("HTTP 400"), "{reason}");

    // The next SOS is not blocked by the wedged one.
    let ok = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    let report = drained(&core).await;
    assert_eq!(report.wedged.len(), 1);
    assert_eq!(report.wedged[0].alert_id, refused);
    assert_eq!(report.wedged[0].state, RowState::Wedged);
    assert_eq!(server.committed_count(ok), 1);
    assert_eq!(server.committed_count(refused), 0);
    // Shown, never deleted.
    let pending = core.pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].wedged_reason.as_deref(), Some(reason.as_str()));
    assert_eq!(
        core.alert(refused).unwrap().unwrap().wedged_reason,
        Some(reason)
    );
    core.shutdown().await;
}

#[tokio::test]
async fn test_offline_positions_wait_for_enrollment_then_go_after_the_alert_in_batches() {
    let server = TestServer::up().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), server.url());
    cfg.position_batch_max = 4;
    cfg.max_positions_per_alert = 10;
    // Tracking ends before enrollment, so the backlog is fixed when it drains.
    cfg.tracking_max = Duration::from_millis(1500);
    let core = Core::open(cfg).await.unwrap();
    let mut events = core.subscribe();
    // Not enrolled yet: the SOS is queued, nothing is sent.
    core.set_profile(profile()).unwrap();
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    let feeding = {
        let core = core.clone();
        tokio::spawn(async move {
            for i in 1.. {
                if core.feed_fix(gps(0, 8.0 + f64::from(i % 40))).is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
        })
    };
    next_event(&mut events, |e| {
        matches!(e, CoreEvent::TrackingStopped { alert_id } if *alert_id == id).then_some(())
    })
    .await;
    feeding.abort();
    let seqs = core
        .pending()
        .unwrap()
        .iter()
        .filter(|p| p.item == OutboxItemKind::Position)
        .count();
    assert_eq!(seqs, 10, "bounded to max_positions_per_alert");
    assert_eq!(
        server.total_requests(),
        0,
        "nothing is sent before enrollment"
    );

    core.enroll(&server.enroll_code(), profile()).await.unwrap();
    drained(&core).await;
    assert_eq!(server.stored().first(), Some(&Stored::Alert(id)));
    let kept: Vec<u32> = server.positions(id).iter().map(|p| p.seq).collect();
    assert_eq!(kept.len(), 10);
    let batches = server.batch_sizes();
    assert!(batches.iter().all(|&n| n <= 4), "{batches:?}");
    assert!(batches.len() >= 3);
    assert_eq!(server.duplicate_positions(), 0);
    // The newest were kept: sequence numbers are consecutive and end at the last one queued.
    assert!(kept.windows(2).all(|w| w[1] == w[0] + 1), "{kept:?}");
    assert!(kept[0] > 0, "the oldest were dropped");
    core.shutdown().await;
}

#[tokio::test]
async fn test_the_server_status_is_followed_and_each_step_announced_once() {
    let server = TestServer::up().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let core = enrolled_core(&server, dir.path()).await;
    let mut events = core.subscribe();
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Extorsion)).await.unwrap();
    drained(&core).await;

    let operator = server.operator();
    for status in [
        AlertStatus::Acknowledged,
        AlertStatus::EnRoute,
        AlertStatus::Resolved,
    ] {
        match status {
            AlertStatus::Acknowledged => operator.acknowledge(id).await.map(drop),
            AlertStatus::EnRoute => {
                operator.dispatch(id, server.unit_id()).await.unwrap();
                operator.en_route(id).await.map(drop)
            }
            _ => operator.resolve(id, Outcome::Attended).await.map(drop),
        }
        .unwrap();
        let got = next_event(&mut events, |e| match e {
            CoreEvent::Acknowledged { alert_id, .. } if *alert_id == id => {
                Some(AlertStatus::Acknowledged)
            }
            CoreEvent::EnRoute { alert_id, view } if *alert_id == id => {
                assert_eq!(view.unit_name.as_deref(), Some(auxilio_e2e::UNIT_CALL_SIGN));
                Some(AlertStatus::EnRoute)
            }
            CoreEvent::Resolved { alert_id, .. } if *alert_id == id => Some(AlertStatus::Resolved),
            _ => None,
        })
        .await;
        assert_eq!(got, status);
        if status != AlertStatus::Resolved {
            // Three more polls see the same status: nothing is announced again.
            let polls = server.requests(Route::Status);
            server
                .wait_for_requests(Route::Status, polls + 3)
                .await
                .unwrap();
        }
    }
    let mut again = 0;
    while let Ok(ev) = events.try_recv() {
        if matches!(
            ev,
            CoreEvent::Acknowledged { .. } | CoreEvent::EnRoute { .. } | CoreEvent::Resolved { .. }
        ) {
            again += 1;
        }
    }
    assert_eq!(again, 0);
    assert_eq!(
        core.alert(id).unwrap().unwrap().status,
        Some(AlertStatus::Resolved)
    );
    assert!(matches!(
        core.cancel(id, None).await,
        Err(auxilio_core::CoreError::AlertClosed)
    ));
    core.shutdown().await;
}

#[tokio::test]
async fn test_a_cancel_goes_after_the_alert_and_is_confirmed() {
    let server = TestServer::up().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let core = enrolled_core(&server, dir.path()).await;
    // Every phone request gets 503 for now.
    server.push_fault(FaultRule::any(Fault::Reject(503)).forever());
    let mut events = core.subscribe();
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    core.cancel(id, Some("falsa alarma".into())).await.unwrap();
    core.cancel(id, None).await.unwrap(); // idempotent
    assert_eq!(core.pending().unwrap().len(), 2);
    server.clear_faults();
    core.connectivity_restored();
    drained(&core).await;
    next_event(&mut events, |e| {
        matches!(e, CoreEvent::Cancelled { alert_id } if *alert_id == id).then_some(())
    })
    .await;
    assert_eq!(server.stored(), [Stored::Alert(id), Stored::Cancel(id)]);
    assert_eq!(server.alert(id).unwrap().status, AlertStatus::Cancelled);
    let local = core.alert(id).unwrap().unwrap();
    assert!(local.cancel_requested);
    assert_eq!(local.status, Some(AlertStatus::Cancelled));
    core.shutdown().await;
}

#[tokio::test]
async fn test_connectivity_restored_skips_the_backoff_wait() {
    let server = TestServer::up().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), server.url());
    cfg.backoff_initial = Duration::from_secs(60);
    cfg.backoff_cap = Duration::from_secs(60);
    let core = Core::open(cfg).await.unwrap();
    core.enroll(&server.enroll_code(), profile()).await.unwrap();
    // Every failure asks for a long wait.
    server.push_fault(
        FaultRule::on(Route::Alert, Fault::Unavailable { retry_after_s: 120 }).times(2),
    );
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    for failure in 1..=2 {
        // Wait until the failure has been answered, then report the network
        // back (once the delivery task is in its wait).
        server
            .wait_for_answers(Route::Alert, failure)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        core.connectivity_restored();
    }
    tokio::time::timeout(Duration::from_secs(5), core.wait_drained())
        .await
        .expect("no 60 s wait")
        .unwrap();
    assert_eq!(server.committed_count(id), 1);
    core.shutdown().await;
}

#[tokio::test]
async fn test_sms_fallback_when_no_server_receipt_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), dead_url());
    cfg.sms_fallback_after = Duration::from_millis(300);
    cfg.sms_number = Some("+51 44 123456".into());
    let core = Core::open(cfg).await.unwrap();
    core.set_profile(profile()).unwrap();
    let mut events = core.subscribe();
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Violencia)).await.unwrap();
    let (to, text) = next_event(&mut events, |e| match e {
        CoreEvent::SmsFallback { alert_id, to, text } if *alert_id == id => {
            Some((to.clone(), text.clone()))
        }
        _ => None,
    })
    .await;
    assert_eq!(to, "+51 44 123456");
    assert!(text.chars().count() <= 160);
    let parsed = parse_sms(&text).unwrap();
    parsed.verify(&core.public_key()).unwrap();
    assert_eq!(core.alert(id).unwrap().unwrap().sms, SmsState::Requested);

    core.sms_fallback_sent(id).unwrap();
    next_event(&mut events, |e| {
        matches!(e, CoreEvent::SmsFallbackSent { alert_id } if *alert_id == id).then_some(())
    })
    .await;
    assert_eq!(core.alert(id).unwrap().unwrap().sms, SmsState::Sent);
    core.shutdown().await;
}

#[tokio::test]
async fn test_a_queued_sos_survives_a_restart_and_is_delivered_once() {
    let server = TestServer::up().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let core = enrolled_core(&server, dir.path()).await;
    let device = core.device_id();
    server.push_fault(FaultRule::any(Fault::Reject(503)).forever());
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    server.wait_for_answers(Route::Alert, 1).await.unwrap();
    core.shutdown().await;
    assert!(matches!(
        core.raise_sos(sos(AlertKind::Sos)).await,
        Err(auxilio_core::CoreError::Shutdown)
    ));
    drop(core);

    server.clear_faults();
    let again = Core::open(config(dir.path(), server.url())).await.unwrap();
    assert_eq!(again.device_id(), device);
    assert!(again.is_enrolled());
    assert_eq!(again.pending().unwrap().len(), 1);
    drained(&again).await;
    assert_eq!(server.committed_alerts(), [id]);
    again.shutdown().await;
}

#[tokio::test]
async fn test_an_endpoint_that_is_down_holds_nobody_back() {
    let serenazgo = TestServer::up().await.unwrap();
    let pnp = TestServer::up().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), serenazgo.url());
    cfg.extra_endpoints = vec![pnp.url()];
    let core = Core::open(cfg).await.unwrap();
    core.enroll(&serenazgo.enroll_code(), profile())
        .await
        .unwrap();
    pnp.stop().await;
    let mut events = core.subscribe();
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    // One endpoint down does not hold the other back.
    next_event(&mut events, |e| {
        matches!(e, CoreEvent::Received { alert_id, .. } if *alert_id == id).then_some(())
    })
    .await;
    assert_eq!(serenazgo.committed_count(id), 1);
    // The PNP's copy waits, queued, for its endpoint.
    let pending = core.pending().unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0].endpoint, pnp.url().as_str());
    assert!(matches!(
        pending[0].state,
        RowState::Queued | RowState::InFlight
    ));
    core.shutdown().await;
}
