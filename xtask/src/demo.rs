//! `cargo xtask demo`: `auxilio-server demo` plus, as a second process, a
//! simulated fleet (`auxilio-sim fleet`) enrolled with the demo's code. The
//! server writes its URL and code to an info file once it listens; the fleet
//! starts then, and ends when the server does.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use crate::cmd::{announce, run, Error};
use crate::install;
use crate::steps::{cargo, npm, root, target_dir, DEMO_DEBS};

/// How long the server may take to seed and listen before the demo gives up.
const START_TIMEOUT: Duration = Duration::from_secs(120);

pub const FLEET_USAGE: &str = "\
fleet options (the rest goes to `auxilio-server demo`, see its --help):
  --fleet-devices N   simulated phones; 0 runs no fleet [env AUXILIO_FLEET_DEVICES, default 12]
  --fleet-rate R      alerts per minute, all phones together [env AUXILIO_FLEET_RATE, default 2]
  --fleet-minutes M   how long the fleet runs [env AUXILIO_FLEET_MINUTES, default 240]
";

/// The simulated fleet's settings: flag > environment > default.
#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    pub devices: usize,
    pub rate: f64,
    pub minutes: u64,
}

impl Fleet {
    /// Takes the `--fleet-*` flags out of `args`; returns the fleet and the
    /// arguments left for `auxilio-server demo`.
    pub fn from_args(
        args: &[String],
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(Fleet, Vec<String>), Error> {
        let mut devices = env("AUXILIO_FLEET_DEVICES");
        let mut rate = env("AUXILIO_FLEET_RATE");
        let mut minutes = env("AUXILIO_FLEET_MINUTES");
        let mut rest = Vec::new();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (arg.as_str(), None),
            };
            let slot = match name {
                "--fleet-devices" => &mut devices,
                "--fleet-rate" => &mut rate,
                "--fleet-minutes" => &mut minutes,
                _ => {
                    rest.push(arg.clone());
                    continue;
                }
            };
            let value = inline.or_else(|| it.next().cloned());
            *slot = Some(value.ok_or_else(|| Error(format!("{name} needs a value")))?);
        }
        let fleet = Fleet {
            devices: parse(devices, "--fleet-devices", 12)?,
            rate: parse(rate, "--fleet-rate", 2.0)?,
            minutes: parse(minutes, "--fleet-minutes", 240)?,
        };
        if !(fleet.rate.is_finite() && fleet.rate >= 0.0) {
            return Err(Error("--fleet-rate must be 0 or more".into()));
        }
        Ok((fleet, rest))
    }
}

fn parse<T: std::str::FromStr>(value: Option<String>, name: &str, default: T) -> Result<T, Error> {
    match value {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| Error(format!("{name}: not a number: {v}"))),
    }
}

/// The server URL and the enrollment code, from the demo's info file.
fn read_info(text: &str) -> Option<(String, String)> {
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(str::to_string)
    };
    Some((field("url")?, field("code")?))
}

pub fn demo(args: &[String]) -> Result<(), Error> {
    let (fleet, server_args) = Fleet::from_args(args, |k| std::env::var(k).ok())?;
    if server_args.iter().any(|a| a == "--help" || a == "-h") {
        eprint!("{FLEET_USAGE}");
    }
    install::debs(DEMO_DEBS)?;
    // A debug build: it compiles in a third of the time and is fast enough for a demo.
    run(cargo().args(["build", "-p", "auxilio-server", "-p", "auxilio-sim"]))?;
    if root().join("ui/package.json").exists() && !root().join("ui/dist/index.html").exists() {
        run(&mut npm(&["ci", "--no-audit", "--no-fund"]))?;
        run(&mut npm(&["run", "build"]))?;
    }
    let info = target_dir().join(format!("demo-{}.info", std::process::id()));
    let _ = std::fs::remove_file(&info);
    let mut server = Command::new(bin("auxilio-server"));
    server
        .current_dir(root())
        .arg("demo")
        .args(&server_args)
        .arg("--info-file")
        .arg(&info);
    announce(&server);
    let mut server = server
        .spawn()
        .map_err(|e| Error(format!("could not start auxilio-server: {e}")))?;
    let result = supervise(&mut server, &info, &fleet);
    if result.is_err() {
        let _ = server.kill();
        let _ = server.wait();
    }
    let _ = std::fs::remove_file(&info);
    result
}

