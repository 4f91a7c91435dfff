//! Small named values: the device identity, the profile, the enrollment and
//! the last known fix.

use rusqlite::{Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::CoreError;

pub(crate) const DEVICE_ID: &str = "device_id";
pub(crate) const DEVICE_KEY: &str = "device_key";
pub(crate) const PROFILE: &str = "profile";
pub(crate) const ENROLLMENT: &str = "enrollment";
pub(crate) const LAST_FIX: &str = "last_fix";
/// The server URL of the last open: rows wedged there are retried when it
/// changes.
pub(crate) const SERVER_URL: &str = "server_url";

pub(crate) fn get_bytes(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>, CoreError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn put_bytes(conn: &Connection, key: &str, value: &[u8]) -> Result<(), CoreError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        rusqlite::params![key, value],
    )?;
    Ok(())
}

pub(crate) fn get_json<T: DeserializeOwned>(
    conn: &Connection,
    key: &str,
) -> Result<Option<T>, CoreError> {
    match get_bytes(conn, key)? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

pub(crate) fn put_json<T: Serialize>(
    conn: &Connection,
    key: &str,
    value: &T,
) -> Result<(), CoreError> {
    put_bytes(conn, key, &serde_json::to_vec(value)?)
}
