//! Core's events, forwarded to the web view as Tauri events, and the other
//! events the shell emits. The names are the contract with the UI
//! (`ui/src/citizen/tauri.ts`, `EVT`).

use auxilio_core::CoreEvent;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::broadcast::error::RecvError;

use crate::location::Reason;
use crate::state::AppState;

/// Payload: one `CoreEvent` (`{"type": "queued", "alert_id": …}`, …).
pub const EVENT_CORE: &str = "auxilio://core-event";
/// Payload: one `sms::SmsNotice` (`{"type": "sms_sending" | "sms_failed",
/// "alert_id": …}`): the app is sending an alert's SMS fallback itself
/// (Android), or could not, and leaves it to the person.
pub const EVENT_SMS: &str = "auxilio://sms-send";
/// Payload: `{ "code": "…" }`, from an `auxilio://enroll?code=…` link.
pub const EVENT_ENROLL_LINK: &str = "auxilio://enroll-link";
/// Payload: one `unit::Assignment`: an alert newly dispatched to this unit.
pub const EVENT_UNIT_ASSIGNMENT: &str = "auxilio://unit-assignment";
/// Payload: `{ "alert_id": "…", "status": "on_scene" }`: an alert assigned
/// to this unit changed status (by the central, the reporter or this unit).
pub const EVENT_UNIT_ALERT_CHANGED: &str = "auxilio://unit-alert-changed";
/// Payload: `{ "live": bool }`: the duty task's live stream is open, or is
/// being reopened (the connection indicator of the unit's screen).
pub const EVENT_UNIT_STREAM: &str = "auxilio://unit-stream";
/// Payload: one `unit::UnitView`: this unit as the server stored it (after
/// each position or availability report, also those the shell makes).
pub const EVENT_UNIT_VIEW: &str = "auxilio://unit-view";
/// Payload: `null`. The server no longer accepts the unit's session (expired
/// or revoked): duty stopped, the saved login is gone; log in again.
pub const EVENT_UNIT_SESSION_ENDED: &str = "auxilio://unit-session-ended";

/// Forwards every core event for the life of the app.
pub fn forward<R: Runtime>(app: AppHandle<R>) {
    let state = app.state::<AppState>();
    let mut rx = state.core.subscribe();
    tauri::async_runtime::spawn(async move {
        // An alert still open from the last run keeps location (and the
        // Android foreground service) going. Done here, not in `setup`: a
        // mobile plugin call waits for the main thread, which `setup` holds.
        let state = app.state::<AppState>();
        for reason in open_alert_reasons(&state) {
            state.location.set(&app, &state.core, reason, true);
        }
        loop {
            match rx.recv().await {
                Ok(event) => {
                    react(&app, &event);
                    if let Err(e) = app.emit(EVENT_CORE, &event) {
                        tracing::warn!(error = %e, "a core event could not reach the web view");
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    // The UI re-reads its state from the queue count.
                    tracing::warn!(missed, "core events were missed; resyncing the web view");
                    let state = app.state::<AppState>();
                    if let Ok(pending) = state.core.pending() {
                        let event = CoreEvent::QueueChanged {
                            pending: pending.len(),
                        };
                        let _ = app.emit(EVENT_CORE, &event);
                    }
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
}

/// Why the open alerts of this phone need positions: `Sos` for a loud one,
/// `SilentSos` for a silent one.
pub(crate) fn open_alert_reasons(state: &AppState) -> Vec<Reason> {
    let list = state.core.alerts().unwrap_or_default();
    [(false, Reason::Sos), (true, Reason::SilentSos)]
        .into_iter()
        .filter(|(silent, _)| list.iter().any(|a| a.is_open() && a.silent == *silent))
        .map(|(_, reason)| reason)
        .collect()
}

/// What the shell itself does on an event: location while an alert is open,
/// a haptic confirmation of the send (never for a silent alert), and the
/// SMS fallback (sent by the app on Android, before the web view hears of it).
fn react<R: Runtime>(app: &AppHandle<R>, event: &CoreEvent) {
    let state = app.state::<AppState>();
    match event {
        CoreEvent::Queued { alert_id } => {
            let silent = state
                .core
                .alert(*alert_id)
                .ok()
                .flatten()
                .is_none_or(|a| a.silent);
            if !silent {
                crate::feedback::haptic(app, crate::feedback::Haptic::Sent);
            }
        }
        CoreEvent::Resolved { .. } | CoreEvent::Cancelled { .. } => {
            let open = open_alert_reasons(&state);
            for reason in [Reason::Sos, Reason::SilentSos] {
                if !open.contains(&reason) {
                    state.location.set(app, &state.core, reason, false);
                }
            }
        }
        CoreEvent::SmsFallback { alert_id, to, text } => {
            crate::sms::on_fallback(app, *alert_id, to, text);
        }
        _ => {}
    }
}
