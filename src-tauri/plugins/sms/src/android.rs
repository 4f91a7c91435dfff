//! The Kotlin plugin (`android/`): `SmsPlugin` with the command `send`, and
//! Tauri's own `checkPermissions` / `requestPermissions` for the alias `sms`
//! (`android.permission.SEND_SMS`).

use serde::de::DeserializeOwned;
use tauri::plugin::{PermissionState, PluginApi, PluginHandle};
use tauri::{AppHandle, Runtime};

use crate::models::{PermissionRequest, PermissionResponse, SmsMessage};
use crate::{Error, Result};

/// The Kotlin package of `SmsPlugin` (the library's namespace).
const PLUGIN_IDENTIFIER: &str = "pe.gob.munielporvenir.auxilio.sms";

pub fn init<R: Runtime, C: DeserializeOwned>(
    _app: &AppHandle<R>,
    api: PluginApi<R, C>,
) -> Result<Sms<R>> {
    let handle = api
        .register_android_plugin(PLUGIN_IDENTIFIER, "SmsPlugin")
        .map_err(|_| Error::Register)?;
    Ok(Sms(handle))
}

/// Sends SMS with the phone's own `SmsManager`.
pub struct Sms<R: Runtime>(PluginHandle<R>);

impl<R: Runtime> Sms<R> {
    /// Sends one SMS and returns once Android reported it sent
    /// (`Activity.RESULT_OK` on the sent broadcast). Blocks until then (at
    /// most about a minute, the Kotlin side's timeout): call it off the
    /// async threads.
    pub fn send(&self, message: &SmsMessage) -> Result<()> {
        self.0
            .run_mobile_plugin::<()>("send", message)
            .map_err(Into::into)
    }

    /// The state of the `SEND_SMS` permission, without asking.
    pub fn permission_state(&self) -> Result<PermissionState> {
        self.0
            .run_mobile_plugin::<PermissionResponse>("checkPermissions", ())
            .map(|r| r.sms)
            .map_err(Into::into)
    }

    /// Asks the person for the `SEND_SMS` permission (the system dialog)
    /// unless it was already decided. Blocks until they answer.
    pub fn request_permission(&self) -> Result<PermissionState> {
        self.0
            .run_mobile_plugin::<PermissionResponse>("requestPermissions", PermissionRequest::SMS)
            .map(|r| r.sms)
            .map_err(Into::into)
    }
}
