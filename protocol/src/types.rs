//! The messages that cross the wire, version 2 (version 1 is still accepted).
//!
//! Every top-level message carries `v` (the protocol version). Field names are
//! `snake_case`; times are UTC milliseconds since the Unix epoch (`*_ms`);
//! distances are metres (`*_m`). Unknown fields are refused so that a typo
//! never silently drops data.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

crate::wire_names!(AlertKind, FixSource, AlertStatus, Outcome);

/// The protocol version this crate writes.
///
/// Version 2 lets an alert carry no fix (an SOS is never refused for having
/// no position) and marks the position update that refines an alert's
/// raised position ([`PositionUpdate::refines`]).
pub const PROTOCOL_VERSION: u16 = 2;
/// The oldest version this crate still reads: a version 1 message is
/// accepted as it always was (its alert carries a fix).
pub const MIN_PROTOCOL_VERSION: u16 = 1;

/// The id of an alert. A UUIDv7 made on the phone; it is the idempotency key.
pub type AlertId = Uuid;
/// The id of an enrolled phone. Made on the phone at first start (UUIDv4)
/// and registered with the server at enrollment together with its public key.
pub type DeviceId = Uuid;

/// What happened, as the person chose it. Plain `sos` is the default.
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
pub enum AlertKind {
    #[default]
    Sos,
    Asalto,
    Extorsion,
    Violencia,
    EmergenciaMedica,
    Incendio,
    Accidente,
}

impl AlertKind {
    pub const ALL: [AlertKind; 7] = [
        AlertKind::Sos,
        AlertKind::Asalto,
        AlertKind::Extorsion,
        AlertKind::Violencia,
        AlertKind::EmergenciaMedica,
        AlertKind::Incendio,
        AlertKind::Accidente,
    ];
}

/// Where a fix came from. `last_known` and `registered_place` are never fresh.
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
pub enum FixSource {
    Gps,
    Network,
    Fused,
    LastKnown,
    RegisteredPlace,
}

impl FixSource {
    pub const ALL: [FixSource; 5] = [
        FixSource::Gps,
        FixSource::Network,
        FixSource::Fused,
        FixSource::LastKnown,
        FixSource::RegisteredPlace,
    ];
}

/// A position. `fixed_at_ms` is when the position was measured, not when it
/// was sent: an old fix keeps its old time so its age is always visible.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Fix {
    pub lat: f64,
    pub lon: f64,
    /// Horizontal accuracy (68 % radius) in metres; always > 0.
    pub accuracy_m: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_mps: Option<f64>,
    /// Degrees clockwise from true north, `[0, 360]` (360 is north too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading_deg: Option<f64>,
    pub fixed_at_ms: i64,
    pub source: FixSource,
}

/// What the person does; chosen at enrollment.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReporterRole {
    MototaxiDriver,
    BusDriver,
    MarketVendor,
    /// Coordinator of a comedor popular, vaso de leche or olla común.
    ProgrammeCoordinator,
    NeighbourhoodWatch,
    #[default]
    Resident,
    Other,
}

impl ReporterRole {
    pub const ALL: [ReporterRole; 7] = [
        ReporterRole::MototaxiDriver,
        ReporterRole::BusDriver,
        ReporterRole::MarketVendor,
        ReporterRole::ProgrammeCoordinator,
        ReporterRole::NeighbourhoodWatch,
        ReporterRole::Resident,
        ReporterRole::Other,
    ];
}

/// A named fixed place (a market stall, a comedor), used when GPS fails indoors.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Place {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// How far the person may be from the point, in metres (> 0).
    pub radius_m: f64,
}

/// Who asked for help, copied into each alert so the operator sees it even
/// if the registry is unreachable.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Reporter {
    pub display_name: String,
    pub phone: String,
    pub role: ReporterRole,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Vehicle plate (placa), for drivers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plate: Option<String>,
    /// Name of the registered place, for vendors and coordinators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

/// `POST /api/v1/alerts`: the SOS itself.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Alert {
    pub v: u16,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: AlertId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub device_id: DeviceId,
    pub kind: AlertKind,
    pub created_at_ms: i64,
    /// The best position known at the tap; absent (version 2) when the phone
    /// knew none: no fix, no last known fix, no registered place. The SOS is
    /// sent all the same, and the refined position follows as a
    /// [`PositionUpdate`] with `refines`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    pub reporter: Reporter,
    /// Battery level, 0–100 %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_pct: Option<u8>,
    /// Raised with the discreet trigger: the phone shows nothing alarming,
    /// and responders must not call the phone back blindly.
    pub silent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub app_version: String,
}

/// One tracked position after an SOS. `(alert_id, seq)` is unique.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PositionUpdate {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub alert_id: AlertId,
    pub seq: u32,
    pub fix: Fix,
    /// Version 2: this is the alert's refined position, the first good fix
    /// (or the best one) of the refinement window after the tap, which the
    /// alert could not wait for. Consoles show it as where the SOS was raised.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refines: bool,
}

/// `POST /api/v1/positions`: up to [`crate::limits::MAX_BATCH`] updates.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PositionBatch {
    pub v: u16,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub device_id: DeviceId,
    pub updates: Vec<PositionUpdate>,
}

/// `POST /api/v1/alerts/{id}/cancel`: the reporter calls it off.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Cancel {
    pub v: u16,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub alert_id: AlertId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub device_id: DeviceId,
    pub cancelled_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Where an alert is in its life on the server.
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
pub enum AlertStatus {
    /// Committed by the server, not yet seen by an operator.
    New,
    Acknowledged,
    /// A unit has been assigned.
    Dispatched,
    EnRoute,
    OnScene,
    Resolved,
    Cancelled,
}

impl AlertStatus {
    /// No further transition is possible.
    pub fn is_terminal(self) -> bool {
        matches!(self, AlertStatus::Resolved | AlertStatus::Cancelled)
    }
}

/// How a resolved alert ended.
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
pub enum Outcome {
    Attended,
    FalseAlarm,
    NoContact,
    TransferredPnp,
}

/// The server's answer to an alert, a cancel and a status query: what the
/// person who asked for help is shown.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AlertView {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: AlertId,
    pub status: AlertStatus,
    pub received_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// Distance from the assigned unit to the alert's latest fix, in metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_distance_m: Option<f64>,
    /// Call sign of the assigned unit ("Serenazgo 07").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_name: Option<String>,
}

/// The server's answer to a position batch.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchReceipt {
    /// Updates newly stored (duplicates of `(alert_id, seq)` are not counted).
    pub accepted: u32,
    pub duplicates: u32,
}

/// The person's profile, given at enrollment. DNI stays on the server; the
/// alert carries the [`Reporter`] snapshot only.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dni: Option<String>,
    pub phone: String,
    pub role: ReporterRole,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
}

/// `POST /api/v1/enroll` (unsigned: the code is the credential).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub v: u16,
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub device_id: DeviceId,
    /// The device's Ed25519 public key, base64url without padding (32 bytes).
    pub public_key: String,
    pub profile: Profile,
}

/// The server's answer to enrollment.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrollResponse {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub device_id: DeviceId,
    pub organization: Option<String>,
    /// The organization's registered place (markets, comedores), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    /// Number to which the phone sends the SMS fallback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_number: Option<String>,
}

/// Every error the server returns: `{ "kind": "...", "message": "..." }`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub kind: String,
    pub message: String,
}
