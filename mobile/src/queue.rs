//! The outbox as native code sees it: what is not delivered yet, and why.

/// Which kind of outbox row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum OutboxItemKind {
    Alert,
    Position,
    Cancel,
}

/// Where an outbox row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum RowState {
    Queued,
    InFlight,
    Delivered,
    /// Refused for good by the server; kept and shown, never deleted.
    Wedged,
}

/// One undelivered outbox row.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct PendingItem {
    pub row_id: i64,
    pub alert_id: String,
    pub item: OutboxItemKind,
    /// The position's sequence number, for position rows.
    pub seq: Option<u32>,
    /// `"server"` or an extra endpoint's URL.
    pub endpoint: String,
    pub state: RowState,
    pub attempts: u32,
    pub wedged_reason: Option<String>,
    pub created_at_ms: i64,
}

/// What `wait_drained` found once nothing was queued or in flight.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct DrainReport {
    /// Rows refused for good, with their reasons.
    pub wedged: Vec<PendingItem>,
}

impl From<auxilio_core::OutboxItemKind> for OutboxItemKind {
    fn from(k: auxilio_core::OutboxItemKind) -> Self {
        match k {
            auxilio_core::OutboxItemKind::Alert => OutboxItemKind::Alert,
            auxilio_core::OutboxItemKind::Position => OutboxItemKind::Position,
            auxilio_core::OutboxItemKind::Cancel => OutboxItemKind::Cancel,
        }
    }
}

impl From<auxilio_core::RowState> for RowState {
    fn from(s: auxilio_core::RowState) -> Self {
        match s {
            auxilio_core::RowState::Queued => RowState::Queued,
            auxilio_core::RowState::InFlight => RowState::InFlight,
            auxilio_core::RowState::Delivered => RowState::Delivered,
            auxilio_core::RowState::Wedged => RowState::Wedged,
        }
    }
}

impl From<auxilio_core::PendingItem> for PendingItem {
    fn from(p: auxilio_core::PendingItem) -> Self {
        PendingItem {
            row_id: p.row_id,
            alert_id: p.alert_id.to_string(),
            item: p.item.into(),
            seq: p.seq,
            endpoint: p.endpoint,
            state: p.state.into(),
            attempts: p.attempts,
            wedged_reason: p.wedged_reason,
            created_at_ms: p.created_at_ms,
        }
    }
}

impl From<auxilio_core::DrainReport> for DrainReport {
    fn from(r: auxilio_core::DrainReport) -> Self {
        DrainReport {
            wedged: r.wedged.into_iter().map(Into::into).collect(),
        }
    }
}
