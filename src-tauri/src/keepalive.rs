//! Keeps an SOS or a duty shift alive with the screen off. Android throttles
//! background location to a few fixes an hour and may kill the process, so
//! while an alert of this phone is open or a unit is on duty the app runs a
//! foreground service of type `location` with a persistent notification
//! (the in-tree plugin `tauri-plugin-auxilio-keepalive`). Desktop needs
//! nothing (the process is not suspended); iOS has no service yet (it needs
//! background location updates instead; see the README's known gaps).
//!
//! [`crate::location::Location::set`] calls [`Keepalive::sync`] with the
//! mode its active reasons call for (`location::service_for`), so the service
//! runs exactly while positions are needed for an SOS or a duty shift (not
//! for the few seconds of a countdown, when the app is on screen anyway).
//! This module knows nothing of those reasons.

use std::sync::Mutex;

use tauri::{AppHandle, Runtime};

/// Why the service runs; an open alert wins over a duty shift, and a silent
/// alert over a loud one (a discreet SOS is never given away).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Alert,
    /// A silent alert: the notice looks like any app's background sync.
    SilentAlert,
    Duty,
}

impl Mode {
    /// The persistent notification: (title, text), Spanish first.
    pub fn notice(self) -> (&'static str, &'static str) {
        match self {
            Mode::Alert => (
                "Auxilio: alerta activa",
                "Su ubicación se sigue enviando a la central",
            ),
            Mode::SilentAlert => ("Sincronización", "Sincronizando datos"),
            Mode::Duty => (
                "Auxilio: en servicio",
                "Recibiendo alertas y reportando la ubicación de la unidad",
            ),
        }
    }
}

/// The service as the shell last set it.
#[derive(Default)]
pub struct Keepalive {
    current: Mutex<Option<Mode>>,
}

impl Keepalive {
    /// The mode in force (`None`: no service).
    pub fn mode(&self) -> Option<Mode> {
        *self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts, changes or stops the service to match `want`. A platform
    /// refusal is logged and retried at the next change.
    pub fn sync<R: Runtime>(&self, app: &AppHandle<R>, want: Option<Mode>) {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if *current == want {
            return;
        }
        if apply(app, want) {
            *current = want;
        } else {
            *current = None;
        }
    }
}

/// Mobile: the plugin's foreground service (Android; on iOS the plugin
/// answers `Unsupported`, which is nothing to do). Returns whether the
/// service is now as asked.
#[cfg(mobile)]
fn apply<R: Runtime>(app: &AppHandle<R>, want: Option<Mode>) -> bool {
    use tauri::Manager;
    use tauri_plugin_auxilio_keepalive::{Keepalive as Plugin, Notice};
    let Some(plugin) = app.try_state::<Plugin<R>>() else {
        tracing::warn!("keepalive plugin not registered");
        return false;
    };
    let done = match want {
        Some(mode) => {
            let (title, text) = mode.notice();
            plugin.start(Notice {
                title: title.into(),
                text: text.into(),
            })
        }
        None => plugin.stop(),
    };
    match done {
        Ok(()) => true,
        Err(tauri_plugin_auxilio_keepalive::Error::Unsupported) => true,
        Err(e) => {
            tracing::warn!(error = %e, "foreground service not changed");
            false
        }
    }
}

/// Desktop: nothing suspends the process.
#[cfg(desktop)]
fn apply<R: Runtime>(_app: &AppHandle<R>, _want: Option<Mode>) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_has_its_own_notice() {
        assert!(Mode::Alert.notice().0.contains("alerta activa"));
        assert!(Mode::Duty.notice().0.contains("en servicio"));
    }

    #[test]
    fn a_silent_alert_never_says_alert() {
        let (title, text) = Mode::SilentAlert.notice();
        for word in ["alerta", "Auxilio", "central", "ubicación", "SOS"] {
            assert!(!title.contains(word) && !text.contains(word), "{word}");
        }
    }
}
