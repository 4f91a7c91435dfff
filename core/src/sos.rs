//! Raising and cancelling an SOS: take the best position known at the tap
//! (or none), compose, validate, sign, commit durably, then start the
//! follow-up tasks (tracking, the SMS timer, the refinement window).

use std::sync::Arc;
use std::time::Duration;

use auxilio_protocol::limits::MAX_NOTE_CHARS;
use auxilio_protocol::wire::{cancel_path, PATH_ALERTS};
use auxilio_protocol::{Alert, AlertId, Cancel, Fix, Place, Validate, PROTOCOL_VERSION};
use uuid::Uuid;

use crate::events::OutboxItemKind;
use crate::fix::{at_tap, is_good};
use crate::outbox::alerts::{self, NewAlert};
use crate::outbox::queue::{self, NewMessage};
use crate::state::Shared;
use crate::{refine, sms, tracking, CoreError, CoreEvent, SosRequest};

/// Free text as the protocol accepts it: no control characters but line
/// breaks, trimmed, cut at the limit; empty becomes `None`. An SOS is never
/// refused for its note.
pub(crate) fn clean_text(text: Option<String>) -> Option<String> {
    let text = text?;
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect::<String>()
        .trim()
        .chars()
        .take(MAX_NOTE_CHARS)
        .collect();
    (!cleaned.trim().is_empty()).then(|| cleaned.trim().to_owned())
}

/// The best position known at this instant (see [`crate::fix::at_tap`]).
fn position_now(shared: &Shared, place: Option<&Place>) -> Option<Fix> {
    let (recent, last_known) = shared.fixes.snapshot();
    let now = (shared.fixes.mono_ms(), shared.now_ms());
    at_tap(
        &recent,
        last_known.as_ref(),
        place,
        now,
        &tracking::policy(shared),
    )
}

/// Composes, signs and durably queues an alert with `fix` (none: the SOS
/// goes without a position).
pub(crate) async fn commit_alert(
    shared: &Arc<Shared>,
    req: SosRequest,
    fix: Option<Fix>,
) -> Result<AlertId, CoreError> {
    let reporter = shared.account().reporter().ok_or(CoreError::NoProfile)?;
    let now = shared.now_ms();
    let alert = Alert {
        v: PROTOCOL_VERSION,
        id: Uuid::now_v7(),
        device_id: shared.device_id,
        kind: req.kind,
        created_at_ms: now,
        fix,
        reporter,
        battery_pct: req.battery_pct.filter(|b| *b <= 100),
        silent: req.silent,
        note: clean_text(req.note),
        app_version: shared.config.app_version.clone(),
    };
    alert.validate(now).map_err(CoreError::Invalid)?;
    let body = serde_json::to_vec(&alert)?;
    let signature = shared.key.sign_request("POST", PATH_ALERTS, &body);
    let endpoints = shared.endpoint_keys.clone();
    let id = alert.id;
    let alert_fix = alert.fix.clone();
    shared
        .write_urgent(
            move |tx| {
                alerts::insert(
                    tx,
                    &NewAlert {
                        id,
                        created_at_ms: alert.created_at_ms,
                        kind: alert.kind,
                        silent: alert.silent,
                        note: alert.note.as_deref(),
                        fix: alert.fix.as_ref(),
                        body: &body,
                    },
                )?;
                let msg = NewMessage {
                    alert_id: id,
                    item: OutboxItemKind::Alert,
                    seq: None,
                    method: "POST",
                    path: PATH_ALERTS,
                    body: &body,
                    signature: Some(&signature),
                };
                queue::enqueue_alert(tx, &endpoints, &msg, now)
            },
            {
                // Durable from here on; announced before a delivery task can
                // claim the row, so `Queued` always comes before `Sent`.
                let events = shared.events.clone();
                move |_| {
                    let _ = events.send(CoreEvent::Queued { alert_id: id });
                }
            },
        )
        .await?;
    shared.wake_urgent();
    start_follow_up(shared, id, Duration::ZERO, true);
    if !alert_fix
        .as_ref()
        .is_some_and(|f| is_good(f, &tracking::policy(shared)))
    {
        shared.spawn(refine::run(shared.clone(), id, alert_fix));
    }
    shared.queue_changed();
    Ok(id)
}

/// Starts tracking and, unless already received, the SMS fallback timer,
/// `since_raised` after the alert was raised. Both then run on the monotonic
/// clock: a phone clock that jumps (NTP, a reset) moves neither.
pub(crate) fn start_follow_up(
    shared: &Arc<Shared>,
    id: AlertId,
    since_raised: Duration,
    sms_timer: bool,
) {
    shared.spawn(tracking::run(shared.clone(), id, since_raised));
    if sms_timer {
        shared.spawn(sms::run(shared.clone(), id, since_raised));
    }
}

/// How long ago an alert stored before a restart was raised, by the phone's
/// clock (the only clock that survives a reboot): never negative, so a clock
/// set back since gives the alert its full tracking and SMS wait.
pub(crate) fn since_raised(created_at_ms: i64, now_ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(now_ms.saturating_sub(created_at_ms)).unwrap_or(0))
}

pub(crate) async fn raise(shared: &Arc<Shared>, req: SosRequest) -> Result<AlertId, CoreError> {
    if shared.is_shutting_down() {
        return Err(CoreError::Shutdown);
    }
    let account = shared.account();
    if account.reporter().is_none() {
        return Err(CoreError::NoProfile);
    }
    // Never waits for a position, and never refuses an SOS for lacking one:
    // it is durable from the tap, and the refined position follows.
    let fix = position_now(shared, account.place().as_ref());
    commit_alert(shared, req, fix).await
}

pub(crate) async fn cancel(
    shared: &Arc<Shared>,
    alert_id: AlertId,
    reason: Option<String>,
) -> Result<(), CoreError> {
    if shared.is_shutting_down() {
        return Err(CoreError::Shutdown);
    }
    let progress = shared
        .read(move |c| alerts::progress(c, alert_id))
        .await?
        .ok_or(CoreError::UnknownAlert)?;
    if progress.cancel_requested {
        return Ok(());
    }
    if progress.status.is_some_and(|s| s.is_terminal()) {
        return Err(CoreError::AlertClosed);
    }
    let now = shared.now_ms();
    let cancel = Cancel {
        v: PROTOCOL_VERSION,
        alert_id,
        device_id: shared.device_id,
        cancelled_at_ms: now,
        reason: clean_text(reason),
    };
    cancel.validate(now).map_err(CoreError::Invalid)?;
    let body = serde_json::to_vec(&cancel)?;
    let path = cancel_path(&alert_id);
    let signature = shared.key.sign_request("POST", &path, &body);
    shared
        .write(move |tx| {
            if !alerts::mark_cancel_requested(tx, alert_id, now)? {
                return Ok(0);
            }
            let msg = NewMessage {
                alert_id,
                item: OutboxItemKind::Cancel,
                seq: None,
                method: "POST",
                path: &path,
                body: &body,
                signature: Some(&signature),
            };
            queue::enqueue_dependent(tx, &msg, now)
        })
        .await?;
    shared.wake_urgent();
    shared.queue_changed();
    Ok(())
}
