//! What the real server committed, read from its own events table (the
//! feed every console replays from), incrementally: each look reads only
//! the events committed since the last one.

use std::collections::{BTreeMap, HashMap, HashSet};

use auxilio_protocol::{AlertId, AlertStatus};
use auxilio_server::model::{PositionEvent, StreamPayload};
use auxilio_server::store::{Store, StoreError};

/// Something the server committed, in commit order.
#[derive(Clone, Debug, PartialEq)]
pub enum Stored {
    Alert(AlertId),
    Position { alert_id: AlertId, seq: u32 },
    Cancel(AlertId),
}

/// Events read per look.
const PAGE: usize = 5_000;

#[derive(Default)]
pub(crate) struct Ledger {
    last_event_id: i64,
    pub stored: Vec<Stored>,
    /// `alert` events per alert id: 1 once stored; more is a duplicate pin
    /// on every console.
    pub alert_events: HashMap<AlertId, u32>,
    pub positions: HashMap<AlertId, BTreeMap<u32, PositionEvent>>,
    /// `position` events that repeated an `(alert_id, seq)` already stored.
    pub repeated_positions: usize,
    pub cancelled: HashSet<AlertId>,
}

impl Ledger {
    /// Reads what was committed since the last look.
    pub(crate) fn refresh(&mut self, store: &dyn Store) -> Result<(), StoreError> {
        loop {
            let events = store.events_after(self.last_event_id, PAGE)?;
            let Some(last) = events.last() else {
                return Ok(());
            };
            self.last_event_id = last.id;
            let full = events.len() == PAGE;
            for event in events {
                self.apply(event.payload);
            }
            if !full {
                return Ok(());
            }
        }
    }

    fn apply(&mut self, payload: StreamPayload) {
        match payload {
            StreamPayload::Alert(summary) => {
                *self.alert_events.entry(summary.id).or_default() += 1;
                self.stored.push(Stored::Alert(summary.id));
            }
            StreamPayload::Position(p) => {
                self.stored.push(Stored::Position {
                    alert_id: p.alert_id,
                    seq: p.seq,
                });
                let track = self.positions.entry(p.alert_id).or_default();
                if track.insert(p.seq, p).is_some() {
                    self.repeated_positions += 1;
                }
            }
            StreamPayload::Status(s) if s.view.status == AlertStatus::Cancelled => {
                if self.cancelled.insert(s.alert_id) {
                    self.stored.push(Stored::Cancel(s.alert_id));
                }
            }
            StreamPayload::Status(_) | StreamPayload::Unit(_) => {}
        }
    }
}
