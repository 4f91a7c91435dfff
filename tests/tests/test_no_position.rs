//! An SOS with no position at all (indoors, GPS off, first use) leaves at the
//! tap, reaches the real server without a fix, and the first good fix
//! follows as its refined position. Killed in the first second, it is still
//! delivered by the next process.

use std::time::{Duration, Instant};

use auxilio_core::{AlertKind, Core, FixSource, SosRequest};
use auxilio_e2e::harness::{demo_profile, good_fix, quick_config};
use auxilio_e2e::sim::SimChild;
use auxilio_e2e::{ServerOptions, TestServer, DEFAULT_WAIT};

fn sos() -> SosRequest {
    SosRequest {
        kind: AlertKind::Asalto,
        ..SosRequest::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_a_no_position_sos_is_delivered_and_the_refined_fix_follows() {
    let rx = TestServer::up().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Enrolled, but the platform has never reported a position.
    let mut config = quick_config(dir.path(), rx.url());
    config.fix_deadline = Duration::from_secs(5);
    config.tracking_interval = Duration::from_secs(30);
    let core = Core::open(config).await.unwrap();
    core.enroll(&rx.enroll_code(), demo_profile())
        .await
        .unwrap();

    let id = core.raise_sos(sos()).await.unwrap();
    rx.wait_for_commit(id).await.unwrap();
    let stored = rx.alert(id).unwrap();
    assert_eq!(stored.fix, None, "sent without a position, not refused");
    assert_eq!(stored.last, None);
    assert_eq!(stored.reporter.phone, demo_profile().phone);

    // The first good fix within the window goes at once, marked `refines`.
    let fix = good_fix(-8.0712, -79.0105);
    core.feed_fix(fix.clone()).unwrap();
    rx.wait_for_positions(id, 1).await.unwrap();
    let track = rx.positions(id);
    assert_eq!(track.len(), 1);
    assert!(
        track[0].refines,
        "the server knows it as the refined position"
    );
    assert_eq!((track[0].fix.lat, track[0].fix.lon), (fix.lat, fix.lon));
    let last = rx.alert(id).unwrap().last.expect("the pin is placed");
    assert_eq!(
        (last.lat, last.lon, last.source),
        (fix.lat, fix.lon, FixSource::Gps)
    );
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_killed_in_the_first_second_with_no_fix_then_delivered_by_a_new_process() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::start_down(ServerOptions::default())
        .await
        .unwrap();
    let url = rx.url().to_string();
    let data = dir.path().to_string_lossy().to_string();
    let code = rx.enroll_code();
    // No --lat/--lon: the phone knows no position at all.
    let started = Instant::now();
    let mut phone =
        SimChild::spawn(&["raise", "--server", &url, "--data", &data, "--code", &code]).unwrap();
    let id = phone.expect_id("queued").await.unwrap();
    phone.kill9().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "queued and killed within the first second ({:?})",
        started.elapsed()
    );

    rx.restart().await.unwrap();
    let next = SimChild::spawn(&[
        "deliver",
        "--server",
        &url,
        "--data",
        &data,
        "--code",
        &code,
        "--timeout-s",
        "60",
    ])
    .unwrap();
    assert_eq!(next.wait().await.unwrap(), Some(0));
    assert_eq!(rx.committed_count(id), 1);
    let stored = rx.alert(id).unwrap();
    assert_eq!(stored.fix, None);
    assert_eq!(stored.kind, AlertKind::Sos);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_sim_feeds_the_fix_after_the_tap_and_it_arrives_as_the_refined_position() {
    let dir = tempfile::tempdir().unwrap();
    let rx = TestServer::up().await.unwrap();
    let url = rx.url().to_string();
    let data = dir.path().to_string_lossy().to_string();
    let code = rx.enroll_code();
    let mut phone = SimChild::spawn(&[
        "raise",
        "--server",
        &url,
        "--data",
        &data,
        "--code",
        &code,
        "--lat",
        "-8.0655",
        "--lon",
        "-79.0012",
        "--accuracy",
        "8",
        "--fix-after-ms",
        "400",
        "--fix-deadline-ms",
        "3000",
    ])
    .unwrap();
    let id = phone.expect_id("queued").await.unwrap();
    assert_eq!(phone.expect_id("received").await.unwrap(), id);
    assert_eq!(phone.wait().await.unwrap(), Some(0));
    let stored = rx.alert(id).unwrap();
    assert_eq!(stored.fix, None, "the tap came before the fix");
    rx.wait_until("the refined position", DEFAULT_WAIT, |r| {
        r.positions(id).iter().any(|p| p.refines)
    })
    .await
    .unwrap();
    let refined = rx.positions(id).into_iter().find(|p| p.refines).unwrap();
    assert_eq!(
        (refined.fix.lat, refined.fix.lon, refined.fix.accuracy_m),
        (-8.0655, -79.0012, 8.0)
    );
}
