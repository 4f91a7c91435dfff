//! One delivery task per endpoint: claim the next row(s), send the stored
//! bytes, and record the outcome. Transient failures keep the rows queued and
//! back off (full jitter, `Retry-After`); `connectivity_restored`, a new SOS
//! and a cancel end that wait at once, but a `Retry-After` answered to a
//! position batch still holds the positions until its time. Permanent
//! failures wedge the rows with the reason.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use auxilio_protocol::{AlertView, DeviceId, PROTOCOL_VERSION};
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::answer::{self, Expect};
use super::backoff;
use super::http::{Failure, Reply, Request};
use crate::events::OutboxItemKind;
use crate::model::RowState;
use crate::outbox::alerts;
use crate::outbox::queue::{self, Claim, Row, ALERT_REFUSED};
use crate::state::{stopped, Shared};
use crate::{status, CoreEvent};

/// Pause after a local storage failure before trying again.
const STORAGE_RETRY: Duration = Duration::from_secs(1);

/// The body of a position batch: the stored update JSON of each row, as is.
/// The same rows always give the same bytes (and, Ed25519 being
/// deterministic, the same signature).
pub(crate) fn batch_body(device_id: DeviceId, rows: &[Row]) -> Vec<u8> {
    let mut body =
        format!("{{\"v\":{PROTOCOL_VERSION},\"device_id\":\"{device_id}\",\"updates\":[")
            .into_bytes();
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&row.body);
    }
    body.extend_from_slice(b"]}");
    body
}

fn request<'a>(shared: &Shared, claim: &'a Claim) -> Request<'a> {
    match claim {
        Claim::Single(row) => Request {
            method: &row.method,
            path: &row.path,
            body: row.body.clone(),
            signed_by: row.signature.clone().map(|s| (shared.device_id, s)),
        },
        Claim::Positions(rows) => {
            let body = batch_body(shared.device_id, rows);
            let signature =
                shared
                    .key
                    .sign_request("POST", auxilio_protocol::wire::PATH_POSITIONS, &body);
            Request {
                method: "POST",
                path: auxilio_protocol::wire::PATH_POSITIONS,
                body,
                signed_by: Some((shared.device_id, signature)),
            }
        }
    }
}

