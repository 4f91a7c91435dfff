//! The command line: one clap struct (flags and environment), plus an
//! optional TOML file for the server settings. Parsed once in `main`.
//! Precedence: flag or environment > file > default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use serde::Deserialize;
use thiserror::Error;

use crate::model::{Agency, OrgKind, Role};
use crate::ratelimit::Rate;
use crate::state::Settings;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read the config file: {0}")]
    Read(#[from] std::io::Error),
    #[error("bad config file: {0}")]
    Parse(#[from] toml::de::Error),
}

#[derive(Parser, Debug)]
#[command(
    name = "auxilio-server",
    version,
    about = "Auxilio dispatch server (serenazgo / PNP)"
)]
pub struct Cli {
    /// The SQLite database file.
    #[arg(long, env = "AUXILIO_DB", global = true)]
    pub db: Option<PathBuf>,
    /// An optional TOML file with the `serve` settings (same names as the flags, with `_`).
    #[arg(long, env = "AUXILIO_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Serve the API.
    Serve(ServeArgs),
    /// A fresh database with demo data, served, with credentials printed
    /// (`cargo xtask demo` adds a simulated fleet of phones).
    Demo(DemoArgs),
    /// Create an organization (a transport firm, a market, a comedor…).
    CreateOrg(OrgArgs),
    /// Create an enrollment code; prints the link and writes a QR code (SVG) for a flyer.
    CreateCode(CodeArgs),
    /// Create a patrol unit.
    CreateUnit(UnitArgs),
    /// Create a responder account; prints a generated password.
    CreateAccount(AccountArgs),
    /// Revoke a device: its requests are refused from now on.
    RevokeDevice(RevokeArgs),
}

#[derive(Args, Debug, Default, Clone)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "AUXILIO_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Number the phones send the SMS fallback to (told at enrollment).
    #[arg(long, env = "AUXILIO_SMS_NUMBER")]
    pub sms_number: Option<String>,
    /// Requests per minute per device; 0 disables [default: 600].
    #[arg(long, env = "AUXILIO_RATE_DEVICE_PER_MIN")]
    pub rate_device_per_min: Option<u32>,
    /// Burst per device [default: 120].
    #[arg(long, env = "AUXILIO_RATE_DEVICE_BURST")]
    pub rate_device_burst: Option<u32>,
    /// Requests per minute per client address; 0 disables [default: 120000].
    #[arg(long, env = "AUXILIO_RATE_IP_PER_MIN")]
    pub rate_ip_per_min: Option<u32>,
    /// Burst per client address [default: 20000].
    #[arg(long, env = "AUXILIO_RATE_IP_BURST")]
    pub rate_ip_burst: Option<u32>,
    /// Responder session lifetime in hours [default: 12].
    #[arg(long, env = "AUXILIO_SESSION_HOURS")]
    pub session_hours: Option<u64>,
    /// Mark the session cookie `Secure` (behind HTTPS).
    #[arg(long, env = "AUXILIO_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
    /// The built web UI to serve [default: ui/dist when it exists].
    #[arg(long, env = "AUXILIO_UI_DIR")]
    pub ui_dir: Option<PathBuf>,
}

#[derive(Args, Debug, Default, Clone)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Once listening, write `url=…` and `code=…` lines to this file (for
    /// `cargo xtask demo`, which starts the simulated fleet with them).
    #[arg(long)]
    pub info_file: Option<PathBuf>,
}

/// The TOML file: the same settings as [`ServeArgs`] plus `db`.
#[derive(Deserialize, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub db: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    pub sms_number: Option<String>,
    pub rate_device_per_min: Option<u32>,
    pub rate_device_burst: Option<u32>,
    pub rate_ip_per_min: Option<u32>,
    pub rate_ip_burst: Option<u32>,
    pub session_hours: Option<u64>,
    pub secure_cookies: Option<bool>,
    pub ui_dir: Option<PathBuf>,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        match path {
            None => Ok(FileConfig::default()),
            Some(p) => Ok(toml::from_str(&std::fs::read_to_string(p)?)?),
        }
    }
}

/// Everything `serve` needs, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ServeConfig {
    pub db: PathBuf,
    pub listen: SocketAddr,
    pub settings: Settings,
}

