//! The responder API: login, queries, the alert lifecycle, units.

use auxilio_protocol::{check_coordinates, wire, AlertKind, AlertView, ApiError};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{AppendHeaders, IntoResponse};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{self, Responder};
use crate::distance::nearest_units;
use crate::error::AppError;
use crate::extract::{parse_id, AppJson, AppQuery};
use crate::state::AppState;
use crate::store::{AlertQuery, Applied, Command, TransitionRequest};
use auxilio_protocol::responder::{
    Account, AlertDetail, AlertList, LoginRequest, LoginResponse, NearestUnit, Role,
    TransitionBody, UnitReport, UnitView,
};

fn bad_credentials() -> AppError {
    AppError::unauthorized("bad_credentials", "wrong username or password")
}

/// `POST /api/v1/login`: a cookie session for the console and a bearer token for apps.
#[utoipa::path(post, path = wire::PATH_LOGIN, tag = "responder", request_body = LoginRequest, security(()),
    responses((status = 200, description = "logged in; also sets the `auxilio_session` cookie", body = LoginResponse,
            headers(("set-cookie" = String, description = "`auxilio_session=…; HttpOnly; SameSite=Strict`"))),
        (status = 400, description = "malformed", body = ApiError),
        (status = 401, description = "wrong username or password", body = ApiError),
        (status = 413, body = ApiError), (status = 429, body = ApiError)))]
pub async fn login(
    State(state): State<AppState>,
    AppJson(req): AppJson<LoginRequest>,
) -> Result<impl IntoResponse, AppError> {
    if req.username.len() > 100 || req.password.len() > 1000 {
        return Err(bad_credentials());
    }
    let username = req.username.clone();
    let record = state
        .read(move |s| s.account_by_username(&username))
        .await?;
    let password = req.password;
    // Verify even for an unknown user, so timing does not tell which it was.
    let hash = record
        .as_ref()
        .filter(|r| !r.disabled)
        .map(|r| r.password_hash.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&hash, &password))
        .await
        .map_err(|_| AppError::internal())?;
    let record = match record {
        Some(r) if ok && !r.disabled => r,
        _ => return Err(bad_credentials()),
    };
    let token = auth::random_secret(32).map_err(|_| AppError::internal())?;
    let ttl = state.settings.session_ttl;
    let expires_at_ms =
        auxilio_protocol::now_ms() + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 4);
    let cmd = Command::CreateSession {
        token_hash: auth::token_hash(&token),
        account_id: record.account.id,
        expires_at_ms,
    };
    state.writer.submit(cmd).await?;
    let cookie = auth::session_cookie(&token, ttl.as_secs(), state.settings.secure_cookies);
    Ok((
        AppendHeaders([(header::SET_COOKIE, cookie)]),
        Json(LoginResponse {
            token,
            account: record.account,
            expires_at_ms,
        }),
    ))
}

/// `POST /api/v1/logout`: ends the session of this request.
#[utoipa::path(post, path = wire::PATH_LOGOUT, tag = "responder",
    responses((status = 204, description = "logged out; the cookie is cleared"), (status = 401, description = "not logged in, or the session expired", body = ApiError), (status = 429, body = ApiError)))]
pub async fn logout(
    State(state): State<AppState>,
    _who: Responder,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, AppError> {
    if let Some(token) = auth::request_token(&headers) {
        state
            .writer
            .submit(Command::DeleteSession {
                token_hash: auth::token_hash(&token),
            })
            .await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(header::SET_COOKIE, auth::clear_cookie())]),
    ))
}

/// `GET /api/v1/me`: who is logged in.
#[utoipa::path(get, path = wire::PATH_ME, tag = "responder",
    responses((status = 200, body = Account), (status = 401, description = "not logged in, or the session expired", body = ApiError), (status = 429, body = ApiError)))]
pub async fn me(Responder(account): Responder) -> Json<Account> {
    Json(account)
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AlertsParams {
    /// Only alerts not yet resolved or cancelled (default true unless a time range is given).
    open: Option<bool>,
    /// Received by the server at or after (UTC ms, the server's clock: a
    /// phone's clock may be wrong).
    from_ms: Option<i64>,
    /// Received by the server before (UTC ms).
    to_ms: Option<i64>,
    /// Alert kind.
    #[param(value_type = Option<AlertKind>)]
    kind: Option<String>,
    /// At most this many, newest first (default 200, at most 1000).
    limit: Option<usize>,
}

/// `GET /api/v1/alerts`: open alerts, or alerts by time range and kind.
#[utoipa::path(get, path = wire::PATH_ALERTS, tag = "responder", params(AlertsParams),
    responses((status = 200, body = AlertList), (status = 400, description = "bad query parameters", body = ApiError), (status = 401, description = "not logged in, or the session expired", body = ApiError), (status = 429, body = ApiError)))]
pub async fn list_alerts(
    State(state): State<AppState>,
    Responder(who): Responder,
    AppQuery(p): AppQuery<AlertsParams>,
) -> Result<Json<AlertList>, AppError> {
    let kind = match p.kind.as_deref() {
        None => None,
        Some(k) => Some(
            AlertKind::parse(k)
                .ok_or_else(|| AppError::bad_request("invalid", "unknown alert kind"))?,
        ),
    };
    let ranged = p.from_ms.is_some() || p.to_ms.is_some();
    let query = AlertQuery {
        from_ms: p.from_ms,
        to_ms: p.to_ms,
        kind,
        open_only: p.open.unwrap_or(!ranged),
        // A patrol unit sees only what it was sent to (crate::api::scope).
        unit_id: crate::api::scope::Scope::of(&who).unit_id(),
        limit: p.limit.unwrap_or(200).clamp(1, 1000),
    };
    Ok(Json(state.read(move |s| s.alerts(&query)).await?))
}

