//! Where an alert is: the server's view and the phone's own view.

use auxilio_core::protocol;

use crate::fix::Fix;
use crate::sos::AlertKind;

/// Where an alert is in its life on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
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

/// How a resolved alert ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Outcome {
    Attended,
    FalseAlarm,
    NoContact,
    TransferredPnp,
}

/// The server's view of an alert: what the person who asked for help sees.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct AlertView {
    pub id: String,
    pub status: AlertStatus,
    pub received_at_ms: i64,
    pub updated_at_ms: i64,
    pub outcome: Option<Outcome>,
    /// Distance from the assigned unit to the alert's latest fix, in metres.
    pub unit_distance_m: Option<f64>,
    /// Call sign of the assigned unit ("Serenazgo 07").
    pub unit_name: Option<String>,
}

/// Whether the SMS fallback of an alert has happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum SmsState {
    None,
    /// `SmsFallback` was emitted; native code has not confirmed sending.
    Requested,
    /// Native code confirmed with `sms_fallback_sent`.
    Sent,
}

/// The phone's own view of one alert.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct LocalAlert {
    pub id: String,
    pub kind: AlertKind,
    pub silent: bool,
    pub created_at_ms: i64,
    /// The fix the alert was sent with (its `source` says how it was chosen);
    /// null when it was raised with no position.
    pub fix: Option<Fix>,
    pub note: Option<String>,
    /// A delivery attempt has started.
    pub sent: bool,
    /// The server committed it.
    pub received: bool,
    /// The latest status the server reported.
    pub status: Option<AlertStatus>,
    pub view: Option<AlertView>,
    pub cancel_requested: bool,
    pub sms: SmsState,
    /// Set when the server refused the alert for good.
    pub wedged_reason: Option<String>,
}

impl From<protocol::AlertStatus> for AlertStatus {
    fn from(s: protocol::AlertStatus) -> Self {
        use protocol::AlertStatus as P;
        match s {
            P::New => AlertStatus::New,
            P::Acknowledged => AlertStatus::Acknowledged,
            P::Dispatched => AlertStatus::Dispatched,
            P::EnRoute => AlertStatus::EnRoute,
            P::OnScene => AlertStatus::OnScene,
            P::Resolved => AlertStatus::Resolved,
            P::Cancelled => AlertStatus::Cancelled,
        }
    }
}

impl From<protocol::Outcome> for Outcome {
    fn from(o: protocol::Outcome) -> Self {
        use protocol::Outcome as P;
        match o {
            P::Attended => Outcome::Attended,
            P::FalseAlarm => Outcome::FalseAlarm,
            P::NoContact => Outcome::NoContact,
            P::TransferredPnp => Outcome::TransferredPnp,
        }
    }
}

impl From<protocol::AlertView> for AlertView {
    fn from(v: protocol::AlertView) -> Self {
        AlertView {
            id: v.id.to_string(),
            status: v.status.into(),
            received_at_ms: v.received_at_ms,
            updated_at_ms: v.updated_at_ms,
            outcome: v.outcome.map(Into::into),
            unit_distance_m: v.unit_distance_m,
            unit_name: v.unit_name,
        }
    }
}

impl From<auxilio_core::SmsState> for SmsState {
    fn from(s: auxilio_core::SmsState) -> Self {
        match s {
            auxilio_core::SmsState::None => SmsState::None,
            auxilio_core::SmsState::Requested => SmsState::Requested,
            auxilio_core::SmsState::Sent => SmsState::Sent,
        }
    }
}

impl From<auxilio_core::LocalAlert> for LocalAlert {
    fn from(a: auxilio_core::LocalAlert) -> Self {
        LocalAlert {
            id: a.id.to_string(),
            kind: a.kind.into(),
            silent: a.silent,
            created_at_ms: a.created_at_ms,
            fix: a.fix.map(Into::into),
            note: a.note,
            sent: a.sent,
            received: a.received,
            status: a.status.map(Into::into),
            view: a.view.map(Into::into),
            cancel_requested: a.cancel_requested,
            sms: a.sms.into(),
            wedged_reason: a.wedged_reason,
        }
    }
}
