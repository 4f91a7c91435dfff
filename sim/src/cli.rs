//! The one configuration of the simulator: a clap struct (every option can
//! also come from the environment), parsed once in `main`.

use std::path::PathBuf;
use std::time::Duration;

use auxilio_core::backoff::Policy;
use auxilio_core::{AlertKind, CoreConfig, Profile};
use auxilio_protocol::ReporterRole;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::SimError;

#[derive(Parser, Debug)]
#[command(
    name = "auxilio-sim",
    version,
    about = "Acts as one or many Auxilio phones through the real auxilio-core"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Raise one SOS: prints `queued <id>` once it is durably queued, then
    /// `received <id>` once the server has it (unless --no-wait).
    Raise(Box<RaiseArgs>),
    /// Deliver whatever is still queued in --data, exit when the queue is empty.
    Deliver(DeliverArgs),
    /// Many phones moving through El Porvenir, raising alerts at a given rate.
    Fleet(FleetArgs),
    /// Print the compact signed SMS text of a queued alert (the newest
    /// undelivered one unless --alert), as the phone would send it.
    Sms(SmsArgs),
}

/// Core's backoff bounds ([`Policy::DEFAULT`]), in ms.
const DEFAULT_INITIAL_MS: u64 = Policy::DEFAULT.initial.as_millis() as u64;
const DEFAULT_CAP_MS: u64 = Policy::DEFAULT.cap.as_millis() as u64;

/// How the phone reaches the server and how hard it retries.
#[derive(Args, Debug, Clone)]
pub struct Tuning {
    /// First backoff wait after a failed delivery, in ms.
    #[arg(long, env = "AUXILIO_SIM_BACKOFF_INITIAL_MS", default_value_t = DEFAULT_INITIAL_MS)]
    pub backoff_initial_ms: u64,
    /// Longest backoff wait, in ms.
    #[arg(long, env = "AUXILIO_SIM_BACKOFF_CAP_MS", default_value_t = DEFAULT_CAP_MS)]
    pub backoff_cap_ms: u64,
    /// Per-request timeout, in ms.
    #[arg(long, env = "AUXILIO_SIM_REQUEST_TIMEOUT_MS", default_value_t = 15_000)]
    pub request_timeout_ms: u64,
    /// The refinement window after the tap, in ms: the SOS never waits for a
    /// fix; within this window the first good fix (or the best at its end)
    /// follows as the alert's refined position.
    #[arg(long, env = "AUXILIO_SIM_FIX_DEADLINE_MS", default_value_t = 8000)]
    pub fix_deadline_ms: u64,
}

impl Tuning {
    /// The backoff of delivery and of the enrollment retry (initial at least
    /// 1 ms, cap at least the initial).
    pub fn backoff(&self) -> Policy {
        let initial = self.backoff_initial_ms.max(1);
        Policy {
            initial: Duration::from_millis(initial),
            cap: Duration::from_millis(self.backoff_cap_ms.max(initial)),
        }
    }

    pub fn core_config(&self, data_dir: PathBuf, server: url::Url) -> CoreConfig {
        let mut config = CoreConfig::new(data_dir, server);
        config.app_version = concat!("auxilio-sim/", env!("CARGO_PKG_VERSION")).to_owned();
        let backoff = self.backoff();
        config.backoff_initial = backoff.initial;
        config.backoff_cap = backoff.cap;
        config.request_timeout = Duration::from_millis(self.request_timeout_ms.max(1));
        config.fix_deadline = Duration::from_millis(self.fix_deadline_ms);
        config
    }
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            backoff_initial_ms: DEFAULT_INITIAL_MS,
            backoff_cap_ms: DEFAULT_CAP_MS,
            request_timeout_ms: 15_000,
            fix_deadline_ms: 8000,
        }
    }
}

/// One phone: where it keeps its database, which server, who holds it.
#[derive(Args, Debug, Clone)]
pub struct PhoneArgs {
    /// The serenazgo server base URL.
    #[arg(long, env = "AUXILIO_SERVER")]
    pub server: url::Url,
    /// The phone's data directory (holds auxilio.db).
    #[arg(long, env = "AUXILIO_SIM_DATA")]
    pub data: PathBuf,
    /// Enrollment code, used if this phone is not enrolled yet.
    #[arg(long, env = "AUXILIO_ENROLL_CODE")]
    pub code: Option<String>,
    /// Display name for enrollment (demo data only).
    #[arg(long, env = "AUXILIO_SIM_NAME", default_value = "Vecina Demo Quispe")]
    pub name: String,
    /// Phone number for enrollment (demo data only).
    #[arg(long, env = "AUXILIO_SIM_PHONE", default_value = "+51 900 000 001")]
    pub phone: String,
    #[arg(long, value_enum, env = "AUXILIO_SIM_ROLE", default_value_t = RoleArg::Resident)]
    pub role: RoleArg,
    /// Vehicle plate, for drivers.
    #[arg(long)]
    pub plate: Option<String>,
    #[command(flatten)]
    pub tuning: Tuning,
}

impl PhoneArgs {
    pub fn profile(&self) -> Profile {
        Profile {
            display_name: self.name.clone(),
            dni: None,
            phone: self.phone.clone(),
            role: self.role.into(),
            plate: self.plate.clone(),
            place: None,
        }
    }

