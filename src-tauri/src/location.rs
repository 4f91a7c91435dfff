//! Location: on Android and iOS the geolocation plugin feeds core's fix
//! selection continuously while something needs it (the SOS countdown, so a
//! fix is warm when the alert is composed; an SOS in progress; a unit's duty
//! shift). On desktop there is no location source at all: the plugin's desktop
//! half answers (0, 0), so it is not even linked; a desktop alert carries the
//! registered place or a position the user set, labelled `registered_place`.
//!
//! Every reading goes through [`fix_from_reading`], which refuses (0, 0) (the
//! protocol's one rule, `auxilio_protocol::is_null_island`), a
//! zero or negative accuracy and anything non-finite before core sees it
//! (core refuses them again: `Core::feed_fix`).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use auxilio_core::{Fix, FixSource, Place};
use serde::Deserialize;
use thiserror::Error;

use crate::keepalive::{Keepalive, Mode};

/// Why something wants positions. Watching runs while any is active.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The hold / countdown before an SOS is sent.
    Countdown,
    /// An alert of this phone is open.
    Sos,
    /// A silent alert of this phone is open (the service's notice must not
    /// give it away).
    SilentSos,
    /// A patrol unit is on duty.
    Duty,
}

/// The foreground service the active reasons call for: a silent alert wins
/// over a loud one, an open alert over a duty shift; a countdown alone needs
/// none (the app is on screen).
pub fn service_for(active: &HashSet<Reason>) -> Option<Mode> {
    if active.contains(&Reason::SilentSos) {
        Some(Mode::SilentAlert)
    } else if active.contains(&Reason::Sos) {
        Some(Mode::Alert)
    } else if active.contains(&Reason::Duty) {
        Some(Mode::Duty)
    } else {
        None
    }
}

/// One platform reading, before any checking.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub altitude_m: Option<f64>,
    pub speed_mps: Option<f64>,
    pub heading_deg: Option<f64>,
    pub timestamp_ms: i64,
}

#[derive(Debug, Error, PartialEq, Eq, Clone, Copy)]
pub enum Refused {
    #[error("(0, 0) is not a real position")]
    NullIsland,
    #[error("accuracy must be above 0 m")]
    NoAccuracy,
    #[error("coordinates out of range or not numbers")]
    OutOfRange,
    #[error("the reading has no time")]
    NoTime,
}

/// Turns a platform reading into a fix for core, or refuses it. Optional
/// fields that make no sense are dropped, never the fix for them.
pub fn fix_from_reading(r: &Reading) -> Result<Fix, Refused> {
    if !r.lat.is_finite() || !r.lon.is_finite() || r.lat.abs() > 90.0 || r.lon.abs() > 180.0 {
        return Err(Refused::OutOfRange);
    }
    if auxilio_core::protocol::is_null_island(r.lat, r.lon) {
        return Err(Refused::NullIsland);
    }
    if !r.accuracy_m.is_finite() || r.accuracy_m <= 0.0 {
        return Err(Refused::NoAccuracy);
    }
    if r.timestamp_ms <= 0 {
        return Err(Refused::NoTime);
    }
    Ok(Fix {
        lat: r.lat,
        lon: r.lon,
        accuracy_m: r.accuracy_m,
        altitude_m: r.altitude_m.filter(|a| a.is_finite()),
        speed_mps: r.speed_mps.filter(|s| s.is_finite() && *s >= 0.0),
        heading_deg: r.heading_deg.filter(|h| (0.0..=360.0).contains(h)),
        fixed_at_ms: r.timestamp_ms,
        // Android's fused provider and iOS Core Location both blend sources.
        source: FixSource::Fused,
    })
}

/// A position the user sets by hand (desktop, or indoors): it becomes the
/// profile's place, so alerts carry it labelled `registered_place`.
pub fn manual_place(lat: f64, lon: f64, radius_m: f64, name: &str) -> Result<Place, Refused> {
    let reading = Reading {
        lat,
        lon,
        accuracy_m: radius_m,
        altitude_m: None,
        speed_mps: None,
        heading_deg: None,
        timestamp_ms: 1,
    };
    fix_from_reading(&reading)?;
    Ok(Place {
        name: name.to_owned(),
        lat,
        lon,
        radius_m,
    })
}

/// The shell's location state: who wants positions, and the newest fix.
#[derive(Default)]
pub struct Location {
    active: Mutex<HashSet<Reason>>,
    latest: Arc<Mutex<Option<Fix>>>,
    /// The Android foreground service that keeps positions coming.
    pub keepalive: Keepalive,
    #[cfg(mobile)]
    watch: Mutex<Option<u32>>,
}

