//! A phone with a second delivery endpoint (a second real server), and a
//! phone whose app is closed and opened again while the serenazgo works on
//! its alert.

use std::time::Duration;

use auxilio_core::{Core, CoreEvent, OutboxItemKind, RowState, SosRequest, SERVER_ENDPOINT};
use auxilio_e2e::harness::{enrolled_phone, quick_config, EventLog};
use auxilio_e2e::{Route, TestServer, UNIT_CALL_SIGN};
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
async fn test_a_second_endpoint_that_never_enrolled_the_phone_wedges_only_its_own_rows() {
    let dir = tempfile::tempdir().unwrap();
    let serenazgo = TestServer::up().await.unwrap();
    let comisaria = TestServer::up().await.unwrap();
    let mut config = quick_config(dir.path(), serenazgo.url());
    config.extra_endpoints = vec![comisaria.url()];
    // Enrollment goes to the first endpoint only (until the scale-out work
    // makes it reach every endpoint): the comisaría does not know the phone.
    let core = enrolled_phone(&serenazgo, config).await.unwrap();

    // The comisaría is down: the serenazgo still gets the alert at once.
    comisaria.stop().await;
    let id = core.raise_sos(sos(AlertKind::Asalto)).await.unwrap();
    serenazgo.wait_for_commit(id).await.unwrap();
    assert_eq!(comisaria.committed_count(id), 0);

    // When the comisaría comes back it refuses the unknown device (403): the
    // SOS is wedged there, with that reason, and only there.
    comisaria.restart().await.unwrap();
    core.connectivity_restored();
    let report = tokio::time::timeout(Duration::from_secs(30), core.wait_drained())
        .await
        .unwrap()
        .unwrap();
    let wedged: Vec<_> = report
        .wedged
        .iter()
        .filter(|w| w.alert_id == id && w.item == OutboxItemKind::Alert)
        .collect();
    assert_eq!(wedged.len(), 1, "{:?}", report.wedged);
    assert_eq!(wedged[0].endpoint, comisaria.url().as_str());
    let reason = wedged[0].wedged_reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("403") && reason.contains("unknown_device"),
        "{reason}"
    );
    assert_eq!(comisaria.alert_answers(id), [403]);
    assert_eq!(comisaria.committed_count(id), 0);
    // Delivered on the first endpoint, once, and nothing of it is wedged there.
    assert_eq!(serenazgo.committed_count(id), 1);
    assert!(core
        .pending()
        .unwrap()
        .iter()
        .filter(|p| p.endpoint == SERVER_ENDPOINT)
        .all(|p| p.state != RowState::Wedged));
    assert!(core.alert(id).unwrap().unwrap().received);
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_after_the_app_is_reopened_it_catches_up_with_the_operator() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let config = quick_config(dir.path(), rx.url());
    let core = enrolled_phone(&rx, config.clone()).await.unwrap();
    let id = core.raise_sos(sos(AlertKind::Extorsion)).await.unwrap();
    rx.wait_for_commit(id).await.unwrap();
    core.wait_drained().await.unwrap();
    core.shutdown().await;

    // While the app is closed, the operator acknowledges and sends a unit.
    let operator = rx.operator();
    operator.acknowledge(id).await.unwrap();
    operator.dispatch(id, rx.unit_id()).await.unwrap();

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
    assert_eq!(view.unit_name.as_deref(), Some(UNIT_CALL_SIGN));
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
    let rx = TestServer::up().await.unwrap();
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
