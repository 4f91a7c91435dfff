//! Getting outbox rows to the endpoints.

pub(crate) mod answer;
pub mod backoff;
pub(crate) mod http;
pub(crate) mod wedged;
pub(crate) mod worker;

#[cfg(test)]
mod policy_fixtures;
