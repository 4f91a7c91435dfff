//! The one typed configuration of a [`crate::Core`].

use std::path::PathBuf;
use std::time::Duration;

/// Everything a [`crate::Core`] needs to run. [`CoreConfig::new`] gives the
/// defaults; change fields before calling [`crate::Core::open`].
#[derive(Clone, Debug)]
pub struct CoreConfig {
    /// Holds `auxilio.db` (SQLite, WAL).
    pub data_dir: PathBuf,
    /// The serenazgo server base URL (first delivery endpoint; enrollment and
    /// status polling go here).
    pub server: url::Url,
    /// More endpoints; each gets its own delivery task and its own outbox rows.
    pub extra_endpoints: Vec<url::Url>,
    pub app_version: String,
    /// The refinement window: `raise_sos` never waits, and for this long after
    /// the tap the first good fresh fix (or the best at the end) follows as
    /// the alert's refined position.
    pub fix_deadline: Duration,
    /// A fix at least this accurate (metres) is good (EENA: 50 m): it needs
    /// no refinement, or it ends the refinement window at once.
    pub good_accuracy_m: f64,
    /// Fixes older than this are "last known", never passed off as fresh.
    pub fresh_max_age: Duration,
    pub backoff_initial: Duration,
    /// Upper bound of one backoff wait (full jitter); `Retry-After` may ask for more.
    pub backoff_cap: Duration,
    pub request_timeout: Duration,
    /// Without a server receipt after this long, a `SmsFallback` event is emitted.
    pub sms_fallback_after: Duration,
    /// `None`: no SMS fallback unless enrollment gives a number.
    pub sms_number: Option<String>,
    /// How often a position update is queued while an alert is open…
    pub tracking_interval: Duration,
    /// …for this long after it was raised; then every `tracking_slow_interval`
    /// (to save battery) while it stays open…
    pub tracking_slow_after: Duration,
    pub tracking_slow_interval: Duration,
    /// …until it is resolved or cancelled, or this long after it was raised.
    pub tracking_max: Duration,
    /// Queued position updates kept per alert and endpoint; the newest win.
    pub max_positions_per_alert: u32,
    /// Position updates in one `PositionBatch` request.
    pub position_batch_max: usize,
    /// How often the server status of open, delivered alerts is polled.
    pub status_poll_interval: Duration,
    /// How far core's reading of the wall clock is shifted from the system
    /// clock, in ms: 0 on a real phone. Tests and the simulator set it to
    /// play a phone whose clock is wrong (2000-01-01, days ahead); an SOS
    /// must get through all the same.
    pub clock_offset_ms: i64,
    /// How often rows refused for good (wedged) are queued again on their
    /// own: a refusal is never the end of an SOS. 10 min by default.
    pub wedged_retry_every: Duration,
}

impl CoreConfig {
    /// The defaults of the contract (8 s fix deadline, 50 m, 30 s fresh, 1 s–60 s
    /// backoff, 15 s timeout, 30 s SMS fallback, tracking every 10 s for the
    /// first hour then every 60 s while the alert is open, up to 12 h,
    /// 2,000 positions per alert, 200 per batch, 5 s status polling, wedged rows
    /// retried every 10 min).
    pub fn new(data_dir: impl Into<PathBuf>, server: url::Url) -> Self {
        CoreConfig {
            data_dir: data_dir.into(),
            server,
            extra_endpoints: Vec::new(),
            app_version: concat!("auxilio-core/", env!("CARGO_PKG_VERSION")).to_string(),
            fix_deadline: Duration::from_secs(8),
            good_accuracy_m: 50.0,
            fresh_max_age: Duration::from_secs(30),
            backoff_initial: crate::backoff::Policy::DEFAULT.initial,
            backoff_cap: crate::backoff::Policy::DEFAULT.cap,
            request_timeout: Duration::from_secs(15),
            sms_fallback_after: Duration::from_secs(30),
            sms_number: None,
            tracking_interval: Duration::from_secs(10),
            tracking_slow_after: Duration::from_secs(60 * 60),
            tracking_slow_interval: Duration::from_secs(60),
            tracking_max: Duration::from_secs(12 * 60 * 60),
            max_positions_per_alert: 2000,
            position_batch_max: 200,
            status_poll_interval: Duration::from_secs(5),
            clock_offset_ms: 0,
            wedged_retry_every: Duration::from_secs(10 * 60),
        }
    }

    /// All delivery endpoints, the server first.
    pub fn endpoints(&self) -> Vec<url::Url> {
        let mut all = vec![self.server.clone()];
        for e in &self.extra_endpoints {
            if !all.contains(e) {
                all.push(e.clone());
            }
        }
        all
    }
}

/// How outbox rows name the serenazgo server: by role, not URL, so rows
/// queued before its address changes still go to it.
pub const SERVER_ENDPOINT: &str = "server";

/// The outbox name of endpoint `index`: [`SERVER_ENDPOINT`] first, then each
/// extra endpoint's URL.
pub(crate) fn endpoint_key(index: usize, url: &url::Url) -> String {
    if index == 0 {
        SERVER_ENDPOINT.to_owned()
    } else {
        url.as_str().to_owned()
    }
}
