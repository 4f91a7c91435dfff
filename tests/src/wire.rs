//! State shared by the fault layer's connections and the test's handle:
//! the fault script, the journal, held requests, and a change signal.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::response::Response;
use tokio::sync::{watch, Notify};

use crate::fault::FaultScript;
use crate::journal::Journal;

pub(crate) struct Wire {
    journal: Mutex<Journal>,
    faults: Mutex<FaultScript>,
    /// Woken after every request and answer, for the `wait_*` helpers.
    pub changed: Notify,
    /// Bumped by `release_held`; held requests wait for a change.
    release: watch::Sender<u64>,
    held: AtomicUsize,
}

/// A lock that a panicking test thread poisoned is still usable: the data
/// behind it is plain bookkeeping.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Wire {
    pub(crate) fn new() -> Self {
        Wire {
            journal: Mutex::default(),
            faults: Mutex::default(),
            changed: Notify::new(),
            release: watch::channel(0).0,
            held: AtomicUsize::new(0),
        }
    }

    pub(crate) fn journal(&self) -> MutexGuard<'_, Journal> {
        lock(&self.journal)
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultScript> {
        lock(&self.faults)
    }

    pub(crate) fn touch(&self) {
        self.changed.notify_waiters();
    }

    pub(crate) fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }

    /// Waits for the next `release_held`.
    pub(crate) async fn hold(&self) {
        let mut release = self.release.subscribe();
        release.mark_unchanged();
        let _guard = HeldGuard::new(self);
        self.touch();
        // An error means the sender is gone: the server is being dropped.
        let _ = release.changed().await;
    }

    pub(crate) fn release_held(&self) {
        self.release.send_modify(|n| *n += 1);
    }
}

/// Counts a held request for as long as its handler lives (an aborted
/// connection drops the handler and so the count).
struct HeldGuard<'a>(&'a Wire);

impl<'a> HeldGuard<'a> {
    fn new(wire: &'a Wire) -> Self {
        wire.held.fetch_add(1, Ordering::SeqCst);
        HeldGuard(wire)
    }
}

impl Drop for HeldGuard<'_> {
    fn drop(&mut self) {
        self.0.held.fetch_sub(1, Ordering::SeqCst);
        self.0.touch();
    }
}

/// Lets the fault layer close its own TCP connection without answering.
#[derive(Clone)]
pub(crate) struct ConnHandle {
    kill: Arc<Notify>,
}

impl ConnHandle {
    pub(crate) fn new() -> (Self, Arc<Notify>) {
        let kill = Arc::new(Notify::new());
        (ConnHandle { kill: kill.clone() }, kill)
    }

    /// Tells the connection task to drop the socket; never returns (the
    /// handler is dropped with the connection).
    pub(crate) async fn drop_connection(&self) -> Response {
        self.kill.notify_one();
        std::future::pending::<Response>().await
    }
}
