//! Getting outbox rows to the endpoints.

pub(crate) mod backoff;
pub(crate) mod http;
pub(crate) mod worker;
