//! The core handle native code holds: open it once per process (e.g. in the
//! Android `Application` or the iOS app delegate) and share it with widgets,
//! receivers, intents and services.

use std::sync::Arc;

use crate::config::CoreConfig;
use crate::enrollment::{Enrollment, Profile};
use crate::error::{parse_alert_id, AuxilioError};
use crate::events::{EventListener, TaskHandle};
use crate::fix::Fix;
use crate::queue::{DrainReport, PendingItem};
use crate::runtime::{blocking, on_runtime, runtime};
use crate::sos::SosRequest;
use crate::status::LocalAlert;

/// Opens core on `config.data_dir`: migrates the database, makes the device
/// identity on first run, requeues rows left in flight and starts delivery,
/// status following and the tracking and SMS timers of open alerts.
///
/// One core per data directory and process: two would be two writers.
#[uniffi::export]
pub async fn open_core(config: CoreConfig) -> Result<Arc<AuxilioCore>, AuxilioError> {
    let config = auxilio_core::CoreConfig::try_from(config)?;
    on_runtime(async move {
        let inner = auxilio_core::Core::open(config).await?;
        Ok(Arc::new(AuxilioCore { inner }))
    })
    .await
}

/// A running core. Cheap to share; every call is safe from any thread.
#[derive(uniffi::Object)]
pub struct AuxilioCore {
    inner: auxilio_core::Core,
}

#[uniffi::export]
impl AuxilioCore {
    /// This phone's id (a UUID made at first start).
    pub fn device_id(&self) -> String {
        self.inner.device_id().to_string()
    }

    pub fn is_enrolled(&self) -> bool {
        self.inner.is_enrolled()
    }

    pub fn profile(&self) -> Option<Profile> {
        self.inner.profile().map(Into::into)
    }

    /// Registers this phone with the server with an enrollment code (from a
    /// flyer's QR code) and keeps the profile.
    pub async fn enroll(&self, code: String, profile: Profile) -> Result<Enrollment, AuxilioError> {
        let core = self.inner.clone();
        on_runtime(async move { Ok(core.enroll(&code, profile.into()).await?.into()) }).await
    }

    /// Keeps the profile without enrolling (offline first start): SOS can be
    /// raised and queued; delivery waits for `enroll`.
    pub async fn set_profile(&self, profile: Profile) -> Result<(), AuxilioError> {
        let core = self.inner.clone();
        blocking(move || Ok(core.set_profile(profile.into())?)).await
    }

    /// A fix from the platform. (0, 0), accuracy <= 0 and impossible times
    /// are refused with `InvalidFix`. While an alert is open, core turns the
    /// newest fix into a position update every tracking interval.
    pub async fn feed_fix(&self, fix: Fix) -> Result<(), AuxilioError> {
        let core = self.inner.clone();
        blocking(move || Ok(core.feed_fix(fix.into())?)).await
    }

    /// Raises an SOS and returns its id once it is durably queued. Waits at
    /// most `fix_deadline_ms` for a good fresh fix; then delivery, tracking
    /// and the SMS timer go on in core. If the caller stops waiting, the
    /// SOS is still raised.
    pub async fn raise_sos(&self, request: SosRequest) -> Result<String, AuxilioError> {
        let core = self.inner.clone();
        on_runtime(async move { Ok(core.raise_sos(request.into()).await?.to_string()) }).await
    }

    /// Queues a cancel of the alert, delivered after the alert. Idempotent.
    pub async fn cancel(
        &self,
        alert_id: String,
        reason: Option<String>,
    ) -> Result<(), AuxilioError> {
        let id = parse_alert_id(&alert_id)?;
        let core = self.inner.clone();
        on_runtime(async move { Ok(core.cancel(id, reason).await?) }).await
    }

    /// The phone's view of one alert (its latest server status included), or
    /// `None` if this phone never raised it.
    pub async fn alert(&self, alert_id: String) -> Result<Option<LocalAlert>, AuxilioError> {
        let id = parse_alert_id(&alert_id)?;
        let core = self.inner.clone();
        blocking(move || Ok(core.alert(id)?.map(Into::into))).await
    }

    /// Recent alerts, newest first.
    pub async fn alerts(&self) -> Result<Vec<LocalAlert>, AuxilioError> {
        let core = self.inner.clone();
        blocking(move || Ok(core.alerts()?.into_iter().map(Into::into).collect())).await
    }

    /// Undelivered outbox rows (queued, in flight, wedged), oldest first.
    pub async fn pending(&self) -> Result<Vec<PendingItem>, AuxilioError> {
        let core = self.inner.clone();
        blocking(move || Ok(core.pending()?.into_iter().map(Into::into).collect())).await
    }

    /// Resolves once nothing is queued or in flight (e.g. before a
    /// background job ends), with the rows refused for good.
    pub async fn wait_drained(&self) -> Result<DrainReport, AuxilioError> {
        let core = self.inner.clone();
        on_runtime(async move { Ok(core.wait_drained().await?.into()) }).await
    }

    /// The network is back (Android `ConnectivityManager` callback, iOS
    /// `NWPathMonitor`): retry now instead of finishing the backoff wait.
    pub fn connectivity_restored(&self) {
        self.inner.connectivity_restored();
    }

    /// Pause the position updates of an open alert (the person stops sharing
    /// their location); the alert stays open. Native code may also stop its
    /// location updates then.
    pub fn stop_tracking(&self, alert_id: String) -> Result<(), AuxilioError> {
        self.inner.stop_tracking(parse_alert_id(&alert_id)?);
        Ok(())
    }

    /// Resume the position updates paused by `stop_tracking`. Tracking starts
    /// by itself with every SOS and ends when the alert closes or after
    /// `tracking_max`; native code keeps feeding fixes meanwhile.
    pub fn start_tracking(&self, alert_id: String) -> Result<(), AuxilioError> {
        self.inner.start_tracking(parse_alert_id(&alert_id)?);
        Ok(())
    }

    /// Native code sent the SMS of a `SmsFallback` event.
    pub async fn sms_fallback_sent(&self, alert_id: String) -> Result<(), AuxilioError> {
        let id = parse_alert_id(&alert_id)?;
        let core = self.inner.clone();
        blocking(move || Ok(core.sms_fallback_sent(id)?)).await
    }

    /// Sends every event from now on to `listener` until the returned handle
    /// is cancelled, closed or dropped.
    pub fn subscribe(
        &self,
        listener: Arc<dyn EventListener>,
    ) -> Result<Arc<TaskHandle>, AuxilioError> {
        let events = self.inner.subscribe();
        Ok(Arc::new(TaskHandle::forward(runtime()?, events, listener)))
    }

    /// Stops core's tasks; the database stays consistent and rows being sent
    /// go back to the queue. Later calls fail with `Shutdown`.
    pub async fn shutdown(&self) -> Result<(), AuxilioError> {
        let core = self.inner.clone();
        on_runtime(async move {
            core.shutdown().await;
            Ok(())
        })
        .await
    }
}
