//! The HTTP surface: routes, health, metrics, the OpenAPI document and the
//! interim console page.

pub mod device;
pub mod openapi;
pub mod responder;
pub mod scope;
pub mod sms;
pub mod stream;

use auxilio_protocol::wire::{PATH_ALERTS, PATH_ENROLL, PATH_POSITIONS};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::routing::{any, get, post};
use axum::{middleware, Json, Router};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

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
        .route("/api/v1/alerts/{id}", get(responder::alert_detail))
        .route("/api/v1/alerts/{id}/cancel", post(device::cancel))
        .route("/api/v1/alerts/{id}/status", get(device::status))
        .route("/api/v1/alerts/{id}/events", get(device::events))
        .route(
            "/api/v1/alerts/{id}/transition",
            post(responder::transition),
        )
        .route("/api/v1/alerts/{id}/nearest-units", get(responder::nearest))
        .route("/api/v1/login", post(responder::login))
        .route("/api/v1/logout", post(responder::logout))
        .route("/api/v1/me", get(responder::me))
        .route("/api/v1/units", get(responder::units))
        .route("/api/v1/units/me", post(responder::unit_report))
        .route("/api/v1/stream", get(stream::stream))
        .route(sms::PATH_SMS_INBOUND, post(sms::inbound))
        .route_layer(middleware::from_fn_with_state(state.clone(), limit_by_ip));
    let router = Router::new()
        .merge(api)
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics));
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
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200), (status = 503)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    let last_event_id = state.read(|s| s.last_event_id()).await?;
    Ok(Json(
        serde_json::json!({ "status": "ok", "last_event_id": last_event_id }),
    ))
}

/// Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
    let body = state.metrics.render().map_err(|_| AppError::internal())?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    ))
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
