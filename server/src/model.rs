//! The server's own types: organizations, accounts, units, and what the
//! responder API and the live stream send. Phone-facing messages are the
//! protocol crate's; these are for consoles and unit apps.

use auxilio_protocol::{
    AlertId, AlertKind, AlertStatus, AlertView, DeviceId, Fix, Outcome, Reporter,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

str_enum! {
    /// What kind of group an organization is.
    OrgKind {
        TransportFirm = "transport_firm",
        MototaxiAssociation = "mototaxi_association",
        Market = "market",
        ComedorPopular = "comedor_popular",
        VasoDeLeche = "vaso_de_leche",
        OllaComun = "olla_comun",
        JuntaVecinal = "junta_vecinal",
        Other = "other",
    }
}

str_enum! {
    /// What a responder account may do.
    Role {
        Operator = "operator",
        Unit = "unit",
        Supervisor = "supervisor",
        Admin = "admin",
        Pnp = "pnp",
    }
}

str_enum! {
    /// Who runs a patrol unit.
    Agency {
        Serenazgo = "serenazgo",
        Pnp = "pnp",
    }
}

impl Role {
    /// Operators, supervisors and admins run the central: they may move any alert.
    pub fn runs_central(self) -> bool {
        matches!(self, Role::Operator | Role::Supervisor | Role::Admin)
    }
}

/// The stored name of an alert status (`"en_route"`, …).
pub fn status_str(s: AlertStatus) -> &'static str {
    match s {
        AlertStatus::New => "new",
        AlertStatus::Acknowledged => "acknowledged",
        AlertStatus::Dispatched => "dispatched",
        AlertStatus::EnRoute => "en_route",
        AlertStatus::OnScene => "on_scene",
        AlertStatus::Resolved => "resolved",
        AlertStatus::Cancelled => "cancelled",
    }
}

pub fn parse_status(text: &str) -> Option<AlertStatus> {
    [
        AlertStatus::New,
        AlertStatus::Acknowledged,
        AlertStatus::Dispatched,
        AlertStatus::EnRoute,
        AlertStatus::OnScene,
        AlertStatus::Resolved,
        AlertStatus::Cancelled,
    ]
    .into_iter()
    .find(|s| status_str(*s) == text)
}

pub fn outcome_str(o: Outcome) -> &'static str {
    match o {
        Outcome::Attended => "attended",
        Outcome::FalseAlarm => "false_alarm",
        Outcome::NoContact => "no_contact",
        Outcome::TransferredPnp => "transferred_pnp",
    }
}

pub fn parse_outcome(text: &str) -> Option<Outcome> {
    [
        Outcome::Attended,
        Outcome::FalseAlarm,
        Outcome::NoContact,
        Outcome::TransferredPnp,
    ]
    .into_iter()
    .find(|o| outcome_str(*o) == text)
}

pub fn parse_kind(text: &str) -> Option<AlertKind> {
    AlertKind::ALL.into_iter().find(|k| k.as_str() == text)
}

/// A logged-in responder.
#[derive(Serialize, Clone, Debug, PartialEq, ToSchema)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The patrol unit this account reports for (role `unit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<i64>,
}

/// A point with its accuracy and measurement time.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, ToSchema)]
pub struct LastFix {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub fixed_at_ms: i64,
}

/// A phone time this far after the server's receive time is a clock that
/// runs ahead: no alert is raised in the future.
pub const CLOCK_AHEAD_SUSPECT_MS: i64 = 10 * 60 * 1000;
/// A phone time this far before the server's receive time is a clock that was
/// reset or never set (2000, 1970): a phone queues an alert while offline,
/// but a shorter gap cannot be told apart from such a late delivery.
pub const CLOCK_BEHIND_SUSPECT_MS: i64 = 14 * 24 * 60 * 60 * 1000;

/// Whether an alert's phone time (`created_at_ms`) cannot be taken as when it
/// was raised, judged against the server's receive time.
pub fn clock_suspect(created_at_ms: i64, received_at_ms: i64) -> bool {
    let ahead = created_at_ms.saturating_sub(received_at_ms);
    !(-CLOCK_BEHIND_SUSPECT_MS..=CLOCK_AHEAD_SUSPECT_MS).contains(&ahead)
}

