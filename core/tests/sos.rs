//! Raising an SOS through the public API: which fix it carries, that it
//! never waits and is never refused for lacking a position, the refined
//! position that follows, and tracking afterwards. No server is needed: the
//! device is never enrolled, so everything stays queued.

mod support;

use std::time::Duration;

use auxilio_core::protocol::Place;
use auxilio_core::{
    AlertKind, Core, CoreError, CoreEvent, Fix, FixSource, OutboxItemKind, SosRequest,
};
use support::{config, dead_url, gps, next_event, profile};
use tokio::time::Instant;

/// Tracking as shipped: its first tick comes after the refinement window.
const TRACK_EVERY: Duration = Duration::from_secs(10);

fn sos() -> SosRequest {
    SosRequest {
        kind: AlertKind::Sos,
        ..SosRequest::default()
    }
}

/// Position updates waiting in the outbox.
fn queued_positions(core: &Core) -> usize {
    core.pending()
        .unwrap()
        .iter()
        .filter(|p| p.item == OutboxItemKind::Position)
        .count()
}

async fn phone(dir: &std::path::Path, with_place: bool) -> Core {
    phone_tracking_every(dir, with_place, config(dir, dead_url()).tracking_interval).await
}

/// A phone with the real 8 s refinement window and tracking every `every`.
async fn phone_tracking_every(dir: &std::path::Path, with_place: bool, every: Duration) -> Core {
    let mut cfg = config(dir, dead_url());
    cfg.fix_deadline = Duration::from_secs(8);
    cfg.tracking_interval = every;
    let core = Core::open(cfg).await.unwrap();
    let mut p = profile();
    if with_place {
        p.place = Some(Place {
            name: "Comedor Virgen de la Puerta".into(),
            lat: -8.0655,
            lon: -79.0012,
            radius_m: 60.0,
        });
    }
    core.set_profile(p).unwrap();
    core
}

