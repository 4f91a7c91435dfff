//! Tracking after an SOS: every `tracking_interval`, the newest fed fix (if
//! it is newer than the last one queued) becomes a position update, until the
//! alert is resolved or cancelled, or `tracking_max` has passed.

use std::sync::Arc;

use auxilio_protocol::wire::PATH_POSITIONS;
use auxilio_protocol::{AlertId, Fix, FixSource, PositionUpdate, Validate};
use tokio::time::{Instant, MissedTickBehavior};

use crate::clock::now_ms;
use crate::events::OutboxItemKind;
use crate::fix::{as_last_known, is_fresh, FixPolicy};
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

/// Queues `fix` as the alert's next position update, unless it is not newer
/// than the last one. Returns the sequence number used.
pub(crate) async fn queue_position(
    shared: &Arc<Shared>,
    alert_id: AlertId,
    fix: Fix,
) -> Result<Option<u32>, CoreError> {
    let now = now_ms();
    let policy = policy(shared);
    // A fix stamped far ahead of the clock would hold back every later one
    // (only newer fixes are queued), so it is not tracked.
    let ahead = fix.fixed_at_ms > now.saturating_add(policy.fresh_max_age_ms);
    if fix.source == FixSource::RegisteredPlace || ahead || fix.validate(now).is_err() {
        return Ok(None);
    }
    let fix = if is_fresh(&fix, now, &policy) {
        fix
    } else {
        as_last_known(&fix)
    };
    let keep = shared.config.max_positions_per_alert.max(1);
    let seq = shared
        .write(move |tx| {
            let Some(seq) = alerts::next_seq(tx, alert_id, fix.fixed_at_ms)? else {
                return Ok(None);
            };
            let body = serde_json::to_vec(&PositionUpdate { alert_id, seq, fix })?;
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
pub(crate) async fn run(shared: Arc<Shared>, alert_id: AlertId, created_at_ms: i64) {
    track(&shared, alert_id, created_at_ms).await;
    shared.paused().remove(&alert_id);
}

async fn track(shared: &Arc<Shared>, alert_id: AlertId, created_at_ms: i64) {
    let mut shutdown = shared.shutdown.subscribe();
    let elapsed_ms = u64::try_from(now_ms().saturating_sub(created_at_ms)).unwrap_or(0);
    let remaining = shared
        .config
        .tracking_max
        .saturating_sub(std::time::Duration::from_millis(elapsed_ms));
    let deadline = Instant::now() + remaining;
    let every = shared
        .config
        .tracking_interval
        .max(std::time::Duration::from_millis(100));
    let mut ticks = tokio::time::interval_at(Instant::now() + every, every);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stopped(&mut shutdown) => return,
        }
        if Instant::now() > deadline {
            return;
        }
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
