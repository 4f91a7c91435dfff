//! The configuration of a core, as a record native code can fill. Start from
//! [`default_config`] (core's defaults) and change what the app needs.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::AuxilioError;

/// Everything core needs to run. Durations are milliseconds.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct CoreConfig {
    /// A directory private to the app (Android `filesDir`, iOS Application
    /// Support); core keeps `auxilio.db` there.
    pub data_dir: String,
    /// The serenazgo server base URL (enrollment, delivery, status).
    pub server_url: String,
    /// More delivery endpoints, each with its own queue.
    pub extra_endpoints: Vec<String>,
    /// Sent with every alert, e.g. `"auxilio-android/1.4.0"`.
    pub app_version: String,
    /// The refinement window after the tap (`raise_sos` itself never waits).
    pub fix_deadline_ms: u64,
    /// A fix at least this accurate (metres) ends the wait at once.
    pub good_accuracy_m: f64,
    /// Fixes older than this are "last known", never passed off as fresh.
    pub fresh_max_age_ms: u64,
    pub backoff_initial_ms: u64,
    pub backoff_cap_ms: u64,
    pub request_timeout_ms: u64,
    /// Without a server receipt after this long, a `SmsFallback` event comes.
    pub sms_fallback_after_ms: u64,
    /// `None`: no SMS fallback unless enrollment gives a number.
    pub sms_number: Option<String>,
    /// How often a position update is queued while an alert is open…
    pub tracking_interval_ms: u64,
    /// …for this long after it was raised; then every
    /// `tracking_slow_interval_ms` while it stays open…
    pub tracking_slow_after_ms: u64,
    pub tracking_slow_interval_ms: u64,
    /// …up to this long after it was raised.
    pub tracking_max_ms: u64,
    pub max_positions_per_alert: u32,
    pub position_batch_max: u32,
    /// How often the server status of open alerts is polled.
    pub status_poll_interval_ms: u64,
    /// How often refused (wedged) rows are tried again, in ms.
    pub wedged_retry_every_ms: u64,
}

/// Core's defaults for a data directory and a server.
#[uniffi::export]
pub fn default_config(data_dir: String, server_url: String) -> Result<CoreConfig, AuxilioError> {
    let server = parse_url(&server_url, "server_url is not a URL")?;
    Ok(auxilio_core::CoreConfig::new(PathBuf::from(data_dir), server).into())
}

fn parse_url(s: &str, reason: &str) -> Result<url::Url, AuxilioError> {
    url::Url::parse(s).map_err(|_| AuxilioError::Config {
        reason: reason.to_owned(),
    })
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn duration(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

impl From<auxilio_core::CoreConfig> for CoreConfig {
    fn from(c: auxilio_core::CoreConfig) -> Self {
        CoreConfig {
            data_dir: c.data_dir.to_string_lossy().into_owned(),
            server_url: c.server.to_string(),
            extra_endpoints: c.extra_endpoints.iter().map(|u| u.to_string()).collect(),
            app_version: c.app_version,
            fix_deadline_ms: ms(c.fix_deadline),
            good_accuracy_m: c.good_accuracy_m,
            fresh_max_age_ms: ms(c.fresh_max_age),
            backoff_initial_ms: ms(c.backoff_initial),
            backoff_cap_ms: ms(c.backoff_cap),
            request_timeout_ms: ms(c.request_timeout),
            sms_fallback_after_ms: ms(c.sms_fallback_after),
            sms_number: c.sms_number,
            tracking_interval_ms: ms(c.tracking_interval),
            tracking_slow_after_ms: ms(c.tracking_slow_after),
            tracking_slow_interval_ms: ms(c.tracking_slow_interval),
            tracking_max_ms: ms(c.tracking_max),
            max_positions_per_alert: c.max_positions_per_alert,
            position_batch_max: u32::try_from(c.position_batch_max).unwrap_or(u32::MAX),
            status_poll_interval_ms: ms(c.status_poll_interval),
            wedged_retry_every_ms: ms(c.wedged_retry_every),
        }
    }
}

impl TryFrom<CoreConfig> for auxilio_core::CoreConfig {
    type Error = AuxilioError;

    fn try_from(c: CoreConfig) -> Result<Self, AuxilioError> {
        let extra_endpoints = c
            .extra_endpoints
            .iter()
            .map(|u| parse_url(u, "an extra endpoint is not a URL"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(auxilio_core::CoreConfig {
            data_dir: PathBuf::from(c.data_dir),
            server: parse_url(&c.server_url, "server_url is not a URL")?,
            extra_endpoints,
            app_version: c.app_version,
            fix_deadline: duration(c.fix_deadline_ms),
            good_accuracy_m: c.good_accuracy_m,
            fresh_max_age: duration(c.fresh_max_age_ms),
            backoff_initial: duration(c.backoff_initial_ms),
            backoff_cap: duration(c.backoff_cap_ms),
            request_timeout: duration(c.request_timeout_ms),
            sms_fallback_after: duration(c.sms_fallback_after_ms),
            sms_number: c.sms_number,
            tracking_interval: duration(c.tracking_interval_ms),
            tracking_slow_after: duration(c.tracking_slow_after_ms),
            tracking_slow_interval: duration(c.tracking_slow_interval_ms),
            tracking_max: duration(c.tracking_max_ms),
            max_positions_per_alert: c.max_positions_per_alert,
            position_batch_max: usize::try_from(c.position_batch_max).unwrap_or(usize::MAX),
            status_poll_interval: duration(c.status_poll_interval_ms),
            wedged_retry_every: duration(c.wedged_retry_every_ms),
            // A real phone's clock is read as it is, right or wrong.
            clock_offset_ms: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_cores_and_survive_the_round_trip() {
        let c =
            default_config("/data/auxilio".into(), "https://serenazgo.example/".into()).unwrap();
        assert_eq!(c.fix_deadline_ms, 8_000);
        assert_eq!(c.good_accuracy_m, 50.0);
        assert_eq!(c.position_batch_max, 200);
        let core: auxilio_core::CoreConfig = c.clone().try_into().unwrap();
        assert_eq!(core.fix_deadline, Duration::from_secs(8));
        assert_eq!(CoreConfig::from(core), c);
    }

    #[test]
    fn a_bad_url_is_a_config_error_without_the_url() {
        let e = default_config("/d".into(), "not a url +51 944".into()).unwrap_err();
        assert!(matches!(e, AuxilioError::Config { .. }));
        assert!(!e.to_string().contains("944"));
    }
}
