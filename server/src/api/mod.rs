//! The HTTP surface: routes, health, metrics, the OpenAPI document and the
//! interim console page.

pub mod device;
pub mod openapi;
pub mod responder;
pub mod scope;
pub mod sms;
pub mod stream;

use auxilio_protocol::wire::{
    PATH_ALERT, PATH_ALERTS, PATH_ALERT_CANCEL, PATH_ALERT_EVENTS, PATH_ALERT_NEAREST_UNITS,
    PATH_ALERT_STATUS, PATH_ALERT_TRANSITION, PATH_ENROLL, PATH_HEALTHZ, PATH_LOGIN, PATH_LOGOUT,
    PATH_ME, PATH_METRICS, PATH_OPENAPI, PATH_POSITIONS, PATH_STREAM, PATH_UNITS, PATH_UNITS_ME,
};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::routing::{any, get, post};
use axum::{middleware, Json, Router};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use auxilio_protocol::ApiError;

use crate::error::AppError;
use crate::extract::limit_by_ip;
use crate::state::AppState;

/// The whole application; tests drive it with `oneshot`.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route(PATH_ENROLL, post(device::enroll))
        .route(
            PATH_ALERTS,
            post(device::post_alert).get(responder::list_alerts),
        )
        .route(PATH_POSITIONS, post(device::post_positions))
        .route(PATH_ALERT, get(responder::alert_detail))
        .route(PATH_ALERT_CANCEL, post(device::cancel))
        .route(PATH_ALERT_STATUS, get(device::status))
        .route(PATH_ALERT_EVENTS, get(device::events))
        .route(PATH_ALERT_TRANSITION, post(responder::transition))
        .route(PATH_ALERT_NEAREST_UNITS, get(responder::nearest))
        .route(PATH_LOGIN, post(responder::login))
        .route(PATH_LOGOUT, post(responder::logout))
        .route(PATH_ME, get(responder::me))
        .route(PATH_UNITS, get(responder::units))
        .route(PATH_UNITS_ME, post(responder::unit_report))
        .route(PATH_STREAM, get(stream::stream))
        .route(sms::PATH_SMS_INBOUND, post(sms::inbound))
        .route_layer(middleware::from_fn_with_state(state.clone(), limit_by_ip));
    let router = Router::new()
        .merge(api)
        .route(PATH_OPENAPI, get(openapi::document))
        .route(PATH_HEALTHZ, get(healthz))
        .route(PATH_METRICS, get(metrics));
    let router = match state
        .settings
        .ui_dir
        .as_deref()
        .filter(|d| d.join("index.html").is_file())
    {
        // The built UI: console at `/`, citizen page at `/sos/`, app and unit
        // pages beside them. Unknown API paths still get the JSON error.
        Some(dir) => router
            .route("/api/{*rest}", any(not_found))
            .fallback_service(ServeDir::new(dir).append_index_html_on_directories(true)),
        None => router.route("/", get(index)).fallback(not_found),
    };
    router
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(
            auxilio_protocol::limits::MAX_BODY_BYTES,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Liveness and storage: 200 when the database answers.
#[utoipa::path(get, path = PATH_HEALTHZ, tag = "ops", security(()),
    responses((status = 200, body = Health), (status = 503, description = "the database does not answer", body = ApiError)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    let last_event_id = state.read(|s| s.last_event_id()).await?;
    Ok(Json(Health {
        status: "ok".into(),
        last_event_id,
    }))
}

/// The answer of `/healthz`.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
    /// The id of the newest committed event.
    pub last_event_id: i64,
}

/// What `/metrics` answers in (Prometheus scrapes OpenMetrics).
const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Prometheus text format.
#[utoipa::path(get, path = PATH_METRICS, tag = "ops", security(()),
    responses((status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
    let body = state.metrics.render().map_err(|_| AppError::internal())?;
    Ok(([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], body))
}

async fn index() -> Html<&'static str> {
    Html(include_str!("console.html"))
}

async fn not_found() -> AppError {
    AppError::not_found("no such endpoint")
}

async fn method_not_allowed() -> AppError {
    AppError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "method not allowed here",
    )
}
