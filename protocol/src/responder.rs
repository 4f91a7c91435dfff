//! What the responder API (`/api/v1/login`, `/alerts`, `/units`, the live
//! stream…) sends and takes: the consoles' and patrol units' side of the
//! contract. The server answers with these types and the unit app reads them;
//! the UI's TypeScript types are generated from the server's OpenAPI document,
//! which is derived from them (feature `openapi`).

use serde::{Deserialize, Serialize};

use crate::{
    AlertId, AlertKind, AlertStatus, AlertView, DeviceId, Fix, FixSource, Outcome, Reporter,
};

/// What kind of group an organization is.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrgKind {
    TransportFirm,
    MototaxiAssociation,
    Market,
    ComedorPopular,
    VasoDeLeche,
    OllaComun,
    JuntaVecinal,
    Other,
}

/// What a responder account may do.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    Operator,
    Unit,
    Supervisor,
    Admin,
    Pnp,
}

/// Who runs a patrol unit.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Agency {
    Serenazgo,
    Pnp,
}

/// How an alert first reached the server.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Default,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReceivedVia {
    /// The signed HTTP request (`POST /api/v1/alerts`).
    #[default]
    Http,
    /// The compact signed SMS, through the server's SMS gateway route.
    Sms,
}

crate::wire_names!(OrgKind, Role, Agency, ReceivedVia);

impl OrgKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [OrgKind] = <OrgKind as strum::VariantArray>::VARIANTS;
}

impl Role {
    /// Operators, supervisors and admins run the central: they may move any alert.
    pub fn runs_central(self) -> bool {
        matches!(self, Role::Operator | Role::Supervisor | Role::Admin)
    }
}

/// `POST /api/v1/login`.
#[derive(Serialize, Deserialize, Clone, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The answer to a login.
#[derive(Serialize, Deserialize, Clone, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Bearer token for apps; the console uses the cookie set alongside.
    pub token: String,
    pub account: Account,
    pub expires_at_ms: i64,
}

/// A logged-in responder (`GET /api/v1/me`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The patrol unit this account reports for (role `unit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<i64>,
}

/// A point with its accuracy, measurement time and source.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LastFix {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub fixed_at_ms: i64,
    pub source: FixSource,
}

/// An alert as a console shows it: the pin, who, what, since when.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertSummary {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: AlertId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub device_id: DeviceId,
    pub kind: AlertKind,
    pub status: AlertStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    pub silent: bool,
    /// The phone's clock when the alert was raised: may be wrong (see
    /// `clock_suspect`); "since when" is `received_at_ms`.
    pub created_at_ms: i64,
    /// The server's clock when the alert was first stored.
    pub received_at_ms: i64,
    pub updated_at_ms: i64,
    /// Present (and true) when the phone's clock looks wrong: `created_at_ms`
    /// is more than 10 minutes after `received_at_ms`, or more than 14 days
    /// before it. The alert was accepted all the same; use `received_at_ms`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clock_suspect: bool,
    /// The fix the alert was raised with (`source` says how fresh it was);
    /// absent when the phone knew no position at the tap ("ubicación
    /// desconocida": call the reporter) until a position arrives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// The newest known position by the phone's own sequence (the raised fix,
    /// the refined one, or a later tracked one); absent while none is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<LastFix>,
    pub reporter: Reporter,
    /// The organization the device enrolled with (server's registry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_pct: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_name: Option<String>,
    /// How the alert first arrived: `http`, or `sms` through the SMS gateway
    /// (then the reporter is the enrollment profile, and the note, battery
    /// and exact fix come when the HTTP copy completes it).
    #[serde(default)]
    pub received_via: ReceivedVia,
}

/// A patrol unit.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitView {
    pub id: i64,
    pub call_sign: String,
    pub agency: Agency,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_at_ms: Option<i64>,
    pub available: bool,
}

/// `POST /api/v1/units/me`: a unit's position (both or neither) and availability.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitReport {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<bool>,
}

/// `POST /api/v1/alerts/{id}/transition`: where to move the alert.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransitionBody {
    /// `acknowledged`, `dispatched`, `en_route`, `on_scene` or `resolved`.
    pub to: AlertStatus,
    /// Required with `dispatched`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<i64>,
    /// Required with `resolved`: `attended`, `false_alarm`, `no_contact`, `transferred_pnp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A tracked position of an alert.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PositionEvent {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub alert_id: AlertId,
    pub seq: u32,
    pub fix: Fix,
    /// The alert's refined position (see `PositionUpdate::refines`): the pin
    /// moves to it as where the SOS was raised.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refines: bool,
}

