use thiserror::Error;

/// What can go wrong in the test harness itself.
#[derive(Debug, Error)]
pub enum E2eError {
    #[error("could not listen: {0}")]
    Bind(#[source] std::io::Error),
    #[error("bad receiver URL: {0}")]
    Url(#[from] url::ParseError),
    #[error("timed out waiting for {0}")]
    Timeout(String),
    #[error("unknown alert")]
    UnknownAlert,
    #[error("the simulator binary was not found next to the test binary ({0})")]
    SimNotFound(String),
    #[error("child process: {0}")]
    Child(#[source] std::io::Error),
    #[error("the child process said something unexpected: {0}")]
    ChildOutput(String),
}
