//! Many simulated phones moving through El Porvenir, each with its own
//! `auxilio-core` and data directory, raising alerts at a total rate.
//! `cargo xtask demo` runs this (`auxilio-sim fleet`) next to `auxilio-server demo`.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auxilio_core::{AlertId, Core, CoreEvent, SosRequest};
use auxilio_protocol::{now_ms, AlertKind};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::cli::Tuning;
use crate::people::{demo_person, Persona};
use crate::phone::enroll_retrying;
use crate::SimError;

/// How a fleet run is set up. [`FleetConfig::new`] gives sensible defaults.
#[derive(Clone, Debug)]
pub struct FleetConfig {
    pub server: url::Url,
    pub devices: usize,
    /// Alerts per minute, all phones together (a Poisson process).
    pub rate_per_min: f64,
    pub duration: Duration,
    pub code: Option<String>,
    /// Parent of the phones' data directories; a temporary one if `None`.
    pub data_dir: Option<PathBuf>,
    pub seed: u64,
    pub tuning: Tuning,
    /// Seconds between tracked positions after an SOS.
    pub tracking_interval: Duration,
    /// How often each phone's platform reports a fix.
    pub fix_interval: Duration,
    /// Share of alerts the person calls off a few seconds later.
    pub cancel_probability: f64,
    /// After the run, how long to wait for the queues to drain.
    pub drain_grace: Duration,
}

impl FleetConfig {
    pub fn new(server: url::Url, devices: usize, rate_per_min: f64, duration: Duration) -> Self {
        FleetConfig {
            server,
            devices,
            rate_per_min,
            duration,
            code: None,
            data_dir: None,
            seed: 2023,
            tuning: Tuning {
                fix_deadline_ms: 3000,
                ..Tuning::default()
            },
            tracking_interval: Duration::from_secs(10),
            fix_interval: Duration::from_secs(2),
            cancel_probability: 0.1,
            drain_grace: Duration::from_secs(15),
        }
    }
}

/// What happened during a fleet run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FleetReport {
    pub devices: usize,
    pub enrolled: usize,
    pub alerts_raised: usize,
    pub raise_failures: usize,
    /// Alerts the server confirmed (a `Received` event).
    pub alerts_received: usize,
    pub cancels_requested: usize,
    /// Acknowledged / dispatched / en route / on scene / resolved events.
    pub status_updates: usize,
    pub sms_fallbacks: usize,
    pub wedged: usize,
    /// Outbox rows not delivered when the run ended.
    pub still_pending: usize,
    /// From pressing SOS to the durable commit (includes the wait for a
    /// good fix, up to the fix deadline, for phones indoors).
    pub queue_ms_p50: Option<u64>,
    pub queue_ms_max: Option<u64>,
    /// From the commit on the phone to the server's receipt.
    pub delivery_ms_p50: Option<u64>,
    pub delivery_ms_p95: Option<u64>,
    pub delivery_ms_max: Option<u64>,
}

impl std::fmt::Display for FleetReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v} ms"));
        write!(
            f,
            "fleet: {} phones ({} enrolled), {} alerts raised ({} failed), {} received by the server, \
             {} cancelled, {} status updates, {} SMS fallbacks, {} wedged, {} rows still pending; \
             SOS to queued p50 {} max {}; queued to received p50 {} p95 {} max {}",
            self.devices,
            self.enrolled,
            self.alerts_raised,
            self.raise_failures,
            self.alerts_received,
            self.cancels_requested,
            self.status_updates,
            self.sms_fallbacks,
            self.wedged,
            self.still_pending,
            ms(self.queue_ms_p50),
            ms(self.queue_ms_max),
            ms(self.delivery_ms_p50),
            ms(self.delivery_ms_p95),
            ms(self.delivery_ms_max),
        )
    }
}

#[derive(Default)]
struct Tally {
    report: FleetReport,
    raised_at: HashMap<AlertId, Instant>,
    queue_ms: Vec<u64>,
    received_at: HashMap<AlertId, Instant>,
}

