//! `tauri-plugin-auxilio-sms`: the phone's half of Auxilio's SMS fallback.
//!
//! When the server has not received an SOS after 30 s, core asks the shell
//! to send the alert's compact signed SMS (`CoreEvent::SmsFallback`). On
//! Android this plugin sends it with `SmsManager` ([`Sms::send`]) and answers
//! only when the platform's "sent" broadcast reports success, so the shell
//! tells core (`sms_fallback_sent`) only about an SMS that really left. The
//! `SEND_SMS` runtime permission is asked for at enrollment
//! ([`Sms::request_permission`]).
//!
//! Only Android has an implementation (`android/`, Kotlin); everywhere else
//! every call answers [`Error::Unsupported`] and the person sends the SMS
//! from the timeline's `sms:` link. The plugin exposes no command to the web
//! view: the shell calls it from Rust.

use tauri::plugin::{Builder, TauriPlugin};
use tauri::{Manager, Runtime};

#[cfg(target_os = "android")]
mod android;
mod error;
mod models;
#[cfg(not(target_os = "android"))]
mod other;

pub use error::{Error, Result};
pub use models::{normalize_number, SmsMessage, MAX_TEXT_CHARS};
pub use tauri::plugin::PermissionState;

#[cfg(target_os = "android")]
pub use android::Sms;
#[cfg(not(target_os = "android"))]
pub use other::Sms;

/// The plugin's name (`plugin:auxilio-sms|…`).
pub const NAME: &str = "auxilio-sms";

/// Access from an `App`, `AppHandle`, window or webview.
pub trait SmsExt<R: Runtime> {
    fn sms(&self) -> &Sms<R>;
}

impl<R: Runtime, T: Manager<R>> SmsExt<R> for T {
    fn sms(&self) -> &Sms<R> {
        self.state::<Sms<R>>().inner()
    }
}

/// Registers the plugin (and on Android its Kotlin class).
pub fn init<R: Runtime>() -> TauriPlugin<R> {
    Builder::new(NAME)
        .setup(|app, api| {
            #[cfg(target_os = "android")]
            let sms = android::init(app, api)?;
            #[cfg(not(target_os = "android"))]
            let sms = other::init(app, api);
            app.manage(sms);
            Ok(())
        })
        .build()
}
