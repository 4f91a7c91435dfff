//! One phone: `raise` and `deliver`, driving the real `auxilio-core`.

use std::io::Write;
use std::time::Duration;

use auxilio_core::backoff::{Backoff, Policy};
use auxilio_core::{
    AlertId, Core, CoreError, CoreEvent, Fix, FixSource, OutboxItemKind, Profile, SosRequest,
};
use auxilio_protocol::now_ms;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::cli::{DeliverArgs, PhoneArgs, RaiseArgs, SmsArgs, Tuning};
use crate::gateway::Gateway;
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
/// `received <id>` when the server has it (unless `--no-wait`). With
/// `--sms-gateway`, the SMS fallback is posted there when it fires, and
/// `sms-sent <id>` ends the wait if the gateway took it first.
pub async fn raise(args: RaiseArgs, out: &mut dyn Write) -> Result<AlertId, SimError> {
    let mut config = args.phone.core_config();
    if let Some(ms) = args.sms_after_ms {
        config.sms_fallback_after = Duration::from_millis(ms);
    }
    let gateway = match (&args.sms_gateway, &args.sms_gateway_secret) {
        (Some(url), Some(secret)) => {
            // Core asks for the SMS only when it knows where it goes: here,
            // the gateway, unless a number was learned at enrollment.
            config.sms_number.get_or_insert_with(|| url.to_string());
            Some(Gateway {
                url: url.clone(),
                secret: secret.clone(),
                from: args.phone.phone.clone(),
            })
        }
        (None, None) => None,
        _ => {
            return Err(SimError::Argument(
                "--sms-gateway needs --sms-gateway-secret",
            ))
        }
    };
    let core = Core::open(config).await?;
    let result = raise_on(&core, &args, gateway, out).await;
    core.shutdown().await;
    result
}

/// How a `raise` wait ended.
enum Waited {
    Received,
    SmsSent,
}

/// Waits until the gateway took the SMS of `id`; never returns if it does not.
async fn sms_sent(sent: &mut mpsc::UnboundedReceiver<AlertId>, id: AlertId) {
    while let Some(done) = sent.recv().await {
        if done == id {
            return;
        }
    }
    std::future::pending::<()>().await;
}

async fn raise_on(
    core: &Core,
    args: &RaiseArgs,
    gateway: Option<Gateway>,
    out: &mut dyn Write,
) -> Result<AlertId, SimError> {
    let enrolled = ensure_enrolled(core, &args.phone).await?;
    let given = args.lat.zip(args.lon);
    let late_fix = match (given, args.fix_after_ms) {
        (Some(at), None) => {
            feed(core, at, args.accuracy);
            None
        }
        (Some(at), Some(ms)) => {
            let (core, accuracy) = (core.clone(), args.accuracy);
            Some(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                feed(&core, at, accuracy);
            }))
        }
        // No position at all: the SOS goes without one.
        (None, _) => None,
    };
    let mut events = core.subscribe();
    let (sent_tx, mut sent) = mpsc::unbounded_channel();
    let playing = gateway
        .filter(|_| !args.no_wait)
        .map(|g| tokio::spawn(g.run(core.clone(), core.subscribe(), sent_tx)));
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
    let waited = tokio::select! {
        r = wait_received(core, &mut events, id, timeout) => r.map(|()| Waited::Received),
        () = sms_sent(&mut sent, id) => Ok(Waited::SmsSent),
    };
    for task in enrolling.into_iter().chain(playing) {
        task.abort();
    }
    match waited? {
        Waited::Received => {
            if let Some(feeding) = late_fix {
                // The refined position follows the alert: wait until it is
                // fed, queued and delivered too (events are still read from
                // before the tap, so none is missed).
                let _ = feeding.await;
                let refined = async {
                    while let Ok(e) = events.recv().await {
                        if matches!(e, CoreEvent::PositionRefined { alert_id } if alert_id == id) {
                            return;
                        }
                    }
                };
                let window = Duration::from_millis(args.phone.tuning.fix_deadline_ms)
                    + Duration::from_secs(1);
                if tokio::time::timeout(window, refined).await.is_ok() {
                    core.wait_drained().await?;
                }
            }
            writeln!(out, "received {id}")?
        }
        // The alert stays queued: `deliver` sends its HTTP copy later.
        Waited::SmsSent => writeln!(out, "sms-sent {id}")?,
    }
    out.flush()?;
    if let Some(s) = args.stay_s {
        stay(core, given, args.accuracy, Duration::from_secs(s)).await;
        writeln!(out, "stayed {id}")?;
        out.flush()?;
    }
    Ok(id)
}