impl Location {
    /// The newest accepted fix (for a unit's position report).
    pub fn latest(&self) -> Option<Fix> {
        self.latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether anything currently wants positions.
    pub fn is_active(&self) -> bool {
        !self
            .active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    /// Turns `reason` on or off, starting or stopping the platform watch
    /// (and the foreground service that keeps it alive, [`Keepalive`]).
    pub fn set<R: tauri::Runtime>(
        &self,
        app: &tauri::AppHandle<R>,
        core: &auxilio_core::Core,
        reason: Reason,
        on: bool,
    ) {
        let (any, service) = {
            let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
            if on {
                active.insert(reason);
            } else {
                active.remove(&reason);
            }
            (!active.is_empty(), service_for(&active))
        };
        self.platform_watch(app, core, any);
        self.keepalive.sync(app, service);
    }

    #[cfg(desktop)]
    fn platform_watch<R: tauri::Runtime>(
        &self,
        _app: &tauri::AppHandle<R>,
        _core: &auxilio_core::Core,
        _on: bool,
    ) {
        // No location source on desktop; see the module docs.
    }

    #[cfg(mobile)]
    fn platform_watch<R: tauri::Runtime>(
        &self,
        app: &tauri::AppHandle<R>,
        core: &auxilio_core::Core,
        on: bool,
    ) {
        use tauri_plugin_geolocation::{GeolocationExt, PositionOptions, WatchEvent};
        let mut watch = self.watch.lock().unwrap_or_else(|p| p.into_inner());
        match (on, *watch) {
            (true, None) => {
                let core = core.clone();
                let latest = self.latest.clone();
                let options = PositionOptions {
                    enable_high_accuracy: true,
                    timeout: 10_000,
                    maximum_age: 0,
                };
                let started = app.geolocation().watch_position(options, move |event| {
                    let WatchEvent::Position(p) = event else {
                        tracing::debug!("location provider reported an error");
                        return;
                    };
                    let reading = Reading {
                        lat: p.coords.latitude,
                        lon: p.coords.longitude,
                        accuracy_m: p.coords.accuracy,
                        altitude_m: p.coords.altitude,
                        speed_mps: p.coords.speed,
                        heading_deg: p.coords.heading,
                        timestamp_ms: i64::try_from(p.timestamp).unwrap_or(0),
                    };
                    match fix_from_reading(&reading) {
                        Ok(fix) => {
                            if core.feed_fix(fix.clone()).is_ok() {
                                *latest.lock().unwrap_or_else(|p| p.into_inner()) = Some(fix);
                            }
                        }
                        Err(why) => tracing::debug!(%why, "location reading refused"),
                    }
                });
                match started {
                    Ok(id) => *watch = Some(id),
                    Err(e) => tracing::warn!(error = %e, "cannot watch the location"),
                }
            }
            (false, Some(id)) => {
                if let Err(e) = app.geolocation().clear_watch(id) {
                    tracing::warn!(error = %e, "cannot stop watching the location");
                }
                *watch = None;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(lat: f64, lon: f64, accuracy_m: f64) -> Reading {
        Reading {
            lat,
            lon,
            accuracy_m,
            altitude_m: None,
            speed_mps: None,
            heading_deg: None,
            timestamp_ms: 1_790_000_000_000,
        }
    }

    #[test]
    fn an_open_alert_wins_over_duty_and_a_countdown_alone_needs_no_service() {
        let set = |r: &[Reason]| r.iter().copied().collect::<HashSet<_>>();
        assert_eq!(service_for(&set(&[])), None);
        assert_eq!(service_for(&set(&[Reason::Countdown])), None);
        assert_eq!(service_for(&set(&[Reason::Duty])), Some(Mode::Duty));
        assert_eq!(
            service_for(&set(&[Reason::Duty, Reason::Sos, Reason::Countdown])),
            Some(Mode::Alert)
        );
        assert_eq!(
            service_for(&set(&[Reason::Sos, Reason::SilentSos, Reason::Duty])),
            Some(Mode::SilentAlert)
        );
    }

    #[test]
    fn the_plugin_stub_position_is_refused() {
        // What tauri-plugin-geolocation's desktop half returns.
        assert_eq!(
            fix_from_reading(&reading(0.0, 0.0, 0.0)),
            Err(Refused::NullIsland)
        );
        assert_eq!(
            fix_from_reading(&reading(0.0, 0.0, 10.0)),
            Err(Refused::NullIsland)
        );
        // The protocol's one rule: within 1e-5 degrees on both axes.
        for (lat, lon) in [(1e-9, -1e-9), (1e-6, 1e-6), (-9e-6, 9e-6)] {
            assert_eq!(
                fix_from_reading(&reading(lat, lon, 10.0)),
                Err(Refused::NullIsland)
            );
        }
        assert!(fix_from_reading(&reading(2e-5, 0.0, 10.0)).is_ok());
    }

    #[test]
    fn zero_negative_and_nan_accuracy_are_refused() {
        for acc in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(
                fix_from_reading(&reading(-8.07, -79.0, acc)),
                Err(Refused::NoAccuracy)
            );
        }
    }

    #[test]
    fn a_real_reading_becomes_a_fused_fix_and_bad_extras_are_dropped() {
        let mut r = reading(-8.0745, -79.0012, 12.0);
        r.heading_deg = Some(-1.0);
        r.speed_mps = Some(f64::NAN);
        r.altitude_m = Some(60.0);
        let fix = fix_from_reading(&r).unwrap();
        assert_eq!(fix.source, FixSource::Fused);
        assert_eq!(
            (fix.lat, fix.lon, fix.accuracy_m),
            (-8.0745, -79.0012, 12.0)
        );
        assert_eq!(fix.heading_deg, None);
        assert_eq!(fix.speed_mps, None);
        assert_eq!(fix.altitude_m, Some(60.0));
    }

    #[test]
    fn out_of_range_and_timeless_readings_are_refused() {
        assert_eq!(
            fix_from_reading(&reading(91.0, 0.5, 5.0)),
            Err(Refused::OutOfRange)
        );
        let mut r = reading(-8.0, -79.0, 5.0);
        r.timestamp_ms = 0;
        assert_eq!(fix_from_reading(&r), Err(Refused::NoTime));
    }

    #[test]
    fn a_manual_place_is_checked_like_a_fix() {
        assert!(manual_place(0.0, 0.0, 30.0, "x").is_err());
        assert!(manual_place(-8.07, -79.0, 0.0, "x").is_err());
        let p = manual_place(-8.07, -79.0, 30.0, "Puesto 12").unwrap();
        assert_eq!(p.radius_m, 30.0);
    }
}
