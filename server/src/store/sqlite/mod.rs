//! The embedded store: one SQLite file in WAL mode with `synchronous=FULL`
//! (a commit is on disk before it returns), one writer connection, and a few
//! reader connections that never block the writer.

mod ctx;
mod read;
mod rows;
pub mod schema;
mod write;
mod write_alert;
mod write_responder;
mod write_sms;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use auxilio_protocol::{AlertId, AlertView, DeviceId};
use rusqlite::{Connection, OpenFlags};

use super::{AccountRecord, AlertQuery, BatchOutcome, Command, DeviceAuth, Store, StoreError};
use crate::model::{Account, AlertDetail, AlertList, AlertSummary, StoredEvent, UnitView};

const READERS: usize = 4;

pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        schema::migrate(&mut writer)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(Duration::from_secs(5))?;
            readers.push(Mutex::new(conn));
        }
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        // Take the first free reader, else wait for the round-robin one.
        for i in 0..self.readers.len() {
            if let Ok(conn) = self.readers[(start + i) % self.readers.len()].try_lock() {
                return f(&conn);
            }
        }
        // A poisoned lock only means a panic elsewhere; a connection has no
        // half-done state outside a transaction, which unwinding rolls back.
        let conn = self.readers[start % self.readers.len()]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }
}

impl Store for SqliteStore {
    fn apply(&self, cmds: Vec<Command>, now_ms: i64) -> Result<BatchOutcome, StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        write::apply(&mut conn, cmds, now_ms)
    }

    fn device_auth(&self, id: DeviceId) -> Result<Option<DeviceAuth>, StoreError> {
        self.read(|c| read::device_auth(c, id))
    }

    fn device_alert_view(
        &self,
        device_id: DeviceId,
        alert_id: AlertId,
    ) -> Result<Option<AlertView>, StoreError> {
        self.read(|c| read::device_alert_view(c, device_id, alert_id))
    }

    fn events_after(&self, after: i64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        self.read(|c| read::events_after(c, after, limit))
    }

    fn last_event_id(&self) -> Result<i64, StoreError> {
        self.read(read::last_event_id)
    }

    fn alerts(&self, query: &AlertQuery) -> Result<AlertList, StoreError> {
        self.read(|c| read::alerts(c, query))
    }

    fn alert_summary(&self, id: AlertId) -> Result<Option<AlertSummary>, StoreError> {
        self.read(|c| rows::alert_summary(c, id))
    }

    fn alert_detail(&self, id: AlertId) -> Result<Option<AlertDetail>, StoreError> {
        self.read(|c| read::alert_detail(c, id))
    }

    fn units(&self) -> Result<Vec<UnitView>, StoreError> {
        self.read(read::units)
    }

    fn account_by_username(&self, username: &str) -> Result<Option<AccountRecord>, StoreError> {
        self.read(|c| read::account_by_username(c, username))
    }

    fn session(&self, token_hash: &[u8; 32], now_ms: i64) -> Result<Option<Account>, StoreError> {
        self.read(|c| read::session(c, token_hash, now_ms))
    }
}
