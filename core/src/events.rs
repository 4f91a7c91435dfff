//! What the UI is told, in the order a person sees it.

use auxilio_protocol::{AlertId, AlertView};
use serde::Serialize;

/// Which kind of outbox row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxItemKind {
    Alert,
    Position,
    Cancel,
}

impl OutboxItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxItemKind::Alert => "alert",
            OutboxItemKind::Position => "position",
            OutboxItemKind::Cancel => "cancel",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "alert" => Some(OutboxItemKind::Alert),
            "position" => Some(OutboxItemKind::Position),
            "cancel" => Some(OutboxItemKind::Cancel),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CoreEvent {
    /// Durably committed to the outbox.
    Queued {
        alert_id: AlertId,
    },
    /// The first delivery attempt has started.
    Sent {
        alert_id: AlertId,
    },
    /// The server committed the alert.
    Received {
        alert_id: AlertId,
        view: AlertView,
    },
    Acknowledged {
        alert_id: AlertId,
        view: AlertView,
    },
    Dispatched {
        alert_id: AlertId,
        view: AlertView,
    },
    EnRoute {
        alert_id: AlertId,
        view: AlertView,
    },
    OnScene {
        alert_id: AlertId,
        view: AlertView,
    },
    Resolved {
        alert_id: AlertId,
        view: AlertView,
    },
    /// The server has the alert as cancelled.
    Cancelled {
        alert_id: AlertId,
    },
    /// The shell must send this SMS now.
    SmsFallback {
        alert_id: AlertId,
        to: String,
        text: String,
    },
    SmsFallbackSent {
        alert_id: AlertId,
    },
    /// The SMS fallback came due but was not needed: the server had already
    /// received the alert (or it was closed). Nothing more is asked.
    SmsFallbackNotNeeded {
        alert_id: AlertId,
    },
    /// The alert's refined position (the first good fix after a tap that
    /// could not wait for one) is queued: it leaves at once.
    PositionRefined {
        alert_id: AlertId,
    },
    /// Position updates of this alert are no longer queued: it closed, or
    /// tracking reached its end. (Not emitted on shutdown.)
    TrackingStopped {
        alert_id: AlertId,
    },
    /// A row was refused for good; it is kept and shown.
    Wedged {
        alert_id: AlertId,
        item: OutboxItemKind,
        reason: String,
    },
    /// Undelivered outbox rows (queued, in flight or wedged).
    QueueChanged {
        pending: usize,
    },
}
