//! The person who asked for help sees each step the serenazgo takes:
//! acknowledged, a unit dispatched, en route (with its distance), on scene,
//! resolved.

use std::time::Duration;

use auxilio_core::{AlertStatus, CoreEvent, SosRequest};
use auxilio_e2e::harness::{enrolled_phone, keep_feeding, quick_config, EventLog};
use auxilio_e2e::{OperatorUpdate, Receiver, ReceiverOptions};
use auxilio_protocol::{AlertKind, Outcome};

/// The name of a status event, or `None` for other events.
fn step(e: &CoreEvent) -> Option<&'static str> {
    Some(match e {
        CoreEvent::Queued { .. } => "queued",
        CoreEvent::Sent { .. } => "sent",
        CoreEvent::Received { .. } => "received",
        CoreEvent::Acknowledged { .. } => "acknowledged",
        CoreEvent::Dispatched { .. } => "dispatched",
        CoreEvent::EnRoute { .. } => "en_route",
        CoreEvent::OnScene { .. } => "on_scene",
        CoreEvent::Resolved { .. } => "resolved",
        _ => return None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_the_reporter_follows_the_operator_step_by_step() {
    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start(ReceiverOptions::default()).await.unwrap();
    let core = enrolled_phone(&rx, quick_config(dir.path(), rx.url()))
        .await
        .unwrap();
    let events = EventLog::start(&core);

    let id = core
        .raise_sos(SosRequest {
            kind: AlertKind::Asalto,
            silent: false,
            note: None,
            battery_pct: None,
        })
        .await
        .unwrap();
    events
        .wait_for("received", |e| {
            matches!(e, CoreEvent::Received { .. }).then_some(())
        })
        .await
        .unwrap();

    // The operator acknowledges; the phone learns it on its next poll.
    rx.operator_update(id, OperatorUpdate::acknowledged())
        .unwrap();
    events
        .wait_for("acknowledged", |e| {
            matches!(e, CoreEvent::Acknowledged { .. }).then_some(())
        })
        .await
        .unwrap();

    rx.operator_update(id, OperatorUpdate::dispatched("Serenazgo 07", 1200.0))
        .unwrap();
    let view = events
        .wait_for("dispatched", |e| match e {
            CoreEvent::Dispatched { view, .. } => Some(view.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(view.unit_name.as_deref(), Some("Serenazgo 07"));

    rx.operator_update(id, OperatorUpdate::en_route(650.0))
        .unwrap();
    let view = events
        .wait_for("en route", |e| match e {
            CoreEvent::EnRoute { view, .. } => Some(view.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(view.unit_distance_m, Some(650.0));

    rx.operator_update(id, OperatorUpdate::on_scene()).unwrap();
    events
        .wait_for("on scene", |e| {
            matches!(e, CoreEvent::OnScene { .. }).then_some(())
        })
        .await
        .unwrap();

    rx.operator_update(id, OperatorUpdate::resolved(Outcome::Attended))
        .unwrap();
    let view = events
        .wait_for("resolved", |e| match e {
            CoreEvent::Resolved { view, .. } => Some(view.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(view.outcome, Some(Outcome::Attended));

    // In the order a person sees them, each once.
    let steps: Vec<&str> = events.all().iter().filter_map(step).collect();
    assert_eq!(
        steps,
        [
            "queued",
            "sent",
            "received",
            "acknowledged",
            "dispatched",
            "en_route",
            "on_scene",
            "resolved"
        ]
    );
    let local = core.alert(id).unwrap().unwrap();
    assert_eq!(local.status, Some(AlertStatus::Resolved));

    // A resolved alert is closed: calling it off now is refused, and
    // tracking stops (several tracking intervals pass without a new position).
    assert!(core.cancel(id, None).await.is_err());
    let _gps = keep_feeding(&core, Duration::from_millis(50));
    core.wait_drained().await.unwrap();
    let tracked = rx.positions(id).len();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    core.wait_drained().await.unwrap();
    assert_eq!(
        rx.positions(id).len(),
        tracked,
        "no tracking after resolved"
    );
    assert!(core.pending().unwrap().is_empty());
    core.shutdown().await;
}
