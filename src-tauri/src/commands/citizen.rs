//! The citizen's commands: thin async commands over core (enrollment, SOS,
//! cancel, status, outbox, location, settings, links, haptics).

use auxilio_core::{
    AlertId, AlertKind, AlertStatus, AlertView, EnrollResponse, LocalAlert, PendingItem, Place,
    Profile, SosRequest,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State};

use crate::error::{Error, Result};
use crate::feedback::{self, Haptic};
use crate::location::{self, Reason};
use crate::settings::{Role, Settings};
use crate::state::AppState;

/// Label of a position the user set by hand; alerts carry it as a
/// `registered_place` fix.
pub const MANUAL_PLACE_NAME: &str = "Ubicación fijada a mano";

#[tauri::command]
pub async fn is_enrolled(state: State<'_, AppState>) -> Result<bool> {
    Ok(state.core.is_enrolled())
}

#[tauri::command]
pub async fn profile(state: State<'_, AppState>) -> Result<Option<Profile>> {
    Ok(state.core.profile())
}

/// Enrolls, then (Android) asks for the SMS permission of the SMS fallback.
#[tauri::command]
pub async fn enroll<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    code: String,
    profile: Profile,
) -> Result<EnrollResponse> {
    let answer = state.core.enroll(&code, profile).await?;
    crate::sms::ask_permission(&app);
    Ok(answer)
}

/// Keeps the profile without enrolling (offline at first start).
#[tauri::command]
pub async fn set_profile(state: State<'_, AppState>, profile: Profile) -> Result<()> {
    Ok(state.core.set_profile(profile)?)
}

/// What the settings screen shows.
#[derive(Serialize, Debug)]
pub struct SettingsView {
    /// The server this run talks to.
    pub server_url: String,
    /// The saved choice (applies at the next start).
    pub configured_server_url: Option<String>,
    pub role: Role,
    pub device_id: String,
    /// `"mobile"` or `"desktop"`.
    pub platform: &'static str,
    /// Whether this device measures positions (false on desktop: alerts
    /// carry the registered or hand-set place).
    pub has_location: bool,
    /// The server setting differs from the one in use.
    pub restart_required: bool,
}

fn settings_view(state: &AppState) -> SettingsView {
    let s = state.settings();
    let configured = s
        .server_url
        .as_deref()
        .and_then(|u| Settings::check_server_url(u).ok());
    SettingsView {
        server_url: state.server.to_string(),
        restart_required: configured.is_some_and(|c| c != state.server),
        configured_server_url: s.server_url,
        role: s.role,
        device_id: state.core.device_id().to_string(),
        platform: if cfg!(mobile) { "mobile" } else { "desktop" },
        has_location: cfg!(mobile),
    }
}

#[tauri::command]
pub async fn settings(state: State<'_, AppState>) -> Result<SettingsView> {
    Ok(settings_view(&state))
}

/// Changes the server (at the next start) and/or the role.
#[tauri::command]
pub async fn set_settings(
    state: State<'_, AppState>,
    server_url: Option<String>,
    role: Option<Role>,
) -> Result<SettingsView> {
    let mut next = state.settings();
    if let Some(url) = server_url {
        next.server_url = Some(Settings::check_server_url(&url)?.to_string());
    }
    if let Some(role) = role {
        next.role = role;
    }
    next.save(&state.settings_path)?;
    *state.settings.lock().unwrap_or_else(|p| p.into_inner()) = next;
    Ok(settings_view(&state))
}

/// A position set by hand (desktop, or a fixed stall indoors). It becomes the
/// profile's place; alerts then carry it labelled `registered_place`, never
/// as a measured fix. (0, 0) and a radius <= 0 are refused.
#[tauri::command]
pub async fn set_position(
    state: State<'_, AppState>,
    lat: f64,
    lon: f64,
    radius_m: f64,
) -> Result<Place> {
    let place = location::manual_place(lat, lon, radius_m, MANUAL_PLACE_NAME)
        .map_err(|why| Error::invalid(format!("position refused: {why}")))?;
    let mut profile = state
        .core
        .profile()
        .ok_or_else(|| Error::NotEnrolled("enroll before setting a position".into()))?;
    profile.place = Some(place.clone());
    state.core.set_profile(profile)?;
    Ok(place)
}

