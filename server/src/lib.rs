//! The Auxilio dispatch server (serenazgo / PNP): enrolls phones, receives
//! their signed alerts, commits them durably (group commit through one
//! writer), pushes them live to consoles and units, and carries each alert
//! through its lifecycle back to the person who asked for help.
//!
//! Module map:
//! - [`api`]: routes and handlers (`app(state) -> Router`), SSE streams, OpenAPI.
//! - [`extract`]: body/JSON/query extractors and the signed-request check.
//! - [`auth`]: argon2 passwords, sessions, the `Responder` extractor.
//! - [`writer`]: the single group-commit writer; [`committed`]: what one commit publishes.
//! - [`store`]: the `Store` trait and the SQLite backend.
//! - [`domain`]: why a command is refused ([`domain::DomainError`]), apart from storage.
//! - [`sms`]: the SMS gateway's secret and how an alert arrived ([`api::sms`] takes the SMS).
//! - [`lifecycle`], [`distance`], [`ratelimit`], [`metrics`], [`model`].
//! - [`config`], [`admin`], [`demo`]: the command line.

pub mod admin;
pub mod api;
pub mod auth;
pub mod committed;
pub mod config;
pub mod demo;
pub mod device_cache;
pub mod distance;
pub mod domain;
pub mod error;
pub mod extract;
pub mod lifecycle;
pub mod metrics;
pub mod model;
pub mod ratelimit;
pub mod server;
pub mod sms;
pub mod state;
pub mod store;
pub mod writer;

pub use api::app;
pub use error::AppError;
pub use state::{AppState, Settings};
