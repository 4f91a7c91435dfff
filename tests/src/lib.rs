//! End-to-end test support for Auxilio: the real server, a fault layer in
//! front of it, and phones driven by the real core.
//!
//! [`TestServer`] runs `auxilio_server::app` on loopback (its own SQLite
//! file, seeded with an organization, its code, a unit and an operator)
//! behind a fault layer that fails on purpose when a test scripts it to:
//! dropped connections before or after the server committed, 503 with
//! `Retry-After` (seconds or HTTP-date), 429, 4xx, captive portals, slow or
//! held requests and answers, answers cut mid-body, replayed requests, and
//! the whole server going down and coming back on the same port. What the
//! server stored is read from its own events table; the central's actions
//! go through the real HTTP lifecycle ([`Operator`]).
//!
//! [`SlowLink`] is a delaying, paced proxy that loses answers (an EDGE
//! radio, for CI). [`harness`] makes phones (the real `auxilio-core`); [`sim`] finds and
//! drives the `auxilio-sim` binary for the crash tests.

mod error;
mod fault;
pub mod harness;
mod journal;
mod layer;
mod ledger;
mod operator;
mod seed;
mod server;
pub mod sim;
mod slow_link;
mod wire;

pub use error::E2eError;
pub use fault::{Fault, FaultRule, Route};
pub use journal::Answer;
pub use ledger::Stored;
pub use operator::Operator;
pub use server::{ServerOptions, TestServer, DEFAULT_WAIT, UNIT_CALL_SIGN, UNIT_POSITION};
pub use slow_link::{ConnBytes, LinkShape, SlowLink};
