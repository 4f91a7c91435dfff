//! The phone's hardware beyond location: haptics, notifications, and the
//! links the shell opens (`sms:` for the SMS fallback where the app cannot
//! send SMS itself, `tel:` to call 105, `geo:` to navigate).

use serde::Deserialize;
use tauri::{AppHandle, Manager, Runtime};

use crate::error::{Error, Result};

/// Which confirmation to feel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Haptic {
    /// The hold completed; the countdown starts.
    Hold,
    /// One countdown step.
    Tick,
    /// The alert is stored and being sent.
    Sent,
}

/// Plays a haptic; returns whether this platform has haptics.
#[cfg(mobile)]
pub fn haptic<R: Runtime>(app: &AppHandle<R>, kind: Haptic) -> bool {
    use tauri_plugin_haptics::{ImpactFeedbackStyle, NotificationFeedbackType};
    let Some(h) = app.try_state::<tauri_plugin_haptics::Haptics<R>>() else {
        return false;
    };
    let done = match kind {
        Haptic::Hold => h.impact_feedback(ImpactFeedbackStyle::Heavy),
        Haptic::Tick => h.impact_feedback(ImpactFeedbackStyle::Light),
        Haptic::Sent => h.notification_feedback(NotificationFeedbackType::Success),
    };
    done.is_ok()
}

/// Desktop has no haptics.
#[cfg(desktop)]
pub fn haptic<R: Runtime>(_app: &AppHandle<R>, _kind: Haptic) -> bool {
    false
}

/// Shows a system notification (a unit's new assignment), also when the app
/// is in the background. Returns whether it was shown.
pub fn notify<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) -> bool {
    let Some(n) = app.try_state::<tauri_plugin_notification::Notification<R>>() else {
        return false;
    };
    match n.builder().title(title).body(body).show() {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "notification not shown");
            false
        }
    }
}

/// The links the app may open. Anything else (http, file, javascript…) is refused.
pub const LINK_SCHEMES: [&str; 3] = ["sms", "tel", "geo"];

/// Checks a link before it is opened.
pub fn check_link(link: &str) -> Result<url::Url> {
    let url = url::Url::parse(link.trim()).map_err(|_| Error::invalid("not a link"))?;
    if !LINK_SCHEMES.contains(&url.scheme()) {
        return Err(Error::invalid(
            "only sms:, tel: and geo: links can be opened",
        ));
    }
    Ok(url)
}

/// Opens an `sms:`, `tel:` or `geo:` link with the system.
pub fn open_link<R: Runtime>(app: &AppHandle<R>, link: &str) -> Result<()> {
    let url = check_link(link)?;
    let opener = app
        .try_state::<tauri_plugin_opener::Opener<R>>()
        .ok_or_else(|| Error::Unsupported("no link opener in this build".into()))?;
    opener
        .open_url(url.as_str(), None::<&str>)
        .map_err(|_| Error::Unsupported("no app on this device opens that link".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sms_tel_and_geo_links_pass() {
        assert!(check_link("sms:+51900000000?body=AUX1").is_ok());
        assert!(check_link("tel:105").is_ok());
        assert!(check_link("geo:-8.07,-79.0").is_ok());
        for bad in [
            "https://example.org",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "nonsense",
        ] {
            assert_eq!(check_link(bad).unwrap_err().kind(), "invalid", "{bad}");
        }
    }
}
