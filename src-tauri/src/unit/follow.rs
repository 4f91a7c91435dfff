//! A unit on duty follows the server's live stream (`GET /api/v1/stream`,
//! SSE) and announces each alert dispatched to it at once, once.
//!
//! At the start it reads the open alerts (`GET /api/v1/alerts?open=true`):
//! assignments already waiting are announced, and the list's
//! `last_event_id` is where the stream takes over. Every event handled moves
//! that mark; after a network drop the stream is reopened with
//! `Last-Event-ID`, and the server replays what happened meanwhile, so an
//! assignment made while the unit was offline still arrives. An event is
//! only counted as handled once its assignment was read, so a drop in the
//! middle replays it. Reconnects back off (core's full-jitter [`RECONNECT`]) and start
//! again at once when the shell says connectivity is back
//! ([`UnitSession::wake`]). The follow ends only when the server no longer
//! accepts the session (401).
//!
//! Besides new assignments it reports ([`Followed`]) when the stream is open
//! or being reopened, and every later status change of an alert assigned to
//! this unit (the central closing it, the reporter cancelling it), so the
//! unit's screen never shows a stale assignment.
//!
//! The stream is the responders' feed: a `unit` account receives every
//! alert and position, not only its own (see the README's known gaps).

use std::collections::HashMap;
use std::time::Duration;

use auxilio_core::backoff::{Backoff, Policy};
use auxilio_core::protocol::responder::StatusEvent;
use auxilio_core::{AlertId, AlertStatus};
use serde::Serialize;

use super::sse::{SseEvent, SseParser};
use super::{Assignment, UnitSession, UnitView};
use crate::error::{Error, Result};

/// The server sends a comment every 15 s; this long without a byte means
/// the line is dead even if no error said so.
pub const IDLE_LIMIT: Duration = Duration::from_secs(40);

/// How the stream is reopened after a drop: core's backoff (full jitter),
/// with shorter bounds than an outbox row's, since the stream is the unit's
/// only way to hear of a dispatch.
pub const RECONNECT: Policy = Policy {
    initial: Duration::from_millis(500),
    cap: Duration::from_secs(30),
};

/// What following the stream tells the shell.
#[derive(Debug, Clone, PartialEq)]
pub enum Followed {
    /// An alert newly dispatched to this unit (once per alert).
    Assigned(Box<Assignment>),
    /// An alert assigned to this unit changed status.
    Changed(AlertChange),
    /// The stream is open (`true`) or is being reopened (`false`).
    Live(bool),
    /// This unit as the server has it now (a position or availability
    /// report was stored).
    Unit(UnitView),
}

/// Payload of `auxilio://unit-alert-changed`.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct AlertChange {
    pub alert_id: AlertId,
    pub status: AlertStatus,
}

/// Follows the stream until the session ends; `tell` gets each new
/// assignment once, each change of this unit's alerts, and the line's state.
/// Returns the error that ended it (`not_logged_in`).
pub async fn follow(unit: &UnitSession, mut tell: impl FnMut(Followed)) -> Error {
    let mut last: Option<i64> = None;
    let mut backoff = Backoff::new(RECONNECT);
    let mut told = Told::default();
    loop {
        let result = round(unit, &mut last, &mut backoff, &mut told, &mut tell).await;
        tell(Followed::Live(false));
        match result {
            Err(e @ Error::NotLoggedIn(_)) => return e,
            Err(e) => tracing::debug!(kind = e.kind(), "unit stream interrupted"),
            Ok(()) => tracing::debug!("unit stream closed by the server"),
        }
        let wait = backoff.next_delay(None);
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = unit.wake.notified() => backoff.reset(),
        }
    }
}

/// The status last told per open alert of this unit: the server repeats a
/// status event on every position report (the distance changed), and the
/// screen only needs to hear when the status itself changes.
#[derive(Default)]
struct Told(HashMap<AlertId, AlertStatus>);

