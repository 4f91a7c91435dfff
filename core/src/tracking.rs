//! Tracking after an SOS: every `tracking_interval` (every
//! `tracking_slow_interval` once `tracking_slow_after` has passed), the
//! newest fed fix (if it is not the last one queued) becomes a position
//! update, for as long as the alert is open, up to `tracking_max`.

use std::sync::Arc;
use std::time::Duration;

use auxilio_protocol::wire::PATH_POSITIONS;
use auxilio_protocol::{AlertId, Fix, FixSource, PositionUpdate, Validate};
use tokio::time::Instant;

use crate::events::OutboxItemKind;
use crate::fix::{as_last_known, is_fresh, Fed, FixPolicy};
use crate::outbox::alerts;
use crate::outbox::queue::{self, NewMessage};
use crate::state::{stopped, Shared};
use crate::CoreError;

pub(crate) fn policy(shared: &Shared) -> FixPolicy {
    FixPolicy {
        good_accuracy_m: shared.config.good_accuracy_m,
        fresh_max_age_ms: i64::try_from(shared.config.fresh_max_age.as_millis())
            .unwrap_or(i64::MAX),
    }
}

/// Queues the fed fix as the alert's next position update, unless it is the
/// one queued last (same time). Returns the sequence number used. Its label
/// (fresh or `last_known`) is judged on the monotonic clock; its time is
/// never compared with the phone's clock, which may be wrong.
pub(crate) async fn queue_position(
    shared: &Arc<Shared>,
    alert_id: AlertId,
    fed: Fed,
) -> Result<Option<u32>, CoreError> {
    if fed.fix.source == FixSource::RegisteredPlace || fed.fix.validate(0).is_err() {
        return Ok(None);
    }
    let fix = if is_fresh(&fed, shared.fixes.mono_ms(), &policy(shared)) {
        fed.fix
    } else {
        as_last_known(&fed.fix)
    };
    queue_update(shared, alert_id, fix, false).await
}

/// Queues `fix` (already labelled) as the alert's next position update;
/// `refines` marks the alert's refined position ([`crate::refine`]).
pub(crate) async fn queue_update(
    shared: &Arc<Shared>,
    alert_id: AlertId,
    fix: Fix,
    refines: bool,
) -> Result<Option<u32>, CoreError> {
    let now = shared.now_ms();
    let keep = shared.config.max_positions_per_alert.max(1);
    let seq = shared
        .write(move |tx| {
            let Some(seq) = alerts::next_seq(tx, alert_id, fix.fixed_at_ms)? else {
                return Ok(None);
            };
            let update = PositionUpdate {
                alert_id,
                seq,
                fix,
                refines,
            };
            let body = serde_json::to_vec(&update)?;
            let msg = NewMessage {
                alert_id,
                item: OutboxItemKind::Position,
                seq: Some(seq),
                method: "POST",
                path: PATH_POSITIONS,
                body: &body,
                signature: None,
            };
            queue::enqueue_dependent(tx, &msg, now)?;
            queue::trim_positions(tx, alert_id, keep)?;
            Ok(Some(seq))
        })
        .await?;
    if seq.is_some() {
        shared.wake_all();
        shared.queue_changed();
    }
    Ok(seq)
}

/// Runs for one alert until it closes, `tracking_max` passes, or shutdown;
/// then forgets whether the person had paused it.
pub(crate) async fn run(shared: Arc<Shared>, alert_id: AlertId, since_raised: Duration) {
    track(&shared, alert_id, since_raised).await;
    shared.paused().remove(&alert_id);
    if !shared.is_shutting_down() {
        shared.emit(crate::CoreEvent::TrackingStopped { alert_id });
    }
}

async fn track(shared: &Arc<Shared>, alert_id: AlertId, since_raised: Duration) {
    let mut shutdown = shared.shutdown.subscribe();
    let started = Instant::now();
    let raised = started.checked_sub(since_raised).unwrap_or(started);
    let cfg = &shared.config;
    let deadline = raised + cfg.tracking_max;
    let slow_from = raised + cfg.tracking_slow_after;
    let floor = Duration::from_millis(100);
    let (every, slow_every) = (
        cfg.tracking_interval.max(floor),
        cfg.tracking_slow_interval.max(floor),
    );
    let mut next = started + every;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            _ = stopped(&mut shutdown) => return,
        }
        let now = Instant::now();
        if now > deadline {
            return;
        }
        next = now + if now >= slow_from { slow_every } else { every };
        match shared.read(move |c| alerts::progress(c, alert_id)).await {
            Ok(Some(p)) if !p.is_closed() => {}
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e, "tracking could not read the alert");
                continue;
            }
        }
        if shared.paused().contains(&alert_id) {
            continue;
        }
        if let Some(fix) = shared.fixes.latest() {
            if let Err(e) = queue_position(shared, alert_id, fix).await {
                tracing::warn!(error = %e, "could not queue a position update");
            }
        }
    }
}
