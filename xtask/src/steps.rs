//! The steps behind each command.

use std::fmt;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use crate::install;

#[derive(Debug)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Runs a command with inherited output; a non-zero exit is an error.
pub fn run(cmd: &mut Command) -> Result<(), Error> {
    let shown = format!("{cmd:?}").replace('"', "");
    eprintln!("xtask: $ {shown}");
    let status = cmd
        .status()
        .map_err(|e| Error(format!("could not start {shown}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error(format!("{shown} failed ({status})")))
    }
}

/// The workspace root (xtask's manifest is one level below it).
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// The Debian packages every Rust build here needs (rusqlite and ring build C).
const BUILD_DEBS: &[&str] = &["gcc", "pkg-config"];

pub fn demo(args: &[String]) -> Result<(), Error> {
    install::debs(BUILD_DEBS)?;
    // A debug build: it compiles in a third of the time and is fast enough for a demo.
    run(cargo().args(["build", "-p", "auxilio-server", "-p", "auxilio-sim"]))?;
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target"));
    let server = target.join("debug").join("auxilio-server");
    let mut cmd = Command::new(server);
    cmd.current_dir(root()).arg("demo").args(args);
    run(&mut cmd)
}

pub fn test() -> Result<(), Error> {
    let started = Instant::now();
    install::debs(BUILD_DEBS)?;
    install::rust_parts(&["rustfmt", "clippy"], &[])?;

    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    if install::has_nextest() {
        run(cargo().args(["nextest", "run", "--workspace", "--no-fail-fast"]))?;
    } else {
        run(cargo().args(["test", "--workspace", "--no-fail-fast"]))?;
    }
    // Doc tests: nextest does not run them.
    run(cargo().args(["test", "--workspace", "--doc"]))?;
    eprintln!("xtask: all checks passed in {:.0?}", started.elapsed());
    Ok(())
}

pub fn bench() -> Result<(), Error> {
    install::debs(BUILD_DEBS)?;
    run(cargo().args(["bench", "--workspace"]))
}
