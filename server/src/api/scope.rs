//! What a responder may see of the live feed and the alert list. The central
//! (operators, supervisors, admins) and the PNP see everything; a patrol unit
//! sees only its own unit and the alerts it was sent to: their positions,
//! their status changes, and the change that takes one away from it (closed,
//! cancelled or given to another unit). A reporter's name and phone thus
//! reach only the unit sent to help, and a unit's prepaid data pays only for
//! its own work.

use std::collections::HashSet;

use auxilio_protocol::AlertId;
use axum::body::Bytes;

use crate::committed::{self, Committed};
use crate::model::{Account, Role, StoredEvent, StreamPayload};

/// The unit id of a `unit` account that has none: no unit row has id 0
/// (SQLite row ids start at 1), so it is shown nothing.
const NO_UNIT: i64 = 0;

pub enum Scope {
    All,
    Unit {
        unit_id: i64,
        /// The open alerts assigned to this unit, kept up to date from the
        /// events that pass through.
        assigned: HashSet<AlertId>,
    },
}

impl Scope {
    pub fn of(account: &Account) -> Scope {
        match account.role {
            Role::Unit => Scope::Unit {
                unit_id: account.unit_id.unwrap_or(NO_UNIT),
                assigned: HashSet::new(),
            },
            Role::Operator | Role::Supervisor | Role::Admin | Role::Pnp => Scope::All,
        }
    }

    /// The filter for `GET /api/v1/alerts`: `Some(unit)` for a unit.
    pub fn unit_id(&self) -> Option<i64> {
        match self {
            Scope::All => None,
            Scope::Unit { unit_id, .. } => Some(*unit_id),
        }
    }

    /// Starts from the alerts assigned to this unit now.
    pub fn with_assigned(mut self, ids: impl IntoIterator<Item = AlertId>) -> Scope {
        if let Scope::Unit { assigned, .. } = &mut self {
            assigned.extend(ids);
        }
        self
    }

    /// Whether `event` is sent; events must be given in id order.
    pub fn admits(&mut self, event: &StoredEvent) -> bool {
        let Scope::Unit { unit_id, assigned } = self else {
            return true;
        };
        let mine = Some(*unit_id);
        match &event.payload {
            StreamPayload::Unit(unit) => unit.id == *unit_id,
            StreamPayload::Alert(alert) => {
                let open = !alert.status.is_terminal();
                if alert.unit_id == mine && open {
                    assigned.insert(alert.id);
                }
                alert.unit_id == mine
            }
            StreamPayload::Position(position) => assigned.contains(&position.alert_id),
            StreamPayload::Status(status) => {
                let was_mine = assigned.contains(&status.alert_id);
                let is_mine = status.unit_id == mine;
                if is_mine && !status.view.status.is_terminal() {
                    assigned.insert(status.alert_id);
                } else {
                    assigned.remove(&status.alert_id);
                }
                is_mine || was_mine
            }
        }
    }

    /// The frames of a commit's events after `after` that this scope
    /// admits: the shared buffer for the central, a copy for a unit.
    pub fn commit_frames(&mut self, commit: &Committed, after: i64) -> Option<Bytes> {
        match self {
            Scope::All => commit.frames_after(after),
            Scope::Unit { .. } => self.filtered(&commit.events, after),
        }
    }

    /// The same for a page read from the store (every event after `after`).
    pub fn page_frames(&mut self, page: &[StoredEvent], after: i64) -> Option<Bytes> {
        match self {
            Scope::All => Some(committed::concat(page)).filter(|f| !f.is_empty()),
            Scope::Unit { .. } => self.filtered(page, after),
        }
    }

    fn filtered(&mut self, events: &[StoredEvent], after: i64) -> Option<Bytes> {
        let mut out = Vec::new();
        for event in events.iter().filter(|e| e.id > after) {
            if self.admits(event) {
                out.extend_from_slice(&event.frame);
            }
        }
        (!out.is_empty()).then(|| out.into())
    }
}
