//! The SMS fallback, the phone's half. When the server has not received an
//! SOS after 30 s, core emits `CoreEvent::SmsFallback { to, text }`:
//!
//! - **Android** sends it by itself through the in-tree plugin
//!   `tauri-plugin-auxilio-sms` (`SmsManager`). The web view is told
//!   [`SmsNotice::SmsSending`] first ("Enviando la alerta por SMS…"). Only
//!   when Android's sent broadcast reported success does the shell call
//!   `Core::sms_fallback_sent`, and core's `SmsFallbackSent` is what makes
//!   the timeline say "SMS enviado". A failure (no permission, no signal,
//!   no answer within a minute) is logged by its short code and told to the
//!   web view ([`SmsNotice::SmsFailed`]): the timeline then offers the
//!   prefilled `sms:` link, and the person sends it.
//! - **Desktop and iOS** cannot send an SMS by themselves: nothing happens
//!   here, and the timeline offers the link from the start.
//!
//! The `SEND_SMS` permission is asked for once the phone is enrolled
//! ([`ask_permission`]). Neither the number nor the text is ever logged.

use std::collections::HashSet;
use std::sync::Mutex;

use auxilio_core::AlertId;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::events::EVENT_SMS;
use crate::state::AppState;

/// Whether this build sends the SMS fallback by itself.
pub const SENDS_ITSELF: bool = cfg!(target_os = "android");

/// Payload of [`EVENT_SMS`]: what the shell is doing about an alert's SMS.
/// Tagged like a `CoreEvent` (`{"type": "sms_sending", "alert_id": …}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SmsNotice {
    /// The app is sending it now (Android): do not offer the link yet.
    SmsSending { alert_id: AlertId },
    /// The app could not send it: the person sends it from the link.
    /// `reason` is a short code (`permission`, `no_service`, `timeout`, …).
    SmsFailed { alert_id: AlertId, reason: String },
}

/// The alerts whose SMS is being sent right now, so that a second
/// `SmsFallback` for the same alert never sends a second SMS in parallel.
#[derive(Default)]
pub struct SmsSender {
    in_flight: Mutex<HashSet<AlertId>>,
}

impl SmsSender {
    /// Claims the alert's send; false when one is already under way.
    pub fn begin(&self, alert_id: AlertId) -> bool {
        self.lock().insert(alert_id)
    }

    /// The send of this alert ended (sent or not).
    pub fn end(&self, alert_id: AlertId) {
        self.lock().remove(&alert_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<AlertId>> {
        self.in_flight.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Reacts to `CoreEvent::SmsFallback`. Returns at once: the send runs on a
/// blocking thread (the plugin answers only after Android's report).
pub fn on_fallback<R: Runtime>(app: &AppHandle<R>, alert_id: AlertId, to: &str, text: &str) {
    if !SENDS_ITSELF {
        return;
    }
    let Some(sender) = app.try_state::<SmsSender>() else {
        return;
    };
    if !sender.begin(alert_id) {
        return;
    }
    tell(app, &SmsNotice::SmsSending { alert_id });
    let (app, to, text) = (app.clone(), to.to_owned(), text.to_owned());
    tauri::async_runtime::spawn_blocking(move || {
        let result = send(&app, &to, &text);
        finish(&app, alert_id, result);
    });
}

/// After one attempt: `Ok` (Android reported it sent) is confirmed to core,
/// which emits `SmsFallbackSent`; an error code is logged and told to the
/// web view, which offers the link. Public for the tests.
pub fn finish<R: Runtime>(app: &AppHandle<R>, alert_id: AlertId, result: Result<(), String>) {
    if let Some(sender) = app.try_state::<SmsSender>() {
        sender.end(alert_id);
    }
    match result {
        Ok(()) => {
            let state = app.state::<AppState>();
            if let Err(e) = state.core.sms_fallback_sent(alert_id) {
                tracing::warn!(error = %e, "the SMS went, but core could not record it");
            }
        }
        Err(reason) => {
            tracing::warn!(
                reason = %reason,
                "SMS fallback not sent by the app; the person can send it from the timeline"
            );
            tell(app, &SmsNotice::SmsFailed { alert_id, reason });
        }
    }
}

fn tell<R: Runtime>(app: &AppHandle<R>, notice: &SmsNotice) {
    if let Err(e) = app.emit(EVENT_SMS, notice) {
        tracing::warn!(error = %e, "an SMS notice could not reach the web view");
    }
}

/// Android: the plugin sends it and answers after the sent broadcast.
#[cfg(target_os = "android")]
fn send<R: Runtime>(app: &AppHandle<R>, to: &str, text: &str) -> Result<(), String> {
    use tauri_plugin_auxilio_sms::{Sms, SmsMessage};
    let plugin = app
        .try_state::<Sms<R>>()
        .ok_or_else(|| "not_registered".to_owned())?;
    let message = SmsMessage::new(to, text).map_err(|e| e.code().to_owned())?;
    plugin.send(&message).map_err(|e| e.code().to_owned())
}

/// Elsewhere nothing is sent by the app ([`SENDS_ITSELF`] is false).
#[cfg(not(target_os = "android"))]
fn send<R: Runtime>(_app: &AppHandle<R>, _to: &str, _text: &str) -> Result<(), String> {
    Err("unsupported".to_owned())
}

/// Asks for the `SEND_SMS` permission (Android's dialog), off the async
/// threads, once the phone is enrolled. Elsewhere there is none to ask.
pub fn ask_permission<R: Runtime>(app: &AppHandle<R>) {
    #[cfg(target_os = "android")]
    {
        use tauri_plugin_auxilio_sms::Sms;
        let app = app.clone();
        tauri::async_runtime::spawn_blocking(move || {
            let Some(plugin) = app.try_state::<Sms<R>>() else {
                tracing::warn!("SMS plugin not registered");
                return;
            };
            match plugin.request_permission() {
                Ok(state) => tracing::info!(%state, "SMS permission"),
                Err(e) => tracing::warn!(reason = e.code(), "SMS permission not asked"),
            }
        });
    }
    #[cfg(not(target_os = "android"))]
    let _ = app;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> AlertId {
        "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b"
            .parse()
            .expect("uuid")
    }

    #[test]
    fn notices_are_tagged_like_core_events() {
        let sending = serde_json::to_value(SmsNotice::SmsSending { alert_id: id() }).unwrap();
        assert_eq!(sending["type"], "sms_sending");
        assert_eq!(sending["alert_id"], id().to_string());
        let failed = serde_json::to_value(SmsNotice::SmsFailed {
            alert_id: id(),
            reason: "no_service".into(),
        })
        .unwrap();
        assert_eq!(failed["type"], "sms_failed");
        assert_eq!(failed["reason"], "no_service");
    }

    #[test]
    fn one_send_at_a_time_per_alert() {
        let s = SmsSender::default();
        assert!(s.begin(id()));
        assert!(
            !s.begin(id()),
            "a second SmsFallback waits for the first send"
        );
        s.end(id());
        assert!(s.begin(id()), "after the first ended, a new attempt may go");
    }
}
