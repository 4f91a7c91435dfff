use thiserror::Error;

/// What can go wrong in the test harness itself.
#[derive(Debug, Error)]
pub enum E2eError {
    #[error("could not listen: {0}")]
    Bind(#[source] std::io::Error),
    #[error("bad server URL: {0}")]
    Url(#[from] url::ParseError),
    #[error("file system: {0}")]
    Io(#[source] std::io::Error),
    #[error("the server's store: {0}")]
    Store(#[from] auxilio_server::store::StoreError),
    #[error("the server could not start: {0}")]
    Server(String),
    #[error("seeding the server failed: {0}")]
    Seed(String),
    #[error("HTTP: {0}")]
    Http(String),
    #[error("the server refused with {status}: {body}")]
    Refused { status: u16, body: String },
    #[error("timed out waiting for {0}")]
    Timeout(String),
    #[error("the simulator binary was not found next to the test binary ({0})")]
    SimNotFound(String),
    #[error("child process: {0}")]
    Child(#[source] std::io::Error),
    #[error("the child process said something unexpected: {0}")]
    ChildOutput(String),
}
