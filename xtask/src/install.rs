//! Installing what the checks need, so a fresh machine works with one command.

use std::process::Command;

use crate::cmd::{run, Error};

/// Is this Debian package installed?
fn has_deb(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// Installs the missing Debian packages with apt-get (as root, non-interactive).
pub fn debs(packages: &[&str]) -> Result<(), Error> {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !has_deb(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        return Err(Error(format!(
            "missing Debian packages: {} (run: sudo apt-get install -y {})",
            missing.join(" "),
            missing.join(" ")
        )));
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    let mut update = Command::new("apt-get");
    update.arg("update").arg("-qq");
    run(&mut update)?;
    let mut install = Command::new("apt-get");
    install
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive");
    run(&mut install)
}

/// Is this process root (apt-get, network namespaces)?
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Adds rustup components and targets when rustup is there.
pub fn rust_parts(components: &[&str], targets: &[&str]) -> Result<(), Error> {
    let Ok(out) = Command::new("rustup")
        .args(["component", "list", "--installed"])
        .output()
    else {
        return Ok(()); // no rustup: a distribution toolchain, use what it has
    };
    let installed = String::from_utf8_lossy(&out.stdout).to_string();
    for c in components {
        if !installed.lines().any(|l| l.starts_with(c)) {
            run(Command::new("rustup").args(["component", "add", c]))?;
        }
    }
    if !targets.is_empty() {
        let out = Command::new("rustup")
            .args(["target", "list", "--installed"])
            .output()
            .map_err(|e| Error(format!("rustup: {e}")))?;
        let have = String::from_utf8_lossy(&out.stdout).to_string();
        for t in targets {
            if !have.lines().any(|l| l.trim() == *t) {
                run(Command::new("rustup").args(["target", "add", t]))?;
            }
        }
    }
    Ok(())
}

/// Is `cargo nextest` available?
pub fn has_nextest() -> bool {
    Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}