/// Runs until shutdown.
pub(crate) async fn run(shared: Arc<Shared>, index: usize) {
    let (Some(endpoint), Some(key)) = (
        shared.endpoints.get(index).cloned(),
        shared.endpoint_keys.get(index).cloned(),
    ) else {
        return;
    };
    let shared_for_wake = shared.clone();
    let Some(wake) = shared_for_wake.wakers.get(index) else {
        return;
    };
    let mut urgent = shared.urgent.subscribe();
    let primary = index == 0;
    let mut shutdown = shared.shutdown.subscribe();
    let mut enrolled = shared.enrolled.subscribe();
    let mut rng = StdRng::from_entropy();
    let mut failures: u32 = 0;
    // The server's `Retry-After` for positions: none are sent before it.
    let mut positions_after: Option<tokio::time::Instant> = None;
    let policy = backoff::Policy {
        initial: shared.config.backoff_initial,
        cap: shared.config.backoff_cap,
    };
    loop {
        if shared.is_shutting_down() {
            return;
        }
        if !*enrolled.borrow_and_update() {
            tokio::select! {
                r = enrolled.changed() => if r.is_err() { return },
                _ = stopped(&mut shutdown) => return,
            }
            continue;
        }
        let batch_max = shared.config.position_batch_max;
        let clock = shared.clock();
        let k = key.clone();
        positions_after = positions_after.filter(|t| *t > tokio::time::Instant::now());
        let positions = positions_after.is_none();
        urgent.borrow_and_update();
        let claim = match shared
            .write(move |tx| queue::claim_next(tx, &k, batch_max, positions, clock.now_ms()))
            .await
        {
            Ok(Some(claim)) => claim,
            Ok(None) => {
                let hold = async {
                    match positions_after {
                        Some(t) => tokio::time::sleep_until(t).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = hold => {}
                    _ = stopped(&mut shutdown) => return,
                }
                continue;
            }
            Err(e) => {
                tracing::error!(error = %e, "outbox claim failed");
                tokio::select! {
                    _ = tokio::time::sleep(STORAGE_RETRY) => {}
                    _ = stopped(&mut shutdown) => return,
                }
                continue;
            }
        };
        if let Claim::Single(row) = &claim {
            if row.item == OutboxItemKind::Alert {
                let id = row.alert_id;
                match shared
                    .write(move |tx| alerts::mark_sent(tx, id, clock.now_ms()))
                    .await
                {
                    Ok(true) => shared.emit(CoreEvent::Sent { alert_id: id }),
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "could not record the first attempt"),
                }
            }
        }
        let outcome = tokio::select! {
            r = shared.http.exchange(&endpoint, request(&shared, &claim)) => r,
            _ = stopped(&mut shutdown) => {
                finish(&shared, &claim, RowState::Queued, None).await;
                return;
            }
        };
        let outcome = outcome.and_then(|a| {
            answer::judge(a.status, a.retry_after, &a.body, Expect::of(&claim)).map(|()| Reply {
                status: a.status,
                body: a.body,
            })
        });
        match outcome {
            Ok(reply) => {
                failures = 0;
                delivered(&shared, primary, &claim, reply).await;
            }
            Err(Failure::Transient {
                reason,
                retry_after,
            }) => {
                finish(&shared, &claim, RowState::Queued, None).await;
                failures = failures.saturating_add(1);
                let wait = policy.delay(failures, retry_after, &mut rng);
                if let (Claim::Positions(_), Some(ra)) = (&claim, retry_after) {
                    positions_after =
                        Some(tokio::time::Instant::now() + ra.min(backoff::RETRY_AFTER_LIMIT));
                }
                tracing::info!(%reason, failures, wait_ms = wait.as_millis() as u64, "delivery failed, will retry");
                let until = tokio::time::Instant::now() + wait;
                let tried = claim.row_ids().into_iter().max().unwrap_or(i64::MAX);
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep_until(until) => break,
                        _ = shared.kick.notified() => break,
                        r = urgent.changed() => {
                            if r.is_err() {
                                return;
                            }
                            if newer_urgent(&shared, &key, tried).await {
                                break;
                            }
                        }
                        _ = stopped(&mut shutdown) => return,
                    }
                }
            }
            Err(Failure::Permanent { reason, .. }) => {
                failures = 0;
                wedge(&shared, &key, &claim, reason).await;
            }
        }
    }
}

/// Whether a new SOS or cancel (not the row just tried) waits: it ends the
/// backoff. A storage error counts as yes: trying early is the safe side.
async fn newer_urgent(shared: &Arc<Shared>, endpoint: &str, tried: i64) -> bool {
    let endpoint = endpoint.to_owned();
    shared
        .read(move |conn| queue::urgent_after(conn, &endpoint, tried))
        .await
        .unwrap_or(true)
}

/// Moves the claimed rows out of `in_flight`.
async fn finish(shared: &Arc<Shared>, claim: &Claim, state: RowState, reason: Option<String>) {
    let ids = claim.row_ids();
    let clock = shared.clock();
    let result = shared
        .write(move |tx| queue::finish(tx, &ids, state, reason.as_deref(), clock.now_ms()))
        .await;
    if let Err(e) = result {
        // The rows stay in flight; they are recovered at the next open.
        tracing::error!(error = %e, "could not record a delivery outcome");
    }
    shared.queue_changed();
}

async fn delivered(shared: &Arc<Shared>, primary: bool, claim: &Claim, reply: Reply) {
    let alert_item = match claim {
        Claim::Single(row) => Some((row.alert_id, row.item)),
        Claim::Positions(_) => None,
    };
    let ids = claim.row_ids();
    let clock = shared.clock();
    let first_receipt = shared
        .write(move |tx| {
            queue::finish(tx, &ids, RowState::Delivered, None, clock.now_ms())?;
            match alert_item {
                Some((id, OutboxItemKind::Alert)) => alerts::mark_received(tx, id, clock.now_ms()),
                _ => Ok(false),
            }
        })
        .await;
    let first_receipt = match first_receipt {
        Ok(first) => first,
        Err(e) => {
            tracing::error!(error = %e, "could not record a delivery");
            false
        }
    };
    if let Some((alert_id, item)) = alert_item {
        let view: Option<AlertView> = serde_json::from_slice(&reply.body).ok();
        if view.is_none() {
            tracing::warn!(
                status = reply.status,
                "2xx answer without a readable alert view"
            );
        }
        if let (true, Some(view)) = (first_receipt, &view) {
            shared.emit(CoreEvent::Received {
                alert_id,
                view: view.clone(),
            });
        }
        if let (true, Some(view)) = (primary, view) {
            status::apply_view(shared, alert_id, view).await;
        }
        if item == OutboxItemKind::Alert {
            // Positions and a cancel may have been waiting for this alert.
            shared.wake_all();
        }
    }
    shared.queue_changed();
}