type Shared = Arc<Mutex<Tally>>;

fn tally(shared: &Shared) -> std::sync::MutexGuard<'_, Tally> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

struct Phone {
    index: usize,
    persona: Persona,
    core: Core,
}

/// Runs the fleet for `config.duration`.
pub async fn run(config: FleetConfig) -> Result<FleetReport, SimError> {
    run_until(config, std::future::pending()).await
}

/// Runs the fleet until `config.duration` passes or `stop` completes.
pub async fn run_until(
    config: FleetConfig,
    stop: impl Future<Output = ()>,
) -> Result<FleetReport, SimError> {
    if config.devices == 0 {
        return Err(SimError::Argument("a fleet needs at least one device"));
    }
    if !config.rate_per_min.is_finite() || config.rate_per_min < 0.0 {
        return Err(SimError::Argument(
            "the rate must be a number of alerts per minute, 0 or more",
        ));
    }
    let temp = match &config.data_dir {
        Some(_) => None,
        None => Some(tempfile::tempdir()?),
    };
    let root = match (&config.data_dir, &temp) {
        (Some(dir), _) => dir.clone(),
        (None, Some(t)) => t.path().to_path_buf(),
        (None, None) => return Err(SimError::Argument("no data directory")),
    };
    let shared: Shared = Arc::default();
    let mut tasks = JoinSet::new();
    let mut rng = StdRng::seed_from_u64(config.seed);
    let phones = start_phones(&config, &root, &shared, &mut tasks, &mut rng).await?;
    tracing::info!(devices = phones.len(), "fleet started");

    let raising = raise_alerts(&config, &phones, &shared, &mut tasks, &mut rng);
    tokio::select! {
        _ = raising => {}
        _ = stop => tracing::info!("fleet stopped early"),
    }

    // Let the queues drain, then stop everything.
    let grace = config.drain_grace;
    let mut drains = JoinSet::new();
    for phone in &phones {
        let core = phone.core.clone();
        drains.spawn(async move {
            let _ = tokio::time::timeout(grace, core.wait_drained()).await;
            core.pending().map(|p| p.len()).unwrap_or(0)
        });
    }
    let mut still_pending = 0;
    while let Some(left) = drains.join_next().await {
        still_pending += left.unwrap_or(0);
    }
    tasks.abort_all();
    for phone in &phones {
        phone.core.shutdown().await;
    }
    drop(temp);

    let mut t = tally(&shared);
    let mut latencies: Vec<u64> = t
        .received_at
        .iter()
        .filter_map(|(id, rx)| {
            let raised = t.raised_at.get(id)?;
            Some(rx.saturating_duration_since(*raised).as_millis() as u64)
        })
        .collect();
    let mut queue_ms = std::mem::take(&mut t.queue_ms);
    t.report.queue_ms_p50 = percentile(&mut queue_ms, 0.5);
    t.report.queue_ms_max = percentile(&mut queue_ms, 1.0);
    t.report.delivery_ms_p50 = percentile(&mut latencies, 0.5);
    t.report.delivery_ms_p95 = percentile(&mut latencies, 0.95);
    t.report.delivery_ms_max = percentile(&mut latencies, 1.0);
    t.report.devices = phones.len();
    t.report.still_pending = still_pending;
    Ok(t.report.clone())
}

/// The `q` quantile (nearest rank) of `values`, `None` if empty.
fn percentile(values: &mut [u64], q: f64) -> Option<u64> {
    values.sort_unstable();
    let last = values.len().checked_sub(1)?;
    values
        .get(((last as f64) * q.clamp(0.0, 1.0)).round() as usize)
        .copied()
}