impl ServeConfig {
    pub fn resolve(db: Option<PathBuf>, args: ServeArgs, file: FileConfig) -> Self {
        let d = Settings::default();
        let settings = Settings {
            sms_number: args.sms_number.or(file.sms_number),
            device_rate: Rate {
                per_minute: args
                    .rate_device_per_min
                    .or(file.rate_device_per_min)
                    .unwrap_or(d.device_rate.per_minute),
                burst: args
                    .rate_device_burst
                    .or(file.rate_device_burst)
                    .unwrap_or(d.device_rate.burst),
            },
            ip_rate: Rate {
                per_minute: args
                    .rate_ip_per_min
                    .or(file.rate_ip_per_min)
                    .unwrap_or(d.ip_rate.per_minute),
                burst: args
                    .rate_ip_burst
                    .or(file.rate_ip_burst)
                    .unwrap_or(d.ip_rate.burst),
            },
            session_ttl: args
                .session_hours
                .or(file.session_hours)
                .map(|h| Duration::from_secs(h.saturating_mul(3600)))
                .unwrap_or(d.session_ttl),
            secure_cookies: args
                .secure_cookies
                .or(file.secure_cookies)
                .unwrap_or(d.secure_cookies),
            device_cache_ttl: d.device_cache_ttl,
            // `app()` serves it only once built (it has an index.html).
            ui_dir: Some(
                args.ui_dir
                    .or(file.ui_dir)
                    .unwrap_or_else(|| "ui/dist".into()),
            ),
        };
        ServeConfig {
            db: db
                .or(file.db)
                .unwrap_or_else(|| PathBuf::from("auxilio.db")),
            listen: args
                .listen
                .or(file.listen)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            settings,
        }
    }
}

#[derive(Args, Debug)]
pub struct OrgArgs {
    #[arg(long)]
    pub name: String,
    /// transport_firm, mototaxi_association, market, comedor_popular, vaso_de_leche, olla_comun, junta_vecinal, other
    #[arg(long, value_parser = |s: &str| OrgKind::parse(s).ok_or("unknown organization kind"))]
    pub kind: OrgKind,
    /// Name of the registered fixed place (markets, comedores).
    #[arg(long, requires_all = ["lat", "lon"])]
    pub place: Option<String>,
    #[arg(long, allow_hyphen_values = true)]
    pub lat: Option<f64>,
    #[arg(long, allow_hyphen_values = true)]
    pub lon: Option<f64>,
    #[arg(long, default_value_t = 50.0)]
    pub radius_m: f64,
}

#[derive(Args, Debug)]
pub struct CodeArgs {
    /// The organization id (from create-org); none for residents.
    #[arg(long)]
    pub org: Option<i64>,
    /// How many phones may use it; omit for any number.
    #[arg(long)]
    pub uses: Option<u32>,
    /// Days until it expires; omit for never.
    #[arg(long)]
    pub days: Option<u32>,
    /// Where to write the QR code (SVG) [default: enroll-<code>.svg].
    #[arg(long)]
    pub qr: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct UnitArgs {
    #[arg(long)]
    pub call_sign: String,
    #[arg(long, value_parser = |s: &str| Agency::parse(s).ok_or("serenazgo or pnp"), default_value = "serenazgo")]
    pub agency: Agency,
}

#[derive(Args, Debug)]
pub struct AccountArgs {
    #[arg(long)]
    pub username: String,
    /// operator, unit, supervisor, admin, pnp
    #[arg(long, value_parser = |s: &str| Role::parse(s).ok_or("unknown role"))]
    pub role: Role,
    /// The unit id this account reports for (role unit).
    #[arg(long)]
    pub unit: Option<i64>,
}

#[derive(Args, Debug)]
pub struct RevokeArgs {
    #[arg(long)]
    pub device: uuid::Uuid,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let file: FileConfig = toml::from_str(
            "listen = \"0.0.0.0:9000\"\nrate_ip_per_min = 10\nsms_number = \"+51 944 000 111\"\ndb = \"f.db\"",
        )
        .unwrap();
        let args = ServeArgs {
            rate_ip_per_min: Some(20),
            ..ServeArgs::default()
        };
        let cfg = ServeConfig::resolve(None, args, file);
        assert_eq!(cfg.listen, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(cfg.settings.ip_rate.per_minute, 20);
        assert_eq!(cfg.settings.device_rate, Settings::default().device_rate);
        assert_eq!(cfg.db, PathBuf::from("f.db"));
        assert_eq!(cfg.settings.sms_number.as_deref(), Some("+51 944 000 111"));
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused() {
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
    }

    #[test]
    fn the_command_line_parses() {
        let cli = Cli::try_parse_from([
            "auxilio-server",
            "serve",
            "--listen",
            "127.0.0.1:8080",
            "--db",
            "a.db",
        ])
        .unwrap();
        assert_eq!(cli.db, Some(PathBuf::from("a.db")));
        assert!(matches!(
            cli.command,
            Cmd::Serve(ServeArgs {
                listen: Some(_),
                ..
            })
        ));
        let cli = Cli::try_parse_from([
            "auxilio-server",
            "create-org",
            "--name",
            "Mercado",
            "--kind",
            "market",
            "--place",
            "Puesto",
            "--lat",
            "-8.07",
            "--lon",
            "-79.0",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Cmd::CreateOrg(OrgArgs {
                kind: OrgKind::Market,
                ..
            })
        ));
    }
}
