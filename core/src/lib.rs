//! `auxilio-core`: the phone's brain, without UI.
//!
//! The shell (Tauri, uniffi, the simulator) feeds fixes and calls
//! [`Core::raise_sos`]; core picks the fix ([`fix`]), composes and signs the
//! alert, commits it to a durable SQLite outbox ([`outbox`]) and delivers it
//! with retries to every endpoint (waiting per [`backoff`]), then tracks the position,
//! follows the server status and falls back to SMS. Everything the person
//! should see arrives as a [`CoreEvent`].

mod clock;
mod config;
mod delivery;
mod enroll;
mod error;
mod events;
mod fix;
mod fixbook;
mod identity;
mod model;
mod outbox;
mod refine;
mod sms;
mod sos;
mod state;
mod status;
mod tracking;

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

pub use auxilio_protocol as protocol;
pub use auxilio_protocol::{
    AlertId, AlertKind, AlertStatus, AlertView, DeviceId, EnrollResponse, Fix, FixSource, Place,
    Profile, PublicKey,
};
pub use config::{CoreConfig, SERVER_ENDPOINT};
pub use delivery::backoff;
pub use error::CoreError;
pub use events::{CoreEvent, OutboxItemKind};
pub use model::{DrainReport, LocalAlert, PendingItem, RowState, SmsState, SosRequest};

use auxilio_protocol::limits::{MAX_BATCH, MAX_VERSION_CHARS};
use auxilio_protocol::{ProtocolError, Validate};
use tokio::sync::{broadcast, watch, Notify};

use crate::clock::Clock;
use crate::delivery::http::Http;
use crate::fixbook::FixBook;
use crate::outbox::{alerts, meta, queue, Db};
use crate::state::{stopped, Account, Shared};

/// Events buffered per subscriber before the slowest one lags.
const EVENT_BUFFER: usize = 1024;
/// Delivered position rows are forgotten after this long.
const KEEP_DELIVERED_POSITIONS_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// Open alerts younger than this get their follow-up tasks back after a restart.
const RESUME_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;
/// How often committed WAL frames are copied into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// How many alerts `alerts()` lists.
const RECENT_ALERTS: usize = 100;

/// The handle the shell holds. Cheap to clone; all clones share one core.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Shared>,
}

fn check_config(config: &CoreConfig) -> Result<(), CoreError> {
    if !(1..=MAX_BATCH).contains(&config.position_batch_max) {
        return Err(CoreError::Config(
            "position_batch_max must be between 1 and the protocol's batch limit",
        ));
    }
    if config.max_positions_per_alert == 0 {
        return Err(CoreError::Config(
            "max_positions_per_alert must be at least 1",
        ));
    }
    if !config.good_accuracy_m.is_finite() || config.good_accuracy_m <= 0.0 {
        return Err(CoreError::Config("good_accuracy_m must be above 0"));
    }
    let v = config.app_version.trim();
    if v.is_empty() || v.chars().count() > MAX_VERSION_CHARS || v.chars().any(char::is_control) {
        return Err(CoreError::Config(
            "app_version must be 1 to 40 printable characters",
        ));
    }
    if config
        .endpoints()
        .iter()
        .any(|u| !matches!(u.scheme(), "http" | "https"))
    {
        return Err(CoreError::Config("endpoints must be http or https URLs"));
    }
    if config.backoff_initial.is_zero() || config.backoff_cap < config.backoff_initial {
        return Err(CoreError::Config(
            "backoff_initial must be above 0 and at most backoff_cap",
        ));
    }
    Ok(())
}

struct Opened {
    db: Db,
    device_id: DeviceId,
    key: auxilio_protocol::DeviceKey,
    account: Account,
    last_fix: Option<Fix>,
    resume: Vec<alerts::Progress>,
}

fn open_db(config: &CoreConfig) -> Result<Opened, CoreError> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| CoreError::Io(format!("cannot create the data directory ({})", e.kind())))?;
    let db = Db::open(&config.data_dir.join("auxilio.db"))?;
    let (device_id, key) = identity::load_or_create(&db)?;
    let now = Clock::new(config.clock_offset_ms).now_ms();
    let recovered = db.write(|tx| {
        let n = queue::recover_in_flight(tx, now)?;
        queue::prune_delivered_positions(tx, now.saturating_sub(KEEP_DELIVERED_POSITIONS_MS))?;
        // A new server URL: what the old one refused is tried there.
        let url = config.server.as_str();
        let last = meta::get_bytes(tx, meta::SERVER_URL)?;
        if last.as_deref().is_some_and(|l| l != url.as_bytes()) {
            let again = queue::unwedge(tx, Some(config::SERVER_ENDPOINT), now)?;
            if again > 0 {
                tracing::info!(
                    again,
                    "the server URL changed: refused rows are queued again"
                );
            }
        }
        meta::put_bytes(tx, meta::SERVER_URL, url.as_bytes())?;
        Ok(n)
    })?;
    if recovered > 0 {
        tracing::info!(
            recovered,
            "rows left in flight by the last run are queued again"
        );
    }
    let (account, last_fix, resume) = db.read(|c| {
        let account = Account {
            profile: meta::get_json::<Option<Profile>>(c, meta::PROFILE)?.flatten(),
            enrollment: meta::get_json::<Option<EnrollResponse>>(c, meta::ENROLLMENT)?.flatten(),
        };
        let last_fix = meta::get_json::<Fix>(c, meta::LAST_FIX)?;
        let resume = alerts::open_since(c, now.saturating_sub(RESUME_WINDOW_MS))?;
        Ok((account, last_fix, resume))
    })?;
    Ok(Opened {
        db,
        device_id,
        key,
        account,
        last_fix,
        resume,
    })
}

