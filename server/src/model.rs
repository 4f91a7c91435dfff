//! The server's own types: organizations and the store's events. What the
//! responder API and the live stream send is `auxilio_protocol::responder`
//! (re-exported here); phone-facing messages are the protocol crate's too.

use auxilio_protocol::{AlertStatus, Outcome};
use serde::{Deserialize, Serialize};

pub use auxilio_protocol::responder::{
    Account, Agency, AlertDetail, AlertList, AlertSummary, AuditEntry, LastFix, NearestUnit,
    OrgKind, PositionEvent, Role, StatusEvent, StreamPayload, UnitView,
};

/// The stored name of an alert status (`"en_route"`, …): its wire name
/// (the store's writers name it so).
pub fn status_str(s: AlertStatus) -> &'static str {
    s.as_str()
}

pub fn parse_status(text: &str) -> Option<AlertStatus> {
    AlertStatus::parse(text)
}

pub fn outcome_str(o: Outcome) -> &'static str {
    o.as_str()
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

/// An organization's registered fixed place.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct OrgPlace {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub radius_m: f64,
}
