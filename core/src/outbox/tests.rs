//! Outbox behaviour on a real (in-memory or temporary file) SQLite database.

use auxilio_protocol::{AlertKind, Fix, FixSource};
use uuid::Uuid;

use super::alerts::{self, NewAlert};
use super::queue::{self, Claim, NewMessage};
use super::Db;
use crate::events::OutboxItemKind;
use crate::model::RowState;

const NOW: i64 = 1_750_000_000_000;
const A: &str = "http://serenazgo.test/";
const B: &str = "http://pnp.test/";

fn fix(t: i64) -> Fix {
    Fix {
        lat: -8.07,
        lon: -79.0,
        accuracy_m: 10.0,
        altitude_m: None,
        speed_mps: None,
        heading_deg: None,
        fixed_at_ms: t,
        source: FixSource::Gps,
    }
}

fn endpoints(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn raise(db: &Db, on: &[&str]) -> Uuid {
    raise_at(db, on, NOW)
}

/// An alert raised when the phone's clock read `clock_ms`.
fn raise_at(db: &Db, on: &[&str], clock_ms: i64) -> Uuid {
    let id = Uuid::now_v7();
    let eps = endpoints(on);
    db.write(|tx| {
        let f = fix(clock_ms);
        alerts::insert(
            tx,
            &NewAlert {
                id,
                created_at_ms: clock_ms,
                kind: AlertKind::Sos,
                silent: false,
                note: None,
                fix: Some(&f),
                body: b"{}",
            },
        )?;
        let msg = NewMessage {
            alert_id: id,
            item: OutboxItemKind::Alert,
            seq: None,
            method: "POST",
            path: "/api/v1/alerts",
            body: b"alert-bytes",
            signature: Some("sig"),
        };
        queue::enqueue_alert(tx, &eps, &msg, NOW)
    })
    .unwrap();
    id
}

fn position(db: &Db, id: Uuid, t: i64, keep: u32) -> Option<u32> {
    db.write(|tx| {
        let Some(seq) = alerts::next_seq(tx, id, t)? else {
            return Ok(None);
        };
        let body = format!("{{\"seq\":{seq}}}");
        let msg = NewMessage {
            alert_id: id,
            item: OutboxItemKind::Position,
            seq: Some(seq),
            method: "POST",
            path: "/api/v1/positions",
            body: body.as_bytes(),
            signature: None,
        };
        queue::enqueue_dependent(tx, &msg, NOW)?;
        queue::trim_positions(tx, id, keep)?;
        Ok(Some(seq))
    })
    .unwrap()
}

fn cancel(db: &Db, id: Uuid) -> usize {
    db.write(|tx| {
        let msg = NewMessage {
            alert_id: id,
            item: OutboxItemKind::Cancel,
            seq: None,
            method: "POST",
            path: "/api/v1/alerts/x/cancel",
            body: b"cancel-bytes",
            signature: Some("sig"),
        };
        queue::enqueue_dependent(tx, &msg, NOW)
    })
    .unwrap()
}

fn claim(db: &Db, endpoint: &str, batch_max: usize) -> Option<Claim> {
    db.write(|tx| queue::claim_next(tx, endpoint, batch_max, true, NOW))
        .unwrap()
}

fn finish(db: &Db, c: &Claim, state: RowState, reason: Option<&str>) {
    db.write(|tx| queue::finish(tx, &c.row_ids(), state, reason, NOW))
        .unwrap();
}

fn queued_seqs(db: &Db, endpoint: &str) -> Vec<u32> {
    db.read(queue::pending)
        .unwrap()
        .into_iter()
        .filter(|p| {
            p.endpoint == endpoint
                && p.item == OutboxItemKind::Position
                && p.state == RowState::Queued
        })
        .filter_map(|p| p.seq)
        .collect()
}

#[test]
fn test_the_position_bound_keeps_the_newest() {
    let db = Db::open_in_memory().unwrap();
    let id = raise(&db, &[A, B]);
    for i in 0..12 {
        assert_eq!(position(&db, id, NOW + 1 + i, 5), Some(i as u32));
    }
    assert_eq!(queued_seqs(&db, A), vec![7, 8, 9, 10, 11]);
    assert_eq!(queued_seqs(&db, B), vec![7, 8, 9, 10, 11]);
    // The SOS itself is never dropped by the bound, nor is a cancel.
    assert_eq!(cancel(&db, id), 2);
    db.write(|tx| queue::trim_positions(tx, id, 1)).unwrap();
    let pending = db.read(queue::pending).unwrap();
    assert_eq!(
        pending
            .iter()
            .filter(|p| p.item == OutboxItemKind::Alert)
            .count(),
        2
    );
    assert_eq!(
        pending
            .iter()
            .filter(|p| p.item == OutboxItemKind::Cancel)
            .count(),
        2
    );
    assert_eq!(queued_seqs(&db, A), vec![11]);
}

#[test]
fn test_a_fix_not_newer_than_the_last_tracked_is_not_queued() {
    let db = Db::open_in_memory().unwrap();
    let id = raise(&db, &[A]);
    // The alert's own fix was taken at NOW.
    assert_eq!(position(&db, id, NOW, 10), None);
    assert_eq!(position(&db, id, NOW + 10, 10), Some(0));
    assert_eq!(position(&db, id, NOW + 10, 10), None);
    assert_eq!(position(&db, id, NOW + 20, 10), Some(1));
}

#[test]
fn test_a_fix_stamped_before_the_last_tracked_one_is_still_queued() {
    // Fixes from two clocks (the satellites', a wrong phone clock) may go
    // back; only the very same fix is refused.
    let db = Db::open_in_memory().unwrap();
    let id = raise(&db, &[A]);
    assert_eq!(position(&db, id, NOW + 10, 10), Some(0));
    assert_eq!(position(&db, id, NOW - 86_400_000, 10), Some(1));
    assert_eq!(position(&db, id, NOW - 86_400_000, 10), None);
}

#[test]
fn test_an_alert_raised_on_a_2001_clock_is_followed_from_its_receipt() {
    const CLOCK_2001_MS: i64 = 978_307_200_000;
    let db = Db::open_in_memory().unwrap();
    let id = raise_at(&db, &[A], CLOCK_2001_MS);
    let since = NOW - 86_400_000;
    let followed = |db: &Db| db.read(|c| alerts::followed_since(c, since)).unwrap();
    assert!(followed(&db).is_empty(), "not received yet");
    // The clock was set right (network time) before the receipt.
    db.write(|tx| alerts::mark_received(tx, id, NOW)).unwrap();
    assert_eq!(followed(&db), vec![id]);
}

#[test]
fn test_in_flight_rows_are_recovered_on_start() {
    let db = Db::open_in_memory().unwrap();
    let id = raise(&db, &[A]);
    let Some(Claim::Single(row)) = claim(&db, A, 10) else {
        panic!("no claim")
    };
    assert_eq!(row.alert_id, id);
    assert_eq!(row.body, b"alert-bytes");
    assert!(
        claim(&db, A, 10).is_none(),
        "an in-flight row is not claimed twice"
    );
    assert_eq!(db.write(|tx| queue::recover_in_flight(tx, NOW)).unwrap(), 1);
    let Some(Claim::Single(again)) = claim(&db, A, 10) else {
        panic!("not recovered")
    };
    assert_eq!(again.row_id, row.row_id);
    assert_eq!(again.signature.as_deref(), Some("sig"));
    let pending = db.read(queue::pending).unwrap();
    assert_eq!(pending[0].attempts, 2);
    assert_eq!(pending[0].state, RowState::InFlight);
}

#[test]
fn test_an_alert_goes_before_its_cancel_and_positions() {
    let db = Db::open_in_memory().unwrap();
    let first = raise(&db, &[A]);
    for i in 0..5 {
        position(&db, first, NOW + 1 + i, 100);
    }
    cancel(&db, first);
    let Some(Claim::Single(row)) = claim(&db, A, 3) else {
        panic!()
    };
    assert_eq!((row.alert_id, row.item), (first, OutboxItemKind::Alert));
    // While the alert is not delivered, nothing of it may go.
    assert!(claim(&db, A, 3).is_none());
    // A transient failure puts it back; it is first again.
    finish(&db, &Claim::Single(row), RowState::Queued, None);
    let Some(c) = claim(&db, A, 3) else { panic!() };
    finish(&db, &c, RowState::Delivered, None);

    // A new SOS jumps ahead of older positions and the cancel.
    let second = raise(&db, &[A]);
    let Some(Claim::Single(row)) = claim(&db, A, 3) else {
        panic!()
    };
    assert_eq!((row.alert_id, row.item), (second, OutboxItemKind::Alert));
    finish(&db, &Claim::Single(row), RowState::Delivered, None);

    let Some(Claim::Single(row)) = claim(&db, A, 3) else {
        panic!()
    };
    assert_eq!((row.alert_id, row.item), (first, OutboxItemKind::Cancel));
    finish(&db, &Claim::Single(row), RowState::Delivered, None);

    let Some(Claim::Positions(batch)) = claim(&db, A, 3) else {
        panic!()
    };
    assert_eq!(batch.len(), 3, "batches are bounded by batch_max");
    let bodies: Vec<String> = batch
        .iter()
        .map(|r| String::from_utf8(r.body.clone()).unwrap())
        .collect();
    assert_eq!(bodies, ["{\"seq\":0}", "{\"seq\":1}", "{\"seq\":2}"]);
    finish(&db, &Claim::Positions(batch), RowState::Delivered, None);
    let Some(Claim::Positions(rest)) = claim(&db, A, 3) else {
        panic!()
    };
    assert_eq!(rest.len(), 2);
    finish(&db, &Claim::Positions(rest), RowState::Delivered, None);
    assert!(claim(&db, A, 3).is_none());
    assert_eq!(db.read(queue::pending_count).unwrap(), 0);
}

#[test]
fn test_wedged_rows_are_kept_with_their_reason() {
    let db = Db::open_in_memory().unwrap();
    let id = raise(&db, &[A, B]);
    position(&db, id, NOW + 1, 10);
    let Some(c) = claim(&db, A, 10) else { panic!() };
    finish(&db, &c, RowState::Wedged, Some("HTTP 400 invalid"));
    let deps = db
        .write(|tx| queue::wedge_dependents(tx, A, id, NOW))
        .unwrap();
    assert_eq!(deps, vec![OutboxItemKind::Position]);
    // A cancel queued later for that endpoint is wedged at once; B is unaffected.
    assert_eq!(cancel(&db, id), 2);
    let pending = db.read(queue::pending).unwrap();
    let on_a: Vec<_> = pending.iter().filter(|p| p.endpoint == A).collect();
    assert_eq!(on_a.len(), 3);
    assert!(on_a.iter().all(|p| p.state == RowState::Wedged));
    assert_eq!(on_a[0].wedged_reason.as_deref(), Some("HTTP 400 invalid"));
    assert_eq!(on_a[1].wedged_reason.as_deref(), Some(queue::ALERT_REFUSED));
    assert!(claim(&db, A, 10).is_none());
    assert_eq!(
        db.read(|c| queue::active_count(c, &endpoints(&[A])))
            .unwrap(),
        0
    );
    assert_eq!(
        db.read(|c| queue::active_count(c, &endpoints(&[B])))
            .unwrap(),
        3
    );
    assert_eq!(db.read(queue::wedged).unwrap().len(), 3);
    let local = db.read(|c| alerts::get(c, id)).unwrap().unwrap();
    assert_eq!(local.wedged_reason.as_deref(), Some("HTTP 400 invalid"));
    // Never deleted by pruning.
    db.write(|tx| queue::prune_delivered_positions(tx, i64::MAX))
        .unwrap();
    assert_eq!(db.read(queue::wedged).unwrap().len(), 3);
}

#[test]
fn test_a_cancel_is_queued_once() {
    let db = Db::open_in_memory().unwrap();
    let id = raise(&db, &[A]);
    assert_eq!(cancel(&db, id), 1);
    assert_eq!(cancel(&db, id), 0);
}

#[test]
fn test_a_file_database_is_wal_and_synchronous_full() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auxilio.db");
    let db = Db::open(&path).unwrap();
    let (mode, sync): (String, i64) = db
        .read(|c| {
            let mode = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            let sync = c.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
            Ok((mode, sync))
        })
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(sync, 2, "synchronous=FULL");
    let id = raise(&db, &[A]);
    drop(db);
    let db = Db::open(&path).unwrap();
    assert!(db.read(|c| alerts::get(c, id)).unwrap().is_some());
}

