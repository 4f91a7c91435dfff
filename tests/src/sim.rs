//! Finding and driving the `auxilio-sim` binary from a test.

use std::path::PathBuf;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::E2eError;

/// The `auxilio-sim` binary built next to the running test binary:
/// `target/<profile>/deps/<test>` → `target/<profile>/auxilio-sim`.
pub fn sim_binary() -> Result<PathBuf, E2eError> {
    let exe = std::env::current_exe().map_err(E2eError::Child)?;
    let mut dir = exe.parent().map(PathBuf::from);
    while let Some(d) = dir {
        let candidate = d.join(format!("auxilio-sim{}", std::env::consts::EXE_SUFFIX));
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent().map(PathBuf::from);
        if dir
            .as_ref()
            .is_some_and(|p| p.join("CACHEDIR.TAG").is_file())
        {
            break;
        }
    }
    Err(E2eError::SimNotFound(
        "build it with `cargo build -p auxilio-sim` or run the tests with --workspace".to_owned(),
    ))
}

/// A running `auxilio-sim` child whose stdout is read line by line.
pub struct SimChild {
    pub child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl SimChild {
    /// Starts `auxilio-sim <args>`; stderr goes to the test's stderr.
    pub fn spawn(args: &[&str]) -> Result<SimChild, E2eError> {
        let mut child = Command::new(sim_binary()?)
            .args(args)
            // Quiet unless asked: AUXILIO_E2E_CHILD_LOG=info shows the children's logs.
            .env(
                "RUST_LOG",
                std::env::var("AUXILIO_E2E_CHILD_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(E2eError::Child)?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| E2eError::ChildOutput("no stdout".to_owned()))?;
        Ok(SimChild {
            child,
            lines: BufReader::new(stdout).lines(),
        })
    }

    /// The next stdout line, or an error at end of output.
    pub async fn next_line(&mut self) -> Result<String, E2eError> {
        match self.lines.next_line().await.map_err(E2eError::Child)? {
            Some(line) => Ok(line),
            None => Err(E2eError::ChildOutput("stdout closed".to_owned())),
        }
    }

    /// Waits for a line `<word> <uuid>` and returns the id.
    pub async fn expect_id(&mut self, word: &str) -> Result<uuid::Uuid, E2eError> {
        loop {
            let line = self.next_line().await?;
            if let Some(rest) = line.strip_prefix(word).and_then(|r| r.strip_prefix(' ')) {
                return uuid::Uuid::parse_str(rest.trim())
                    .map_err(|_| E2eError::ChildOutput(format!("`{word}` without an id")));
            }
        }
    }

    /// SIGKILL (no chance to clean up), then reap.
    pub async fn kill9(mut self) -> Result<(), E2eError> {
        self.child.kill().await.map_err(E2eError::Child)
    }

    /// Waits for the child to exit and returns its exit code (None: killed).
    pub async fn wait(mut self) -> Result<Option<i32>, E2eError> {
        // Drain stdout so the child never blocks on a full pipe.
        while let Ok(Some(_)) = self.lines.next_line().await {}
        let status = self.child.wait().await.map_err(E2eError::Child)?;
        Ok(status.code())
    }
}
