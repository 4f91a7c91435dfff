//! The state Tauri manages: one core per app (its SQLite file in the app's
//! data directory), the shell's settings, location and the unit session
//! (its login saved beside the core's database).
//! Core's delivery, status and tracking tasks run on Tauri's tokio runtime for
//! the life of the app; `shutdown` stops them on exit.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use auxilio_core::{Core, CoreConfig};
use tauri::{AppHandle, Manager, Runtime};

use crate::error::{Error, Result};
use crate::location::Location;
use crate::settings::{Settings, DEFAULT_SERVER};
use crate::unit::UnitSession;

/// How the app was started. `from_env` reads the overrides a tester or a
/// maintainer may set; tests build it directly.
#[derive(Clone, Debug)]
pub struct Startup {
    /// Instead of the platform's app data directory (`AUXILIO_DATA_DIR`).
    pub data_dir: Option<PathBuf>,
    /// Instead of the configured server (`AUXILIO_SERVER`).
    pub server: Option<url::Url>,
    /// Exit this long after the first screen is ready (`AUXILIO_EXIT_AFTER_READY_MS`;
    /// the Xvfb smoke test uses it to take a screenshot, then end cleanly).
    pub exit_after_ready: Option<Duration>,
    /// When `run` began: launch-to-ready time is measured from here.
    pub launched_at: Instant,
}

impl Startup {
    pub fn new() -> Self {
        Startup {
            data_dir: None,
            server: None,
            exit_after_ready: None,
            launched_at: Instant::now(),
        }
    }

    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Startup {
            data_dir: var("AUXILIO_DATA_DIR").map(PathBuf::from),
            server: var("AUXILIO_SERVER").and_then(|u| Settings::check_server_url(&u).ok()),
            exit_after_ready: var("AUXILIO_EXIT_AFTER_READY_MS")
                .and_then(|v| v.parse().ok())
                .map(Duration::from_millis),
            launched_at: Instant::now(),
        }
    }
}

impl Default for Startup {
    fn default() -> Self {
        Startup::new()
    }
}

pub struct AppState {
    pub core: Core,
    /// The server this run talks to.
    pub server: url::Url,
    pub settings: Mutex<Settings>,
    pub settings_path: PathBuf,
    pub location: Location,
    pub unit: UnitSession,
    pub startup: Startup,
    /// Set by the first `ui_ready`.
    pub ready_after: Mutex<Option<Duration>>,
}

/// Core's configuration for this platform.
pub fn core_config(data_dir: PathBuf, server: url::Url) -> CoreConfig {
    let mut config = CoreConfig::new(data_dir, server);
    config.app_version = concat!("auxilio-app/", env!("CARGO_PKG_VERSION")).to_owned();
    if cfg!(desktop) {
        // Nothing on desktop ever measures a position: waiting for a fix
        // would only delay the alert, which carries the registered place.
        config.fix_deadline = Duration::ZERO;
    }
    config
}

impl AppState {
    /// Opens the data directory, the settings and the core.
    pub fn open<R: Runtime>(app: &AppHandle<R>, startup: Startup) -> Result<AppState> {
        let data_dir = match &startup.data_dir {
            Some(d) => d.clone(),
            None => app
                .path()
                .app_data_dir()
                .map_err(|_| Error::Storage("no app data directory on this platform".into()))?,
        };
        std::fs::create_dir_all(&data_dir).map_err(|e| {
            Error::Storage(format!("cannot create the data directory ({})", e.kind()))
        })?;
        let settings_path = data_dir.join("settings.json");
        let unit_session_path = data_dir.join(crate::unit::stored::FILE_NAME);
        let settings = Settings::load(&settings_path);
        let server = match &startup.server {
            Some(s) => s.clone(),
            None => settings
                .server_url
                .as_deref()
                .and_then(|u| Settings::check_server_url(u).ok())
                .map_or_else(|| Settings::check_server_url(DEFAULT_SERVER), Ok)?,
        };
        let core =
            tauri::async_runtime::block_on(Core::open(core_config(data_dir, server.clone())))?;
        Ok(AppState {
            unit: UnitSession::new(server.clone(), unit_session_path)?,
            core,
            server,
            settings: Mutex::new(settings),
            settings_path,
            location: Location::default(),
            startup,
            ready_after: Mutex::new(None),
        })
    }

    pub fn settings(&self) -> Settings {
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
