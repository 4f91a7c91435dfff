//! What one group commit publishes to the live subscribers: its events in
//! commit order, with their SSE frames laid end to end in ONE buffer made
//! once. A console receives a whole commit as one chunk (one write), however
//! many alerts it holds, instead of one wake-up and one write per event.

use axum::body::Bytes;

use crate::model::StoredEvent;

#[derive(Debug)]
pub struct Committed {
    /// In id order; each event's `frame` is a slice of `frames`.
    pub events: Vec<StoredEvent>,
    frames: Bytes,
}

impl Committed {
    pub fn new(mut events: Vec<StoredEvent>) -> Self {
        let frames = concat(&events);
        let mut at = 0;
        for event in &mut events {
            let len = event.frame.len();
            event.frame = frames.slice(at..at + len);
            at += len;
        }
        Committed { events, frames }
    }

    /// The id of the newest event (0 for an empty commit).
    pub fn last_id(&self) -> i64 {
        self.events.last().map_or(0, |e| e.id)
    }

    /// The frames of the events after `after`: the shared buffer when that
    /// is all of them (the usual case), a slice of it otherwise, `None` when
    /// every event was already sent.
    pub fn frames_after(&self, after: i64) -> Option<Bytes> {
        let first_new = self.events.partition_point(|e| e.id <= after);
        let skipped: usize = self.events[..first_new].iter().map(|e| e.frame.len()).sum();
        (first_new < self.events.len()).then(|| self.frames.slice(skipped..))
    }
}

/// The frames of `events`, end to end.
pub fn concat(events: &[StoredEvent]) -> Bytes {
    let mut buf = Vec::with_capacity(events.iter().map(|e| e.frame.len()).sum());
    for event in events {
        buf.extend_from_slice(&event.frame);
    }
    buf.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{StreamPayload, UnitView};

    fn event(id: i64) -> StoredEvent {
        let unit = UnitView {
            id,
            call_sign: format!("U{id}"),
            agency: crate::model::Agency::Serenazgo,
            lat: None,
            lon: None,
            position_at_ms: None,
            available: true,
        };
        let payload = StreamPayload::Unit(unit);
        let data = payload.data_json().unwrap();
        StoredEvent::new(id, 1, payload, &data)
    }

    fn text(bytes: &Bytes) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_commit_sends_only_what_the_subscriber_has_not_seen() {
        let c = Committed::new(vec![event(5), event(6), event(7)]);
        assert_eq!(c.last_id(), 7);
        let all = c.frames_after(4).unwrap();
        assert_eq!(text(&all).matches("event: unit").count(), 3);
        assert!(text(&all).starts_with("id: 5\n"));
        let tail = c.frames_after(5).unwrap();
        assert!(text(&tail).starts_with("id: 6\n"));
        assert_eq!(text(&tail).matches("event: unit").count(), 2);
        assert_eq!(c.frames_after(7), None);
        assert_eq!(c.frames_after(100), None);
    }

    #[test]
    fn each_event_keeps_its_own_frame() {
        let c = Committed::new(vec![event(1), event(2)]);
        assert!(text(&c.events[1].frame).starts_with("id: 2\nevent: unit\ndata: {"));
        assert!(text(&c.events[1].frame).ends_with("}\n\n"));
        assert_eq!(concat(&c.events), c.frames_after(0).unwrap());
    }
}
