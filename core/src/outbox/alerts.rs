//! The `alerts` table: one row per SOS raised here, with what the phone knows
//! of it (sent, received, server status, cancel, tracking, SMS fallback).

use auxilio_protocol::{AlertId, AlertKind, AlertStatus, AlertView, Fix};
use rusqlite::{params, Connection, OptionalExtension, Row as SqlRow, Transaction};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::queue;
use crate::model::{LocalAlert, SmsState};
use crate::CoreError;

/// A new alert row, written together with its outbox rows.
pub(crate) struct NewAlert<'a> {
    pub id: AlertId,
    pub created_at_ms: i64,
    pub kind: AlertKind,
    pub silent: bool,
    pub note: Option<&'a str>,
    /// `None`: raised with no position.
    pub fix: Option<&'a Fix>,
    pub body: &'a [u8],
}

/// What the follow-up tasks (tracking, SMS, status) need to know.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Progress {
    pub id: AlertId,
    pub created_at_ms: i64,
    pub received: bool,
    pub cancel_requested: bool,
    pub status: Option<AlertStatus>,
    pub sms: SmsState,
}

impl Progress {
    /// Resolved, cancelled on the server, or cancelled here.
    pub(crate) fn is_closed(&self) -> bool {
        self.cancel_requested || self.status.is_some_and(AlertStatus::is_terminal)
    }
}

/// A unit-like serde enum as its bare name (`"en_route"`).
pub(crate) fn enum_text<T: Serialize>(value: &T) -> Result<String, CoreError> {
    match serde_json::to_value(value)? {
        serde_json::Value::String(s) => Ok(s),
        _ => Err(CoreError::Storage("not a unit enum".into())),
    }
}

fn enum_parse<T: DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

fn sms_text(s: SmsState) -> &'static str {
    match s {
        SmsState::None => "none",
        SmsState::Requested => "requested",
        SmsState::Sent => "sent",
    }
}

fn sms_parse(s: &str) -> SmsState {
    match s {
        "requested" => SmsState::Requested,
        "sent" => SmsState::Sent,
        _ => SmsState::None,
    }
}

fn conversion<E: std::error::Error + Send + Sync + 'static>(e: E) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

pub(crate) fn insert(tx: &Transaction<'_>, a: &NewAlert<'_>) -> Result<(), CoreError> {
    tx.prepare_cached(
        "INSERT INTO alerts (id, created_at_ms, kind, silent, note, fix_json, body, last_tracked_fix_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        a.id.to_string(),
        a.created_at_ms,
        a.kind.as_str(),
        a.silent,
        a.note,
        // `null` when raised with no position.
        serde_json::to_string(&a.fix)?,
        a.body,
        // No fix time is negative, so no tracked fix equals this one.
        a.fix.map_or(-1, |f| f.fixed_at_ms)
    ])?;
    Ok(())
}

/// Sets a `*_at_ms` column once; true the first time.
fn set_once(
    tx: &Transaction<'_>,
    column: &str,
    id: AlertId,
    now_ms: i64,
) -> Result<bool, CoreError> {
    let sql = format!("UPDATE alerts SET {column} = ?2 WHERE id = ?1 AND {column} IS NULL");
    Ok(tx
        .prepare_cached(&sql)?
        .execute(params![id.to_string(), now_ms])?
        == 1)
}

/// The first delivery attempt started. True the first time.
pub(crate) fn mark_sent(tx: &Transaction<'_>, id: AlertId, now_ms: i64) -> Result<bool, CoreError> {
    set_once(tx, "sent_at_ms", id, now_ms)
}

/// A server committed the alert. True the first time.
pub(crate) fn mark_received(
    tx: &Transaction<'_>,
    id: AlertId,
    now_ms: i64,
) -> Result<bool, CoreError> {
    set_once(tx, "received_at_ms", id, now_ms)
}

/// The person cancelled. True the first time.
pub(crate) fn mark_cancel_requested(
    tx: &Transaction<'_>,
    id: AlertId,
    now_ms: i64,
) -> Result<bool, CoreError> {
    set_once(tx, "cancel_requested_at_ms", id, now_ms)
}

