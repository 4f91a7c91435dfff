//! Running one command, and the one error every step returns.

use std::fmt;
use std::process::Command;

#[derive(Debug)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Prints the command line about to run, and returns it.
pub fn announce(cmd: &Command) -> String {
    let shown = format!("{cmd:?}").replace('"', "");
    eprintln!("xtask: $ {shown}");
    shown
}

/// Runs a command with inherited output; a non-zero exit is an error.
pub fn run(cmd: &mut Command) -> Result<(), Error> {
    let shown = announce(cmd);
    let status = cmd
        .status()
        .map_err(|e| Error(format!("could not start {shown}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error(format!("{shown} failed ({status})")))
    }
}
