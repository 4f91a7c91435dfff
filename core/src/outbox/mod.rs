//! Durable storage: the schema, the one connection, and all SQL.

pub(crate) mod alerts;
mod db;
pub(crate) mod meta;
pub(crate) mod queue;
mod schema;
#[cfg(test)]
mod tests;

pub(crate) use db::Db;
