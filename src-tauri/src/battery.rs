//! The battery level an alert carries (`battery_pct`), so the central knows
//! whether the phone may go quiet soon. Never a made-up value: `None` when
//! the platform does not say.
//!
//! - Linux desktop: `/sys/class/power_supply/*` entries whose `type` is
//!   `Battery` (a peripheral's battery, `scope` = `Device`, does not count);
//!   the first by name with a `capacity` in 0..=100.
//! - Android: `BatteryManager`, through the keepalive plugin.
//! - iOS, macOS, Windows: `None` (not read yet).

use std::path::Path;

use tauri::{AppHandle, Runtime};

/// Where Linux lists its power supplies.
pub const SYSFS_POWER_SUPPLY: &str = "/sys/class/power_supply";

/// The level of the first system battery under `root` (sysfs layout).
pub fn sysfs_level(root: &Path) -> Option<u8> {
    let mut supplies: Vec<_> = std::fs::read_dir(root)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    supplies.sort();
    supplies.iter().find_map(|dir| {
        let read = |name: &str| {
            std::fs::read_to_string(dir.join(name))
                .ok()
                .map(|s| s.trim().to_owned())
        };
        if read("type")? != "Battery" || read("scope").is_some_and(|s| s == "Device") {
            return None;
        }
        read("capacity")?.parse::<u8>().ok().filter(|p| *p <= 100)
    })
}

/// This device's battery level in percent, if the platform says.
#[cfg(target_os = "linux")]
pub fn level<R: Runtime>(_app: &AppHandle<R>) -> Option<u8> {
    sysfs_level(Path::new(SYSFS_POWER_SUPPLY))
}

/// Android: BatteryManager through the keepalive plugin. iOS: the plugin
/// answers `Unsupported`, so `None` (not read yet).
#[cfg(mobile)]
pub fn level<R: Runtime>(app: &AppHandle<R>) -> Option<u8> {
    use tauri::Manager;
    let plugin = app.try_state::<tauri_plugin_auxilio_keepalive::Keepalive<R>>()?;
    match plugin.battery() {
        Ok(level) => level,
        Err(tauri_plugin_auxilio_keepalive::Error::Unsupported) => None,
        Err(e) => {
            tracing::debug!(error = %e, "battery level not read");
            None
        }
    }
}

/// Not read on this desktop (macOS, Windows): `None`, never a guess.
#[cfg(all(desktop, not(target_os = "linux")))]
pub fn level<R: Runtime>(_app: &AppHandle<R>) -> Option<u8> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn supply(root: &Path, name: &str, files: &[(&str, &str)]) {
        let dir = root.join(name);
        fs::create_dir_all(&dir).unwrap();
        for (f, v) in files {
            fs::write(dir.join(f), format!("{v}\n")).unwrap();
        }
    }

    #[test]
    fn the_system_battery_is_read_and_other_supplies_are_not() {
        let root = tempfile::tempdir().unwrap();
        supply(root.path(), "AC", &[("type", "Mains"), ("online", "1")]);
        supply(
            root.path(),
            "hid-mouse-battery",
            &[("type", "Battery"), ("scope", "Device"), ("capacity", "5")],
        );
        supply(
            root.path(),
            "BAT0",
            &[("type", "Battery"), ("scope", "System"), ("capacity", "83")],
        );
        assert_eq!(sysfs_level(root.path()), Some(83));
    }

    #[test]
    fn no_battery_or_a_nonsense_capacity_gives_none() {
        let root = tempfile::tempdir().unwrap();
        assert_eq!(sysfs_level(&root.path().join("missing")), None);
        assert_eq!(sysfs_level(root.path()), None);
        supply(root.path(), "AC", &[("type", "Mains")]);
        assert_eq!(sysfs_level(root.path()), None, "a desktop on mains");
        supply(
            root.path(),
            "BAT0",
            &[("type", "Battery"), ("capacity", "130")],
        );
        supply(
            root.path(),
            "BAT1",
            &[("type", "Battery"), ("capacity", "n/a")],
        );
        supply(root.path(), "BAT2", &[("type", "Battery")]);
        assert_eq!(sysfs_level(root.path()), None);
        supply(
            root.path(),
            "BAT3",
            &[("type", "Battery"), ("capacity", "0")],
        );
        assert_eq!(
            sysfs_level(root.path()),
            Some(0),
            "an empty battery is 0, not none"
        );
    }
}
