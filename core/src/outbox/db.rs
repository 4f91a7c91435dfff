//! The one SQLite connection: WAL, `synchronous=FULL` (a returned commit
//! survives `kill -9` and power loss), one writer behind a mutex.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::schema;
use crate::CoreError;

/// The writer checkpoints by itself only as a safety net (~40 MB of WAL);
/// normally [`Db::checkpoint`] runs in the background on its own connection so
/// no SOS commit pays for copying the WAL into the database.
const SAFETY_AUTOCHECKPOINT_PAGES: i64 = 10_000;

pub(crate) struct Db {
    conn: Mutex<Connection>,
    /// A second connection that only checkpoints (never writes rows).
    checkpointer: Option<Mutex<Connection>>,
}

impl Db {
    /// Opens (or creates) the database file and brings its schema up to date.
    pub(crate) fn open(path: &Path) -> Result<Db, CoreError> {
        let conn = Connection::open(path)?;
        let mut db = Self::setup(conn, true)?;
        let checkpointer = Connection::open(path)?;
        checkpointer.busy_timeout(Duration::from_secs(5))?;
        checkpointer.pragma_update(None, "synchronous", "FULL")?;
        db.checkpointer = Some(Mutex::new(checkpointer));
        Ok(db)
    }

    /// A private in-memory database (tests).
    #[cfg(test)]
    pub(crate) fn open_in_memory() -> Result<Db, CoreError> {
        Self::setup(Connection::open_in_memory()?, false)
    }

    fn setup(mut conn: Connection, wal: bool) -> Result<Db, CoreError> {
        conn.busy_timeout(Duration::from_secs(5))?;
        if wal {
            let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(CoreError::Storage("the database refused WAL mode".into()));
            }
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "wal_autocheckpoint", SAFETY_AUTOCHECKPOINT_PAGES)?;
        schema::migrate(&mut conn)?;
        Ok(Db {
            conn: Mutex::new(conn),
            checkpointer: None,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held rolled its transaction back (the
        // transaction's Drop), so the connection is still consistent.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` in one IMMEDIATE transaction; commits (durably) when it returns `Ok`.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Copies committed WAL frames into the database without blocking the
    /// writer (`PASSIVE`). Returns the frames copied.
    pub(crate) fn checkpoint(&self) -> Result<i64, CoreError> {
        let Some(conn) = &self.checkpointer else {
            return Ok(0);
        };
        let conn = conn.lock().unwrap_or_else(|p| p.into_inner());
        let copied: i64 = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(2))?;
        Ok(copied.max(0))
    }

    /// Like [`Db::write`], then runs `then` on the result after the commit
    /// but before any other transaction can start (so what `then` announces
    /// comes before anything another task does with the new rows).
    pub(crate) fn write_then<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, CoreError>,
        then: impl FnOnce(&T),
    ) -> Result<T, CoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        then(&out);
        Ok(out)
    }

    /// Runs `f` on the connection (reads).
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let conn = self.lock();
        f(&conn)
    }
}
