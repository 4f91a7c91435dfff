//! `auxilio-sim`: one or many Auxilio phones driven through the real
//! `auxilio-core` (there is no second implementation of the phone here).
//!
//! - [`phone::raise`] and [`phone::deliver`]: one phone, one data directory.
//! - [`phone::sms`] and [`gateway::Gateway`]: the SMS fallback's text, and
//!   the simulator playing the SMS gateway for `raise --sms-gateway`.
//! - [`fleet::run`]: many phones moving through El Porvenir, used by the
//!   `fleet` command, which `cargo xtask demo` starts next to the server.

pub mod cli;
mod error;
pub mod fleet;
pub mod gateway;
pub mod geo;
mod people;
pub mod phone;

pub use error::SimError;

use std::io::Write;
use std::time::Duration;

use cli::{Cli, Command};

/// Runs one parsed command line; output lines go to stdout.
pub async fn run(cli: Cli) -> Result<(), SimError> {
    let stdout = std::io::stdout();
    match cli.command {
        Command::Raise(args) => phone::raise(*args, &mut stdout.lock()).await.map(|_| ()),
        Command::Deliver(args) => phone::deliver(args, &mut stdout.lock()).await.map(|_| ()),
        Command::Sms(args) => phone::sms(args, &mut stdout.lock()).await,
        Command::Fleet(args) => {
            let mut config = fleet::FleetConfig::new(
                args.server,
                args.devices,
                args.rate,
                Duration::from_secs(args.duration),
            );
            config.code = args.code;
            config.data_dir = args.data;
            if let Some(seed) = args.seed {
                config.seed = seed;
            }
            config.tracking_interval = Duration::from_secs(args.tracking_interval_s.max(1));
            config.tuning = args.tuning;
            let json = args.json;
            let report = fleet::run(config).await?;
            let mut out = stdout.lock();
            if json {
                let text = serde_json::to_string_pretty(&report)?;
                writeln!(out, "{text}")?;
            } else {
                writeln!(out, "{report}")?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::cli::{Cli, Command};

    #[test]
    fn test_raise_takes_negative_coordinates_and_kinds_with_underscores() {
        let cli = Cli::try_parse_from([
            "auxilio-sim",
            "raise",
            "--server",
            "http://127.0.0.1:9/",
            "--data",
            "/tmp/x",
            "--kind",
            "emergencia_medica",
            "--lat",
            "-8.07",
            "--lon",
            "-79.00",
            "--accuracy",
            "12",
            "--no-wait",
            "--stay-s",
            "30",
        ])
        .unwrap();
        let Command::Raise(args) = cli.command else {
            panic!("not raise")
        };
        assert_eq!(args.kind, auxilio_core::AlertKind::EmergenciaMedica);
        assert_eq!(
            (args.lat, args.lon, args.accuracy),
            (Some(-8.07), Some(-79.0), 12.0)
        );
        assert!(args.no_wait);
        assert_eq!(args.stay_s, Some(30));
    }

    #[test]
    fn test_raise_without_a_position_and_with_a_late_fix() {
        let base = [
            "auxilio-sim",
            "raise",
            "--server",
            "http://127.0.0.1:9/",
            "--data",
            "/tmp/x",
        ];
        let Command::Raise(args) = Cli::try_parse_from(base).unwrap().command else {
            panic!("not raise")
        };
        assert_eq!((args.lat, args.lon, args.fix_after_ms), (None, None, None));
        // A latitude alone, or a late fix with no fix, is refused.
        let mut lat_only = base.to_vec();
        lat_only.extend(["--lat", "-8.07"]);
        assert!(Cli::try_parse_from(lat_only).is_err());
        let mut late_nothing = base.to_vec();
        late_nothing.extend(["--fix-after-ms", "3000"]);
        assert!(Cli::try_parse_from(late_nothing).is_err());
        let mut late = base.to_vec();
        late.extend(["--lat", "-8.07", "--lon", "-79.0", "--fix-after-ms", "3000"]);
        let Command::Raise(args) = Cli::try_parse_from(late).unwrap().command else {
            panic!("not raise")
        };
        assert_eq!(args.fix_after_ms, Some(3000));
    }

    #[test]
    fn test_raise_takes_an_sms_gateway_only_with_its_secret() {
        let base = [
            "auxilio-sim",
            "raise",
            "--server",
            "http://127.0.0.1:9/",
            "--data",
            "/tmp/x",
            "--lat",
            "-8.07",
            "--lon",
            "-79.00",
            "--sms-gateway",
            "http://127.0.0.1:8080/api/v1/sms/inbound",
        ];
        assert!(Cli::try_parse_from(base).is_err());
        let mut args = base.to_vec();
        args.extend(["--sms-gateway-secret", "s3", "--sms-after-ms", "500"]);
        let Command::Raise(args) = Cli::try_parse_from(args).unwrap().command else {
            panic!("not raise")
        };
        assert_eq!(args.sms_gateway.unwrap().path(), "/api/v1/sms/inbound");
        assert_eq!(args.sms_gateway_secret.as_deref(), Some("s3"));
        assert_eq!(args.sms_after_ms, Some(500));
    }

    #[test]
    fn test_sms_takes_a_data_dir_and_an_optional_alert() {
        let id = uuid::Uuid::now_v7();
        let cli = Cli::try_parse_from([
            "auxilio-sim",
            "sms",
            "--data",
            "/tmp/x",
            "--alert",
            &id.to_string(),
        ])
        .unwrap();
        let Command::Sms(args) = cli.command else {
            panic!("not sms")
        };
        assert_eq!(args.alert, Some(id));
        assert!(Cli::try_parse_from(["auxilio-sim", "sms"]).is_err());
    }

    #[test]
    fn test_an_unknown_kind_is_refused() {
        let parsed = Cli::try_parse_from([
            "auxilio-sim",
            "raise",
            "--server",
            "http://127.0.0.1:9/",
            "--data",
            "/tmp/x",
            "--kind",
            "robo",
            "--lat",
            "-8.07",
            "--lon",
            "-79.00",
        ]);
        assert!(parsed.is_err());
    }
}