/// A status change (or a new distance of the assigned unit).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusEvent {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub alert_id: AlertId,
    /// What the reporter's phone is shown.
    pub view: AlertView,
    /// `account:<id>`, `device` or `system`.
    pub actor: String,
    /// The unit the alert is assigned to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<i64>,
}

/// What the live stream carries; the SSE `event:` is the variant name and
/// `data:` the variant's content ([`StreamPayload::data_json`]).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum StreamPayload {
    Alert(Box<AlertSummary>),
    Position(PositionEvent),
    Status(StatusEvent),
    Unit(UnitView),
}

impl StreamPayload {
    /// The SSE `event:` name.
    pub fn name(&self) -> &'static str {
        match self {
            StreamPayload::Alert(_) => "alert",
            StreamPayload::Position(_) => "position",
            StreamPayload::Status(_) => "status",
            StreamPayload::Unit(_) => "unit",
        }
    }

    pub fn alert_id(&self) -> Option<AlertId> {
        match self {
            StreamPayload::Alert(a) => Some(a.id),
            StreamPayload::Position(p) => Some(p.alert_id),
            StreamPayload::Status(s) => Some(s.alert_id),
            StreamPayload::Unit(_) => None,
        }
    }

    /// The JSON of the variant's content (the SSE `data:`).
    pub fn data_json(&self) -> Result<String, serde_json::Error> {
        match self {
            StreamPayload::Alert(a) => serde_json::to_string(a),
            StreamPayload::Position(p) => serde_json::to_string(p),
            StreamPayload::Status(s) => serde_json::to_string(s),
            StreamPayload::Unit(u) => serde_json::to_string(u),
        }
    }

    /// Rebuilds a payload from its SSE `event:` name and `data:` JSON.
    pub fn from_parts(name: &str, data: &str) -> Result<Self, serde_json::Error> {
        let tagged = format!(
            r#"{{"type":{},"data":{data}}}"#,
            serde_json::to_string(name)?
        );
        serde_json::from_str(&tagged)
    }
}

/// One line of the append-only audit log.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One alert with its track and its history (`GET /api/v1/alerts/{id}`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertDetail {
    pub alert: AlertSummary,
    pub track: Vec<PositionEvent>,
    pub history: Vec<AuditEntry>,
}

/// A list of alerts, with the id of the newest committed event at the time
/// of the query: pass it as `Last-Event-ID` to the stream to miss nothing.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertList {
    pub alerts: Vec<AlertSummary>,
    pub last_event_id: i64,
}

/// A suggested unit for an alert (`GET /api/v1/alerts/{id}/nearest-units`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NearestUnit {
    pub unit: UnitView,
    pub distance_m: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    /// strum's names (`as_str`, `parse`) are serde's, for every variant.
    fn same_names<T>()
    where
        T: VariantArray + Copy + Serialize + PartialEq + std::fmt::Debug + Into<&'static str>,
        T: std::str::FromStr,
    {
        for v in T::VARIANTS {
            let name: &'static str = (*v).into();
            assert_eq!(serde_json::to_string(v).unwrap(), format!("\"{name}\""));
            assert!(matches!(name.parse::<T>(), Ok(p) if p == *v), "{name}");
        }
    }

    #[test]
    fn every_enum_has_one_wire_name_per_variant() {
        same_names::<OrgKind>();
        same_names::<Role>();
        same_names::<Agency>();
        same_names::<AlertKind>();
        same_names::<AlertStatus>();
        same_names::<Outcome>();
        same_names::<FixSource>();
        assert_eq!(AlertStatus::EnRoute.as_str(), "en_route");
        assert_eq!(
            Outcome::parse("transferred_pnp"),
            Some(Outcome::TransferredPnp)
        );
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn a_stream_payload_comes_back_from_its_name_and_data() {
        let unit = StreamPayload::Unit(UnitView {
            id: 7,
            call_sign: "Serenazgo 07".into(),
            agency: Agency::Serenazgo,
            lat: None,
            lon: None,
            position_at_ms: None,
            available: true,
        });
        let data = unit.data_json().unwrap();
        assert_eq!(StreamPayload::from_parts(unit.name(), &data).unwrap(), unit);
        assert!(StreamPayload::from_parts("nope", &data).is_err());
    }
}