#[test]
fn test_a_position_batch_carries_one_alert_only() {
    let db = Db::open_in_memory().unwrap();
    let first = raise(&db, &[A]);
    let second = raise(&db, &[A]);
    for i in 0..3 {
        position(&db, first, NOW + 1 + i, 100);
        position(&db, second, NOW + 1 + i, 100);
    }
    for _ in 0..2 {
        let Some(c) = claim(&db, A, 10) else { panic!() };
        finish(&db, &c, RowState::Delivered, None);
    }
    let Some(Claim::Positions(batch)) = claim(&db, A, 10) else {
        panic!()
    };
    assert_eq!(batch.len(), 3);
    assert!(batch.iter().all(|r| r.alert_id == first));
    finish(
        &db,
        &Claim::Positions(batch),
        RowState::Wedged,
        Some("HTTP 404 unknown_alert"),
    );
    let Some(Claim::Positions(batch)) = claim(&db, A, 10) else {
        panic!()
    };
    assert!(batch.iter().all(|r| r.alert_id == second));
    assert_eq!(batch.len(), 3);
}

#[test]
fn test_a_late_view_never_moves_the_status_backwards() {
    use auxilio_protocol::{AlertStatus, AlertView};
    let db = Db::open_in_memory().unwrap();
    let id = raise(&db, &[A]);
    let view = |status, updated_at_ms| AlertView {
        id,
        status,
        received_at_ms: NOW,
        updated_at_ms,
        outcome: None,
        unit_distance_m: None,
        unit_name: None,
    };
    let record = |v: AlertView| db.write(|tx| alerts::record_view(tx, id, &v)).unwrap();
    let status = || db.read(|c| alerts::get(c, id)).unwrap().unwrap().status;
    assert!(record(view(AlertStatus::Acknowledged, NOW + 10)));
    // The answer to a retried post, or a poll sent earlier, arrives late.
    assert!(!record(view(AlertStatus::New, NOW + 5)));
    assert_eq!(status(), Some(AlertStatus::Acknowledged));
    assert!(record(view(AlertStatus::EnRoute, NOW + 20)));
    // The same status with an older update (an older distance) is ignored too.
    assert!(!record(view(AlertStatus::EnRoute, NOW + 15)));
    assert!(record(view(AlertStatus::Resolved, NOW + 30)));
    assert!(!record(view(AlertStatus::Cancelled, NOW + 40)));
    assert_eq!(status(), Some(AlertStatus::Resolved));
}
