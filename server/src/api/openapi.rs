//! The OpenAPI document, generated from the handlers' annotations and the
//! protocol's types (feature `openapi` of auxilio-protocol): the contract a
//! generated client, the UI's TypeScript types (`ui/src/api/openapi.json`)
//! and schemathesis are checked against.
//!
//! Responder operations take the console's `auxilio_session` cookie or the
//! apps' bearer token (both from `/api/v1/login`); device operations are
//! signed instead (the `x-auxilio-device` and `x-auxilio-signature` headers,
//! `protocol/PROTOCOL.md`) and say `security: [{}]`.

use auxilio_protocol::responder as model;
use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{device, responder, stream};
use crate::auth::COOKIE_NAME;

#[derive(OpenApi)]
#[openapi(
    info(title = "Auxilio dispatch server", description = "Serenazgo/PNP server of the Auxilio panic button (API v1)"),
    paths(
        device::enroll, device::post_alert, device::post_positions, device::cancel, device::status, device::events,
        responder::login, responder::logout, responder::me, responder::list_alerts, responder::alert_detail,
        responder::transition, responder::units, responder::unit_report, responder::nearest,
        stream::stream, super::healthz, super::metrics, super::sms::inbound,
    ),
    components(schemas(
        model::Account, model::AlertSummary, model::AlertList, model::AlertDetail, model::AuditEntry,
        model::LastFix, model::UnitView, model::NearestUnit, model::PositionEvent, model::StatusEvent,
        model::StreamPayload, model::Role, model::Agency, model::OrgKind,
        model::LoginRequest, model::LoginResponse, model::TransitionBody, model::UnitReport,
        auxilio_protocol::Alert, auxilio_protocol::PositionBatch, auxilio_protocol::Cancel,
        auxilio_protocol::EnrollRequest, auxilio_protocol::EnrollResponse, auxilio_protocol::AlertView,
        auxilio_protocol::BatchReceipt, auxilio_protocol::ApiError,
    )),
    modifiers(&Security),
    security(("session_cookie" = []), ("bearer" = [])),
    tags((name = "device", description = "Signed requests from phones"), (name = "responder", description = "Consoles and unit apps (session)"), (name = "ops"))
)]
pub struct ApiDoc;

/// The two ways a responder proves its session.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                COOKIE_NAME,
                "set by /api/v1/login (the console)",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("the `token` of /api/v1/login (the apps)"))
                    .build(),
            ),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
