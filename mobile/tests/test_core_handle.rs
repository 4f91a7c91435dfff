//! The adapter over a real core, offline (no server answers): what a widget
//! sees when it raises an SOS with no signal.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auxilio_mobile::{
    default_config, open_core, AlertKind, AuxilioError, CoreEvent, EventListener, Fix, FixSource,
    OutboxItemKind, Profile, ReporterRole, RowState, SosRequest,
};

#[derive(Default)]
struct Collect(Mutex<Vec<CoreEvent>>);

impl EventListener for Collect {
    fn on_event(&self, event: CoreEvent) {
        self.0.lock().unwrap().push(event);
    }
    fn on_lagged(&self, _missed: u64) {}
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn fix(lat: f64, lon: f64, accuracy_m: f64) -> Fix {
    Fix {
        lat,
        lon,
        accuracy_m,
        altitude_m: None,
        speed_mps: None,
        heading_deg: None,
        fixed_at_ms: now_ms(),
        source: FixSource::Gps,
    }
}

fn sos() -> SosRequest {
    SosRequest {
        kind: AlertKind::Violencia,
        silent: true,
        note: None,
        battery_pct: Some(40),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn test_an_sos_raised_offline_is_queued_and_announced() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = default_config(
        dir.path().to_string_lossy().into_owned(),
        // Nothing listens on the discard port: the phone is "offline".
        "http://127.0.0.1:9/".into(),
    )
    .unwrap();
    config.fix_deadline_ms = 500;
    let core = open_core(config).await.unwrap();
    assert!(!core.is_enrolled());
    assert_eq!(core.device_id().len(), 36);

    // When no profile is kept, raising fails with NoProfile.
    assert!(matches!(
        core.raise_sos(sos()).await,
        Err(AuxilioError::NoProfile)
    ));
    // When the platform gives the desktop stub's (0, 0), it is refused.
    assert!(matches!(
        core.feed_fix(fix(0.0, 0.0, 10.0)).await,
        Err(AuxilioError::InvalidFix { .. })
    ));
    assert!(matches!(
        core.alert("not-an-id".into()).await,
        Err(AuxilioError::InvalidAlertId)
    ));

    core.set_profile(Profile {
        display_name: "Vecina".into(),
        dni: None,
        phone: "+51944000222".into(),
        role: ReporterRole::Resident,
        plate: None,
        place: None,
    })
    .await
    .unwrap();
    core.feed_fix(fix(-8.0718, -79.0057, 8.0)).await.unwrap();

    let listener = Arc::new(Collect::default());
    let subscription = core.subscribe(listener.clone()).unwrap();
    let id = core.raise_sos(sos()).await.unwrap();

    // The alert is stored with what was asked, and waits in the outbox.
    let alert = core.alert(id.clone()).await.unwrap().unwrap();
    assert_eq!(alert.kind, AlertKind::Violencia);
    assert!(alert.silent && !alert.received);
    assert_eq!(alert.fix.as_ref().unwrap().accuracy_m, 8.0);
    let pending = core.pending().await.unwrap();
    assert!(pending.iter().any(|p| p.alert_id == id
        && p.item == OutboxItemKind::Alert
        && p.state != RowState::Delivered));

    // The listener hears Queued for this alert.
    let mut queued = false;
    for _ in 0..100 {
        queued = listener
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, CoreEvent::Queued { alert_id } if *alert_id == id));
        if queued {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(queued, "no Queued event for the alert");

    // Tracking can be paused and resumed by id; a malformed id is refused.
    core.stop_tracking(id.clone()).unwrap();
    core.start_tracking(id.clone()).unwrap();
    assert!(matches!(
        core.stop_tracking("not-an-id".into()),
        Err(AuxilioError::InvalidAlertId)
    ));

    // Cancelling the handle stops the forwarding task.
    subscription.cancel();
    let mut finished = false;
    for _ in 0..100 {
        finished = subscription.is_finished();
        if finished {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(finished, "the subscription task still runs after cancel");

    core.shutdown().await.unwrap();
    assert!(matches!(
        core.raise_sos(sos()).await,
        Err(AuxilioError::Shutdown)
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn test_dropping_the_handle_stops_the_subscription() {
    let dir = tempfile::tempdir().unwrap();
    let config = default_config(
        dir.path().to_string_lossy().into_owned(),
        "http://127.0.0.1:9/".into(),
    )
    .unwrap();
    let core = open_core(config).await.unwrap();
    let listener = Arc::new(Collect::default());
    let subscription = core.subscribe(listener.clone()).unwrap();
    // The task holds the listener; once aborted, only this test does.
    assert!(Arc::strong_count(&listener) >= 2);
    drop(subscription);
    let mut released = false;
    for _ in 0..100 {
        released = Arc::strong_count(&listener) == 1;
        if released {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        released,
        "the listener is still held after the handle was dropped"
    );
    core.shutdown().await.unwrap();
}

/// Throws (as a Kotlin listener might) on every event.
#[derive(Default)]
struct Throwing(Mutex<u32>);

impl EventListener for Throwing {
    fn on_event(&self, _event: CoreEvent) {
        *self.0.lock().unwrap() += 1;
        panic!("listener failed");
    }
    fn on_lagged(&self, _missed: u64) {}
}

#[tokio::test(flavor = "multi_thread")]
async fn test_a_listener_that_throws_keeps_its_subscription() {
    let dir = tempfile::tempdir().unwrap();
    let config = default_config(
        dir.path().to_string_lossy().into_owned(),
        "http://127.0.0.1:9/".into(),
    )
    .unwrap();
    let core = open_core(config).await.unwrap();
    core.set_profile(Profile {
        display_name: "Vendedora".into(),
        dni: None,
        phone: "+51944000333".into(),
        role: ReporterRole::MarketVendor,
        plate: None,
        place: None,
    })
    .await
    .unwrap();
    core.feed_fix(fix(-8.0745, -79.0012, 15.0)).await.unwrap();
    let listener = Arc::new(Throwing::default());
    let subscription = core.subscribe(listener.clone()).unwrap();
    for _ in 0..4 {
        core.raise_sos(sos()).await.unwrap();
    }
    // Each SOS brings one Queued (QueueChanged counts are coalesced by core,
    // so they are not counted on).
    let mut calls = 0;
    for _ in 0..100 {
        calls = *listener.0.lock().unwrap();
        if calls >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        calls >= 4,
        "the subscription stopped after a failing call ({calls} calls)"
    );
    assert!(!subscription.is_finished());
    core.shutdown().await.unwrap();
}