fn bin(name: &str) -> PathBuf {
    target_dir().join("debug").join(name)
}

/// Waits for the server to listen, starts the fleet, and waits for the
/// server to end; then ends the fleet.
fn supervise(server: &mut Child, info: &Path, fleet: &Fleet) -> Result<(), Error> {
    let started = Instant::now();
    let (url, code) = loop {
        if let Some(status) = server.try_wait().map_err(wait_error)? {
            return exited(status);
        }
        if let Some(found) = std::fs::read_to_string(info)
            .ok()
            .as_deref()
            .and_then(read_info)
        {
            break found;
        }
        if started.elapsed() > START_TIMEOUT {
            return Err(Error("auxilio-server demo did not start listening".into()));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut sim = None;
    if fleet.devices > 0 {
        let mut cmd = Command::new(bin("auxilio-sim"));
        cmd.current_dir(root())
            .args(["fleet", "--server", &url, "--code", &code]);
        cmd.arg("--devices").arg(fleet.devices.to_string());
        cmd.arg("--rate").arg(fleet.rate.to_string());
        cmd.arg("--duration")
            .arg(fleet.minutes.saturating_mul(60).to_string());
        // The fix deadline the fleet always had in the demo.
        cmd.args(["--fix-deadline-ms", "3000"]);
        let child = cmd
            .spawn()
            .map_err(|e| Error(format!("could not start auxilio-sim fleet: {e}")))?;
        println!(
            "  fleet:           {} simulated phones, {} alerts/min",
            fleet.devices, fleet.rate
        );
        sim = Some(child);
    } else {
        println!("  fleet:           none (--fleet-devices 0)");
    }
    let status = server.wait().map_err(wait_error);
    if let Some(mut sim) = sim {
        let _ = sim.kill();
        let _ = sim.wait();
    }
    exited(status?)
}

fn wait_error(e: std::io::Error) -> Error {
    Error(format!("cannot wait for auxilio-server: {e}"))
}

fn exited(status: ExitStatus) -> Result<(), Error> {
    if status.success() {
        Ok(())
    } else {
        Err(Error(format!("auxilio-server demo ended ({status})")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fleet_flags_are_taken_out_and_the_rest_goes_to_the_server() {
        let given = args(&[
            "--listen",
            "0.0.0.0:8080",
            "--fleet-devices",
            "30",
            "--fleet-rate=6",
        ]);
        let (fleet, rest) = Fleet::from_args(&given, |_| None).unwrap();
        assert_eq!(
            fleet,
            Fleet {
                devices: 30,
                rate: 6.0,
                minutes: 240
            }
        );
        assert_eq!(rest, args(&["--listen", "0.0.0.0:8080"]));
    }

    #[test]
    fn a_flag_beats_the_environment_and_the_environment_beats_the_default() {
        let env = |k: &str| {
            (k == "AUXILIO_FLEET_DEVICES" || k == "AUXILIO_FLEET_MINUTES").then(|| "5".to_string())
        };
        let (fleet, _) = Fleet::from_args(&args(&["--fleet-devices", "0"]), env).unwrap();
        assert_eq!((fleet.devices, fleet.rate, fleet.minutes), (0, 2.0, 5));
    }

    #[test]
    fn a_bad_or_missing_value_is_refused() {
        assert!(Fleet::from_args(&args(&["--fleet-rate", "lots"]), |_| None).is_err());
        assert!(Fleet::from_args(&args(&["--fleet-rate", "-1"]), |_| None).is_err());
        assert!(Fleet::from_args(&args(&["--fleet-devices"]), |_| None).is_err());
    }

    #[test]
    fn the_info_file_gives_the_url_and_the_code() {
        let text = "url=http://127.0.0.1:8080\ncode=ep-abc\n";
        assert_eq!(
            read_info(text),
            Some(("http://127.0.0.1:8080".into(), "ep-abc".into()))
        );
        assert_eq!(read_info("url=http://x\n"), None);
    }
}
