//! A phone whose clock is wrong (reset to 2001 after the battery died, days
//! ahead, never set while offline) raises, stores, delivers, tracks and
//! falls back to SMS like any other. `CoreConfig::clock_offset_ms` plays the
//! wrong clock; the fixes carry satellite time (Android `Location.time`),
//! i.e. the real time, as on a real phone.

mod support;

use std::time::Duration;

use auxilio_core::protocol::limits::MIN_TIMESTAMP_MS;
use auxilio_core::protocol::sms::{parse_sms, SMS_EPOCH_S};
use auxilio_core::protocol::{now_ms, Validate};
use auxilio_core::{
    AlertKind, Core, CoreConfig, CoreEvent, Fix, FixSource, OutboxItemKind, SosRequest,
};
use support::{config, dead_url, drained, gps, next_event, profile, Route, TestServer};

/// 2001-01-01T00:00:00Z, where cheap phones land after the battery dies.
const CLOCK_2001_MS: i64 = 978_307_200_000;
const DAY_MS: i64 = 24 * 3_600_000;

fn sos() -> SosRequest {
    SosRequest {
        kind: AlertKind::Asalto,
        ..SosRequest::default()
    }
}

/// A config whose clock reads `clock_ms` now.
fn on_clock(mut cfg: CoreConfig, clock_ms: i64) -> CoreConfig {
    cfg.clock_offset_ms = clock_ms - now_ms();
    cfg
}

// Multi-thread: the SOS commit runs inline there (`block_in_place`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_sos_raised_on_a_clock_reading_2001_is_delivered_once_with_its_fresh_fix() {
    let server = TestServer::up().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = on_clock(config(dir.path(), server.url()), CLOCK_2001_MS);
    cfg.fix_deadline = Duration::from_secs(8);
    let core = Core::open(cfg).await.unwrap();
    core.enroll(&server.enroll_code(), profile()).await.unwrap();
    let mut events = core.subscribe();
    core.feed_fix(gps(0, 8.0)).unwrap();
    let started = std::time::Instant::now();
    let id = core.raise_sos(sos()).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "a good fresh fix ends the wait at once, whatever the clock"
    );
    next_event(&mut events, |e| {
        matches!(e, CoreEvent::Received { alert_id, .. } if *alert_id == id).then_some(())
    })
    .await;
    let report = drained(&core).await;
    assert!(report.wedged.is_empty(), "{:?}", report.wedged);
    {
        let alert = server.alert(id).unwrap();
        assert!(alert.created_at_ms < MIN_TIMESTAMP_MS, "the phone's 2001");
        assert!(alert.clock_suspect, "the server flags the wrong clock");
        assert_eq!(
            alert.fix.as_ref().unwrap().source,
            FixSource::Gps,
            "fresh, not last known"
        );
        assert_eq!(alert.fix.as_ref().unwrap().accuracy_m, 8.0);
        assert_eq!(server.committed_alerts(), [id]);
        assert_eq!(server.requests(Route::Alert), 1, "stored once, sent once");
    }
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_an_sos_raised_on_a_clock_two_days_ahead_is_delivered_and_keeps_its_fix() {
    let server = TestServer::up().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = on_clock(config(dir.path(), server.url()), now_ms() + 2 * DAY_MS);
    cfg.fix_deadline = Duration::from_millis(300);
    let core = Core::open(cfg).await.unwrap();
    core.enroll(&server.enroll_code(), profile()).await.unwrap();
    let fix = gps(0, 6.0);
    core.feed_fix(fix.clone()).unwrap();
    let id = core.raise_sos(sos()).await.unwrap();
    let report = drained(&core).await;
    assert!(report.wedged.is_empty(), "{:?}", report.wedged);
    {
        let alert = server.alert(id).unwrap();
        // A fix two days behind the phone's clock cannot be told from a cached
        // one: it goes as last known, with its own (right) time, never dropped.
        assert_eq!(alert.fix.as_ref().unwrap().fixed_at_ms, fix.fixed_at_ms);
        assert_eq!(
            (
                alert.fix.as_ref().unwrap().lat,
                alert.fix.as_ref().unwrap().lon
            ),
            (fix.lat, fix.lon)
        );
        assert_eq!(alert.fix.as_ref().unwrap().source, FixSource::LastKnown);
        assert!(alert.created_at_ms > now_ms() + DAY_MS);
        assert_eq!(server.requests(Route::Alert), 1);
    }
    core.shutdown().await;
}

