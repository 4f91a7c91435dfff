//! The shell's own settings (`settings.json` next to the core's database):
//! which server, which role. Profile, enrollment and alerts live in core.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The server used when nothing else is configured: the build-time
/// `AUXILIO_SERVER_URL`, else the server's default local address.
pub const DEFAULT_SERVER: &str = match option_env!("AUXILIO_SERVER_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:8080",
};

/// Who uses this install, chosen at enrollment.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Citizen,
    /// A serenazgo / PNP patrol unit.
    Unit,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The serenazgo server base URL; `None` uses [`DEFAULT_SERVER`].
    /// A change applies at the next start (core keeps one server per run).
    pub server_url: Option<String>,
    pub role: Role,
}

impl Settings {
    /// Reads `path`; a missing file gives the defaults, a broken one too
    /// (logged): settings must never stop the SOS button from working.
    pub fn load(path: &Path) -> Settings {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(category = ?e.classify(), "settings file unreadable; using defaults");
                Settings::default()
            }),
            Err(_) => Settings::default(),
        }
    }

    /// Writes atomically (temp file, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|_| Error::internal("settings could not be encoded"))?;
        let tmp: PathBuf = path.with_extension("json.tmp");
        std::fs::write(&tmp, json)
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| Error::Storage(format!("settings not saved ({})", e.kind())))
    }

    /// Checks a server URL given by the user.
    pub fn check_server_url(url: &str) -> Result<url::Url> {
        let parsed =
            url::Url::parse(url.trim()).map_err(|_| Error::invalid("the server URL is invalid"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(Error::invalid("the server URL must be http(s)://host"));
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_survive_a_broken_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        assert_eq!(Settings::load(&path), Settings::default());
        let s = Settings {
            server_url: Some("https://example.org".into()),
            role: Role::Unit,
        };
        s.save(&path).unwrap();
        assert_eq!(Settings::load(&path), s);
        std::fs::write(&path, b"{not json").unwrap();
        assert_eq!(Settings::load(&path), Settings::default());
    }

    #[test]
    fn only_http_urls_with_a_host_are_servers() {
        assert!(Settings::check_server_url("https://a.example/").is_ok());
        assert!(Settings::check_server_url("ftp://a.example/").is_err());
        assert!(Settings::check_server_url("not a url").is_err());
    }
}
