//! `tauri-plugin-auxilio-keepalive`: Auxilio's Android foreground service.
//!
//! While an SOS is open or a patrol unit is on duty the app must keep
//! measuring and sending positions with the screen off. Android throttles
//! background location to a few fixes an hour and may kill the process, so
//! the shell starts a foreground service of type `location` with a
//! persistent notification ([`Keepalive::start`]) and stops it when neither
//! is true any more ([`Keepalive::stop`]). The same Kotlin plugin reads the
//! battery level from `BatteryManager` ([`Keepalive::battery`]).
//!
//! Only Android has an implementation (`android/`, Kotlin); everywhere else
//! every call answers [`Error::Unsupported`]. The plugin exposes no command
//! to the web view: the shell calls it from Rust.

use tauri::plugin::{Builder, TauriPlugin};
use tauri::{Manager, Runtime};

#[cfg(target_os = "android")]
mod android;
mod error;
mod models;
#[cfg(not(target_os = "android"))]
mod other;

pub use error::{Error, Result};
pub use models::Notice;

#[cfg(target_os = "android")]
pub use android::Keepalive;
#[cfg(not(target_os = "android"))]
pub use other::Keepalive;

/// The plugin's name (`plugin:auxilio-keepalive|…`).
pub const NAME: &str = "auxilio-keepalive";

/// Access from an `App`, `AppHandle`, window or webview.
pub trait KeepaliveExt<R: Runtime> {
    fn keepalive(&self) -> &Keepalive<R>;
}

impl<R: Runtime, T: Manager<R>> KeepaliveExt<R> for T {
    fn keepalive(&self) -> &Keepalive<R> {
        self.state::<Keepalive<R>>().inner()
    }
}

/// Registers the plugin (and on Android its Kotlin class).
pub fn init<R: Runtime>() -> TauriPlugin<R> {
    Builder::new(NAME)
        .setup(|app, api| {
            #[cfg(target_os = "android")]
            let keepalive = android::init(app, api)?;
            #[cfg(not(target_os = "android"))]
            let keepalive = other::init(app, api);
            app.manage(keepalive);
            Ok(())
        })
        .build()
}