async fn wedge(shared: &Arc<Shared>, endpoint: &str, claim: &Claim, reason: String) {
    let ids = claim.row_ids();
    let mut refused: BTreeSet<(uuid::Uuid, &'static str)> = BTreeSet::new();
    let rows: Vec<&Row> = match claim {
        Claim::Single(row) => vec![row],
        Claim::Positions(rows) => rows.iter().collect(),
    };
    for row in &rows {
        refused.insert((row.alert_id, row.item.as_str()));
    }
    let alert_rows: Vec<uuid::Uuid> = rows
        .iter()
        .filter(|r| r.item == OutboxItemKind::Alert)
        .map(|r| r.alert_id)
        .collect();
    let endpoint = endpoint.to_owned();
    let r = reason.clone();
    let clock = shared.clock();
    let dependents = shared
        .write(move |tx| {
            queue::finish(tx, &ids, RowState::Wedged, Some(&r), clock.now_ms())?;
            let mut dependents = Vec::new();
            for id in alert_rows {
                for kind in queue::wedge_dependents(tx, &endpoint, id, clock.now_ms())? {
                    dependents.push((id, kind));
                }
            }
            Ok(dependents)
        })
        .await;
    tracing::warn!(%reason, "delivery refused for good; rows kept as wedged");
    for (alert_id, item) in refused {
        if let Some(item) = OutboxItemKind::parse(item) {
            shared.emit(CoreEvent::Wedged {
                alert_id,
                item,
                reason: reason.clone(),
            });
        }
    }
    match dependents {
        Ok(deps) => {
            for (alert_id, item) in deps {
                shared.emit(CoreEvent::Wedged {
                    alert_id,
                    item,
                    reason: ALERT_REFUSED.into(),
                });
            }
        }
        Err(e) => tracing::error!(error = %e, "could not record a refusal"),
    }
    shared.queue_changed();
}

#[cfg(test)]
mod tests {
    use super::*;
    use auxilio_protocol::{Fix, FixSource, PositionBatch, PositionUpdate};
    use uuid::Uuid;

    fn row(alert_id: Uuid, item: OutboxItemKind, body: Vec<u8>) -> Row {
        Row {
            row_id: 1,
            alert_id,
            item,
            method: "POST".into(),
            path: "/api/v1/positions".into(),
            body,
            signature: None,
        }
    }

    #[test]
    fn a_batch_body_is_a_valid_position_batch_and_stable() {
        let alert_id = Uuid::now_v7();
        let device = Uuid::new_v4();
        let now = auxilio_protocol::now_ms();
        let rows: Vec<Row> = (0..3)
            .map(|seq| {
                let fix = Fix {
                    lat: -8.07,
                    lon: -79.0,
                    accuracy_m: 9.0,
                    altitude_m: None,
                    speed_mps: None,
                    heading_deg: None,
                    fixed_at_ms: now - 1000 + seq as i64,
                    source: FixSource::Gps,
                };
                let body = serde_json::to_vec(&PositionUpdate {
                    alert_id,
                    seq,
                    fix,
                    refines: false,
                })
                .unwrap();
                row(alert_id, OutboxItemKind::Position, body)
            })
            .collect();
        let body = batch_body(device, &rows);
        assert_eq!(body, batch_body(device, &rows), "byte-identical on retry");
        let batch: PositionBatch = auxilio_protocol::decode(&body, now).unwrap();
        assert_eq!(batch.device_id, device);
        assert_eq!(
            batch.updates.iter().map(|u| u.seq).collect::<Vec<_>>(),
            [0, 1, 2]
        );
    }
}