#[tokio::test]
async fn test_the_sms_fallback_of_a_2001_alert_parses_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = on_clock(config(dir.path(), dead_url()), CLOCK_2001_MS);
    cfg.sms_fallback_after = Duration::from_millis(300);
    cfg.sms_number = Some("+51 44 123456".into());
    let core = Core::open(cfg).await.unwrap();
    core.set_profile(profile()).unwrap();
    let mut events = core.subscribe();
    core.feed_fix(gps(0, 8.0)).unwrap();
    let id = core.raise_sos(sos()).await.unwrap();
    let text = next_event(&mut events, |e| match e {
        CoreEvent::SmsFallback { alert_id, text, .. } if *alert_id == id => Some(text.clone()),
        _ => None,
    })
    .await;
    let parsed = parse_sms(&text).unwrap();
    parsed.verify(&core.public_key()).unwrap();
    assert_eq!(parsed.alert.validate(now_ms()), Ok(()));
    assert_eq!(parsed.alert.id, id);
    assert_eq!(
        parsed.alert.created_at_s, SMS_EPOCH_S,
        "a clock before 2024 is carried as the form's epoch"
    );
    core.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn test_tracking_on_a_clock_reading_2001_queues_the_satellite_timed_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = on_clock(config(dir.path(), dead_url()), CLOCK_2001_MS);
    cfg.tracking_interval = Duration::from_secs(10);
    cfg.tracking_max = Duration::from_secs(60);
    let core = Core::open(cfg).await.unwrap();
    core.set_profile(profile()).unwrap();
    core.feed_fix(gps(0, 5.0)).unwrap();
    core.raise_sos(sos()).await.unwrap();
    for i in 1..=20 {
        core.feed_fix(gps(-i * 1_000, 5.0)).unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let positions: Vec<_> = core
        .pending()
        .unwrap()
        .into_iter()
        .filter(|p| p.item == OutboxItemKind::Position)
        .collect();
    assert!(
        (3..=4).contains(&positions.len()),
        "one per 10 s tick over 40 s: {}",
        positions.len()
    );
    core.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn test_one_fix_stamped_far_ahead_does_not_hold_back_tracking() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), dead_url());
    cfg.tracking_interval = Duration::from_secs(10);
    cfg.tracking_max = Duration::from_secs(600);
    cfg.fresh_max_age = Duration::from_secs(30);
    let core = Core::open(cfg).await.unwrap();
    core.set_profile(profile()).unwrap();
    core.feed_fix(gps(0, 5.0)).unwrap();
    core.raise_sos(sos()).await.unwrap();
    // A stray stamp a year ahead, then the usual fixes.
    core.feed_fix(Fix {
        fixed_at_ms: now_ms() + 365 * DAY_MS,
        ..gps(0, 5.0)
    })
    .unwrap();
    let queued = |core: &Core| {
        core.pending()
            .unwrap()
            .iter()
            .filter(|p| p.item == OutboxItemKind::Position)
            .count()
    };
    tokio::time::sleep(Duration::from_secs(15)).await;
    let after_stray = queued(&core);
    for i in 1..=60 {
        core.feed_fix(gps(-i * 1_000, 5.0)).unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    assert!(
        queued(&core) >= after_stray + 5,
        "later fixes are tracked again once the stray one is stale: {} then {}",
        after_stray,
        queued(&core)
    );
    core.shutdown().await;
}
