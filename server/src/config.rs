//! The command line: one clap struct (flags and environment), plus an
//! optional TOML file with the same settings. Parsed once in `main`.
//!
//! [`Options`] is both: clap fills it from flags and environment, serde from
//! the file (same names, with `_`); [`Options::or`] is the one merge
//! (flag or environment > file) and [`Options::settings`] the one place
//! where defaults fill what neither gave (the values are
//! [`Settings::default`], [`DEFAULT_LISTEN`], [`DEFAULT_DB`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use serde::Deserialize;
use thiserror::Error;

use crate::model::{Agency, OrgKind, Role};
use crate::ratelimit::Rate;
use crate::sms::GatewaySecret;
use crate::state::Settings;

/// Where `serve` listens unless told.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    8080,
));
/// The database of `serve` and the admin commands unless told.
pub const DEFAULT_DB: &str = "auxilio.db";
/// The built web UI, served once it exists (it has an index.html).
pub const DEFAULT_UI_DIR: &str = "ui/dist";

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
    /// The SQLite database file [default: auxilio.db; for demo, a new one in
    /// the temporary directory].
    #[arg(long, env = "AUXILIO_DB", global = true)]
    pub db: Option<PathBuf>,
    /// An optional TOML file with the `serve` settings and `db` (same names as
    /// the flags, with `_`); a flag or variable beats it.
    #[arg(long, env = "AUXILIO_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Serve the API.
    Serve(Options),
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

/// The settings of `serve` and `demo`, each `None` when not given. The
/// `[default: …]` in the help texts are checked against the real defaults
/// by a test.
#[derive(Args, Deserialize, Debug, Default, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// The database: the global `--db` flag (`AUXILIO_DB`), or `db` in the file.
    #[arg(skip)]
    pub db: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "AUXILIO_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Number the phones send the SMS fallback to (told at enrollment).
    #[arg(long, env = "AUXILIO_SMS_NUMBER")]
    pub sms_number: Option<String>,
    /// The secret an SMS gateway sends as `Authorization: Bearer …` to
    /// `POST /api/v1/sms/inbound`; without it that route answers 404.
    #[arg(long, env = "AUXILIO_SMS_GATEWAY_SECRET", hide_env_values = true)]
    pub sms_gateway_secret: Option<GatewaySecret>,
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

impl Options {
    /// The TOML file at `path`; none given is an empty one.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        match path {
            None => Ok(Options::default()),
            Some(p) => Ok(toml::from_str(&std::fs::read_to_string(p)?)?),
        }
    }

    /// What `self` (flags and environment) gives, else what `file` gives.
    pub fn or(self, file: Options) -> Options {
        Options {
            db: self.db.or(file.db),
            listen: self.listen.or(file.listen),
            sms_number: self.sms_number.or(file.sms_number),
            sms_gateway_secret: self.sms_gateway_secret.or(file.sms_gateway_secret),
            rate_device_per_min: self.rate_device_per_min.or(file.rate_device_per_min),
            rate_device_burst: self.rate_device_burst.or(file.rate_device_burst),
            rate_ip_per_min: self.rate_ip_per_min.or(file.rate_ip_per_min),
            rate_ip_burst: self.rate_ip_burst.or(file.rate_ip_burst),
            session_hours: self.session_hours.or(file.session_hours),
            secure_cookies: self.secure_cookies.or(file.secure_cookies),
            ui_dir: self.ui_dir.or(file.ui_dir),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(|| DEFAULT_DB.into())
    }

    pub fn listen(&self) -> SocketAddr {
        self.listen.unwrap_or(DEFAULT_LISTEN)
    }

    /// The app's settings: what was given, defaults for the rest.
    pub fn settings(&self) -> Settings {
        let d = Settings::default();
        Settings {
            sms_number: self.sms_number.clone(),
            sms_gateway_secret: self.sms_gateway_secret.clone(),
            device_rate: Rate {
                per_minute: self.rate_device_per_min.unwrap_or(d.device_rate.per_minute),
                burst: self.rate_device_burst.unwrap_or(d.device_rate.burst),
            },
            ip_rate: Rate {
                per_minute: self.rate_ip_per_min.unwrap_or(d.ip_rate.per_minute),
                burst: self.rate_ip_burst.unwrap_or(d.ip_rate.burst),
            },
            session_ttl: self
                .session_hours
                .map(|h| Duration::from_secs(h.saturating_mul(3600)))
                .unwrap_or(d.session_ttl),
            secure_cookies: self.secure_cookies.unwrap_or(d.secure_cookies),
            device_cache_ttl: d.device_cache_ttl,
            ui_dir: Some(self.ui_dir.clone().unwrap_or_else(|| DEFAULT_UI_DIR.into())),
        }
    }
}

