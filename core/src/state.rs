//! What the `Core` handle and its tasks share.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use auxilio_protocol::{DeviceId, DeviceKey, EnrollResponse, Place, Profile, Reporter};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch, Notify};
use tokio::task::JoinHandle;

use crate::delivery::http::Http;
use crate::fixbook::FixBook;
use crate::outbox::{queue, Db};
use crate::{CoreConfig, CoreError, CoreEvent};

/// Who this phone belongs to, as far as it knows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Account {
    pub profile: Option<Profile>,
    pub enrollment: Option<EnrollResponse>,
}

impl Account {
    /// The snapshot copied into each alert.
    pub(crate) fn reporter(&self) -> Option<Reporter> {
        let p = self.profile.as_ref()?;
        let org = self.enrollment.as_ref();
        Some(Reporter {
            display_name: p.display_name.clone(),
            phone: p.phone.clone(),
            role: p.role,
            organization: org.and_then(|e| e.organization.clone()),
            plate: p.plate.clone(),
            place: self.place().map(|pl| pl.name),
        })
    }

    /// The person's own place first, else their organization's.
    pub(crate) fn place(&self) -> Option<Place> {
        self.profile
            .as_ref()
            .and_then(|p| p.place.clone())
            .or_else(|| self.enrollment.as_ref().and_then(|e| e.place.clone()))
    }
}

pub(crate) struct Shared {
    pub config: CoreConfig,
    pub endpoints: Vec<url::Url>,
    /// How each endpoint is named in outbox rows.
    pub endpoint_keys: Vec<String>,
    pub device_id: DeviceId,
    pub key: DeviceKey,
    pub db: Arc<Db>,
    pub http: Http,
    pub events: broadcast::Sender<CoreEvent>,
    pub fixes: FixBook,
    pub account: RwLock<Account>,
    pub enrolled: watch::Sender<bool>,
    /// Bumped after every outbox change (`wait_drained` listens).
    pub outbox_version: watch::Sender<u64>,
    pub shutdown: watch::Sender<bool>,
    /// One per endpoint: there is new work.
    pub wakers: Vec<Notify>,
    /// Bumped by a new SOS or a cancel: ends every backoff wait that started
    /// before it.
    pub urgent: watch::Sender<u64>,
    /// Connectivity came back: skip the backoff wait.
    pub kick: Notify,
    pub tasks: Mutex<Vec<JoinHandle<()>>>,
    /// The outbox changed since the last `QueueChanged` count started.
    pub count_dirty: AtomicBool,
    /// A `QueueChanged` count is running.
    pub counting: AtomicBool,
    /// Open alerts whose tracking the person paused (`Core::stop_tracking`).
    pub tracking_paused: Mutex<std::collections::HashSet<auxilio_protocol::AlertId>>,
}

impl Shared {
    /// The phone's wall clock (see [`crate::clock`]).
    pub(crate) fn clock(&self) -> crate::clock::Clock {
        crate::clock::Clock::new(self.config.clock_offset_ms)
    }

    /// The phone's wall clock now, in Unix milliseconds (may be wrong).
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock().now_ms()
    }

    pub(crate) fn paused(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashSet<auxilio_protocol::AlertId>> {
        self.tracking_paused
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn emit(&self, event: CoreEvent) {
        // No subscriber is fine: the state is in the database.
        let _ = self.events.send(event);
    }

    pub(crate) fn account(&self) -> Account {
        self.account
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn set_account(&self, account: Account) {
        let enrolled = account.enrollment.is_some();
        *self.account.write().unwrap_or_else(|p| p.into_inner()) = account;
        self.enrolled.send_replace(enrolled);
        self.wake_all();
    }

    /// The SMS fallback number: configured, else learned at enrollment.
    pub(crate) fn sms_number(&self) -> Option<String> {
        self.config
            .sms_number
            .clone()
            .or_else(|| self.account().enrollment.and_then(|e| e.sms_number))
            .filter(|n| !n.trim().is_empty())
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Runs a write transaction off the async threads.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, CoreError> + Send + 'static,
    ) -> Result<T, CoreError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.write(f)).await?
    }

    /// Runs a write transaction for the SOS path with the fewest thread
    /// hand-offs: inline (`block_in_place`) on a multi-thread runtime, else
    /// on the blocking pool. `then` runs after the commit, before any other
    /// transaction (see [`Db::write_then`]).
    pub(crate) async fn write_urgent<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, CoreError> + Send + 'static,
        then: impl FnOnce(&T) + Send + 'static,
    ) -> Result<T, CoreError> {
        use tokio::runtime::{Handle, RuntimeFlavor};
        if Handle::current().runtime_flavor() == RuntimeFlavor::MultiThread {
            tokio::task::block_in_place(|| self.db.write_then(f, then))
        } else {
            let db = self.db.clone();
            tokio::task::spawn_blocking(move || db.write_then(f, then)).await?
        }
    }

    /// Runs a read off the async threads.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, CoreError> + Send + 'static,
    ) -> Result<T, CoreError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.read(f)).await?
    }

    pub(crate) fn wake_all(&self) {
        for w in &self.wakers {
            w.notify_one();
        }
    }

    /// A new SOS or a cancel: every delivery task tries at once, idle or
    /// waiting out a backoff or a `Retry-After`.
    pub(crate) fn wake_urgent(&self) {
        self.urgent.send_modify(|n| *n = n.wrapping_add(1));
        self.wake_all();
    }

    /// After an outbox change: wakes `wait_drained` at once, and sends
    /// `QueueChanged` soon. Counting is coalesced: at most one count runs at a
    /// time, and a burst of changes costs one more count, not one each.
    pub(crate) fn queue_changed(self: &Arc<Self>) {
        self.outbox_version.send_modify(|v| *v = v.wrapping_add(1));
        self.count_dirty.store(true, Ordering::SeqCst);
        if self.counting.swap(true, Ordering::SeqCst) {
            return; // the running counter will see `count_dirty`
        }
        let shared = self.clone();
        tokio::spawn(async move {
            loop {
                shared.count_dirty.store(false, Ordering::SeqCst);
                match shared.read(queue::pending_count).await {
                    Ok(pending) => shared.emit(CoreEvent::QueueChanged { pending }),
                    Err(e) => tracing::warn!(error = %e, "could not count the outbox"),
                }
                shared.counting.store(false, Ordering::SeqCst);
                if !shared.count_dirty.load(Ordering::SeqCst)
                    || shared.counting.swap(true, Ordering::SeqCst)
                {
                    return;
                }
            }
        });
    }

    /// Spawns a task that `shutdown` waits for.
    pub(crate) fn spawn(&self, fut: impl Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(fut);
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        tasks.retain(|t| !t.is_finished());
        tasks.push(handle);
    }
}

/// Resolves when shutdown is requested (or the handle is gone).
pub(crate) async fn stopped(rx: &mut watch::Receiver<bool>) {
    while !*rx.borrow_and_update() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}
