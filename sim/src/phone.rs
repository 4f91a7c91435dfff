//! One phone: `raise` and `deliver`, driving the real `auxilio-core`.

use std::io::Write;
use std::time::Duration;

use auxilio_core::backoff::{Backoff, Policy};
use auxilio_core::{
    AlertId, Core, CoreError, CoreEvent, Fix, FixSource, OutboxItemKind, Profile, SosRequest,
};
use auxilio_protocol::now_ms;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use crate::cli::{DeliverArgs, PhoneArgs, RaiseArgs};
use crate::SimError;

/// Enrolls if needed. If the server cannot be reached (or refuses), the
/// profile is saved locally so an SOS can still be raised and queued:
/// delivery waits for a later enrollment. Returns whether it is enrolled.
async fn ensure_enrolled(core: &Core, args: &PhoneArgs) -> Result<bool, SimError> {
    if core.is_enrolled() {
        return Ok(true);
    }
    let profile = core.profile().unwrap_or_else(|| args.profile());
    if let Some(code) = &args.code {
        match core.enroll(code, profile.clone()).await {
            Ok(_) => {
                tracing::info!(device = %core.device_id(), "enrolled");
                return Ok(true);
            }
            Err(e) => {
                tracing::warn!(error = %e, "enrollment failed; alerts stay queued until it succeeds")
            }
        }
    }
    if core.profile().is_none() {
        core.set_profile(profile)?;
    }
    Ok(false)
}

async fn enroll_until_done(core: Core, args: PhoneArgs) {
    let Some(code) = args.code.clone() else {
        return;
    };
    enroll_retrying(core, code, args.profile(), args.tuning.backoff()).await;
}

/// Keeps trying to enroll (server down at first) until it works or the
/// server refuses the code for good; then asks for an immediate delivery.
/// Waits as core's delivery does (full jitter within `policy`).
pub(crate) async fn enroll_retrying(core: Core, code: String, profile: Profile, policy: Policy) {
    let mut backoff = Backoff::new(policy);
    while !core.is_enrolled() {
        tokio::time::sleep(backoff.next_delay(None)).await;
        let profile = core.profile().unwrap_or_else(|| profile.clone());
        match core.enroll(&code, profile).await {
            Ok(_) => {
                tracing::info!(device = %core.device_id(), "enrolled");
                core.connectivity_restored();
                return;
            }
            Err(CoreError::Server { status, kind })
                if (400..500).contains(&status) && status != 408 && status != 429 =>
            {
                tracing::error!(status, kind = %kind, "enrollment refused; alerts stay queued");
                return;
            }
            Err(e) => tracing::debug!(error = %e, "enrollment still failing"),
        }
    }
}

/// `raise`: prints `queued <id>` as soon as the alert is committed, then
/// `received <id>` when the server has it (unless `--no-wait`).
pub async fn raise(args: RaiseArgs, out: &mut dyn Write) -> Result<AlertId, SimError> {
    let core = Core::open(args.phone.core_config()).await?;
    let result = raise_on(&core, &args, out).await;
    core.shutdown().await;
    result
}

async fn raise_on(core: &Core, args: &RaiseArgs, out: &mut dyn Write) -> Result<AlertId, SimError> {
    let enrolled = ensure_enrolled(core, &args.phone).await?;
    let fix = Fix {
        lat: args.lat,
        lon: args.lon,
        accuracy_m: args.accuracy,
        altitude_m: None,
        speed_mps: None,
        heading_deg: None,
        fixed_at_ms: now_ms(),
        source: FixSource::Gps,
    };
    if let Err(e) = core.feed_fix(fix) {
        // The SOS still goes out with the best position core has.
        tracing::warn!(error = %e, "the given fix was refused");
    }
    let mut events = core.subscribe();
    let id = core
        .raise_sos(SosRequest {
            kind: args.kind,
            silent: args.silent,
            note: args.note.clone(),
            battery_pct: args.battery,
        })
        .await?;
    writeln!(out, "queued {id}")?;
    out.flush()?;
    if args.no_wait {
        return Ok(id);
    }
    if !enrolled && args.phone.code.is_none() {
        // Nothing can enroll this phone in this run: the SOS stays queued
        // for `deliver --code`.
        return Err(SimError::NotEnrolled(core.pending()?.len()));
    }
    let enrolling =
        (!enrolled).then(|| tokio::spawn(enroll_until_done(core.clone(), args.phone.clone())));
    let timeout = args.wait_timeout_s.map(Duration::from_secs);
    let waited = wait_received(core, &mut events, id, timeout).await;
    if let Some(task) = enrolling {
        task.abort();
    }
    waited?;
    writeln!(out, "received {id}")?;
    out.flush()?;
    Ok(id)
}

