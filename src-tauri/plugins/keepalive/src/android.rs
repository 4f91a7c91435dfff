//! The Kotlin plugin (`android/`): `KeepalivePlugin` with the commands
//! `start`, `stop` and `battery`, and `KeepaliveService`.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use tauri::plugin::{PluginApi, PluginHandle};
use tauri::{AppHandle, Runtime};

use crate::models::Notice;
use crate::{Error, Result};

/// The Kotlin package of `KeepalivePlugin` (the library's namespace).
const PLUGIN_IDENTIFIER: &str = "pe.gob.munielporvenir.auxilio.keepalive";

pub fn init<R: Runtime, C: DeserializeOwned>(
    _app: &AppHandle<R>,
    api: PluginApi<R, C>,
) -> Result<Keepalive<R>> {
    let handle = api
        .register_android_plugin(PLUGIN_IDENTIFIER, "KeepalivePlugin")
        .map_err(|_| Error::Register)?;
    Ok(Keepalive(handle))
}

/// `BatteryManager`'s answer: `percent` is absent when Android does not know.
#[derive(Debug, Clone, Copy, Deserialize, Default)]
struct BatteryLevel {
    #[serde(default)]
    percent: Option<u8>,
}

/// The foreground service and the battery level.
pub struct Keepalive<R: Runtime>(PluginHandle<R>);

impl<R: Runtime> Keepalive<R> {
    /// Starts the foreground service with this notification, or updates the
    /// notification of the running one.
    pub fn start(&self, notice: Notice) -> Result<()> {
        self.0
            .run_mobile_plugin::<()>("start", notice)
            .map_err(Into::into)
    }

    /// Stops the service; a service that is not running is fine.
    pub fn stop(&self) -> Result<()> {
        self.0
            .run_mobile_plugin::<()>("stop", ())
            .map_err(Into::into)
    }

    /// The battery level in percent, `None` when Android does not know.
    pub fn battery(&self) -> Result<Option<u8>> {
        self.0
            .run_mobile_plugin::<BatteryLevel>("battery", ())
            .map(|b| b.percent.filter(|p| *p <= 100))
            .map_err(Into::into)
    }
}
