//! The OpenAPI document, generated from the handlers' annotations.
//! Phone messages are described by name (they live in `auxilio-protocol`,
//! see `protocol/PROTOCOL.md`); responder types carry full schemas.

use axum::Json;
use utoipa::OpenApi;

use super::{device, responder, stream};
use auxilio_protocol::responder as model;

#[derive(OpenApi)]
#[openapi(
    info(title = "Auxilio dispatch server", description = "Serenazgo/PNP server of the Auxilio panic button (API v1)"),
    paths(
        device::enroll, device::post_alert, device::post_positions, device::cancel, device::status, device::events,
        responder::login, responder::logout, responder::me, responder::list_alerts, responder::alert_detail,
        responder::transition, responder::units, responder::unit_report, responder::nearest,
        stream::stream, super::healthz, super::metrics,
    ),
    components(schemas(
        model::Account, model::AlertSummary, model::AlertList, model::AlertDetail, model::AuditEntry,
        model::LastFix, model::UnitView, model::NearestUnit, model::PositionEvent, model::StatusEvent,
        model::StreamPayload, model::Role, model::Agency, model::OrgKind,
        model::LoginRequest, model::LoginResponse, model::TransitionBody, model::UnitReport,
    )),
    tags((name = "device", description = "Signed requests from phones"), (name = "responder", description = "Consoles and unit apps (session)"), (name = "ops"))
)]
pub struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