#[derive(Args, Debug, Default, Clone)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: Options,
    /// Once listening, write `url=…` and `code=…` lines to this file (for
    /// `cargo xtask demo`, which starts the simulated fleet with them).
    #[arg(long)]
    pub info_file: Option<PathBuf>,
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
        let file: Options = toml::from_str(
            "listen = \"0.0.0.0:9000\"\nrate_ip_per_min = 10\nsms_number = \"+51 944 000 111\"\ndb = \"f.db\"",
        )
        .unwrap();
        let given = Options {
            rate_ip_per_min: Some(20),
            ..Options::default()
        };
        let options = given.or(file);
        let settings = options.settings();
        assert_eq!(options.listen(), "0.0.0.0:9000".parse().unwrap());
        assert_eq!(settings.ip_rate.per_minute, 20);
        assert_eq!(settings.device_rate, Settings::default().device_rate);
        assert_eq!(options.db(), PathBuf::from("f.db"));
        assert_eq!(settings.sms_number.as_deref(), Some("+51 944 000 111"));
        let flag_db = Options {
            db: Some("flag.db".into()),
            ..Options::default()
        };
        assert_eq!(flag_db.or(options).db(), PathBuf::from("flag.db"));
    }

    #[test]
    fn nothing_given_is_the_defaults() {
        let options = Options::default().or(Options::load(None).unwrap());
        assert_eq!(options.listen(), DEFAULT_LISTEN);
        assert_eq!(options.db(), PathBuf::from(DEFAULT_DB));
        assert_eq!(
            options.settings(),
            Settings {
                ui_dir: Some(DEFAULT_UI_DIR.into()),
                ..Settings::default()
            }
        );
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused() {
        assert!(toml::from_str::<Options>("lisen = \"x\"").is_err());
    }

    #[test]
    fn every_key_of_the_file_is_known() {
        let file: Options = toml::from_str(
            "db = \"a.db\"\nlisten = \"127.0.0.1:1\"\nsms_number = \"1\"\nrate_device_per_min = 1\n\
             rate_device_burst = 1\nrate_ip_per_min = 1\nrate_ip_burst = 1\nsession_hours = 1\n\
             secure_cookies = true\nui_dir = \"u\"\nsms_gateway_secret = \"g\"",
        )
        .unwrap();
        assert_eq!(file.settings().session_ttl, Duration::from_secs(3600));
        assert_eq!(
            file.settings().sms_gateway_secret,
            Some(GatewaySecret::new("g"))
        );
        assert_eq!(file.db(), PathBuf::from("a.db"));
    }

    #[test]
    fn the_help_tells_the_real_defaults() {
        use clap::CommandFactory;
        let mut cli = Cli::command();
        cli.build(); // copies the global --db into the subcommands
        let help = cli
            .find_subcommand_mut("serve")
            .unwrap()
            .render_long_help()
            .to_string()
            .replace('\n', " ");
        let d = Settings::default();
        for default in [
            DEFAULT_LISTEN.to_string(),
            d.device_rate.per_minute.to_string(),
            d.device_rate.burst.to_string(),
            d.ip_rate.per_minute.to_string(),
            d.ip_rate.burst.to_string(),
            (d.session_ttl.as_secs() / 3600).to_string(),
            DEFAULT_UI_DIR.to_string(),
            DEFAULT_DB.to_string(),
        ] {
            assert!(
                help.contains(&format!("[default: {default}")),
                "the help does not say the default {default}"
            );
        }
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
            Cmd::Serve(Options {
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