impl Told {
    /// Whether `status` is news for `alert_id` (and remembers it).
    fn is_new(&mut self, alert_id: AlertId, status: AlertStatus) -> bool {
        if status.is_terminal() {
            self.0.remove(&alert_id);
            return true;
        }
        self.0.insert(alert_id, status) != Some(status)
    }
}

/// One connection: the snapshot if there is no mark yet, then the stream
/// until it ends or fails.
async fn round(
    unit: &UnitSession,
    last: &mut Option<i64>,
    backoff: &mut Backoff,
    told: &mut Told,
    tell: &mut impl FnMut(Followed),
) -> Result<()> {
    let after = match *last {
        Some(id) => id,
        None => {
            let snapshot = unit.snapshot().await?;
            for a in snapshot.assignments {
                if unit.take_new(&a) {
                    tell(Followed::Assigned(Box::new(a)));
                }
            }
            *last = Some(snapshot.last_event_id);
            snapshot.last_event_id
        }
    };
    let mut reply = unit.open_stream(after).await?;
    backoff.reset();
    tell(Followed::Live(true));
    let mut parser = SseParser::new();
    loop {
        let chunk = match tokio::time::timeout(IDLE_LIMIT, reply.chunk()).await {
            Err(_) => return Err(Error::Network("the live stream went quiet".into())),
            Ok(Err(_)) => return Err(Error::Network("the live stream broke".into())),
            Ok(Ok(None)) => return Ok(()),
            Ok(Ok(Some(chunk))) => chunk,
        };
        let events = parser
            .push(&chunk)
            .map_err(|_| Error::Server("unreadable live stream".into()))?;
        for event in events {
            handle(unit, &event, told, tell).await?;
            if let Some(id) = event.id.as_deref().and_then(|i| i.trim().parse().ok()) {
                *last = Some(id);
            }
        }
    }
}

/// A `status` event that says "dispatched" may be this unit's assignment:
/// the alert is read (the event does not carry what the unit needs) and
/// announced if it is waiting for this unit. Any other status of an alert
/// announced to this unit, or naming this unit, is a change to tell.
async fn handle(
    unit: &UnitSession,
    event: &SseEvent,
    told: &mut Told,
    tell: &mut impl FnMut(Followed),
) -> Result<()> {
    if event.event == "unit" {
        if let Ok(view) = serde_json::from_str::<UnitView>(&event.data) {
            if Some(view.id) == unit.unit_id() {
                tell(Followed::Unit(view));
            }
        }
        return Ok(());
    }
    if event.event != "status" {
        return Ok(());
    }
    let Ok(status) = serde_json::from_str::<StatusEvent>(&event.data) else {
        tracing::debug!("unreadable status event skipped");
        return Ok(());
    };
    let names_me = status.unit_id.is_some() && status.unit_id == unit.unit_id();
    if status.view.status != AlertStatus::Dispatched {
        if (names_me || unit.announced(status.alert_id))
            && told.is_new(status.alert_id, status.view.status)
        {
            tell(Followed::Changed(AlertChange {
                alert_id: status.alert_id,
                status: status.view.status,
            }));
        }
        return Ok(());
    }
    // Already announced, or dispatched to another unit: nothing to read.
    if unit.announced(status.alert_id) || !names_me {
        return Ok(());
    }
    match unit.alert(status.alert_id).await {
        Ok(a) => {
            if unit.take_new(&a) {
                tell(Followed::Assigned(Box::new(a)));
            }
            Ok(())
        }
        Err(Error::UnknownAlert(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_is_told_once_until_it_changes() {
        let mut told = Told::default();
        let a = uuid::Uuid::now_v7();
        assert!(told.is_new(a, AlertStatus::EnRoute));
        assert!(
            !told.is_new(a, AlertStatus::EnRoute),
            "a position report repeats it"
        );
        assert!(told.is_new(a, AlertStatus::OnScene));
        assert!(told.is_new(a, AlertStatus::Resolved));
        assert!(told.0.is_empty(), "closed alerts are forgotten");
    }
}