/// Waits until the server has committed the alert (or it is wedged).
async fn wait_received(
    core: &Core,
    events: &mut tokio::sync::broadcast::Receiver<CoreEvent>,
    id: AlertId,
    timeout: Option<Duration>,
) -> Result<(), SimError> {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        if let Some(alert) = core.alert(id)? {
            if alert.received {
                return Ok(());
            }
            if let Some(reason) = alert.wedged_reason {
                return Err(SimError::Wedged {
                    count: 1,
                    reasons: reason,
                });
            }
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(SimError::Timeout(
                "the server has not confirmed the alert; it stays queued".into(),
            ));
        }
        // Events make it prompt; the periodic re-check covers lagged ones.
        let tick = tokio::time::sleep(Duration::from_millis(250));
        tokio::select! {
            event = events.recv() => match event {
                Ok(CoreEvent::Received { alert_id, .. }) if alert_id == id => return Ok(()),
                Ok(CoreEvent::Wedged { alert_id, item: OutboxItemKind::Alert, reason }) if alert_id == id => {
                    return Err(SimError::Wedged { count: 1, reasons: reason });
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return Err(SimError::Core(CoreError::Shutdown)),
            },
            _ = tick => {}
        }
    }
}

/// What `deliver` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverReport {
    /// Local alerts the server has confirmed.
    pub received: Vec<AlertId>,
}

/// `deliver`: sends whatever is queued in the data directory and returns
/// when nothing is queued or in flight. Wedged rows are an error.
pub async fn deliver(args: DeliverArgs, out: &mut dyn Write) -> Result<DeliverReport, SimError> {
    let core = Core::open(args.phone.core_config()).await?;
    let result = deliver_on(&core, &args, out).await;
    core.shutdown().await;
    result
}

async fn deliver_on(
    core: &Core,
    args: &DeliverArgs,
    out: &mut dyn Write,
) -> Result<DeliverReport, SimError> {
    let timeout = Duration::from_secs(args.timeout_s);
    let deadline = Instant::now() + timeout;
    if !ensure_enrolled(core, &args.phone).await? {
        let waiting = core.pending()?.len();
        if waiting == 0 {
            return Ok(DeliverReport {
                received: Vec::new(),
            });
        }
        if args.phone.code.is_none() {
            return Err(SimError::NotEnrolled(waiting));
        }
        let enrolling = enroll_until_done(core.clone(), args.phone.clone());
        if tokio::time::timeout_at(deadline, enrolling).await.is_err() || !core.is_enrolled() {
            return Err(SimError::NotEnrolled(waiting));
        }
    }
    core.connectivity_restored();
    let report = match tokio::time::timeout_at(deadline, core.wait_drained()).await {
        Ok(report) => report?,
        Err(_) => {
            let left = core.pending()?.len();
            return Err(SimError::Timeout(format!(
                "{left} outbox row(s) still undelivered after {}s",
                args.timeout_s
            )));
        }
    };
    let received: Vec<AlertId> = core
        .alerts()?
        .into_iter()
        .filter(|a| a.received)
        .map(|a| a.id)
        .collect();
    for id in &received {
        writeln!(out, "received {id}")?;
    }
    out.flush()?;
    if !report.wedged.is_empty() {
        let reasons = report
            .wedged
            .iter()
            .map(|w| {
                format!(
                    "{} {}: {}",
                    w.item.as_str(),
                    w.alert_id,
                    w.wedged_reason.as_deref().unwrap_or("no reason recorded")
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        return Err(SimError::Wedged {
            count: report.wedged.len(),
            reasons,
        });
    }
    writeln!(out, "drained")?;
    out.flush()?;
    Ok(DeliverReport { received })
}
