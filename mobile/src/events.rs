//! Core's events, pushed to native code through a listener it implements,
//! and the [`TaskHandle`] that stops them.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinHandle;

use crate::queue::OutboxItemKind;
use crate::status::AlertView;

/// What the person is told, in the order they see it.
#[derive(Clone, Debug, PartialEq, uniffi::Enum)]
pub enum CoreEvent {
    /// Durably committed to the outbox.
    Queued {
        alert_id: String,
    },
    /// The first delivery attempt has started.
    Sent {
        alert_id: String,
    },
    /// The server committed the alert.
    Received {
        alert_id: String,
        view: AlertView,
    },
    Acknowledged {
        alert_id: String,
        view: AlertView,
    },
    Dispatched {
        alert_id: String,
        view: AlertView,
    },
    EnRoute {
        alert_id: String,
        view: AlertView,
    },
    OnScene {
        alert_id: String,
        view: AlertView,
    },
    Resolved {
        alert_id: String,
        view: AlertView,
    },
    /// The server has the alert as cancelled.
    Cancelled {
        alert_id: String,
    },
    /// Native code must send this SMS now, then call `sms_fallback_sent`.
    SmsFallback {
        alert_id: String,
        to: String,
        text: String,
    },
    SmsFallbackSent {
        alert_id: String,
    },
    /// The SMS fallback came due but the server already had the alert.
    SmsFallbackNotNeeded {
        alert_id: String,
    },
    /// The alert's refined position is queued (it leaves at once).
    PositionRefined {
        alert_id: String,
    },
    /// Position updates of this alert are no longer queued.
    TrackingStopped {
        alert_id: String,
    },
    /// A row was refused for good; it is kept and shown.
    Wedged {
        alert_id: String,
        item: OutboxItemKind,
        reason: String,
    },
    /// Undelivered outbox rows (queued, in flight or wedged).
    QueueChanged {
        pending: u64,
    },
}

/// Implemented by native code (Kotlin `EventListener`, Swift protocol).
/// Called on a core thread: return quickly (post to the UI thread) and do
/// not throw.
#[uniffi::export(foreign)]
pub trait EventListener: Send + Sync {
    fn on_event(&self, event: CoreEvent);
    /// `missed` events were dropped because this listener was too slow: read
    /// the state again (`alert`, `pending`).
    fn on_lagged(&self, missed: u64);
}

/// A running subscription. `cancel()`, `close()` (Kotlin) or dropping the
/// last reference (Swift) stops it.
#[derive(uniffi::Object)]
pub struct TaskHandle {
    task: JoinHandle<()>,
}

#[uniffi::export]
impl TaskHandle {
    pub fn cancel(&self) {
        self.task.abort();
    }

    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TaskHandle {
    /// Forwards every event of `events` to `listener` on `runtime`.
    pub(crate) fn forward(
        runtime: &tokio::runtime::Runtime,
        mut events: broadcast::Receiver<auxilio_core::CoreEvent>,
        listener: Arc<dyn EventListener>,
    ) -> TaskHandle {
        let task = runtime.spawn(async move {
            loop {
                let call = match events.recv().await {
                    Ok(event) => {
                        let event = CoreEvent::from(event);
                        catch_unwind(AssertUnwindSafe(|| listener.on_event(event)))
                    }
                    Err(RecvError::Lagged(missed)) => {
                        catch_unwind(AssertUnwindSafe(|| listener.on_lagged(missed)))
                    }
                    Err(RecvError::Closed) => break,
                };
                // A listener that throws (uniffi turns that into a panic here)
                // must not end the subscription: the next step still counts.
                if call.is_err() {
                    tracing::warn!("an event listener failed; its subscription goes on");
                }
            }
        });
        TaskHandle { task }
    }
}

impl From<auxilio_core::CoreEvent> for CoreEvent {
    fn from(e: auxilio_core::CoreEvent) -> Self {
        use auxilio_core::CoreEvent as C;
        let id = |id: auxilio_core::AlertId| id.to_string();
        match e {
            C::Queued { alert_id } => CoreEvent::Queued {
                alert_id: id(alert_id),
            },
            C::Sent { alert_id } => CoreEvent::Sent {
                alert_id: id(alert_id),
            },
            C::Received { alert_id, view } => CoreEvent::Received {
                alert_id: id(alert_id),
                view: view.into(),
            },
            C::Acknowledged { alert_id, view } => CoreEvent::Acknowledged {
                alert_id: id(alert_id),
                view: view.into(),
            },
            C::Dispatched { alert_id, view } => CoreEvent::Dispatched {
                alert_id: id(alert_id),
                view: view.into(),
            },
            C::EnRoute { alert_id, view } => CoreEvent::EnRoute {
                alert_id: id(alert_id),
                view: view.into(),
            },
            C::OnScene { alert_id, view } => CoreEvent::OnScene {
                alert_id: id(alert_id),
                view: view.into(),
            },
            C::Resolved { alert_id, view } => CoreEvent::Resolved {
                alert_id: id(alert_id),
                view: view.into(),
            },
            C::Cancelled { alert_id } => CoreEvent::Cancelled {
                alert_id: id(alert_id),
            },
            C::SmsFallback { alert_id, to, text } => CoreEvent::SmsFallback {
                alert_id: id(alert_id),
                to,
                text,
            },
            C::SmsFallbackSent { alert_id } => CoreEvent::SmsFallbackSent {
                alert_id: id(alert_id),
            },
            C::SmsFallbackNotNeeded { alert_id } => CoreEvent::SmsFallbackNotNeeded {
                alert_id: id(alert_id),
            },
            C::PositionRefined { alert_id } => CoreEvent::PositionRefined {
                alert_id: id(alert_id),
            },
            C::TrackingStopped { alert_id } => CoreEvent::TrackingStopped {
                alert_id: id(alert_id),
            },
            C::Wedged {
                alert_id,
                item,
                reason,
            } => CoreEvent::Wedged {
                alert_id: id(alert_id),
                item: item.into(),
                reason,
            },
            C::QueueChanged { pending } => CoreEvent::QueueChanged {
                pending: u64::try_from(pending).unwrap_or(u64::MAX),
            },
        }
    }
}
