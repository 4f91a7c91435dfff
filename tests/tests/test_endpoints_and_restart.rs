//! A phone with a second delivery endpoint, and a phone whose app is
//! closed and opened again while the serenazgo works on its alert.

use std::time::Duration;

use auxilio_core::{Core, CoreEvent, OutboxItemKind, SosRequest};
use auxilio_e2e::harness::{enrolled_phone, quick_config, EventLog};
use auxilio_e2e::{OperatorUpdate, Receiver, ReceiverOptions, Route};
use auxilio_protocol::AlertKind;

fn sos(kind: AlertKind) -> SosRequest {
    SosRequest {
        kind,
        silent: false,
        note: None,
        battery_pct: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_second_endpoint_gets_every_alert_and_a_dead_one_blocks_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let serenazgo = Receiver::start(ReceiverOptions::default()).await.unwrap();
    let comisaria = Receiver::start(ReceiverOptions::default()).await.unwrap();
    let mut config = quick_config(dir.path(), serenazgo.url());
    config.extra_endpoints = vec![comisaria.url()];
    let core = enrolled_phone(&serenazgo, config).await.unwrap();
    // The second endpoint knows the device too (the registry is shared).
    comisaria.enroll_device(
        core.device_id(),
        core.public_key(),
        serenazgo.enrolled_profile(core.device_id()).unwrap(),
    );

    // The comisaría is down: the serenazgo still gets the alert at once.
    comisaria.stop().await;
    let id = core.raise_sos(sos(AlertKind::Asalto)).await.unwrap();
    serenazgo.wait_for_commit(id).await.unwrap();
    assert_eq!(comisaria.committed_count(id), 0);

    // When the comisaría comes back it gets the same alert, once.
    comisaria.restart().await.unwrap();
    core.connectivity_restored();
    comisaria.wait_for_commit(id).await.unwrap();
    let report = tokio::time::timeout(Duration::from_secs(30), core.wait_drained())
        .await
        .unwrap()
        .unwrap();
    assert!(report.wedged.is_empty());
    assert_eq!(serenazgo.committed_count(id), 1);
    assert_eq!(comisaria.committed_count(id), 1);
    assert_eq!(
        serenazgo.alert(id),
        comisaria.alert(id),
        "the same signed alert"
    );
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_after_the_app_is_reopened_it_catches_up_with_the_operator() {
    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start(ReceiverOptions::default()).await.unwrap();
    let config = quick_config(dir.path(), rx.url());
    let core = enrolled_phone(&rx, config.clone()).await.unwrap();
    let id = core.raise_sos(sos(AlertKind::Extorsion)).await.unwrap();
    rx.wait_for_commit(id).await.unwrap();
    core.wait_drained().await.unwrap();
    core.shutdown().await;

    // While the app is closed, the operator acknowledges and sends a unit.
    rx.operator_update(id, OperatorUpdate::dispatched("Serenazgo 03", 900.0))
        .unwrap();

    let core = Core::open(config).await.unwrap();
    assert!(core.is_enrolled(), "enrollment survives a restart");
    let events = EventLog::start(&core);
    let view = events
        .wait_for("dispatched after reopening", |e| match e {
            CoreEvent::Dispatched { alert_id, view } if *alert_id == id => Some(view.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(view.unit_name.as_deref(), Some("Serenazgo 03"));
    assert!(core.alert(id).unwrap().unwrap().received);
    assert_eq!(
        rx.committed_count(id),
        1,
        "reopening does not send the alert again"
    );
    assert_eq!(rx.alert_posts(id), 1);
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_calling_off_an_alert_the_server_refused_does_not_wedge_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let rx = Receiver::start(ReceiverOptions::default()).await.unwrap();
    let core = enrolled_phone(&rx, quick_config(dir.path(), rx.url()))
        .await
        .unwrap();
    let events = EventLog::start(&core);
    rx.stop().await;
    let refused = core.raise_sos(sos(AlertKind::Sos)).await.unwrap();
    rx.reject_alert(refused);
    rx.restart().await.unwrap();
    core.connectivity_restored();
    events
        .wait_for("wedged", |e| {
            matches!(e, CoreEvent::Wedged { alert_id, .. } if *alert_id == refused).then_some(())
        })
        .await
        .unwrap();

    // The person calls it off; then raises a new one, which must still go out.
    let _ = core.cancel(refused, Some("ya estoy bien".into())).await;
    let next = core.raise_sos(sos(AlertKind::Asalto)).await.unwrap();
    rx.wait_for_commit(next).await.unwrap();
    let report = tokio::time::timeout(Duration::from_secs(30), core.wait_drained())
        .await
        .unwrap()
        .unwrap();
    assert!(report
        .wedged
        .iter()
        .any(|w| w.alert_id == refused && w.item == OutboxItemKind::Alert));
    assert_eq!(
        rx.requests(Route::Cancel),
        0,
        "no cancel for an alert the server never had"
    );
    assert_eq!(rx.order_violations(), Vec::<String>::new());
    core.shutdown().await;
}