    pub fn core_config(&self) -> CoreConfig {
        self.tuning
            .core_config(self.data.clone(), self.server.clone())
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleArg {
    Mototaxi,
    Bus,
    Vendor,
    Coordinator,
    Watch,
    Resident,
    Other,
}

impl From<RoleArg> for ReporterRole {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Mototaxi => ReporterRole::MototaxiDriver,
            RoleArg::Bus => ReporterRole::BusDriver,
            RoleArg::Vendor => ReporterRole::MarketVendor,
            RoleArg::Coordinator => ReporterRole::ProgrammeCoordinator,
            RoleArg::Watch => ReporterRole::NeighbourhoodWatch,
            RoleArg::Resident => ReporterRole::Resident,
            RoleArg::Other => ReporterRole::Other,
        }
    }
}

/// `asalto`, `emergencia_medica` (or `emergencia-medica`), …
pub fn parse_kind(s: &str) -> Result<AlertKind, SimError> {
    let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
    AlertKind::ALL
        .into_iter()
        .find(|k| k.as_str() == wanted)
        .ok_or(SimError::Argument(
            "kind must be one of sos, asalto, extorsion, violencia, emergencia_medica, incendio, accidente",
        ))
}

#[derive(Args, Debug, Clone)]
pub struct RaiseArgs {
    #[command(flatten)]
    pub phone: PhoneArgs,
    #[arg(long, value_parser = parse_kind, default_value = "sos")]
    pub kind: AlertKind,
    /// Latitude of the GPS fix fed before raising. Without --lat/--lon the
    /// phone knows no position and the SOS goes without one.
    #[arg(long, allow_negative_numbers = true, requires = "lon")]
    pub lat: Option<f64>,
    /// Longitude of the GPS fix fed before raising.
    #[arg(long, allow_negative_numbers = true, requires = "lat")]
    pub lon: Option<f64>,
    /// Horizontal accuracy of the fix, in metres.
    #[arg(long, default_value_t = 10.0)]
    pub accuracy: f64,
    /// Feed the fix this many ms after the tap instead of before it: the SOS
    /// leaves with what the phone knew, and the fix follows as the refined
    /// position; `raise` then waits for that position to be delivered too.
    #[arg(long, requires = "lat")]
    pub fix_after_ms: Option<u64>,
    /// The discreet trigger.
    #[arg(long)]
    pub silent: bool,
    #[arg(long)]
    pub note: Option<String>,
    #[arg(long)]
    pub battery: Option<u8>,
    /// Exit as soon as the alert is queued.
    #[arg(long)]
    pub no_wait: bool,
    /// Give up waiting for the server after this many seconds (the alert
    /// stays queued; `deliver` sends it later).
    #[arg(long, env = "AUXILIO_SIM_WAIT_TIMEOUT_S")]
    pub wait_timeout_s: Option<u64>,
    /// After `received`, keep the phone up this many seconds, its position
    /// reported again every 2 s, so tracking and status polling go on as on
    /// a phone; then print `stayed <id>` (bench/edge measures their bytes).
    #[arg(long)]
    pub stay_s: Option<u64>,
    /// Play the SMS gateway: when the SMS fallback fires, post its text to
    /// this URL (the server's `/api/v1/sms/inbound`); `raise` then ends with
    /// `sms-sent <id>` unless the server received the alert first.
    #[arg(long, env = "AUXILIO_SIM_SMS_GATEWAY", requires = "sms_gateway_secret")]
    pub sms_gateway: Option<url::Url>,
    /// The gateway's bearer secret.
    #[arg(long, env = "AUXILIO_SMS_GATEWAY_SECRET", hide_env_values = true)]
    pub sms_gateway_secret: Option<String>,
    /// How long after the tap the SMS fallback fires without a server
    /// receipt, in ms [default: core's, 30 s].
    #[arg(long, env = "AUXILIO_SIM_SMS_AFTER_MS")]
    pub sms_after_ms: Option<u64>,
}

#[derive(Args, Debug, Clone)]
pub struct SmsArgs {
    /// The phone's data directory (holds auxilio.db).
    #[arg(long, env = "AUXILIO_SIM_DATA")]
    pub data: PathBuf,
    /// The alert; the newest one the server has not received if absent.
    #[arg(long)]
    pub alert: Option<uuid::Uuid>,
    /// The server the phone delivers to (core is opened on it, then shut
    /// down at once; nothing is sent that was not queued already).
    #[arg(long, env = "AUXILIO_SERVER", default_value = "http://127.0.0.1:9/")]
    pub server: url::Url,
}

#[derive(Args, Debug, Clone)]
pub struct DeliverArgs {
    #[command(flatten)]
    pub phone: PhoneArgs,
    /// Give up after this many seconds (exit 4, rows stay queued).
    #[arg(long, env = "AUXILIO_SIM_DELIVER_TIMEOUT_S", default_value_t = 120)]
    pub timeout_s: u64,
}

#[derive(Args, Debug, Clone)]
pub struct FleetArgs {
    #[arg(long, env = "AUXILIO_SERVER")]
    pub server: url::Url,
    /// Simulated phones.
    #[arg(long, default_value_t = 20)]
    pub devices: usize,
    /// Alerts per minute, all phones together.
    #[arg(long, default_value_t = 6.0)]
    pub rate: f64,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 60)]
    pub duration: u64,
    /// Enrollment code for every phone.
    #[arg(long, env = "AUXILIO_ENROLL_CODE")]
    pub code: Option<String>,
    /// Parent of the phones' data directories (a temporary one if absent).
    #[arg(long, env = "AUXILIO_SIM_DATA")]
    pub data: Option<PathBuf>,
    /// Seed of the random choices, for a repeatable run.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Seconds between tracked positions after an SOS.
    #[arg(long, default_value_t = 10)]
    pub tracking_interval_s: u64,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub tuning: Tuning,
}
