//! What every write command shares: its context (the open savepoint, the
//! time, the events it emits) and its error (refused or broken).

use auxilio_protocol::AlertId;
use rusqlite::{params, Connection};

use crate::domain::DomainError;
use crate::model::{StoredEvent, StreamPayload};
use crate::store::StoreError;

/// Why a command failed: refused (domain) or broken (storage).
pub(super) enum CmdError {
    Domain(DomainError),
    Store(StoreError),
}

impl From<DomainError> for CmdError {
    fn from(e: DomainError) -> Self {
        CmdError::Domain(e)
    }
}

impl From<StoreError> for CmdError {
    fn from(e: StoreError) -> Self {
        CmdError::Store(e)
    }
}

impl From<rusqlite::Error> for CmdError {
    fn from(e: rusqlite::Error) -> Self {
        CmdError::Store(StoreError::Sqlite(e))
    }
}

pub(super) type CmdResult<T> = Result<T, CmdError>;

/// What a command writes into: the open savepoint, the time, its events.
pub(super) struct Ctx<'c> {
    pub conn: &'c Connection,
    pub now_ms: i64,
    pub events: Vec<StoredEvent>,
}

impl Ctx<'_> {
    /// Appends an event to the events table (its id is the SSE id).
    pub fn emit(&mut self, payload: StreamPayload) -> CmdResult<()> {
        let data = payload
            .data_json()
            .map_err(|_| StoreError::Corrupt("an event could not be serialised"))?;
        let alert_id = payload.alert_id().map(|id| id.to_string());
        self.conn
            .prepare_cached(
                "INSERT INTO events (at_ms, kind, alert_id, payload) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![self.now_ms, payload.name(), alert_id, data])?;
        let id = self.conn.last_insert_rowid();
        self.events
            .push(StoredEvent::new(id, self.now_ms, payload, &data));
        Ok(())
    }

    /// Appends a line to the audit log.
    pub fn audit(
        &self,
        actor: &str,
        action: &str,
        alert_id: Option<AlertId>,
        from_to: (Option<&str>, Option<&str>),
        detail: Option<&str>,
    ) -> CmdResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO audit_log (at_ms, actor, action, alert_id, from_status, to_status, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                self.now_ms,
                actor,
                action,
                alert_id.map(|id| id.to_string()),
                from_to.0,
                from_to.1,
                detail
            ])?;
        Ok(())
    }
}
