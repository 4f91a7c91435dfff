//! Thin async commands over core (and, for the patrol unit, over the
//! server's responder API). Names and argument names are the contract with
//! the web UI (`ui/src/citizen/tauri.ts`, `ui/src/unit/tauri.ts`); arguments
//! arrive in camelCase (`alertId`). Every error is a tagged
//! `{ kind, message }` ([`crate::error::Error`]).

pub mod citizen;
pub mod unit;