/// Keeps the WAL short in the background, off the SOS commit path.
async fn checkpoints(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    let mut ticks = tokio::time::interval(CHECKPOINT_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stopped(&mut shutdown) => return,
        }
        let db = shared.db.clone();
        match tokio::task::spawn_blocking(move || db.checkpoint()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "checkpoint failed"),
            Err(_) => tracing::warn!("checkpoint task stopped"),
        }
    }
}

impl Core {
    /// Opens the data directory: migrates the database, makes the device id
    /// and key on first run, recovers rows left in flight, and starts the
    /// delivery tasks (one per endpoint), the status follower, and the
    /// tracking and SMS timers of open alerts. Must run inside tokio.
    pub async fn open(config: CoreConfig) -> Result<Core, CoreError> {
        check_config(&config)?;
        let cfg = config.clone();
        let opened = tokio::task::spawn_blocking(move || open_db(&cfg)).await??;
        let endpoints = config.endpoints();
        let enrolled = opened.account.enrollment.is_some();
        let fresh_max_age_ms = i64::try_from(config.fresh_max_age.as_millis()).unwrap_or(i64::MAX);
        let shared = Arc::new(Shared {
            endpoint_keys: endpoints
                .iter()
                .enumerate()
                .map(|(i, u)| config::endpoint_key(i, u))
                .collect(),
            wakers: endpoints.iter().map(|_| Notify::new()).collect(),
            urgent: watch::channel(0).0,
            endpoints,
            http: Http::new(config.request_timeout)?,
            config,
            device_id: opened.device_id,
            key: opened.key,
            db: Arc::new(opened.db),
            events: broadcast::channel(EVENT_BUFFER).0,
            fixes: FixBook::new(opened.last_fix, fresh_max_age_ms),
            account: RwLock::new(opened.account),
            enrolled: watch::channel(enrolled).0,
            outbox_version: watch::channel(0).0,
            shutdown: watch::channel(false).0,
            kick: Notify::new(),
            tasks: Mutex::new(Vec::new()),
            count_dirty: AtomicBool::new(false),
            counting: AtomicBool::new(false),
            tracking_paused: Mutex::new(std::collections::HashSet::new()),
        });
        for index in 0..shared.endpoints.len() {
            shared.spawn(delivery::worker::run(shared.clone(), index));
        }
        shared.spawn(status::run(shared.clone()));
        shared.spawn(delivery::wedged::retry_slowly(shared.clone()));
        shared.spawn(checkpoints(shared.clone()));
        let now = shared.now_ms();
        for alert in opened.resume {
            let since = sos::since_raised(alert.created_at_ms, now);
            sos::start_follow_up(&shared, alert.id, since, !alert.received);
        }
        Ok(Core { inner: shared })
    }

    pub fn device_id(&self) -> DeviceId {
        self.inner.device_id
    }

    pub fn public_key(&self) -> PublicKey {
        self.inner.key.public_key()
    }

    /// Registers this device with the server (`POST /api/v1/enroll`) and keeps
    /// the profile and the answer (organization, place, SMS number). What the
    /// server refused before (wedged rows) is tried again.
    pub async fn enroll(&self, code: &str, profile: Profile) -> Result<EnrollResponse, CoreError> {
        let response = enroll::enroll(&self.inner, code, profile).await?;
        delivery::wedged::retry_after_enrollment(&self.inner).await;
        Ok(response)
    }

    /// Saves the profile locally without enrolling (e.g. offline at first
    /// start): SOS can then be raised and queued; delivery waits for `enroll`.
    pub fn set_profile(&self, profile: Profile) -> Result<(), CoreError> {
        enroll::set_profile(&self.inner, profile)
    }

    pub fn is_enrolled(&self) -> bool {
        *self.inner.enrolled.borrow()
    }

    pub fn profile(&self) -> Option<Profile> {
        self.inner.account().profile
    }

    /// A fix from the platform. (0, 0), accuracy <= 0, times that are no
    /// clock reading (negative, after the year 9999) and "registered place"
    /// fixes are refused. A time far from the phone's clock is not: either
    /// clock may be wrong, and freshness is judged on the monotonic clock
    /// from this call (see `fix.rs`).
    pub fn feed_fix(&self, fix: Fix) -> Result<(), CoreError> {
        let now = self.inner.now_ms();
        fix.validate(now).map_err(CoreError::InvalidFix)?;
        if fix.source == FixSource::RegisteredPlace {
            return Err(CoreError::InvalidFix(ProtocolError::Invalid {
                field: "source",
                reason: "a registered place is not a measured fix",
            }));
        }
        if self.inner.fixes.push(fix.clone(), now) {
            self.inner
                .db
                .write(|tx| meta::put_json(tx, meta::LAST_FIX, &fix))?;
        }
        Ok(())
    }

