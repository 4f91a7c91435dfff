//! When the server cannot be reached, the phone asks its shell to send the
//! alert as one signed SMS that the serenazgo's gateway can parse and verify.

use std::time::Duration;

use auxilio_core::{Core, CoreEvent, SmsState, SosRequest};
use auxilio_e2e::harness::{enrolled_phone, quick_config, EventLog};
use auxilio_e2e::{ServerOptions, TestServer};
use auxilio_protocol::sms::parse_sms;
use auxilio_protocol::AlertKind;

async fn raise(core: &Core, kind: AlertKind, silent: bool) -> auxilio_core::AlertId {
    core.raise_sos(SosRequest {
        kind,
        silent,
        note: None,
        battery_pct: Some(30),
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_with_the_server_down_the_alert_goes_out_as_a_signed_sms() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let mut config = quick_config(dir.path(), rx.url());
    config.sms_number = Some("+51 900 105 105".into());
    config.sms_fallback_after = Duration::from_millis(300);
    let core = enrolled_phone(&rx, config).await.unwrap();
    let events = EventLog::start(&core);

    rx.stop().await;
    let id = raise(&core, AlertKind::Violencia, true).await;
    let (to, text) = events
        .wait_for("the SMS fallback", |e| match e {
            CoreEvent::SmsFallback { alert_id, to, text } if *alert_id == id => {
                Some((to.clone(), text.clone()))
            }
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(to, "+51 900 105 105");

    // The text is the protocol's SMS form, signed by this phone's key.
    let sms = parse_sms(&text).unwrap();
    sms.verify(&core.public_key()).unwrap();
    assert_eq!(sms.alert.id, id);
    assert_eq!(sms.alert.device_id, core.device_id());
    assert_eq!(sms.alert.kind, AlertKind::Violencia);
    assert!(sms.alert.silent);
    assert!((sms.alert.lat() - -8.07).abs() < 0.001 && (sms.alert.lon() - -79.0).abs() < 0.001);
    assert!(text.chars().count() <= 160);

    // The shell sent it.
    core.sms_fallback_sent(id).unwrap();
    events
        .wait_for("sms sent", |e| {
            matches!(e, CoreEvent::SmsFallbackSent { alert_id } if *alert_id == id).then_some(())
        })
        .await
        .unwrap();
    assert_eq!(core.alert(id).unwrap().unwrap().sms, SmsState::Sent);

    // The SMS does not replace delivery: once the server is back, it gets
    // the alert, once.
    rx.restart().await.unwrap();
    core.connectivity_restored();
    rx.wait_for_commit(id).await.unwrap();
    assert_eq!(rx.committed_count(id), 1);
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_the_sms_number_learned_at_enrollment_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::start(ServerOptions {
        sms_number: Some("+51 900 222 333".into()),
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let mut config = quick_config(dir.path(), rx.url());
    config.sms_fallback_after = Duration::from_millis(300);
    let core = enrolled_phone(&rx, config).await.unwrap();
    let events = EventLog::start(&core);

    rx.stop().await;
    let id = raise(&core, AlertKind::Asalto, false).await;
    let to = events
        .wait_for("the SMS fallback", |e| match e {
            CoreEvent::SmsFallback { alert_id, to, .. } if *alert_id == id => Some(to.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(to, "+51 900 222 333");
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_no_sms_when_the_server_answers_in_time() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let mut config = quick_config(dir.path(), rx.url());
    config.sms_number = Some("+51 900 105 105".into());
    config.sms_fallback_after = Duration::from_millis(800);
    let core = enrolled_phone(&rx, config).await.unwrap();
    let events = EventLog::start(&core);

    let id = raise(&core, AlertKind::Asalto, false).await;
    rx.wait_for_commit(id).await.unwrap();
    // When the fallback comes due, core finds the receipt and says so.
    events
        .wait_for("the fallback found not needed", |e| {
            matches!(e, CoreEvent::SmsFallbackNotNeeded { alert_id } if *alert_id == id)
                .then_some(())
        })
        .await
        .unwrap();
    assert!(!events
        .all()
        .iter()
        .any(|e| matches!(e, CoreEvent::SmsFallback { .. })));
    assert_eq!(core.alert(id).unwrap().unwrap().sms, SmsState::None);
    core.shutdown().await;
}
