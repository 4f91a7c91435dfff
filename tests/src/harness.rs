//! Phones for the end-to-end stories: a real `auxilio-core` with quick
//! retry settings, a platform that keeps reporting fixes, and a log of the
//! events the UI would see.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auxilio_core::{Core, CoreConfig, CoreError, CoreEvent, Fix, FixSource, Profile};
use auxilio_protocol::{now_ms, ReporterRole};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::{E2eError, TestServer, DEFAULT_WAIT};

/// Settings that keep a story short: 20 ms to 200 ms backoff, 2 s request
/// timeout, a 1 s fix deadline, 100 ms status polling and 200 ms tracking
/// for at most 3 s. No SMS fallback unless a test sets it.
pub fn quick_config(dir: &Path, server: url::Url) -> CoreConfig {
    let mut c = CoreConfig::new(dir, server);
    c.app_version = "auxilio-e2e/1".to_owned();
    c.fix_deadline = Duration::from_secs(1);
    c.backoff_initial = Duration::from_millis(20);
    c.backoff_cap = Duration::from_millis(200);
    c.request_timeout = Duration::from_secs(2);
    c.sms_fallback_after = Duration::from_secs(600);
    c.sms_number = None;
    c.tracking_interval = Duration::from_millis(200);
    c.tracking_max = Duration::from_secs(3);
    c.status_poll_interval = Duration::from_millis(100);
    c
}

/// A made-up mototaxi driver.
pub fn demo_profile() -> Profile {
    Profile {
        display_name: "Segundo Demo Polo".to_owned(),
        dni: None,
        phone: "+51 900 000 777".to_owned(),
        role: ReporterRole::MototaxiDriver,
        plate: Some("DEMO-0777".to_owned()),
        place: None,
    }
}

/// A fresh GPS fix in El Porvenir, 12 m accuracy.
pub fn good_fix(lat: f64, lon: f64) -> Fix {
    Fix {
        lat,
        lon,
        accuracy_m: 12.0,
        altitude_m: None,
        speed_mps: Some(5.0),
        heading_deg: Some(90.0),
        fixed_at_ms: now_ms(),
        source: FixSource::Gps,
    }
}

/// Opens a core on `dir` and enrolls it with `server` (which must be up).
pub async fn enrolled_phone(server: &TestServer, config: CoreConfig) -> Result<Core, CoreError> {
    let core = Core::open(config).await?;
    if !core.is_enrolled() {
        core.enroll(&server.enroll_code(), demo_profile()).await?;
    }
    core.feed_fix(good_fix(-8.07, -79.0))?;
    Ok(core)
}

/// A task that ends when dropped.
pub struct Task(JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The platform reporting a fix every `every`, moving east a few metres
/// each time, as a phone in a moving mototaxi does.
pub fn keep_feeding(core: &Core, every: Duration) -> Task {
    let core = core.clone();
    Task(tokio::spawn(async move {
        let mut lon = -79.0;
        loop {
            lon += 0.00003;
            if lon > -78.981 {
                lon = -79.0;
            }
            let _ = core.feed_fix(good_fix(-8.07, lon));
            tokio::time::sleep(every).await;
        }
    }))
}

/// Every event a core emitted since the log started, in order.
pub struct EventLog {
    events: Arc<Mutex<Vec<CoreEvent>>>,
    changed: Arc<Notify>,
    _task: Task,
}

impl EventLog {
    pub fn start(core: &Core) -> EventLog {
        let events: Arc<Mutex<Vec<CoreEvent>>> = Arc::default();
        let changed = Arc::new(Notify::new());
        let mut rx = core.subscribe();
        let task = {
            let (events, changed) = (events.clone(), changed.clone());
            tokio::spawn(async move {
                loop {
                    match rx.recv().await {
                        Ok(e) => {
                            events.lock().unwrap_or_else(|p| p.into_inner()).push(e);
                            changed.notify_waiters();
                        }
                        Err(RecvError::Lagged(n)) => {
                            tracing::warn!(missed = n, "event log lagged");
                        }
                        Err(RecvError::Closed) => return,
                    }
                }
            })
        };
        EventLog {
            events,
            changed,
            _task: Task(task),
        }
    }

    pub fn all(&self) -> Vec<CoreEvent> {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits (up to [`DEFAULT_WAIT`]) for an event matching `pick`.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        pick: impl Fn(&CoreEvent) -> Option<T>,
    ) -> Result<T, E2eError> {
        let deadline = tokio::time::Instant::now() + DEFAULT_WAIT;
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(found) = self.all().iter().find_map(&pick) {
                return Ok(found);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(E2eError::Timeout(what.to_owned()));
            }
            let _ = tokio::time::timeout_at(deadline, changed).await;
        }
    }
}
