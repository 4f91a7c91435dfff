//! Stories of one phone and a serenazgo stand-in on loopback.

mod support;

use std::time::Duration;

use auxilio_core::protocol::sms::parse_sms;
use auxilio_core::protocol::AlertStatus;
use auxilio_core::{
    AlertKind, Core, CoreEvent, FixSource, OutboxItemKind, RowState, SmsState, SosRequest,
};
use support::{config, dead_url, drained, gps, next_event, profile, Fault, TestServer};

async fn enrolled_core(server: &TestServer, dir: &std::path::Path) -> Core {
    let core = Core::open(config(dir, server.url.clone())).await.unwrap();
    core.enroll("EP-2024", profile()).await.unwrap();
    core
}

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
    let server = TestServer::start().await;
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
        let seen = server.seen();
        assert_eq!(seen.alerts.len(), 1);
        let (alert, _) = &seen.alerts[&id];
        assert_eq!(alert.kind, AlertKind::Asalto);
        assert_eq!(alert.fix.source, FixSource::Gps);
        assert_eq!(alert.fix.accuracy_m, 8.0);
        assert_eq!(
            alert.reporter.organization.as_deref(),
            Some("Mototaxis El Cortijo")
        );
        assert_eq!(alert.battery_pct, Some(41));
    }

    let local = core.alert(id).unwrap().unwrap();
    assert!(local.sent && local.received);
    assert_eq!(local.status, Some(AlertStatus::New));
    assert!(core.pending().unwrap().is_empty());
    core.shutdown().await;
}

#[tokio::test]
async fn test_transient_failures_are_retried_until_the_alert_arrives_exactly_once() {
    let server = TestServer::start().await;
    server.seen().faults.extend([
        Fault::Status(503, Some(1)),
        Fault::Status(500, None),
        Fault::Status(429, None),
        Fault::CommitThen500,
        Fault::Slow(Duration::from_secs(3)), // longer than the 2 s request timeout
        Fault::Portal,                       // 200, but not from the server
    ]);
    let dir = tempfile::tempdir().unwrap();
    let core = enrolled_core(&server, dir.path()).await;
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    let report = drained(&core).await;
    assert!(report.wedged.is_empty());
    {
        let seen = server.seen();
        assert_eq!(seen.alerts.len(), 1, "stored once");
        assert!(seen.alerts.contains_key(&id));
        assert_eq!(seen.posts, 7, "six failures, then success");
        // Stored by the commit-then-500 attempt; the retry got 200 for the same id.
        assert_eq!(seen.alert_posts, 2);
        assert!(core.alert(id).unwrap().unwrap().received);
    }
    core.shutdown().await;
}

#[tokio::test]
async fn test_a_refused_alert_is_wedged_with_its_reason_and_kept() {
    let server = TestServer::start().await;
    server.seen().faults.push_back(Fault::Status(400, None));
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
    assert!(server.seen().alerts.contains_key(&ok));
    assert!(!server.seen().alerts.contains_key(&refused));
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
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), server.url.clone());
    cfg.position_batch_max = 4;
    cfg.max_positions_per_alert = 10;
    let core = Core::open(cfg).await.unwrap();
    // Not enrolled yet: the SOS is queued, nothing is sent.
    core.set_profile(profile()).unwrap();
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    let mut seqs = 0;
    for i in 1..=30 {
        core.feed_fix(gps(0, 8.0 + i as f64)).unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
        seqs = core
            .pending()
            .unwrap()
            .iter()
            .filter(|p| p.item == OutboxItemKind::Position)
            .count();
        if seqs >= 10 && i > 20 {
            break;
        }
    }
    assert_eq!(seqs, 10, "bounded to max_positions_per_alert");
    assert!(
        server.seen().alerts.is_empty(),
        "nothing is sent before enrollment"
    );
    // Tracking goes on while the queue drains, so pause it and let a tick
    // already past the pause check land first: the server must then see
    // exactly the ten queued now (a tick landing mid-drain made it eleven).
    core.stop_tracking(id);
    queue_settles(&core).await;

    core.enroll("EP-2024", profile()).await.unwrap();
    drained(&core).await;
    {
        let seen = server.seen();
        assert_eq!(
            seen.log.first().map(String::as_str),
            Some(format!("alert {id}").as_str())
        );
        assert_eq!(seen.positions.len(), 10);
        assert!(seen.batches.iter().all(|&n| n <= 4), "{:?}", seen.batches);
        assert!(seen.batches.len() >= 3);
        assert_eq!(seen.duplicate_positions, 0);
        // The newest were kept: sequence numbers are consecutive and end at the last one queued.
        let kept: Vec<u32> = seen.positions.keys().map(|(_, s)| *s).collect();
        assert!(kept.windows(2).all(|w| w[1] == w[0] + 1), "{kept:?}");
        assert!(kept[0] > 0, "the oldest were dropped");
    }
    core.shutdown().await;
}