/// What the person chose when the countdown ended.
#[derive(Deserialize, Debug)]
pub struct SosArgs {
    #[serde(default)]
    pub kind: AlertKind,
    #[serde(default)]
    pub silent: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// Resolves once the alert is durably stored on this device (core's
/// contract); delivery goes on in the background.
#[tauri::command]
pub async fn raise_sos<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    req: SosArgs,
) -> Result<AlertId> {
    let reason = if req.silent {
        Reason::SilentSos
    } else {
        Reason::Sos
    };
    state.location.set(&app, &state.core, reason, true);
    let result = state
        .core
        .raise_sos(SosRequest {
            kind: req.kind,
            silent: req.silent,
            note: req.note,
            battery_pct: crate::battery::level(&app),
        })
        .await;
    state
        .location
        .set(&app, &state.core, Reason::Countdown, false);
    if result.is_err() && !crate::events::open_alert_reasons(&state).contains(&reason) {
        state.location.set(&app, &state.core, reason, false);
    }
    Ok(result?)
}

#[tauri::command]
pub async fn cancel_sos(
    state: State<'_, AppState>,
    alert_id: AlertId,
    reason: Option<String>,
) -> Result<()> {
    Ok(state.core.cancel(alert_id, reason).await?)
}

/// The phone's own view of one alert.
#[tauri::command]
pub async fn alert_status(state: State<'_, AppState>, alert_id: AlertId) -> Result<LocalAlert> {
    state
        .core
        .alert(alert_id)?
        .ok_or_else(|| Error::UnknownAlert("unknown alert".into()))
}

/// One alert to follow, with what the timeline needs after a restart.
#[derive(Serialize, Debug, PartialEq)]
pub struct LocalAlertSummary {
    pub id: AlertId,
    pub kind: AlertKind,
    pub created_at_ms: i64,
    /// The server committed it.
    pub delivered: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<AlertView>,
    /// The person called it off (the cancel may still be on its way).
    pub cancelled: bool,
}

/// Alerts that still need following (not resolved or cancelled on the
/// server), newest first.
#[tauri::command]
pub async fn open_alerts(state: State<'_, AppState>) -> Result<Vec<LocalAlertSummary>> {
    Ok(state
        .core
        .alerts()?
        .into_iter()
        .filter(|a| !a.status.is_some_and(AlertStatus::is_terminal))
        .map(|a| LocalAlertSummary {
            id: a.id,
            kind: a.kind,
            created_at_ms: a.created_at_ms,
            delivered: a.received,
            view: a.view,
            cancelled: a.cancel_requested,
        })
        .collect())
}

/// Undelivered outbox rows (queued, in flight, wedged with their reasons).
#[tauri::command]
pub async fn pending(state: State<'_, AppState>) -> Result<Vec<PendingItem>> {
    Ok(state.core.pending()?)
}

#[tauri::command]
pub async fn pending_count(state: State<'_, AppState>) -> Result<usize> {
    Ok(state.core.pending()?.len())
}

#[tauri::command]
pub async fn sms_fallback_sent(state: State<'_, AppState>, alert_id: AlertId) -> Result<()> {
    Ok(state.core.sms_fallback_sent(alert_id)?)
}

/// The hold / countdown started (`active: true`) or ended: keeps the location
/// warm so the alert is composed with a fresh fix.
#[tauri::command]
pub async fn arm_location<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    active: bool,
) -> Result<bool> {
    state
        .location
        .set(&app, &state.core, Reason::Countdown, active);
    Ok(cfg!(mobile))
}

/// The network is back (the web view's `online` event): queued alerts go out
/// now, and an on-duty unit reconnects to the live stream now.
#[tauri::command]
pub async fn connectivity_restored(state: State<'_, AppState>) -> Result<()> {
    state.core.connectivity_restored();
    state.unit.wake.notify_one();
    Ok(())
}

#[tauri::command]
pub async fn open_link<R: Runtime>(app: AppHandle<R>, url: String) -> Result<()> {
    feedback::open_link(&app, &url)
}

/// Returns whether the device played it (false on desktop).
#[tauri::command]
pub async fn haptic<R: Runtime>(app: AppHandle<R>, kind: Haptic) -> Result<bool> {
    Ok(feedback::haptic(&app, kind))
}

/// The first screen is on display (called by the shell's page-load probe).
/// Logs the launch-to-ready time; the smoke test may ask the app to exit.
#[tauri::command]
pub async fn ui_ready<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    screen: String,
) -> Result<u128> {
    let elapsed = state.startup.launched_at.elapsed();
    let first = {
        let mut ready = state.ready_after.lock().unwrap_or_else(|p| p.into_inner());
        let first = ready.is_none();
        if first {
            *ready = Some(elapsed);
        }
        first
    };
    if first {
        let screen: String = screen
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(20)
            .collect();
        println!(
            "auxilio-app: ui-ready screen={screen} after_ms={}",
            elapsed.as_millis()
        );
        tracing::info!(%screen, after_ms = elapsed.as_millis() as u64, "first screen ready");
        if let Some(after) = state.startup.exit_after_ready {
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(after).await;
                app.exit(0);
            });
        }
    }
    Ok(elapsed.as_millis())
}
