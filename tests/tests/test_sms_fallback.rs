//! When the server cannot be reached, the phone asks its shell to send the
//! alert as one signed SMS that the serenazgo's gateway can parse and verify.

use std::time::Duration;

use auxilio_core::{Core, CoreEvent, SmsState, SosRequest};
use auxilio_e2e::harness::{enrolled_phone, quick_config, EventLog};
use auxilio_e2e::sim::SimChild;
use auxilio_e2e::{Fault, FaultRule, ServerOptions, TestServer, DEFAULT_WAIT};
use auxilio_protocol::sms::parse_sms;
use auxilio_protocol::AlertKind;
use auxilio_server::sms::ReceivedVia;

const GATEWAY_SECRET: &str = "gateway-e2e-secret";
const GATEWAY_PATH: &str = "/api/v1/sms/inbound";

fn with_gateway() -> ServerOptions {
    ServerOptions {
        sms_number: Some("+51 900 105 105".into()),
        sms_gateway_secret: Some(GATEWAY_SECRET.into()),
        ..ServerOptions::default()
    }
}

/// What the serenazgo's SMS gateway does once the SMS arrived: posts its
/// text to the real server's gateway route. Returns the status and body.
async fn gateway_posts(rx: &TestServer, text: &str) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(rx.url().join(GATEWAY_PATH).unwrap())
        .bearer_auth(GATEWAY_SECRET)
        .json(&serde_json::json!({"from": "+51900000777", "text": text}))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

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
    let position = sms.alert.position.expect("the SMS carries the position");
    assert!((position.lat() - -8.07).abs() < 0.001 && (position.lon() - -79.0).abs() < 0.001);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_the_sms_round_trip_pins_one_alert_that_the_http_copy_completes() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::start(with_gateway()).await.unwrap();
    let mut config = quick_config(dir.path(), rx.url());
    config.sms_fallback_after = Duration::from_millis(300);
    let core = enrolled_phone(&rx, config).await.unwrap();
    let events = EventLog::start(&core);

    // The phone's data path is cut: every phone request is dropped.
    rx.push_fault(FaultRule::any(Fault::Drop).forever());
    let id = core
        .raise_sos(SosRequest {
            kind: AlertKind::Asalto,
            silent: false,
            note: Some("dos sujetos en moto".into()),
            battery_pct: Some(23),
        })
        .await
        .unwrap();
    let text = events
        .wait_for("the SMS fallback", |e| match e {
            CoreEvent::SmsFallback { alert_id, text, .. } if *alert_id == id => Some(text.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert!(rx.alert_posts(id) > 0, "the phone tried HTTP first");
    assert_eq!(rx.committed_count(id), 0);

    // The gateway hands the SMS to the real server: the alert is pinned.
    let (status, body) = gateway_posts(&rx, &text).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["alert_id"], id.to_string());
    assert_eq!(body["stored"], "new");
    core.sms_fallback_sent(id).unwrap();
    assert_eq!(rx.committed_count(id), 1);
    let pinned = rx.alert(id).unwrap();
    assert_eq!(pinned.received_via, ReceivedVia::Sms);
    assert_eq!(pinned.kind, AlertKind::Asalto);
    assert_eq!(pinned.reporter.display_name, "Segundo Demo Polo");
    assert!(pinned.note.is_none(), "the SMS form carries no note");
    // The gateway retrying the same SMS stores nothing new.
    let (status, body) = gateway_posts(&rx, &text).await;
    assert_eq!((status, body["stored"].as_str()), (200, Some("existing")));

    // The data path comes back: the HTTP copy arrives and completes the same alert.
    rx.clear_faults();
    core.connectivity_restored();
    events
        .wait_for("the HTTP copy received", |e| {
            matches!(e, CoreEvent::Received { alert_id, .. } if *alert_id == id).then_some(())
        })
        .await
        .unwrap();
    rx.wait_until("the alert completed", DEFAULT_WAIT, |s| {
        s.alert(id).is_some_and(|a| a.note.is_some())
    })
    .await
    .unwrap();
    assert_eq!(rx.committed_count(id), 1, "one SOS, one alert");
    assert_eq!(rx.committed_alerts(), vec![id]);
    assert_eq!(rx.conflicts(), 0);
    assert_eq!(rx.alert_answers(id).last(), Some(&200));
    let full = rx.alert(id).unwrap();
    assert_eq!(full.received_via, ReceivedVia::Sms);
    assert_eq!(full.note.as_deref(), Some("dos sujetos en moto"));
    assert_eq!(full.battery_pct, Some(23));
    assert_eq!(full.reporter.plate.as_deref(), Some("DEMO-0777"));
    assert_eq!(core.alert(id).unwrap().unwrap().sms, SmsState::Sent);
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_the_real_simulator_plays_the_gateway_while_its_http_path_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_string_lossy().to_string();
    let rx = TestServer::start(with_gateway()).await.unwrap();
    let url = rx.url().to_string();
    let quick = [
        "--backoff-initial-ms",
        "50",
        "--backoff-cap-ms",
        "200",
        "--request-timeout-ms",
        "2000",
    ];
    // Enrolled while the server is reachable.
    let mut enroll = vec!["deliver", "--server", &url, "--data", &data];
    let code = rx.enroll_code();
    enroll.extend(["--code", &code]);
    enroll.extend(quick);
    assert_eq!(
        SimChild::spawn(&enroll).unwrap().wait().await.unwrap(),
        Some(0)
    );

    rx.push_fault(FaultRule::any(Fault::Drop).forever());
    let gateway = rx.url().join(GATEWAY_PATH).unwrap().to_string();
    let mut raise = vec![
        "raise",
        "--server",
        &url,
        "--data",
        &data,
        "--kind",
        "incendio",
        "--lat",
        "-8.07",
        "--lon",
        "-79.00",
        "--note",
        "humo en el mercado",
        "--sms-after-ms",
        "300",
        "--sms-gateway",
        &gateway,
        "--sms-gateway-secret",
        GATEWAY_SECRET,
    ];
    raise.extend(quick);
    let mut sim = SimChild::spawn(&raise).unwrap();
    let id = sim.expect_id("queued").await.unwrap();
    assert_eq!(sim.expect_id("sms-sent").await.unwrap(), id);
    assert_eq!(sim.wait().await.unwrap(), Some(0));
    assert_eq!(rx.committed_count(id), 1);
    assert_eq!(rx.alert(id).unwrap().received_via, ReceivedVia::Sms);
    assert!(rx.alert_posts(id) > 0);

    // The data path is back: `deliver` sends the HTTP copy; still one alert.
    rx.clear_faults();
    let deliver = [
        vec!["deliver", "--server", &url, "--data", &data],
        quick.to_vec(),
    ]
    .concat();
    assert_eq!(
        SimChild::spawn(&deliver).unwrap().wait().await.unwrap(),
        Some(0)
    );
    assert_eq!(rx.committed_count(id), 1);
    let full = rx.alert(id).unwrap();
    assert_eq!(full.note.as_deref(), Some("humo en el mercado"));
    assert_eq!(full.kind, AlertKind::Incendio);
    assert_eq!(rx.alert_answers(id).last(), Some(&200));
}
