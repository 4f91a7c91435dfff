//! Plain data handed to callers: requests, local views, outbox rows.

use auxilio_protocol::{AlertId, AlertKind, AlertStatus, AlertView, Fix};
use serde::Serialize;

use crate::events::OutboxItemKind;

/// What the person asked for when they pressed SOS (after the countdown).
#[derive(Clone, Debug, Default)]
pub struct SosRequest {
    pub kind: AlertKind,
    pub silent: bool,
    pub note: Option<String>,
    pub battery_pct: Option<u8>,
}

/// Where an outbox row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowState {
    Queued,
    InFlight,
    Delivered,
    Wedged,
}

impl RowState {
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Queued => "queued",
            RowState::InFlight => "in_flight",
            RowState::Delivered => "delivered",
            RowState::Wedged => "wedged",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(RowState::Queued),
            "in_flight" => Some(RowState::InFlight),
            "delivered" => Some(RowState::Delivered),
            "wedged" => Some(RowState::Wedged),
            _ => None,
        }
    }
}

/// One undelivered outbox row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PendingItem {
    pub row_id: i64,
    pub alert_id: AlertId,
    pub item: OutboxItemKind,
    /// The position's sequence number, for position rows.
    pub seq: Option<u32>,
    /// Where this row goes: `"server"` ([`crate::SERVER_ENDPOINT`]) or an
    /// extra endpoint's URL.
    pub endpoint: String,
    pub state: RowState,
    pub attempts: u32,
    pub wedged_reason: Option<String>,
    pub created_at_ms: i64,
}

/// Whether the SMS fallback of an alert has happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsState {
    /// Not (yet) needed.
    None,
    /// `SmsFallback` was emitted; the shell has not confirmed sending.
    Requested,
    /// The shell confirmed with `sms_fallback_sent`.
    Sent,
}

/// The phone's own view of one alert.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LocalAlert {
    pub id: AlertId,
    pub kind: AlertKind,
    pub silent: bool,
    pub created_at_ms: i64,
    /// The fix the alert was sent with (its `source` says how it was chosen);
    /// `None` when it was raised with no position (the refined position
    /// follows as a position update).
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
    /// Set when the alert row was refused for good by the server.
    pub wedged_reason: Option<String>,
}

impl LocalAlert {
    /// Neither cancelled by the person nor closed by the server.
    pub fn is_open(&self) -> bool {
        !self.cancel_requested && !self.status.is_some_and(|s| s.is_terminal())
    }
}

/// What `wait_drained` found once nothing was queued or in flight.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DrainReport {
    /// Rows refused for good, with their reasons.
    pub wedged: Vec<PendingItem>,
}