/// Stores the server's latest view; true if its status was never announced
/// before (each status is announced once).
pub(crate) fn record_view(
    tx: &Transaction<'_>,
    id: AlertId,
    view: &AlertView,
) -> Result<bool, CoreError> {
    let stored: Option<String> = tx
        .prepare_cached("SELECT view_json FROM alerts WHERE id = ?1")?
        .query_row(params![id.to_string()], |r| r.get(0))
        .optional()?
        .flatten();
    if let Some(current) = stored.and_then(|j| serde_json::from_str::<AlertView>(&j).ok()) {
        if is_behind(view, &current) {
            // A late answer (a slow status poll, a retried post) never moves
            // what the person sees backwards.
            return Ok(false);
        }
    }
    let bit = 1i64 << (view.status as u8);
    tx.prepare_cached("UPDATE alerts SET status = ?2, view_json = ?3 WHERE id = ?1")?
        .execute(params![
            id.to_string(),
            enum_text(&view.status)?,
            serde_json::to_string(view)?
        ])?;
    let first = tx
        .prepare_cached(
            "UPDATE alerts SET status_seen = status_seen | ?2 WHERE id = ?1 AND (status_seen & ?2) = 0",
        )?
        .execute(params![id.to_string(), bit])?;
    Ok(first == 1)
}

/// How far along its life a status is: the server only moves an alert
/// forward, and both ends are final.
fn stage(status: AlertStatus) -> u8 {
    match status {
        AlertStatus::New => 0,
        AlertStatus::Acknowledged => 1,
        AlertStatus::Dispatched => 2,
        AlertStatus::EnRoute => 3,
        AlertStatus::OnScene => 4,
        AlertStatus::Resolved | AlertStatus::Cancelled => 5,
    }
}

/// Whether `view` is older than the `current` one: an earlier status, an
/// earlier server update, or another end after a final status.
fn is_behind(view: &AlertView, current: &AlertView) -> bool {
    stage(view.status) < stage(current.status)
        || view.updated_at_ms < current.updated_at_ms
        || (current.status.is_terminal() && view.status != current.status)
}

/// Moves the SMS fallback state forward; true if it changed.
pub(crate) fn set_sms(
    tx: &Transaction<'_>,
    id: AlertId,
    state: SmsState,
) -> Result<bool, CoreError> {
    let n = tx
        .prepare_cached("UPDATE alerts SET sms_state = ?2 WHERE id = ?1 AND sms_state != ?2 AND sms_state != 'sent'")?
        .execute(params![id.to_string(), sms_text(state)])?;
    Ok(n == 1)
}

/// Takes the next position sequence number if `fixed_at_ms` is not the
/// last tracked fix's; records both. Not "newer": fixes from two clocks (the
/// satellites' and a wrong phone clock) may go back, and one stamp far ahead
/// must not hold back every later fix.
pub(crate) fn next_seq(
    tx: &Transaction<'_>,
    id: AlertId,
    fixed_at_ms: i64,
) -> Result<Option<u32>, CoreError> {
    let seq: Option<u32> = tx
        .prepare_cached(
            "UPDATE alerts SET next_seq = next_seq + 1, last_tracked_fix_ms = ?2
              WHERE id = ?1 AND last_tracked_fix_ms <> ?2
             RETURNING next_seq - 1",
        )?
        .query_row(params![id.to_string(), fixed_at_ms], |r| r.get(0))
        .optional()?;
    Ok(seq)
}

const PROGRESS_COLUMNS: &str =
    "id, created_at_ms, received_at_ms IS NOT NULL, cancel_requested_at_ms IS NOT NULL, status, sms_state";

fn read_progress(r: &SqlRow<'_>) -> rusqlite::Result<Progress> {
    let id: String = r.get(0)?;
    let status: Option<String> = r.get(4)?;
    Ok(Progress {
        id: AlertId::parse_str(&id).map_err(conversion)?,
        created_at_ms: r.get(1)?,
        received: r.get(2)?,
        cancel_requested: r.get(3)?,
        status: status.as_deref().and_then(enum_parse),
        sms: sms_parse(&r.get::<_, String>(5)?),
    })
}