    /// Raises an SOS at once, never refused for lacking a position: with the
    /// best position known at this instant (a fresh fix, the last known one,
    /// the registered place, or none), composes and signs the alert, commits
    /// it durably, emits `Queued`, wakes delivery and starts tracking, the
    /// SMS timer and the refinement window (`fix_deadline`: the first good
    /// fix, or the best at its end, follows as the refined position).
    /// Returns only after the commit.
    pub async fn raise_sos(&self, req: SosRequest) -> Result<AlertId, CoreError> {
        sos::raise(&self.inner, req).await
    }

    /// Queues a cancel, delivered after the alert. Idempotent.
    pub async fn cancel(&self, alert_id: AlertId, reason: Option<String>) -> Result<(), CoreError> {
        sos::cancel(&self.inner, alert_id, reason).await
    }

    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.inner.events.subscribe()
    }

    /// Pauses the position updates of an open alert (the person stops sharing
    /// their location); the alert itself stays open and followed.
    pub fn stop_tracking(&self, alert_id: AlertId) {
        self.inner.paused().insert(alert_id);
    }

    /// Resumes the position updates of an open alert paused by
    /// [`Core::stop_tracking`]. Tracking still ends when the alert closes or
    /// after `tracking_max`.
    pub fn start_tracking(&self, alert_id: AlertId) {
        self.inner.paused().remove(&alert_id);
    }

    /// The network is back: retry now instead of finishing the backoff wait.
    pub fn connectivity_restored(&self) {
        self.inner.kick.notify_waiters();
        self.inner.wake_all();
    }

    /// The shell sent the SMS of a `SmsFallback` event.
    pub fn sms_fallback_sent(&self, alert_id: AlertId) -> Result<(), CoreError> {
        let changed = self.inner.db.write(|tx| {
            if alerts::progress(tx, alert_id)?.is_none() {
                return Err(CoreError::UnknownAlert);
            }
            alerts::set_sms(tx, alert_id, SmsState::Sent)
        })?;
        if changed {
            self.inner.emit(CoreEvent::SmsFallbackSent { alert_id });
        }
        Ok(())
    }

    /// The compact signed SMS text of a stored alert: what its `SmsFallback`
    /// event carries, for a shell (or a gateway simulator) that sends it.
    pub fn sms_text(&self, alert_id: AlertId) -> Result<String, CoreError> {
        let body = self
            .inner
            .db
            .read(|c| alerts::body(c, alert_id))?
            .ok_or(CoreError::UnknownAlert)?;
        sms::text_for(&self.inner, &body)
    }

    /// Undelivered outbox rows (queued, in flight, wedged), oldest first.
    pub fn pending(&self) -> Result<Vec<PendingItem>, CoreError> {
        self.inner.db.read(queue::pending)
    }

    pub fn alert(&self, id: AlertId) -> Result<Option<LocalAlert>, CoreError> {
        self.inner.db.read(|c| alerts::get(c, id))
    }

    /// Recent alerts, newest first.
    pub fn alerts(&self) -> Result<Vec<LocalAlert>, CoreError> {
        self.inner.db.read(|c| alerts::list(c, RECENT_ALERTS))
    }

    /// Resolves when nothing is queued or in flight for the configured
    /// endpoints (only delivered or wedged rows remain), with the wedged rows.
    /// Waits as long as that takes (also while not enrolled).
    pub async fn wait_drained(&self) -> Result<DrainReport, CoreError> {
        let shared = &self.inner;
        let mut version = shared.outbox_version.subscribe();
        let mut shutdown = shared.shutdown.subscribe();
        loop {
            version.borrow_and_update();
            let keys = shared.endpoint_keys.clone();
            if shared.read(move |c| queue::active_count(c, &keys)).await? == 0 {
                let wedged = shared.read(queue::wedged).await?;
                return Ok(DrainReport { wedged });
            }
            tokio::select! {
                r = version.changed() => if r.is_err() { return Err(CoreError::Shutdown) },
                _ = stopped(&mut shutdown) => return Err(CoreError::Shutdown),
            }
        }
    }

    /// Stops every task and waits for them. Rows being sent go back to the
    /// queue; the database stays consistent. Later calls fail with `Shutdown`.
    pub async fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
        loop {
            let handles: Vec<_> =
                std::mem::take(&mut *self.inner.tasks.lock().unwrap_or_else(|p| p.into_inner()));
            if handles.is_empty() {
                break;
            }
            for h in handles {
                if tokio::time::timeout(Duration::from_secs(5), h)
                    .await
                    .is_err()
                {
                    tracing::warn!("a task did not stop in time");
                }
            }
        }
    }
}