async fn start_phones(
    config: &FleetConfig,
    root: &std::path::Path,
    shared: &Shared,
    tasks: &mut JoinSet<()>,
    rng: &mut StdRng,
) -> Result<Vec<Phone>, SimError> {
    let mut phones = Vec::with_capacity(config.devices);
    for index in 0..config.devices {
        let person = demo_person(index, rng);
        let mut core_config = config.tuning.core_config(
            root.join(format!("phone-{index:04}")),
            config.server.clone(),
        );
        core_config.tracking_interval = config.tracking_interval;
        let core = Core::open(core_config).await?;
        let mut enrolled = core.is_enrolled();
        if !enrolled {
            if let Some(code) = &config.code {
                match core.enroll(code, person.profile.clone()).await {
                    Ok(_) => enrolled = true,
                    Err(e) => {
                        tracing::warn!(phone = index, error = %e, "enrollment failed; retrying in the background");
                        core.set_profile(person.profile.clone())?;
                        tasks.spawn(enroll_retrying(
                            core.clone(),
                            code.clone(),
                            person.profile.clone(),
                            config.tuning.backoff(),
                        ));
                    }
                }
            } else if core.profile().is_none() {
                core.set_profile(person.profile.clone())?;
            }
        }
        if enrolled {
            tally(shared).report.enrolled += 1;
        }
        tasks.spawn(move_phone(
            core.clone(),
            person.mover,
            config.fix_interval,
            rng.gen(),
        ));
        tasks.spawn(listen(core.clone(), shared.clone()));
        phones.push(Phone {
            index,
            persona: person.persona,
            core,
        });
    }
    Ok(phones)
}

/// The platform side: reports a fix every `interval` while the phone moves.
async fn move_phone(core: Core, mut mover: crate::geo::Mover, interval: Duration, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    // A zero interval would make tokio panic; no phone reports faster anyway.
    let interval = interval.max(Duration::from_millis(50));
    let mut ticker = tokio::time::interval(interval);
    loop {
        ticker.tick().await;
        mover.step(interval.as_secs_f64(), &mut rng);
        if let Err(e) = core.feed_fix(mover.fix(now_ms(), &mut rng)) {
            tracing::warn!(error = %e, "a simulated fix was refused");
        }
    }
}

/// The UI side: counts what the person would see.
async fn listen(core: Core, shared: Shared) {
    let mut events = core.subscribe();
    loop {
        let event = match events.recv().await {
            Ok(e) => e,
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "fleet listener lagged");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let mut t = tally(&shared);
        match event {
            CoreEvent::Received { alert_id, .. } => {
                let first = !t.received_at.contains_key(&alert_id);
                t.received_at.entry(alert_id).or_insert_with(Instant::now);
                t.report.alerts_received += usize::from(first);
            }
            CoreEvent::Acknowledged { .. }
            | CoreEvent::Dispatched { .. }
            | CoreEvent::EnRoute { .. }
            | CoreEvent::OnScene { .. }
            | CoreEvent::Resolved { .. } => t.report.status_updates += 1,
            CoreEvent::SmsFallback { alert_id, .. } => {
                t.report.sms_fallbacks += 1;
                drop(t);
                // A simulated phone "sends" the SMS at once.
                if let Err(e) = core.sms_fallback_sent(alert_id) {
                    tracing::warn!(error = %e, "could not record the SMS fallback");
                }
            }
            CoreEvent::Wedged {
                alert_id,
                item,
                reason,
            } => {
                t.report.wedged += 1;
                tracing::warn!(%alert_id, item = item.as_str(), %reason, "outbox row wedged");
            }
            _ => {}
        }
    }
}

