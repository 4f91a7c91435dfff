//! The outbox rows: one per message and endpoint, states queued / in_flight /
//! delivered / wedged. Alerts go first; an alert's cancel and positions wait
//! until that alert is delivered to the same endpoint.

use rusqlite::{params, Connection, OptionalExtension, Row as SqlRow, Transaction};
use uuid::Uuid;

use crate::events::OutboxItemKind;
use crate::model::{PendingItem, RowState};
use crate::CoreError;

/// Why dependents of a refused alert are refused too.
pub(crate) const ALERT_REFUSED: &str = "its alert was refused by the server";

/// A message to queue: exact bytes, signed at enqueue (positions are signed
/// as a batch when sent; their update JSON is fixed here).
pub(crate) struct NewMessage<'a> {
    pub alert_id: Uuid,
    pub item: OutboxItemKind,
    pub seq: Option<u32>,
    pub method: &'a str,
    pub path: &'a str,
    pub body: &'a [u8],
    pub signature: Option<&'a str>,
}

/// A claimed row, ready to send.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub row_id: i64,
    pub alert_id: Uuid,
    pub item: OutboxItemKind,
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
    pub signature: Option<String>,
}

/// What a delivery task sends next.
#[derive(Clone, Debug)]
pub(crate) enum Claim {
    /// An alert or a cancel, sent alone with its stored signature.
    Single(Row),
    /// Position updates of delivered alerts, sent as one batch.
    Positions(Vec<Row>),
}

impl Claim {
    pub(crate) fn row_ids(&self) -> Vec<i64> {
        match self {
            Claim::Single(r) => vec![r.row_id],
            Claim::Positions(rows) => rows.iter().map(|r| r.row_id).collect(),
        }
    }
}

const ROW_COLUMNS: &str = "row_id, alert_id, item, method, path, body, signature";

fn parse_uuid(s: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn bad_enum(column: usize) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(column, "enum".into(), rusqlite::types::Type::Text)
}

fn read_row(r: &SqlRow<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        row_id: r.get(0)?,
        alert_id: parse_uuid(&r.get::<_, String>(1)?)?,
        item: OutboxItemKind::parse(&r.get::<_, String>(2)?).ok_or(bad_enum(2))?,
        method: r.get(3)?,
        path: r.get(4)?,
        body: r.get(5)?,
        signature: r.get(6)?,
    })
}

fn insert(
    tx: &Transaction<'_>,
    endpoint: &str,
    msg: &NewMessage<'_>,
    state: RowState,
    reason: Option<&str>,
    now_ms: i64,
) -> Result<bool, CoreError> {
    let n = tx
        .prepare_cached(
            "INSERT INTO outbox (endpoint, alert_id, item, seq, method, path, body, signature,
                                 state, wedged_reason, created_at_ms, updated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            endpoint,
            msg.alert_id.to_string(),
            msg.item.as_str(),
            msg.seq,
            msg.method,
            msg.path,
            msg.body,
            msg.signature,
            state.as_str(),
            reason,
            now_ms
        ])?;
    Ok(n == 1)
}

/// Queues an alert for every endpoint.
pub(crate) fn enqueue_alert(
    tx: &Transaction<'_>,
    endpoints: &[String],
    msg: &NewMessage<'_>,
    now_ms: i64,
) -> Result<(), CoreError> {
    for endpoint in endpoints {
        insert(tx, endpoint, msg, RowState::Queued, None, now_ms)?;
    }
    Ok(())
}

