//! Storage behind a trait, so a PostgreSQL backend can slot in next to the
//! embedded SQLite one.
//!
//! All writes go through [`Store::apply`]: a list of [`Command`]s applied in
//! order in ONE transaction (group commit); each command succeeds or fails on
//! its own (a failed one leaves no trace), and nothing is visible before the
//! transaction commits. Only the writer task calls `apply` while serving, so
//! the order of events ids is the order of commits. Reads may run on any
//! thread. The trait is synchronous: async callers use `spawn_blocking`.

pub mod sqlite;

use auxilio_protocol::{
    Alert, AlertId, AlertKind, AlertStatus, AlertView, BatchReceipt, Cancel, DeviceId,
    EnrollRequest, EnrollResponse, Outcome, PositionBatch,
};
use thiserror::Error;

use crate::domain::DomainError;
use crate::model::{
    Account, Agency, AlertDetail, AlertList, AlertSummary, OrgKind, OrgPlace, Role, StoredEvent,
    UnitView,
};

/// The storage failed (disk, corruption, a bug). Never carries personal data.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(&'static str),
    #[error("the database is busy or gone")]
    Unavailable,
}

/// Who did something, for the audit log.
#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    Device(DeviceId),
    Account(Account),
    /// The command line (admin tasks on the server's machine).
    Cli,
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Actor::Device(id) => format!("device:{id}"),
            Actor::Account(a) => format!("account:{}", a.id),
            Actor::Cli => "cli".to_string(),
        }
    }
}

/// A status change asked for by a responder.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionRequest {
    pub alert_id: AlertId,
    pub to: AlertStatus,
    pub unit_id: Option<i64>,
    pub outcome: Option<Outcome>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewOrganization {
    pub name: String,
    pub kind: OrgKind,
    pub place: Option<OrgPlace>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewCode {
    pub code: String,
    pub organization_id: Option<i64>,
    /// `None`: any number of phones.
    pub max_uses: Option<u32>,
    pub expires_at_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAccount {
    pub username: String,
    pub role: Role,
    pub password_hash: String,
    pub unit_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewUnit {
    pub call_sign: String,
    pub agency: Agency,
    pub position: Option<(f64, f64)>,
}

/// One write.
#[derive(Debug, Clone)]
pub enum Command {
    Enroll {
        req: EnrollRequest,
        public_key: [u8; 32],
    },
    /// `raw` are the exact signed bytes the alert was decoded from.
    IngestAlert {
        device_id: DeviceId,
        alert: Alert,
        raw: Vec<u8>,
    },
    /// An alert from its SMS form, its signature already verified; `raw`
    /// is the SMS payload and signature. Stored once per alert id, like
    /// [`Command::IngestAlert`], whichever comes first.
    IngestSms {
        sms: auxilio_protocol::sms::SmsAlert,
        raw: Vec<u8>,
    },
    IngestPositions {
        device_id: DeviceId,
        batch: PositionBatch,
    },
    Cancel {
        device_id: DeviceId,
        cancel: Cancel,
    },
    Transition {
        actor: Account,
        req: TransitionRequest,
    },
    UnitReport {
        actor: Account,
        position: Option<(f64, f64)>,
        available: Option<bool>,
    },
    CreateOrganization(NewOrganization),
    CreateCode(NewCode),
    CreateAccount(NewAccount),
    CreateUnit(NewUnit),
    RevokeDevice {
        actor: Actor,
        device_id: DeviceId,
    },
    CreateSession {
        token_hash: [u8; 32],
        account_id: i64,
        expires_at_ms: i64,
    },
    DeleteSession {
        token_hash: [u8; 32],
    },
}

/// What a command did.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    Enrolled(EnrollResponse),
    /// `created` is false when the alert id was already stored.
    Alert {
        view: AlertView,
        created: bool,
    },
    Positions(BatchReceipt),
    View(AlertView),
    Unit(UnitView),
    Created(i64),
    Done,
}

/// The result of one group commit: one result per command, in order, and
/// the events it committed, in id order.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    pub results: Vec<Result<Applied, DomainError>>,
    pub events: Vec<StoredEvent>,
}

/// A device's credentials, for signature checks.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceAuth {
    pub public_key: [u8; 32],
    pub revoked: bool,
}

/// An account as stored, for login.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountRecord {
    pub account: Account,
    pub password_hash: String,
    pub disabled: bool,
}

/// Filters for the alert history query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertQuery {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub kind: Option<AlertKind>,
    pub open_only: bool,
    /// Only the alerts assigned to this unit (what a `unit` account sees).
    pub unit_id: Option<i64>,
    pub limit: usize,
}

pub trait Store: Send + Sync + 'static {
    /// Applies `cmds` in order in one transaction at time `now_ms`.
    /// `Err` means nothing was committed.
    fn apply(&self, cmds: Vec<Command>, now_ms: i64) -> Result<BatchOutcome, StoreError>;

    fn device_auth(&self, id: DeviceId) -> Result<Option<DeviceAuth>, StoreError>;
    /// The view of an alert, only if `device_id` raised it.
    fn device_alert_view(
        &self,
        device_id: DeviceId,
        alert_id: AlertId,
    ) -> Result<Option<AlertView>, StoreError>;
    /// Committed events with an id above `after`, oldest first.
    fn events_after(&self, after: i64, limit: usize) -> Result<Vec<StoredEvent>, StoreError>;
    /// The id of the newest committed event (0 if none).
    fn last_event_id(&self) -> Result<i64, StoreError>;
    fn alerts(&self, query: &AlertQuery) -> Result<AlertList, StoreError>;
    fn alert_summary(&self, id: AlertId) -> Result<Option<AlertSummary>, StoreError>;
    fn alert_detail(&self, id: AlertId) -> Result<Option<AlertDetail>, StoreError>;
    fn units(&self) -> Result<Vec<UnitView>, StoreError>;
    fn account_by_username(&self, username: &str) -> Result<Option<AccountRecord>, StoreError>;
    fn session(&self, token_hash: &[u8; 32], now_ms: i64) -> Result<Option<Account>, StoreError>;
}