/// Raises alerts at the configured rate until the duration has passed.
async fn raise_alerts(
    config: &FleetConfig,
    phones: &[Phone],
    shared: &Shared,
    tasks: &mut JoinSet<()>,
    rng: &mut StdRng,
) {
    // A duration too large for the clock means "until stopped".
    let now = Instant::now();
    let end = now
        .checked_add(config.duration)
        .unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 24 * 3600));
    if config.rate_per_min <= 0.0 {
        tokio::time::sleep_until(end).await;
        return;
    }
    let mean_gap_s = 60.0 / config.rate_per_min;
    loop {
        let u: f64 = rng.gen_range(0.0..1.0);
        let gap = Duration::from_secs_f64((-(1.0 - u).ln() * mean_gap_s).min(3600.0));
        let at = Instant::now() + gap;
        if at >= end {
            tokio::time::sleep_until(end).await;
            return;
        }
        tokio::time::sleep_until(at).await;
        let phone = &phones[rng.gen_range(0..phones.len())];
        let kind = phone.persona.alert_kind(rng);
        let request = SosRequest {
            kind,
            silent: kind == AlertKind::Violencia && rng.gen_bool(0.6),
            note: None,
            battery_pct: Some(rng.gen_range(8..100)),
        };
        let cancel_after = rng
            .gen_bool(config.cancel_probability.clamp(0.0, 1.0))
            .then(|| Duration::from_secs(rng.gen_range(3..15)));
        tasks.spawn(raise_one(
            phone.core.clone(),
            phone.index,
            request,
            cancel_after,
            shared.clone(),
        ));
    }
}

async fn raise_one(
    core: Core,
    index: usize,
    request: SosRequest,
    cancel_after: Option<Duration>,
    shared: Shared,
) {
    let kind = request.kind;
    let started = Instant::now();
    let id = match core.raise_sos(request).await {
        Ok(id) => id,
        Err(e) => {
            tally(&shared).report.raise_failures += 1;
            tracing::warn!(phone = index, error = %e, "raising an SOS failed");
            return;
        }
    };
    {
        let mut t = tally(&shared);
        t.report.alerts_raised += 1;
        t.queue_ms.push(started.elapsed().as_millis() as u64);
        // Delivery is timed from the commit (raise_sos returns after it).
        t.raised_at.insert(id, Instant::now());
    }
    tracing::info!(phone = index, alert_id = %id, kind = kind.as_str(), "SOS raised");
    if let Some(after) = cancel_after {
        tokio::time::sleep(after).await;
        match core
            .cancel(id, Some("falsa alarma (demo)".to_owned()))
            .await
        {
            Ok(()) => tally(&shared).report.cancels_requested += 1,
            Err(e) => tracing::info!(alert_id = %id, error = %e, "cancel not possible"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> FleetConfig {
        let server = url::Url::parse("http://127.0.0.1:9/").unwrap();
        FleetConfig::new(server, 1, 1.0, Duration::from_secs(1))
    }

    #[tokio::test]
    async fn test_a_fleet_without_phones_or_with_a_nonsense_rate_is_refused() {
        let mut c = config();
        c.devices = 0;
        assert!(matches!(run(c).await, Err(SimError::Argument(_))));
        let mut c = config();
        c.rate_per_min = f64::NAN;
        assert!(matches!(run(c).await, Err(SimError::Argument(_))));
    }

    #[tokio::test]
    async fn test_a_stop_signal_ends_an_endless_fleet_with_a_zero_fix_interval() {
        let data = tempfile::tempdir().unwrap();
        let mut c = config();
        c.duration = Duration::MAX;
        c.fix_interval = Duration::ZERO;
        c.rate_per_min = 0.0;
        c.drain_grace = Duration::from_millis(10);
        c.data_dir = Some(data.path().to_path_buf());
        let stop = tokio::time::sleep(Duration::from_millis(300));
        let report = run_until(c, stop).await.unwrap();
        assert_eq!(report.devices, 1);
        assert_eq!(report.alerts_raised, 0);
        assert_eq!(report.enrolled, 0, "no code, no server: not enrolled");
    }

    #[test]
    fn test_percentiles_use_the_nearest_rank() {
        let mut v = vec![50, 10, 40, 20, 30];
        assert_eq!(percentile(&mut v, 0.5), Some(30));
        assert_eq!(percentile(&mut v, 1.0), Some(50));
        assert_eq!(percentile(&mut [], 0.5), None);
    }
}