/// `GET /api/v1/alerts/{id}`: one alert with its track and audit history.
#[utoipa::path(get, path = wire::PATH_ALERT, tag = "responder", params(("id" = uuid::Uuid, Path, description = "alert id")),
    responses((status = 200, body = AlertDetail), (status = 401, description = "not logged in, or the session expired", body = ApiError), (status = 404, description = "unknown alert", body = ApiError), (status = 429, body = ApiError)))]
pub async fn alert_detail(
    State(state): State<AppState>,
    _who: Responder,
    Path(id): Path<String>,
) -> Result<Json<AlertDetail>, AppError> {
    let id = parse_id(&id)?;
    state
        .read(move |s| s.alert_detail(id))
        .await?
        .map(Json)
        .ok_or_else(|| AppError::not_found("unknown alert"))
}

/// `POST /api/v1/alerts/{id}/transition`: moves an alert along its lifecycle.
#[utoipa::path(post, path = wire::PATH_ALERT_TRANSITION, tag = "responder", params(("id" = uuid::Uuid, Path, description = "alert id")),
    request_body = TransitionBody,
    responses((status = 200, description = "what the reporter's phone is shown now", body = AlertView),
        (status = 400, description = "malformed, or a missing or unexpected unit or outcome", body = ApiError),
        (status = 401, description = "not logged in, or the session expired", body = ApiError),
        (status = 403, description = "this account may not move this alert", body = ApiError),
        (status = 404, description = "unknown alert or unit", body = ApiError),
        (status = 409, description = "not allowed from the current status", body = ApiError),
        (status = 413, body = ApiError), (status = 429, body = ApiError)))]
pub async fn transition(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(id): Path<String>,
    AppJson(body): AppJson<TransitionBody>,
) -> Result<Json<AlertView>, AppError> {
    let alert_id = parse_id(&id)?;
    if body
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > auxilio_protocol::limits::MAX_NOTE_CHARS)
    {
        return Err(AppError::bad_request("invalid", "note too long"));
    }
    let req = TransitionRequest {
        alert_id,
        to: body.to,
        unit_id: body.unit_id,
        outcome: body.outcome,
        note: body.note,
    };
    match state
        .writer
        .submit(Command::Transition { actor, req })
        .await?
    {
        Applied::View(view) => Ok(Json(view)),
        _ => Err(AppError::internal()),
    }
}

/// `GET /api/v1/units`: every patrol unit.
#[utoipa::path(get, path = wire::PATH_UNITS, tag = "responder",
    responses((status = 200, body = [UnitView]), (status = 401, description = "not logged in, or the session expired", body = ApiError), (status = 429, body = ApiError)))]
pub async fn units(
    State(state): State<AppState>,
    _who: Responder,
) -> Result<Json<Vec<UnitView>>, AppError> {
    Ok(Json(state.read(|s| s.units()).await?))
}

/// `POST /api/v1/units/me`: a unit reports its position and availability.
#[utoipa::path(post, path = wire::PATH_UNITS_ME, tag = "responder", request_body = UnitReport,
    responses((status = 200, body = UnitView),
        (status = 400, description = "malformed, or lat without lon", body = ApiError),
        (status = 401, description = "not logged in, or the session expired", body = ApiError),
        (status = 403, description = "not a unit account", body = ApiError),
        (status = 413, body = ApiError), (status = 429, body = ApiError)))]
pub async fn unit_report(
    State(state): State<AppState>,
    who: Responder,
    AppJson(body): AppJson<UnitReport>,
) -> Result<Json<UnitView>, AppError> {
    who.require(&[Role::Unit])?;
    let position = match (body.lat, body.lon) {
        (Some(lat), Some(lon)) => {
            check_coordinates(lat, lon)?;
            Some((lat, lon))
        }
        (None, None) => None,
        _ => return Err(AppError::bad_request("invalid", "lat and lon go together")),
    };
    let cmd = Command::UnitReport {
        actor: who.0,
        position,
        available: body.available,
    };
    match state.writer.submit(cmd).await? {
        Applied::Unit(unit) => Ok(Json(unit)),
        _ => Err(AppError::internal()),
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct NearestParams {
    /// How many units (default 3, at most 20).
    limit: Option<usize>,
}

/// `GET /api/v1/alerts/{id}/nearest-units`: available units nearest to the alert's newest
/// position; empty while the alert has none.
#[utoipa::path(get, path = wire::PATH_ALERT_NEAREST_UNITS, tag = "responder",
    params(("id" = uuid::Uuid, Path, description = "alert id"), NearestParams),
    responses((status = 200, body = [NearestUnit]), (status = 400, description = "bad query parameters", body = ApiError), (status = 401, description = "not logged in, or the session expired", body = ApiError),
        (status = 404, description = "unknown alert", body = ApiError), (status = 429, body = ApiError)))]
pub async fn nearest(
    State(state): State<AppState>,
    _who: Responder,
    Path(id): Path<String>,
    AppQuery(p): AppQuery<NearestParams>,
) -> Result<Json<Vec<NearestUnit>>, AppError> {
    let id = parse_id(&id)?;
    let (alert, units) = state
        .read(move |s| Ok((s.alert_summary(id)?, s.units()?)))
        .await?;
    let alert = alert.ok_or_else(|| AppError::not_found("unknown alert"))?;
    let limit = p.limit.unwrap_or(3).clamp(1, 20);
    // No position known yet ("ubicación desconocida"): no unit is nearest.
    Ok(Json(match alert.last {
        Some(last) => nearest_units(units, (last.lat, last.lon), limit),
        None => Vec::new(),
    }))
}