/// Queues a cancel or a position for every endpoint that has the alert.
/// Where the alert was refused, the dependent row is stored wedged at once.
/// Returns how many rows were added.
pub(crate) fn enqueue_dependent(
    tx: &Transaction<'_>,
    msg: &NewMessage<'_>,
    now_ms: i64,
) -> Result<usize, CoreError> {
    let targets: Vec<(String, String)> = tx
        .prepare_cached(
            "SELECT endpoint, state FROM outbox WHERE alert_id = ?1 AND item = 'alert'",
        )?
        .query_map([msg.alert_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut added = 0;
    for (endpoint, alert_state) in targets {
        let (state, reason) = if alert_state == RowState::Wedged.as_str() {
            (RowState::Wedged, Some(ALERT_REFUSED))
        } else {
            (RowState::Queued, None)
        };
        if insert(tx, &endpoint, msg, state, reason, now_ms)? {
            added += 1;
        }
    }
    Ok(added)
}

/// Keeps at most `keep` queued positions of an alert per endpoint, the newest.
/// Returns how many were dropped.
pub(crate) fn trim_positions(
    tx: &Transaction<'_>,
    alert_id: Uuid,
    keep: u32,
) -> Result<usize, CoreError> {
    let id = alert_id.to_string();
    let endpoints: Vec<String> = tx
        .prepare_cached("SELECT endpoint FROM outbox WHERE alert_id = ?1 AND item = 'alert'")?
        .query_map([&id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut stmt = tx.prepare_cached(
        "DELETE FROM outbox WHERE row_id IN (
            SELECT row_id FROM outbox
             WHERE alert_id = ?1 AND endpoint = ?2 AND item = 'position' AND state = 'queued'
             ORDER BY seq DESC LIMIT -1 OFFSET ?3)",
    )?;
    let mut dropped = 0;
    for endpoint in endpoints {
        dropped += stmt.execute(params![id, endpoint, keep])?;
    }
    Ok(dropped)
}

/// Rows left in flight by a crash go back to the queue. Returns how many.
pub(crate) fn recover_in_flight(tx: &Transaction<'_>, now_ms: i64) -> Result<usize, CoreError> {
    Ok(tx.execute(
        "UPDATE outbox SET state = 'queued', updated_at_ms = ?1 WHERE state = 'in_flight'",
        [now_ms],
    )?)
}

/// Forgets delivered positions older than `before_ms` (alerts and cancels stay).
pub(crate) fn prune_delivered_positions(
    tx: &Transaction<'_>,
    before_ms: i64,
) -> Result<usize, CoreError> {
    Ok(tx.execute(
        "DELETE FROM outbox WHERE item = 'position' AND state = 'delivered' AND updated_at_ms < ?1",
        [before_ms],
    )?)
}

/// Picks the next thing to send to `endpoint` and marks it in flight:
/// the oldest queued alert; else a cancel of a delivered alert; else up to
/// `batch_max` positions of the delivered alert with the oldest queued
/// position, oldest first. With `positions` false (a `Retry-After` on the
/// last batch still runs), only alerts and cancels.
pub(crate) fn claim_next(
    tx: &Transaction<'_>,
    endpoint: &str,
    batch_max: usize,
    positions: bool,
    now_ms: i64,
) -> Result<Option<Claim>, CoreError> {
    let alert = tx
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM outbox
              WHERE endpoint = ?1 AND state = 'queued' AND item = 'alert'
              ORDER BY row_id LIMIT 1"
        ))?
        .query_row([endpoint], read_row)
        .optional()?;
    let claim = match alert {
        Some(row) => Some(Claim::Single(row)),
        None => {
            let dependent =
                |item: &str, limit: usize, only: Option<String>| -> Result<Vec<Row>, CoreError> {
                    let sql = format!(
                        "SELECT {} FROM outbox d
                      WHERE d.endpoint = ?1 AND d.state = 'queued' AND d.item = ?2
                        AND (?4 IS NULL OR d.alert_id = ?4)
                        AND EXISTS (SELECT 1 FROM outbox a
                                     WHERE a.endpoint = d.endpoint AND a.alert_id = d.alert_id
                                       AND a.item = 'alert' AND a.state = 'delivered')
                      ORDER BY d.row_id LIMIT ?3",
                        ROW_COLUMNS.replace("row_id", "d.row_id")
                    );
                    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
                    Ok(tx
                        .prepare_cached(&sql)?
                        .query_map(params![endpoint, item, limit, only], read_row)?
                        .collect::<Result<_, _>>()?)
                };
            let mut cancels = dependent("cancel", 1, None)?;
            if let Some(row) = cancels.pop() {
                Some(Claim::Single(row))
            } else if !positions {
                None
            } else {
                // One alert per batch: a batch refused for one alert's sake
                // never takes another alert's positions down with it.
                match dependent("position", 1, None)?.pop() {
                    Some(oldest) => {
                        let rows = dependent(
                            "position",
                            batch_max.max(1),
                            Some(oldest.alert_id.to_string()),
                        )?;
                        Some(Claim::Positions(rows))
                    }
                    None => None,
                }
            }
        }
    };
    if let Some(claim) = &claim {
        let mut stmt = tx.prepare_cached(
            "UPDATE outbox SET state = 'in_flight', attempts = attempts + 1, updated_at_ms = ?2
              WHERE row_id = ?1 AND state = 'queued'",
        )?;
        for id in claim.row_ids() {
            stmt.execute(params![id, now_ms])?;
        }
    }
    Ok(claim)
}

/// Queues wedged rows again (all of them, or `endpoint`'s): a refusal is
/// retried on re-enrollment, a new server URL, and slowly on its own. The
/// reason stays until the next answer. Returns how many rows.
pub(crate) fn unwedge(
    tx: &Transaction<'_>,
    endpoint: Option<&str>,
    now_ms: i64,
) -> Result<usize, CoreError> {
    Ok(tx.execute(
        "UPDATE outbox SET state = 'queued', updated_at_ms = ?2
          WHERE state = 'wedged' AND (?1 IS NULL OR endpoint = ?1)",
        params![endpoint, now_ms],
    )?)
}

/// Whether an alert or a cancel newer than row `after` waits for `endpoint`
/// (a new SOS or cancel, not the row just tried).
pub(crate) fn urgent_after(
    conn: &Connection,
    endpoint: &str,
    after: i64,
) -> Result<bool, CoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM outbox
              WHERE endpoint = ?1 AND state = 'queued' AND item IN ('alert', 'cancel')
                AND row_id > ?2)",
        )?
        .query_row(params![endpoint, after], |r| r.get(0))?)
}

