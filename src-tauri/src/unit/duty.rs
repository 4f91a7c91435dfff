//! A patrol unit's duty shift, on the shell side: one task that reports the
//! position every [`DUTY_INTERVAL`] and follows the server's live stream
//! ([`crate::unit::follow`]); each new assignment raises a notification and
//! an `auxilio://unit-assignment` event at once. While on duty, positions
//! are watched (and on Android a foreground service keeps them coming with
//! the screen off, see [`crate::keepalive`]).
//!
//! The task ends when `stop_duty` / `unit_logout` abort it, or by itself
//! when the server no longer accepts the session: then the saved login is
//! gone, the unit is told (`auxilio://unit-session-ended` and a
//! notification) and must log in again.

use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::events::{
    EVENT_UNIT_ALERT_CHANGED, EVENT_UNIT_ASSIGNMENT, EVENT_UNIT_SESSION_ENDED, EVENT_UNIT_STREAM,
    EVENT_UNIT_VIEW,
};
use crate::feedback;
use crate::location::Reason;
use crate::state::AppState;
use crate::unit::follow::{self, Followed};
use crate::unit::{Assignment, DUTY_INTERVAL};

/// Starts (or restarts) the duty task. The caller has reported the unit
/// available.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    state.location.set(app, &state.core, Reason::Duty, true);
    let handle = app.clone();
    let task = tauri::async_runtime::spawn(async move {
        let state = handle.state::<AppState>();
        tokio::select! {
            () = report_positions(&handle) => {}
            e = follow::follow(&state.unit, |f| tell(&handle, f)) => {
                tracing::debug!(kind = e.kind(), "the live stream refused the session");
            }
            () = state.unit.logged_out() => {}
        }
        tracing::info!("duty ended: the server no longer accepts the unit session");
        state.unit.duty_ended();
        state
            .location
            .set(&handle, &state.core, Reason::Duty, false);
        feedback::notify(
            &handle,
            "Auxilio: sesión terminada",
            "Inicie sesión de nuevo para recibir alertas",
        );
        if let Err(e) = handle.emit(EVENT_UNIT_SESSION_ENDED, ()) {
            tracing::warn!(error = %e, "session end could not reach the web view");
        }
    });
    state.unit.set_duty_task(task);
}

/// Stops the duty task and the position watch it needed.
pub fn stop<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    state.unit.stop_duty_task();
    state.location.set(app, &state.core, Reason::Duty, false);
}

/// Passes what the stream said on to the web view.
fn tell<R: Runtime>(app: &AppHandle<R>, followed: Followed) {
    let sent = match followed {
        Followed::Assigned(a) => {
            announce(app, &a);
            return;
        }
        Followed::Changed(change) => app.emit(EVENT_UNIT_ALERT_CHANGED, change),
        Followed::Unit(view) => app.emit(EVENT_UNIT_VIEW, view),
        Followed::Live(live) => {
            let state = app.state::<AppState>();
            if !state.unit.set_stream_live(live) {
                return;
            }
            app.emit(EVENT_UNIT_STREAM, serde_json::json!({ "live": live }))
        }
    };
    if let Err(e) = sent {
        tracing::warn!(error = %e, "a unit event could not reach the web view");
    }
}

/// One notification and one event per new assignment.
fn announce<R: Runtime>(app: &AppHandle<R>, a: &Assignment) {
    feedback::notify(
        app,
        "Auxilio: alerta asignada",
        "Nueva alerta asignada a su unidad",
    );
    if let Err(e) = app.emit(EVENT_UNIT_ASSIGNMENT, a) {
        tracing::warn!(error = %e, "an assignment could not reach the web view");
    }
}

/// Reports the newest position every `DUTY_INTERVAL` (when there is one:
/// desktop never measures). A refused session ends the duty through
/// [`crate::unit::UnitSession::logged_out`].
async fn report_positions<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    loop {
        tokio::time::sleep(DUTY_INTERVAL).await;
        let Some(fix) = state.location.latest() else {
            continue;
        };
        if let Err(e) = state.unit.report(Some((fix.lat, fix.lon)), None).await {
            tracing::debug!(kind = e.kind(), "unit position not reported");
        }
    }
}
