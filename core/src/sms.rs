//! SMS fallback: when an alert has no server receipt `sms_fallback_after`
//! after it was raised, the shell is asked to send its compact signed form.

use std::sync::Arc;
use std::time::Duration;

use auxilio_protocol::sms::{encode_sms, SmsAlert};
use auxilio_protocol::{Alert, AlertId};

use crate::model::SmsState;
use crate::outbox::alerts;
use crate::state::{stopped, Shared};
use crate::{CoreError, CoreEvent};

/// The SMS text of a stored alert.
pub(crate) fn text_for(shared: &Shared, alert_json: &[u8]) -> Result<String, CoreError> {
    let alert: Alert = serde_json::from_slice(alert_json)?;
    let sms = SmsAlert::from_alert(&alert).map_err(CoreError::Invalid)?;
    encode_sms(&sms, &shared.key).map_err(CoreError::Invalid)
}

/// Emits `SmsFallback` unless the alert was received, closed, or its SMS
/// already sent (then `SmsFallbackNotNeeded`, when there is an SMS number).
/// Returns whether it asked for the SMS.
pub(crate) async fn fallback_now(shared: &Shared, alert_id: AlertId) -> Result<bool, CoreError> {
    let Some(to) = shared.sms_number() else {
        return Ok(false);
    };
    let Some(p) = shared.read(move |c| alerts::progress(c, alert_id)).await? else {
        return Err(CoreError::UnknownAlert);
    };
    if p.received || p.is_closed() || p.sms == SmsState::Sent {
        shared.emit(CoreEvent::SmsFallbackNotNeeded { alert_id });
        return Ok(false);
    }
    let body = shared
        .read(move |c| alerts::body(c, alert_id))
        .await?
        .ok_or(CoreError::UnknownAlert)?;
    let text = text_for(shared, &body)?;
    shared
        .write(move |tx| alerts::set_sms(tx, alert_id, SmsState::Requested))
        .await?;
    shared.emit(CoreEvent::SmsFallback { alert_id, to, text });
    Ok(true)
}

/// Waits until `sms_fallback_after` from the alert's creation (`since_raised`
/// ago), on the monotonic clock, then falls back.
pub(crate) async fn run(shared: Arc<Shared>, alert_id: AlertId, since_raised: Duration) {
    let mut shutdown = shared.shutdown.subscribe();
    let wait = shared
        .config
        .sms_fallback_after
        .saturating_sub(since_raised);
    tokio::select! {
        _ = tokio::time::sleep(wait) => {}
        _ = stopped(&mut shutdown) => return,
    }
    if let Err(e) = fallback_now(&shared, alert_id).await {
        tracing::warn!(error = %e, "SMS fallback could not be prepared");
    }
}
