//! The patrol unit's commands: thin async commands over the server's
//! responder API (`crate::unit`) and the duty shift (`crate::unit::duty`).

use auxilio_core::protocol::Outcome;
use auxilio_core::{AlertId, AlertView};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

use crate::error::{Error, Result};
use crate::location;
use crate::state::AppState;
use crate::unit::duty;
use crate::unit::{Assignment, UnitAccount, UnitStep, UnitView};

#[tauri::command]
pub async fn unit_login(
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> Result<UnitAccount> {
    state.unit.login(&username, &password).await
}

/// The unit logged in on this device (also after a restart), or `null`.
#[tauri::command]
pub async fn unit_account(state: State<'_, AppState>) -> Result<Option<UnitAccount>> {
    Ok(state.unit.account())
}

/// Ends duty and the session, here (the saved login is removed) and on the
/// server.
#[tauri::command]
pub async fn unit_logout<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> Result<()> {
    duty::stop(&app);
    state.unit.logout().await
}

/// Reports position and/or availability now.
#[tauri::command]
pub async fn unit_report(
    state: State<'_, AppState>,
    lat: Option<f64>,
    lon: Option<f64>,
    available: Option<bool>,
) -> Result<UnitView> {
    let position = match (lat, lon) {
        (Some(lat), Some(lon)) => {
            let place = location::manual_place(lat, lon, 1.0, "")
                .map_err(|why| Error::invalid(format!("position refused: {why}")))?;
            Some((place.lat, place.lon))
        }
        (None, None) => None,
        _ => return Err(Error::invalid("lat and lon go together")),
    };
    state.unit.report(position, available).await
}

/// Available from now: positions are watched and reported every
/// `DUTY_INTERVAL`, and each alert dispatched to this unit raises a
/// notification and an `auxilio://unit-assignment` event as soon as the
/// server's live stream says so ([`duty`]).
#[tauri::command]
pub async fn start_duty<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<UnitView> {
    let position = state.location.latest().map(|f| (f.lat, f.lon));
    let view = state.unit.report(position, Some(true)).await?;
    duty::start(&app);
    Ok(view)
}

/// Not available any more: the duty task stops and the server is told.
#[tauri::command]
pub async fn stop_duty<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<UnitView> {
    duty::stop(&app);
    state.unit.report(None, Some(false)).await
}

/// The unit takes the assignment: the alert goes en route.
#[tauri::command]
pub async fn acknowledge_assignment(
    state: State<'_, AppState>,
    alert_id: AlertId,
) -> Result<AlertView> {
    state.unit.acknowledge(alert_id).await
}

/// Whether this app is on duty, and whether its live stream is open now.
#[derive(Serialize, Debug, PartialEq)]
pub struct DutyState {
    pub on_duty: bool,
    pub live: bool,
}

/// The duty state (the unit's screen after a reload of the web view).
#[tauri::command]
pub async fn unit_duty(state: State<'_, AppState>) -> Result<DutyState> {
    state
        .unit
        .account()
        .ok_or_else(|| Error::NotLoggedIn("log in as a unit first".into()))?;
    Ok(DutyState {
        on_duty: state.unit.on_duty(),
        live: state.unit.stream_live(),
    })
}

/// This unit's open assignments (dispatched, en route, on scene), as the
/// server has them now.
#[tauri::command]
pub async fn unit_assignments(state: State<'_, AppState>) -> Result<Vec<Assignment>> {
    Ok(state.unit.snapshot().await?.assignments)
}

/// The unit reports a step of its assignment: `to` is `en_route`,
/// `on_scene` or `resolved`; resolving needs an `outcome` (`attended`,
/// `false_alarm`, `no_contact`, `transferred_pnp`).
#[tauri::command]
pub async fn unit_transition(
    state: State<'_, AppState>,
    alert_id: AlertId,
    to: String,
    outcome: Option<String>,
) -> Result<AlertView> {
    let step = UnitStep::parse(&to)?;
    let outcome = outcome
        .map(|o| {
            serde_json::from_value::<Outcome>(serde_json::Value::String(o))
                .map_err(|_| Error::invalid("unknown outcome"))
        })
        .transpose()?;
    state.unit.transition(alert_id, step, outcome).await
}