/// The fix given on the command line, measured now.
fn given_fix((lat, lon): (f64, f64), accuracy_m: f64) -> Fix {
    Fix {
        lat,
        lon,
        accuracy_m,
        altitude_m: None,
        speed_mps: None,
        heading_deg: None,
        fixed_at_ms: now_ms(),
        source: FixSource::Gps,
    }
}

/// Feeds the fix given on the command line, measured now.
fn feed(core: &Core, at: (f64, f64), accuracy_m: f64) {
    if let Err(e) = core.feed_fix(given_fix(at, accuracy_m)) {
        // The SOS still goes out with the best position core has.
        tracing::warn!(error = %e, "the given fix was refused");
    }
}

/// Keeps the phone up for `how_long`, the person standing still at `at`
/// (if a position was given): the same position with a new time every 2 s,
/// as a phone's GPS reports it.
async fn stay(core: &Core, at: Option<(f64, f64)>, accuracy_m: f64, how_long: Duration) {
    let report = async {
        let mut every = tokio::time::interval(Duration::from_secs(2));
        loop {
            every.tick().await;
            if let Some(at) = at {
                feed(core, at, accuracy_m);
            }
        }
    };
    let _ = tokio::time::timeout(how_long, report).await;
}

/// `sms`: prints the compact signed SMS text of an alert in `--data`.
pub async fn sms(args: SmsArgs, out: &mut dyn Write) -> Result<(), SimError> {
    if !args.data.join("auxilio.db").is_file() {
        return Err(SimError::Argument("--data holds no phone (no auxilio.db)"));
    }
    let config = Tuning::default().core_config(args.data.clone(), args.server.clone());
    let core = Core::open(config).await?;
    let result = sms_on(&core, args.alert, out);
    core.shutdown().await;
    result
}

fn sms_on(core: &Core, alert: Option<AlertId>, out: &mut dyn Write) -> Result<(), SimError> {
    let id = match alert {
        Some(id) => id,
        None => core
            .alerts()?
            .into_iter()
            .find(|a| !a.received)
            .map(|a| a.id)
            .ok_or(SimError::Argument(
                "no undelivered alert in --data: pass --alert",
            ))?,
    };
    writeln!(out, "{}", core.sms_text(id)?)?;
    out.flush()?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use auxilio_core::AlertKind;
    use auxilio_protocol::sms::parse_sms;

    #[tokio::test]
    async fn test_sms_prints_the_signed_text_of_the_queued_alert() {
        let dir = tempfile::tempdir().unwrap();
        let server: url::Url = "http://127.0.0.1:9/".parse().unwrap();
        let config = Tuning::default().core_config(dir.path().to_path_buf(), server.clone());
        let core = Core::open(config).await.unwrap();
        let args = PhoneArgs {
            server: server.clone(),
            data: dir.path().to_path_buf(),
            code: None,
            name: "Vecina Demo".into(),
            phone: "+51 900 000 001".into(),
            role: crate::cli::RoleArg::Resident,
            plate: None,
            tuning: Tuning::default(),
        };
        core.set_profile(args.profile()).unwrap();
        core.feed_fix(Fix {
            lat: -8.07,
            lon: -79.0,
            accuracy_m: 8.0,
            altitude_m: None,
            speed_mps: None,
            heading_deg: None,
            fixed_at_ms: now_ms(),
            source: FixSource::Gps,
        })
        .unwrap();
        let id = core
            .raise_sos(SosRequest {
                kind: AlertKind::Incendio,
                silent: false,
                note: None,
                battery_pct: None,
            })
            .await
            .unwrap();
        let (device, key) = (core.device_id(), core.public_key());
        core.shutdown().await;

        for alert in [None, Some(id)] {
            let mut out = Vec::new();
            let sms_args = SmsArgs {
                data: dir.path().to_path_buf(),
                alert,
                server: server.clone(),
            };
            sms(sms_args, &mut out).await.unwrap();
            let text = String::from_utf8(out).unwrap();
            let signed = parse_sms(&text).unwrap();
            signed.verify(&key).unwrap();
            assert_eq!(signed.alert.id, id);
            assert_eq!(signed.alert.device_id, device);
            assert_eq!(signed.alert.kind, AlertKind::Incendio);
        }
        // An unknown alert, and a folder that holds no phone.
        let unknown = SmsArgs {
            data: dir.path().to_path_buf(),
            alert: Some(uuid::Uuid::now_v7()),
            server: server.clone(),
        };
        assert!(sms(unknown, &mut Vec::new()).await.is_err());
        let empty = tempfile::tempdir().unwrap();
        let nothing = SmsArgs {
            data: empty.path().to_path_buf(),
            alert: None,
            server,
        };
        assert!(matches!(
            sms(nothing, &mut Vec::new()).await,
            Err(SimError::Argument(_))
        ));
    }
}
