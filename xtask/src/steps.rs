//! The steps behind each command.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cmd::{run, Error};
use crate::install;

/// The workspace root (xtask's manifest is one level below it).
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Where cargo puts its builds.
pub fn target_dir() -> PathBuf {
    std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target"))
}

pub fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

pub fn npm(args: &[&str]) -> Command {
    let mut c = Command::new("npm");
    c.current_dir(root().join("ui"))
        .args(args)
        .env("CARGO_TARGET_DIR", target_dir());
    c
}

/// Debian packages the builds and tests need: C for rusqlite and ring,
/// Chromium for the browser tests, WebKitGTK and Xvfb for the desktop app,
/// JNA for the Kotlin bindings test, clang and arm64 headers for the Android
/// target check.
pub const TEST_DEBS: &[&str] = &[
    "gcc",
    "pkg-config",
    "chromium",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libayatana-appindicator3-dev",
    "libsoup-3.0-dev",
    "libssl-dev",
    "xvfb",
    "xauth",
    "imagemagick",
    "libjna-java",
    "clang",
    "llvm",
    "libc6-dev-arm64-cross",
];

/// What the demo and the benchmarks need: C for rusqlite and ring.
pub const DEMO_DEBS: &[&str] = &["gcc", "pkg-config"];

/// The checks, in order; the summary prints how long each took.
type Step = (&'static str, fn() -> Result<(), Error>);

const STEPS: &[Step] = &[
    ("install", install_all),
    ("fmt", fmt),
    // The desktop app embeds ui/dist at compile time: build it before clippy.
    ("ui build", ui_build),
    ("clippy", clippy),
    ("rust tests", rust_tests),
    // The real server against its own OpenAPI document (server/tests/schemathesis.sh).
    ("schemathesis", || {
        run(&mut script("server/tests/schemathesis.sh"))
    }),
    ("mobile targets", mobile_targets),
    ("kotlin", kotlin),
    ("ui tests", ui),
    ("desktop app", desktop_app),
];

fn install_all() -> Result<(), Error> {
    install::debs(TEST_DEBS)?;
    install::rust_parts(&["rustfmt", "clippy"], MOBILE_TARGETS)
}

fn fmt() -> Result<(), Error> {
    run(cargo().args(["fmt", "--all", "--", "--check"]))
}

fn clippy() -> Result<(), Error> {
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

fn rust_tests() -> Result<(), Error> {
    // The end-to-end, crash and browser tests start the real binaries;
    // `cargo test` builds a package's binary only for that package's own
    // integration tests, so on a fresh machine auxilio-sim would be missing.
    run(cargo().args(["build", "-p", "auxilio-sim", "-p", "auxilio-server"]))?;
    if install::has_nextest() {
        run(cargo().args(["nextest", "run", "--workspace", "--no-fail-fast"]))
    } else {
        run(cargo().args(["test", "--workspace", "--no-fail-fast"]))
    }
}

/// iOS is added too, though it cannot be checked here: ring and SQLite need
/// the iOS SDK's C headers, which only Xcode has.
const MOBILE_TARGETS: &[&str] = &["aarch64-linux-android", "aarch64-apple-ios"];

fn script(path: &str) -> Command {
    let mut c = Command::new("bash");
    c.current_dir(root())
        .arg(root().join(path))
        .env("CARGO_TARGET_DIR", target_dir());
    c
}

/// Mobile-only code paths must compile for Android (no NDK here, so no
/// linking: the script points the C builds at Debian's clang).
fn mobile_targets() -> Result<(), Error> {
    let packages = [
        "-p",
        "auxilio-core",
        "-p",
        "auxilio-mobile",
        "-p",
        "auxilio-app",
    ];
    run(script("mobile/check-android.sh").args(packages))
}

/// The generated Kotlin bindings, compiled and run on the JVM against the
/// real library and a real auxilio-server on loopback.
fn kotlin() -> Result<(), Error> {
    run(&mut script("mobile/kotlin-test/run.sh"))
}

/// The desktop app built and started under Xvfb: it shows the SOS screen
/// (screenshot in src-tauri/artifacts) and exits cleanly.
fn desktop_app() -> Result<(), Error> {
    let packages = [
        "-p",
        "auxilio-app",
        "-p",
        "auxilio-server",
        "-p",
        "auxilio-sim",
    ];
    run(cargo().arg("build").args(packages))?;
    run(&mut script("src-tauri/tests/xvfb-smoke.sh"))
}

fn ui_build() -> Result<(), Error> {
    run(&mut npm(&["ci", "--no-audit", "--no-fund"]))?;
    run(&mut npm(&["run", "build"]))
}

fn ui() -> Result<(), Error> {
    run(&mut npm(&["test"]))?;
    run(&mut npm(&["run", "budget"]))?;
    // The browser tests start the real auxilio-server and auxilio-sim built above.
    run(&mut npm(&["run", "e2e"]))
}

pub fn test() -> Result<(), Error> {
    let started = Instant::now();
    let mut times: Vec<(&str, Duration)> = Vec::new();
    for (name, step) in STEPS {
        eprintln!("xtask: == {name} ==");
        let t = Instant::now();
        let result = step();
        times.push((name, t.elapsed()));
        if let Err(e) = result {
            summary(&times);
            return Err(Error(format!("step `{name}` failed: {e}")));
        }
    }
    summary(&times);
    eprintln!("xtask: all checks passed in {:.0?}", started.elapsed());
    // The plain closing line CI reads: the checks above, each a suite of tests.
    println!("checks: {} passed, 0 failed", STEPS.len());
    Ok(())
}

fn summary(times: &[(&str, Duration)]) {
    for (name, d) in times {
        eprintln!("xtask:   {name:<16} {:>6.1} s", d.as_secs_f64());
    }
}

/// What bench/edge/run.sh needs besides the builds: namespaces, tc and
/// nftables, and curl, jq and Python for its phone-side tools.
pub const EDGE_DEBS: &[&str] = &["iproute2", "nftables", "curl", "jq", "python3"];

/// `cargo xtask bench`: every cargo bench, then the bad-network one;
/// `cargo xtask bench edge`: only the bad-network one.
pub fn bench(args: &[String]) -> Result<(), Error> {
    let only_edge = match args.first().map(String::as_str) {
        None => false,
        Some("edge") => true,
        Some(other) => return Err(Error(format!("unknown benchmark `{other}` (edge)"))),
    };
    if !only_edge {
        install::debs(DEMO_DEBS)?;
        run(cargo().args(["bench", "--workspace"]))?;
    }
    edge_bench()
}

/// bench/edge/run.sh: the release simulator against the release server over
/// a 2G/EDGE-like link between two network namespaces. Namespaces need root;
/// without it the bench is skipped (CI runs tests/tests/test_slow_link.rs,
/// the same SOS through a slow userspace proxy, in `cargo xtask test`).
fn edge_bench() -> Result<(), Error> {
    if !install::is_root() {
        eprintln!("xtask: skipping bench/edge/run.sh: network namespaces need root");
        return Ok(());
    }
    install::debs(DEMO_DEBS)?;
    install::debs(EDGE_DEBS)?;
    let packages = ["-p", "auxilio-server", "-p", "auxilio-sim"];
    run(cargo().args(["build", "--release"]).args(packages))?;
    run(&mut script("bench/edge/run.sh"))
}