/// Ends an attempt: only rows still in flight change (a row is acknowledged
/// only by the task that owns it).
pub(crate) fn finish(
    tx: &Transaction<'_>,
    row_ids: &[i64],
    state: RowState,
    reason: Option<&str>,
    now_ms: i64,
) -> Result<(), CoreError> {
    let mut stmt = tx.prepare_cached(
        "UPDATE outbox SET state = ?2, wedged_reason = ?3, updated_at_ms = ?4
          WHERE row_id = ?1 AND state = 'in_flight'",
    )?;
    for id in row_ids {
        stmt.execute(params![id, state.as_str(), reason, now_ms])?;
    }
    Ok(())
}

/// After an alert was refused on `endpoint`, its queued cancel and positions
/// there can never be accepted: they are wedged too. Returns their kinds.
pub(crate) fn wedge_dependents(
    tx: &Transaction<'_>,
    endpoint: &str,
    alert_id: Uuid,
    now_ms: i64,
) -> Result<Vec<OutboxItemKind>, CoreError> {
    let kinds: Vec<String> = tx
        .prepare_cached(
            "UPDATE outbox SET state = 'wedged', wedged_reason = ?3, updated_at_ms = ?4
              WHERE endpoint = ?1 AND alert_id = ?2 AND item != 'alert' AND state = 'queued'
             RETURNING item",
        )?
        .query_map(
            params![endpoint, alert_id.to_string(), ALERT_REFUSED, now_ms],
            |r| r.get(0),
        )?
        .collect::<Result<_, _>>()?;
    let mut out: Vec<OutboxItemKind> = kinds
        .iter()
        .filter_map(|k| OutboxItemKind::parse(k))
        .collect();
    out.sort_by_key(|k| k.as_str());
    out.dedup();
    Ok(out)
}

fn read_pending(r: &SqlRow<'_>) -> rusqlite::Result<PendingItem> {
    Ok(PendingItem {
        row_id: r.get(0)?,
        alert_id: parse_uuid(&r.get::<_, String>(1)?)?,
        item: OutboxItemKind::parse(&r.get::<_, String>(2)?).ok_or(bad_enum(2))?,
        seq: r.get(3)?,
        endpoint: r.get(4)?,
        state: RowState::parse(&r.get::<_, String>(5)?).ok_or(bad_enum(5))?,
        attempts: r.get(6)?,
        wedged_reason: r.get(7)?,
        created_at_ms: r.get(8)?,
    })
}

const PENDING_COLUMNS: &str =
    "row_id, alert_id, item, seq, endpoint, state, attempts, wedged_reason, created_at_ms";

/// Every undelivered row (queued, in flight, wedged), oldest first.
pub(crate) fn pending(conn: &Connection) -> Result<Vec<PendingItem>, CoreError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {PENDING_COLUMNS} FROM outbox WHERE state != 'delivered' ORDER BY row_id"
        ))?
        .query_map([], read_pending)?
        .collect::<Result<_, _>>()?)
}

/// Wedged rows, oldest first.
pub(crate) fn wedged(conn: &Connection) -> Result<Vec<PendingItem>, CoreError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {PENDING_COLUMNS} FROM outbox WHERE state = 'wedged' ORDER BY row_id"
        ))?
        .query_map([], read_pending)?
        .collect::<Result<_, _>>()?)
}

/// Undelivered rows (what `QueueChanged` reports).
pub(crate) fn pending_count(conn: &Connection) -> Result<usize, CoreError> {
    let n: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM outbox WHERE state != 'delivered'")?
        .query_row([], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Rows still to be sent (queued or in flight) to one of `endpoints`.
pub(crate) fn active_count(conn: &Connection, endpoints: &[String]) -> Result<usize, CoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT COUNT(*) FROM outbox WHERE endpoint = ?1 AND state IN ('queued', 'in_flight')",
    )?;
    let mut total = 0usize;
    for e in endpoints {
        let n: i64 = stmt.query_row([e], |r| r.get(0))?;
        total += usize::try_from(n).unwrap_or(0);
    }
    Ok(total)
}

/// The reason the alert row itself was refused, on any endpoint.
pub(crate) fn alert_wedged_reason(
    conn: &Connection,
    alert_id: Uuid,
) -> Result<Option<String>, CoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT wedged_reason FROM outbox WHERE alert_id = ?1 AND item = 'alert' AND state = 'wedged'
              ORDER BY row_id LIMIT 1",
        )?
        .query_row([alert_id.to_string()], |r| r.get(0))
        .optional()?
        .flatten())
}
