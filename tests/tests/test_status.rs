//! The person who asked for help sees each step the serenazgo takes on the
//! real server's lifecycle: acknowledged, a unit dispatched, en route (with
//! the distance the server measures), on scene, resolved.

use auxilio_core::{AlertStatus, CoreEvent, SosRequest};
use auxilio_e2e::harness::{enrolled_phone, quick_config, EventLog};
use auxilio_e2e::{TestServer, UNIT_CALL_SIGN};
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
    let rx = TestServer::up().await.unwrap();
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
    let operator = rx.operator();
    operator.acknowledge(id).await.unwrap();
    events
        .wait_for("acknowledged", |e| {
            matches!(e, CoreEvent::Acknowledged { .. }).then_some(())
        })
        .await
        .unwrap();

    operator.dispatch(id, rx.unit_id()).await.unwrap();
    let view = events
        .wait_for("dispatched", |e| match e {
            CoreEvent::Dispatched { view, .. } => Some(view.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(view.unit_name.as_deref(), Some(UNIT_CALL_SIGN));

    operator.en_route(id).await.unwrap();
    let view = events
        .wait_for("en route", |e| match e {
            CoreEvent::EnRoute { view, .. } => Some(view.clone()),
            _ => None,
        })
        .await
        .unwrap();
    // The unit stands ~650 m east of the phone's fix.
    let distance = view.unit_distance_m.unwrap();
    assert!((600.0..700.0).contains(&distance), "{distance} m");

    operator.on_scene(id).await.unwrap();
    events
        .wait_for("on scene", |e| {
            matches!(e, CoreEvent::OnScene { .. }).then_some(())
        })
        .await
        .unwrap();

    operator.resolve(id, Outcome::Attended).await.unwrap();
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
    // tracking says it stopped; nothing is left to send.
    assert!(core.cancel(id, None).await.is_err());
    events
        .wait_for("tracking to stop", |e| {
            matches!(e, CoreEvent::TrackingStopped { alert_id } if *alert_id == id).then_some(())
        })
        .await
        .unwrap();
    core.wait_drained().await.unwrap();
    assert!(core.pending().unwrap().is_empty());
    // The server's history has every step, by the operator.
    let history = rx.detail(id).unwrap().history;
    let steps: Vec<&str> = history
        .iter()
        .filter_map(|h| h.to_status.as_deref())
        .collect();
    assert_eq!(
        steps,
        [
            "new",
            "acknowledged",
            "dispatched",
            "en_route",
            "on_scene",
            "resolved"
        ]
    );
    core.shutdown().await;
}