/// An alert as a console shows it: the pin, who, what, since when.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, ToSchema)]
pub struct AlertSummary {
    #[schema(value_type = String, format = Uuid)]
    pub id: AlertId,
    #[schema(value_type = String, format = Uuid)]
    pub device_id: DeviceId,
    #[schema(value_type = String, example = "asalto")]
    pub kind: AlertKind,
    #[schema(value_type = String, example = "new")]
    pub status: AlertStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
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
    /// The fix the alert was raised with (`source` says how fresh it was).
    #[schema(value_type = Object)]
    pub fix: Fix,
    /// The newest known position (the first fix or a later tracked one).
    pub last: LastFix,
    #[schema(value_type = Object)]
    pub reporter: Reporter,
    /// The organization the device enrolled with (server's registry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub battery_pct: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_name: Option<String>,
    /// How the alert first arrived: `http`, or `sms` through the SMS gateway
    /// (then the reporter is the enrollment profile, and the note, battery
    /// and exact fix come when the HTTP copy completes it).
    #[serde(default)]
    pub received_via: crate::sms::ReceivedVia,
}

/// A patrol unit.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, ToSchema)]
pub struct UnitView {
    pub id: i64,
    pub call_sign: String,
    pub agency: Agency,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position_at_ms: Option<i64>,
    pub available: bool,
}

/// A tracked position of an alert.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, ToSchema)]
pub struct PositionEvent {
    #[schema(value_type = String, format = Uuid)]
    pub alert_id: AlertId,
    pub seq: u32,
    #[schema(value_type = Object)]
    pub fix: Fix,
}

/// A status change (or a new distance of the assigned unit).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, ToSchema)]
pub struct StatusEvent {
    #[schema(value_type = String, format = Uuid)]
    pub alert_id: AlertId,
    /// What the reporter's phone is shown.
    #[schema(value_type = Object)]
    pub view: AlertView,
    /// `account:<id>`, `device` or `system`.
    pub actor: String,
    /// The unit the alert is assigned to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<i64>,
}

/// What the live stream carries; the SSE `event:` is the variant name.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, ToSchema)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum StreamPayload {
    Alert(Box<AlertSummary>),
    Position(PositionEvent),
    Status(StatusEvent),
    Unit(UnitView),
}

impl StreamPayload {
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
}

/// One committed event; `id` is the events table's id and the SSE `id:`.
/// `frame` is the whole SSE frame, made once and shared by every subscriber.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    pub id: i64,
    pub at_ms: i64,
    pub payload: StreamPayload,
    pub frame: axum::body::Bytes,
}

impl StoredEvent {
    /// `data` is the payload's JSON (without the tag), as stored.
    pub fn new(id: i64, at_ms: i64, payload: StreamPayload, data: &str) -> Self {
        // `data` is compact JSON: it has no line breaks to split.
        let frame = format!("id: {id}\nevent: {}\ndata: {data}\n\n", payload.name());
        StoredEvent {
            id,
            at_ms,
            payload,
            frame: frame.into(),
        }
    }
}

impl StreamPayload {
    /// The JSON of the variant's content (the SSE `data:`).
    pub fn data_json(&self) -> Result<String, serde_json::Error> {
        match self {
            StreamPayload::Alert(a) => serde_json::to_string(a),
            StreamPayload::Position(p) => serde_json::to_string(p),
            StreamPayload::Status(s) => serde_json::to_string(s),
            StreamPayload::Unit(u) => serde_json::to_string(u),
        }
    }

    /// Rebuilds a payload from its name and data JSON (as stored).
    pub fn from_parts(name: &str, data: &str) -> Result<Self, serde_json::Error> {
        Ok(match name {
            "alert" => StreamPayload::Alert(serde_json::from_str(data)?),
            "position" => StreamPayload::Position(serde_json::from_str(data)?),
            "status" => StreamPayload::Status(serde_json::from_str(data)?),
            _ => StreamPayload::Unit(serde_json::from_str(data)?),
        })
    }
}

/// One line of the append-only audit log.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, ToSchema)]
pub struct AuditEntry {
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One alert with its track and its history.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, ToSchema)]
pub struct AlertDetail {
    pub alert: AlertSummary,
    pub track: Vec<PositionEvent>,
    pub history: Vec<AuditEntry>,
}

/// A list of alerts, with the id of the newest committed event at the time
/// of the query: pass it as `Last-Event-ID` to the stream to miss nothing.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, ToSchema)]
pub struct AlertList {
    pub alerts: Vec<AlertSummary>,
    pub last_event_id: i64,
}

/// A suggested unit for an alert.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, ToSchema)]
pub struct NearestUnit {
    pub unit: UnitView,
    pub distance_m: f64,
}

/// An organization's registered fixed place.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct OrgPlace {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub radius_m: f64,
}