#[tokio::test]
async fn test_feed_fix_refuses_fixes_that_are_not_real() {
    let dir = tempfile::tempdir().unwrap();
    let core = phone(dir.path(), false).await;
    let bad = [
        Fix {
            lat: 0.0,
            lon: 0.0,
            ..gps(0, 5.0)
        },
        gps(0, 0.0),
        gps(0, -1.0),
        Fix {
            lon: f64::INFINITY,
            ..gps(0, 5.0)
        },
        Fix {
            lat: 91.0,
            ..gps(0, 5.0)
        },
        Fix {
            fixed_at_ms: -1, // no clock reading (a time far off the phone's clock is fine)
            ..gps(0, 5.0)
        },
        Fix {
            source: FixSource::RegisteredPlace,
            ..gps(0, 5.0)
        },
    ];
    for (i, fix) in bad.into_iter().enumerate() {
        let r = core.feed_fix(fix);
        assert!(matches!(r, Err(CoreError::InvalidFix(_))), "fix {i}: {r:?}");
    }
    // With only refused fixes there is no position at all: the SOS still
    // goes, at once, durably, without one.
    tokio::time::pause();
    let started = Instant::now();
    let id = core.raise_sos(sos()).await.unwrap();
    assert_eq!(Instant::now(), started, "not a moment of waiting");
    let alert = core.alert(id).unwrap().unwrap();
    assert_eq!(alert.fix, None);
    assert_eq!(core.pending().unwrap()[0].item, OutboxItemKind::Alert);
    // Nothing arrives in the window: no refined position is made up.
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert_eq!(queued_positions(&core), 0);
    core.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn test_a_no_position_sos_is_refined_by_the_first_good_fix() {
    let dir = tempfile::tempdir().unwrap();
    let core = phone_tracking_every(dir.path(), false, TRACK_EVERY).await;
    let id = core.raise_sos(sos()).await.unwrap();
    assert_eq!(core.alert(id).unwrap().unwrap().fix, None);
    tokio::time::sleep(Duration::from_secs(2)).await;
    core.feed_fix(gps(0, 300.0)).unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(queued_positions(&core), 0, "300 m waits for a better fix");
    core.feed_fix(gps(0, 9.0)).unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(queued_positions(&core), 1, "a good fix goes at once");
    core.shutdown().await;
}

#[tokio::test]
async fn test_without_a_profile_an_sos_cannot_be_composed() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(config(dir.path(), dead_url())).await.unwrap();
    core.feed_fix(gps(0, 5.0)).unwrap();
    assert!(matches!(
        core.raise_sos(sos()).await,
        Err(CoreError::NoProfile)
    ));
    core.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn test_a_poor_fix_goes_at_once_and_a_good_one_refines_it() {
    let dir = tempfile::tempdir().unwrap();
    let core = phone_tracking_every(dir.path(), true, TRACK_EVERY).await;
    core.feed_fix(gps(0, 400.0)).unwrap();
    let started = Instant::now();
    let id = core.raise_sos(sos()).await.unwrap();
    assert_eq!(Instant::now(), started, "the SOS never waits for a fix");
    let fix = core.alert(id).unwrap().unwrap().fix.unwrap();
    assert_eq!((fix.source, fix.accuracy_m), (FixSource::Gps, 400.0));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(queued_positions(&core), 0);
    core.feed_fix(gps(0, 9.0)).unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(queued_positions(&core), 1, "the refined position, at once");
    core.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn test_a_good_fix_at_the_tap_needs_no_refinement() {
    let dir = tempfile::tempdir().unwrap();
    let core = phone_tracking_every(dir.path(), true, TRACK_EVERY).await;
    core.feed_fix(gps(0, 9.0)).unwrap();
    let id = core.raise_sos(sos()).await.unwrap();
    let fix = core.alert(id).unwrap().unwrap().fix.unwrap();
    assert_eq!((fix.source, fix.accuracy_m), (FixSource::Gps, 9.0));
    // A better fix in the window is ordinary tracking, 10 s after the tap.
    core.feed_fix(gps(0, 4.0)).unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(queued_positions(&core), 0);
    core.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn test_only_poor_fixes_give_the_best_fresh_one_at_once_and_refine_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let core = phone_tracking_every(dir.path(), true, TRACK_EVERY).await;
    for acc in [300.0, 80.0, 150.0] {
        core.feed_fix(gps(0, acc)).unwrap();
    }
    let started = Instant::now();
    let id = core.raise_sos(sos()).await.unwrap();
    assert_eq!(Instant::now(), started);
    let fix = core.alert(id).unwrap().unwrap().fix.unwrap();
    assert_eq!((fix.source, fix.accuracy_m), (FixSource::Gps, 80.0));
    // In the window only a 70 m fix comes: better, not good. It goes at
    // the window's end (8 s), before tracking's first tick (10 s).
    tokio::time::sleep(Duration::from_secs(3)).await;
    core.feed_fix(gps(0, 70.0)).unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(queued_positions(&core), 0, "not before the window ends");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(queued_positions(&core), 1);
    core.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn test_an_old_fix_survives_a_restart_and_is_sent_as_last_known() {
    let dir = tempfile::tempdir().unwrap();
    let core = phone(dir.path(), true).await;
    let old = gps(10 * 60_000, 12.0); // ten minutes old
    core.feed_fix(old.clone()).unwrap();
    core.shutdown().await;
    drop(core);

    let core = phone(dir.path(), true).await;
    let id = core.raise_sos(sos()).await.unwrap();
    let alert = core.alert(id).unwrap().unwrap();
    let fix = alert.fix.unwrap();
    assert_eq!(
        fix.source,
        FixSource::LastKnown,
        "never passed off as fresh"
    );
    assert_eq!(fix.fixed_at_ms, old.fixed_at_ms, "keeps its original time");
    assert_eq!((fix.lat, fix.lon), (old.lat, old.lon));
    core.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn test_with_no_fix_at_all_the_registered_place_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let core = phone(dir.path(), true).await;
    let id = core.raise_sos(sos()).await.unwrap();
    let alert = core.alert(id).unwrap().unwrap();
    let fix = alert.fix.unwrap();
    assert_eq!(fix.source, FixSource::RegisteredPlace);
    assert_eq!(
        (fix.lat, fix.lon, fix.accuracy_m),
        (-8.0655, -79.0012, 60.0)
    );
    // Queued for the server even though nobody is enrolled yet.
    let pending = core.pending().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].item, OutboxItemKind::Alert);
    assert_eq!(pending[0].endpoint, auxilio_core::SERVER_ENDPOINT);
    core.shutdown().await;
}

#[tokio::test]
async fn test_a_garbage_note_and_battery_never_block_an_sos() {
    let dir = tempfile::tempdir().unwrap();
    let core = phone(dir.path(), false).await;
    core.feed_fix(gps(0, 5.0)).unwrap();
    let req = SosRequest {
        kind: AlertKind::Violencia,
        silent: true,
        note: Some(format!("\u{0007}{}\u{0000}", "a".repeat(5_000))),
        battery_pct: Some(250),
    };
    let id = core.raise_sos(req).await.unwrap();
    let alert = core.alert(id).unwrap().unwrap();
    assert!(alert.silent);
    let note = alert.note.unwrap();
    assert_eq!(
        note.chars().count(),
        auxilio_core::protocol::limits::MAX_NOTE_CHARS
    );
    assert!(!note.chars().any(char::is_control));
    core.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn test_tracking_queues_new_fixes_every_interval_until_tracking_max() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), dead_url());
    cfg.tracking_interval = Duration::from_secs(10);
    cfg.tracking_max = Duration::from_secs(60);
    let core = Core::open(cfg).await.unwrap();
    core.set_profile(profile()).unwrap();
    core.feed_fix(gps(0, 5.0)).unwrap();
    let id = core.raise_sos(sos()).await.unwrap();
    // The same fix again and again is not a new position.
    tokio::time::sleep(Duration::from_secs(25)).await;
    assert_eq!(queued_positions(&core), 0);
    // A new fix every 2 s: one position per 10 s tick.
    for i in 1..=60 {
        core.feed_fix(gps(-i, 5.0)).unwrap(); // strictly newer each time
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let n = queued_positions(&core);
    assert!(
        (3..=4).contains(&n),
        "ticks at 30, 40, 50 (and maybe 60) s: {n}"
    );
    let seqs: Vec<u32> = core
        .pending()
        .unwrap()
        .iter()
        .filter_map(|p| p.seq)
        .collect();
    assert_eq!(seqs, (0..n as u32).collect::<Vec<_>>());
    assert!(core.alert(id).unwrap().is_some());
    core.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn test_an_open_alert_is_tracked_past_the_first_hour_at_a_slower_pace() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), dead_url());
    cfg.tracking_interval = Duration::from_secs(10);
    cfg.tracking_slow_after = Duration::from_secs(60);
    cfg.tracking_slow_interval = Duration::from_secs(60);
    cfg.tracking_max = Duration::from_secs(6 * 60);
    cfg.max_positions_per_alert = 1000;
    let core = Core::open(cfg).await.unwrap();
    core.set_profile(profile()).unwrap();
    let mut events = core.subscribe();
    core.feed_fix(gps(0, 5.0)).unwrap();
    let id = core.raise_sos(sos()).await.unwrap();
    // A new fix every 2 s for the first minute: a position every 10 s.
    for i in 1..=30 {
        core.feed_fix(gps(-i, 5.0)).unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let fast = queued_positions(&core);
    assert!(
        (5..=6).contains(&fast),
        "every 10 s in the first minute: {fast}"
    );
    // The alert stays open: tracking goes on, once a minute, to its end.
    for i in 31..=210 {
        core.feed_fix(gps(-i, 5.0)).unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let slow = queued_positions(&core) - fast;
    assert!(
        (4..=6).contains(&slow),
        "once a minute after the first: {slow}"
    );
    next_event(&mut events, |e| {
        matches!(e, CoreEvent::TrackingStopped { alert_id } if *alert_id == id).then_some(())
    })
    .await;
    core.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn test_tracking_stops_when_the_alert_is_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let core = phone(dir.path(), false).await;
    core.feed_fix(gps(0, 5.0)).unwrap();
    let id = core.raise_sos(sos()).await.unwrap();
    core.cancel(id, Some("falsa alarma".into())).await.unwrap();
    for i in 1..=30 {
        core.feed_fix(gps(-i, 5.0)).unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let kinds: Vec<OutboxItemKind> = core.pending().unwrap().iter().map(|p| p.item).collect();
    assert_eq!(kinds, [OutboxItemKind::Alert, OutboxItemKind::Cancel]);
    assert!(core.alert(id).unwrap().unwrap().cancel_requested);
    assert!(matches!(
        core.cancel(uuid::Uuid::now_v7(), None).await,
        Err(CoreError::UnknownAlert)
    ));
    core.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn test_the_person_can_pause_and_resume_tracking() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), dead_url());
    cfg.tracking_interval = Duration::from_secs(10);
    let core = Core::open(cfg).await.unwrap();
    core.set_profile(profile()).unwrap();
    core.feed_fix(gps(0, 5.0)).unwrap();
    let id = core.raise_sos(sos()).await.unwrap();
    // Paused: fresh fixes keep coming, none becomes a position update.
    core.stop_tracking(id);
    for i in 1..=30 {
        core.feed_fix(gps(-i, 5.0)).unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(queued_positions(&core), 0);
    // Resumed: the next ticks queue positions again.
    core.start_tracking(id);
    for i in 31..=60 {
        core.feed_fix(gps(-i, 5.0)).unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(
        queued_positions(&core) >= 2,
        "ticks after resuming: {}",
        queued_positions(&core)
    );
    core.shutdown().await;
}
