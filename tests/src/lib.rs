//! End-to-end test support for Auxilio.
//!
//! [`Receiver`] is a real HTTP server on loopback that speaks protocol v1
//! like the serenazgo server does (enrollment, signed alerts, positions,
//! cancels, status), stores each alert once, and fails on purpose when a
//! test scripts it to: dropped connections, 503 with `Retry-After`, slow
//! answers, permanent refusals, requests held before or after the commit,
//! and the whole server going down and coming back on the same port.
//!
//! [`sim`] finds and drives the `auxilio-sim` binary for the crash tests.

mod error;
mod fault;
mod handlers;
pub mod harness;
mod receiver;
mod shared;
pub mod sim;
mod state;

pub use error::E2eError;
pub use fault::{Fault, FaultRule, Route};
pub use receiver::{Receiver, ReceiverOptions, DEFAULT_WAIT};
pub use state::{OperatorUpdate, Stored};
