//! `auxilio-core`: the phone's brain. API skeleton only (being implemented).

mod config;
mod error;
mod events;
mod model;

use std::sync::Arc;

pub use auxilio_protocol as protocol;
pub use auxilio_protocol::{
    AlertId, AlertKind, AlertStatus, AlertView, DeviceId, EnrollResponse, Fix, FixSource, Place,
    Profile, PublicKey,
};
pub use config::CoreConfig;
pub use error::CoreError;
pub use events::{CoreEvent, OutboxItemKind};
pub use model::{DrainReport, LocalAlert, PendingItem, RowState, SmsState, SosRequest};

struct Inner {
    config: CoreConfig,
    device_id: DeviceId,
    key: auxilio_protocol::DeviceKey,
    events: tokio::sync::broadcast::Sender<CoreEvent>,
}

/// The handle the shell holds. Cheap to clone.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

impl Core {
    pub async fn open(config: CoreConfig) -> Result<Core, CoreError> {
        let key = auxilio_protocol::DeviceKey::generate().map_err(CoreError::Invalid)?;
        let (events, _) = tokio::sync::broadcast::channel(256);
        Ok(Core {
            inner: Arc::new(Inner {
                config,
                device_id: uuid::Uuid::new_v4(),
                key,
                events,
            }),
        })
    }

    pub fn device_id(&self) -> DeviceId {
        self.inner.device_id
    }

    pub fn public_key(&self) -> PublicKey {
        self.inner.key.public_key()
    }

    pub async fn enroll(&self, _code: &str, _profile: Profile) -> Result<EnrollResponse, CoreError> {
        Err(CoreError::Unreachable("not implemented yet".into()))
    }

    /// Saves the profile locally without enrolling (e.g. offline at first
    /// start): SOS can then be raised and queued; delivery waits for `enroll`.
    pub fn set_profile(&self, _profile: Profile) -> Result<(), CoreError> {
        Ok(())
    }

    pub fn is_enrolled(&self) -> bool {
        false
    }

    pub fn profile(&self) -> Option<Profile> {
        None
    }

    pub fn feed_fix(&self, _fix: Fix) -> Result<(), CoreError> {
        Ok(())
    }

    pub async fn raise_sos(&self, _req: SosRequest) -> Result<AlertId, CoreError> {
        let _ = &self.inner.config;
        Err(CoreError::NoPosition)
    }

    pub async fn cancel(&self, _alert_id: AlertId, _reason: Option<String>) -> Result<(), CoreError> {
        Err(CoreError::UnknownAlert)
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<CoreEvent> {
        self.inner.events.subscribe()
    }

    pub fn connectivity_restored(&self) {}

    pub fn sms_fallback_sent(&self, _alert_id: AlertId) -> Result<(), CoreError> {
        Err(CoreError::UnknownAlert)
    }

    pub fn pending(&self) -> Result<Vec<PendingItem>, CoreError> {
        Ok(Vec::new())
    }

    pub fn alert(&self, _id: AlertId) -> Result<Option<LocalAlert>, CoreError> {
        Ok(None)
    }

    pub fn alerts(&self) -> Result<Vec<LocalAlert>, CoreError> {
        Ok(Vec::new())
    }

    pub async fn wait_drained(&self) -> Result<DrainReport, CoreError> {
        Ok(DrainReport::default())
    }

    pub async fn shutdown(&self) {}
}