pub(crate) fn progress(conn: &Connection, id: AlertId) -> Result<Option<Progress>, CoreError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {PROGRESS_COLUMNS} FROM alerts WHERE id = ?1"
        ))?
        .query_row([id.to_string()], read_progress)
        .optional()?)
}

/// Alerts created at or after `since_ms` that are not closed, oldest first.
pub(crate) fn open_since(conn: &Connection, since_ms: i64) -> Result<Vec<Progress>, CoreError> {
    let rows: Vec<Progress> = conn
        .prepare_cached(&format!(
            "SELECT {PROGRESS_COLUMNS} FROM alerts
              WHERE created_at_ms >= ?1 AND cancel_requested_at_ms IS NULL
                AND (status IS NULL OR status NOT IN ('resolved', 'cancelled'))
              ORDER BY created_at_ms"
        ))?
        .query_map([since_ms], read_progress)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Received alerts whose server status is not final (cancelled here but not
/// yet confirmed included), created or received at or after `since_ms`: a
/// phone clock set right between the two (2001 at the raise, the network
/// time at the receipt) keeps the alert followed.
pub(crate) fn followed_since(conn: &Connection, since_ms: i64) -> Result<Vec<AlertId>, CoreError> {
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM alerts
              WHERE max(created_at_ms, received_at_ms) >= ?1 AND received_at_ms IS NOT NULL
                AND (status IS NULL OR status NOT IN ('resolved', 'cancelled'))
              ORDER BY created_at_ms",
        )?
        .query_map([since_ms], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids
        .iter()
        .filter_map(|s| AlertId::parse_str(s).ok())
        .collect())
}

/// The exact alert JSON that was queued.
pub(crate) fn body(conn: &Connection, id: AlertId) -> Result<Option<Vec<u8>>, CoreError> {
    Ok(conn
        .prepare_cached("SELECT body FROM alerts WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?)
}

const LOCAL_COLUMNS: &str =
    "id, kind, silent, created_at_ms, fix_json, note, sent_at_ms IS NOT NULL,
     received_at_ms IS NOT NULL, status, view_json, cancel_requested_at_ms IS NOT NULL, sms_state";

fn read_local(r: &SqlRow<'_>) -> rusqlite::Result<LocalAlert> {
    let id: String = r.get(0)?;
    let kind: String = r.get(1)?;
    let fix: String = r.get(4)?;
    let status: Option<String> = r.get(8)?;
    let view: Option<String> = r.get(9)?;
    Ok(LocalAlert {
        id: AlertId::parse_str(&id).map_err(conversion)?,
        kind: enum_parse(&kind).unwrap_or_default(),
        silent: r.get(2)?,
        created_at_ms: r.get(3)?,
        fix: serde_json::from_str(&fix).map_err(conversion)?,
        note: r.get(5)?,
        sent: r.get(6)?,
        received: r.get(7)?,
        status: status.as_deref().and_then(enum_parse),
        view: view.as_deref().and_then(|v| serde_json::from_str(v).ok()),
        cancel_requested: r.get(10)?,
        sms: sms_parse(&r.get::<_, String>(11)?),
        wedged_reason: None,
    })
}

pub(crate) fn get(conn: &Connection, id: AlertId) -> Result<Option<LocalAlert>, CoreError> {
    let alert = conn
        .prepare_cached(&format!("SELECT {LOCAL_COLUMNS} FROM alerts WHERE id = ?1"))?
        .query_row([id.to_string()], read_local)
        .optional()?;
    match alert {
        Some(mut a) => {
            a.wedged_reason = queue::alert_wedged_reason(conn, a.id)?;
            Ok(Some(a))
        }
        None => Ok(None),
    }
}

/// The most recent alerts, newest first.
pub(crate) fn list(conn: &Connection, limit: usize) -> Result<Vec<LocalAlert>, CoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut alerts: Vec<LocalAlert> = conn
        .prepare_cached(&format!(
            "SELECT {LOCAL_COLUMNS} FROM alerts ORDER BY created_at_ms DESC, id DESC LIMIT ?1"
        ))?
        .query_map([limit], read_local)?
        .collect::<Result<_, _>>()?;
    for a in &mut alerts {
        a.wedged_reason = queue::alert_wedged_reason(conn, a.id)?;
    }
    Ok(alerts)
}
