//! Auxilio's task runner. `cargo xtask demo` runs the dispatch centre with a
//! simulated fleet; `cargo xtask test` runs every check CI runs. Both install
//! what they need on a fresh Debian machine (or say exactly what is missing).

mod cmd;
mod demo;
mod install;
mod steps;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  demo    the dispatch centre with a simulated fleet, on embedded SQLite
          (--fleet-devices/--fleet-rate/--fleet-minutes for the fleet,
          the rest goes to `auxilio-server demo`)
  test    every check CI runs: fmt, clippy, Rust tests, mobile targets, UI, browser
  bench   the benchmarks behind BENCHMARKS.md (`bench edge`: only the
          2G/EDGE link one, bench/edge/run.sh, as root)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo::demo(&args[1..]),
        Some("test") => steps::test(),
        Some("bench") => steps::bench(&args[1..]),
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