#[tokio::test]
async fn test_the_server_status_is_followed_and_each_step_announced_once() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let core = enrolled_core(&server, dir.path()).await;
    let mut events = core.subscribe();
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Extorsion)).await.unwrap();
    drained(&core).await;

    for status in [
        AlertStatus::Acknowledged,
        AlertStatus::EnRoute,
        AlertStatus::Resolved,
    ] {
        server.set_status(id, status);
        let got = next_event(&mut events, |e| match e {
            CoreEvent::Acknowledged { alert_id, .. } if *alert_id == id => {
                Some(AlertStatus::Acknowledged)
            }
            CoreEvent::EnRoute { alert_id, view } if *alert_id == id => {
                assert_eq!(view.unit_name.as_deref(), Some("Serenazgo 07"));
                Some(AlertStatus::EnRoute)
            }
            CoreEvent::Resolved { alert_id, .. } if *alert_id == id => Some(AlertStatus::Resolved),
            _ => None,
        })
        .await;
        assert_eq!(got, status);
    }
    // Nothing is announced twice, even after more polls.
    tokio::time::sleep(Duration::from_millis(300)).await;
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
    let server = TestServer::start().await;
    server.seen().down = true;
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(dir.path(), server.url.clone()))
        .await
        .unwrap();
    server.seen().down = false;
    core.enroll("EP-2024", profile()).await.unwrap();
    server.seen().down = true;
    let mut events = core.subscribe();
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    core.cancel(id, Some("falsa alarma".into())).await.unwrap();
    core.cancel(id, None).await.unwrap(); // idempotent
    assert_eq!(core.pending().unwrap().len(), 2);
    server.seen().down = false;
    core.connectivity_restored();
    drained(&core).await;
    next_event(&mut events, |e| {
        matches!(e, CoreEvent::Cancelled { alert_id } if *alert_id == id).then_some(())
    })
    .await;
    {
        let seen = server.seen();
        assert_eq!(seen.log, [format!("alert {id}"), format!("cancel {id}")]);
        assert_eq!(seen.alerts[&id].1.status, AlertStatus::Cancelled);
    }
    let local = core.alert(id).unwrap().unwrap();
    assert!(local.cancel_requested);
    assert_eq!(local.status, Some(AlertStatus::Cancelled));
    core.shutdown().await;
}

#[tokio::test]
async fn test_connectivity_restored_skips_the_backoff_wait() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), server.url.clone());
    cfg.backoff_initial = Duration::from_secs(60);
    cfg.backoff_cap = Duration::from_secs(60);
    let core = Core::open(cfg).await.unwrap();
    core.enroll("EP-2024", profile()).await.unwrap();
    // Every failure asks for a long wait.
    server
        .seen()
        .faults
        .extend([Fault::Status(503, Some(120)), Fault::Status(503, Some(120))]);
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    for _ in 0..2 {
        // Wait until the failure has been seen, then report the network back.
        tokio::time::timeout(Duration::from_secs(5), async {
            let before = server.seen().faults.len();
            while server.seen().faults.len() == before {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        core.connectivity_restored();
    }
    tokio::time::timeout(Duration::from_secs(5), core.wait_drained())
        .await
        .expect("no 60 s wait")
        .unwrap();
    assert!(server.seen().alerts.contains_key(&id));
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
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let core = enrolled_core(&server, dir.path()).await;
    let device = core.device_id();
    server.seen().down = true;
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    core.shutdown().await;
    assert!(matches!(
        core.raise_sos(sos(AlertKind::Sos)).await,
        Err(auxilio_core::CoreError::Shutdown)
    ));
    drop(core);

    server.seen().down = false;
    let again = Core::open(config(dir.path(), server.url.clone()))
        .await
        .unwrap();
    assert_eq!(again.device_id(), device);
    assert!(again.is_enrolled());
    assert_eq!(again.pending().unwrap().len(), 1);
    drained(&again).await;
    assert_eq!(server.seen().alerts.len(), 1);
    assert!(server.seen().alerts.contains_key(&id));
    again.shutdown().await;
}

#[tokio::test]
async fn test_every_endpoint_gets_the_alert() {
    let serenazgo = TestServer::start().await;
    let pnp = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), serenazgo.url.clone());
    cfg.extra_endpoints = vec![pnp.url.clone()];
    let core = Core::open(cfg).await.unwrap();
    core.enroll("EP-2024", profile()).await.unwrap();
    // The PNP stand-in knows the device too (a shared registry).
    let key = serenazgo.seen().devices[&core.device_id()];
    pnp.seen().devices.insert(core.device_id(), key);
    pnp.seen().down = true;
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    // One endpoint down does not hold the other back.
    tokio::time::timeout(Duration::from_secs(5), async {
        while !serenazgo.seen().alerts.contains_key(&id) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap();
    pnp.seen().down = false;
    drained(&core).await;
    assert!(pnp.seen().alerts.contains_key(&id));
    core.shutdown().await;
}

/// Waits until the queued positions stop changing for two tracking ticks.
async fn queue_settles(core: &Core) {
    let queued = || {
        core.pending()
            .unwrap()
            .into_iter()
            .filter(|p| p.item == OutboxItemKind::Position)
            .collect::<Vec<_>>()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut before = queued();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = queued();
        if now == before {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the queue kept changing"
        );
        before = now;
    }
}
