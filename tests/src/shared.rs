//! State shared by the handlers, the accept loop and the test's handle.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::response::Response;
use tokio::sync::{watch, Notify};

use crate::fault::Route;
use crate::state::State;

pub(crate) struct Shared {
    state: Mutex<State>,
    /// Woken after every change, for the `wait_*` helpers.
    pub changed: Notify,
    /// Bumped by `release_held`; held requests wait for a change.
    release: watch::Sender<u64>,
    held: AtomicUsize,
}

impl Shared {
    pub(crate) fn new(state: State) -> Self {
        Shared {
            state: Mutex::new(state),
            changed: Notify::new(),
            release: watch::channel(0).0,
            held: AtomicUsize::new(0),
        }
    }

    /// The state, even if a panicking test thread poisoned the lock.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn touch(&self) {
        self.changed.notify_waiters();
    }

    pub(crate) fn count(&self, route: Route) {
        self.lock().count_request(route);
        self.touch();
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
        // An error means the sender is gone: the receiver is being dropped.
        let _ = release.changed().await;
    }

    pub(crate) fn release_held(&self) {
        self.release.send_modify(|n| *n += 1);
    }
}

/// Counts a held request for as long as its handler lives (an aborted
/// connection drops the handler and so the count).
struct HeldGuard<'a>(&'a Shared);

impl<'a> HeldGuard<'a> {
    fn new(shared: &'a Shared) -> Self {
        shared.held.fetch_add(1, Ordering::SeqCst);
        HeldGuard(shared)
    }
}

impl Drop for HeldGuard<'_> {
    fn drop(&mut self) {
        self.0.held.fetch_sub(1, Ordering::SeqCst);
        self.0.touch();
    }
}

/// Lets a handler close its own TCP connection without answering.
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
