//! Queries. Each runs on a reader connection; a query that returns several
//! things reads them from one snapshot.

use auxilio_protocol::{AlertId, AlertView, DeviceId};
use rusqlite::{params, params_from_iter, types::Value, Connection, OptionalExtension};

use super::rows::{self, SUMMARY_SELECT, UNIT_SELECT};
use crate::model::{
    Account, AlertDetail, AlertList, AuditEntry, PositionEvent, Role, StoredEvent, StreamPayload,
    UnitView,
};
use crate::store::{AccountRecord, AlertQuery, DeviceAuth, StoreError};

pub(super) fn device_auth(
    conn: &Connection,
    id: DeviceId,
) -> Result<Option<DeviceAuth>, StoreError> {
    let row: Option<(Vec<u8>, Option<i64>)> = conn
        .prepare_cached("SELECT public_key, revoked_at_ms FROM devices WHERE id = ?1")?
        .query_row(params![id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match row {
        None => Ok(None),
        Some((key, revoked)) => {
            let public_key: [u8; 32] = key
                .try_into()
                .map_err(|_| StoreError::Corrupt("a stored public key is not 32 bytes"))?;
            Ok(Some(DeviceAuth {
                public_key,
                revoked: revoked.is_some(),
            }))
        }
    }
}

pub(super) fn device_alert_view(
    conn: &Connection,
    device_id: DeviceId,
    alert_id: AlertId,
) -> Result<Option<AlertView>, StoreError> {
    let owner: Option<String> = conn
        .prepare_cached("SELECT device_id FROM alerts WHERE id = ?1")?
        .query_row(params![alert_id.to_string()], |r| r.get(0))
        .optional()?;
    match owner {
        Some(owner) if owner == device_id.to_string() => rows::alert_view(conn, alert_id),
        _ => Ok(None),
    }
}

pub(super) fn events_after(
    conn: &Connection,
    after: i64,
    limit: usize,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at_ms, kind, payload FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![after, limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, at_ms, kind, data) = row?;
        let payload = StreamPayload::from_parts(&kind, &data)
            .map_err(|_| StoreError::Corrupt("a stored event is not valid JSON"))?;
        out.push(StoredEvent::new(id, at_ms, payload, &data));
    }
    Ok(out)
}

pub(super) fn last_event_id(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM events")?
        .query_row([], |r| r.get(0))?)
}

pub(super) fn alerts(conn: &Connection, q: &AlertQuery) -> Result<AlertList, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let mut sql = format!("{SUMMARY_SELECT} WHERE 1 = 1");
    let mut args: Vec<Value> = Vec::new();
    if q.open_only {
        sql.push_str(" AND a.status NOT IN ('resolved', 'cancelled')");
    }
    if let Some(from) = q.from_ms {
        args.push(Value::Integer(from));
        sql.push_str(&format!(" AND a.received_at_ms >= ?{}", args.len()));
    }
    if let Some(to) = q.to_ms {
        args.push(Value::Integer(to));
        sql.push_str(&format!(" AND a.received_at_ms < ?{}", args.len()));
    }
    if let Some(kind) = q.kind {
        args.push(Value::Text(kind.as_str().to_string()));
        sql.push_str(&format!(" AND a.kind = ?{}", args.len()));
    }
    if let Some(unit) = q.unit_id {
        args.push(Value::Integer(unit));
        sql.push_str(&format!(" AND a.unit_id = ?{}", args.len()));
    }
    args.push(Value::Integer(i64::try_from(q.limit).unwrap_or(i64::MAX)));
    sql.push_str(&format!(
        " ORDER BY a.received_at_ms DESC, a.rowid DESC LIMIT ?{}",
        args.len()
    ));
    let alerts = {
        let mut stmt = tx.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args), rows::summary_from_row)?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    let last_event_id = last_event_id(&tx)?;
    tx.finish()?;
    Ok(AlertList {
        alerts,
        last_event_id,
    })
}

pub(super) fn alert_detail(
    conn: &Connection,
    id: AlertId,
) -> Result<Option<AlertDetail>, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let Some(alert) = rows::alert_summary(&tx, id)? else {
        return Ok(None);
    };
    let track = {
        let mut stmt = tx.prepare_cached(
            "SELECT seq, fix_json, refines FROM positions WHERE alert_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![id.to_string()], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?;
        let mut track = Vec::new();
        for row in rows {
            let (seq, fix, refines) = row?;
            let fix = serde_json::from_str(&fix)
                .map_err(|_| StoreError::Corrupt("a stored position is not valid JSON"))?;
            track.push(PositionEvent {
                alert_id: id,
                seq,
                fix,
                refines,
            });
        }
        track
    };
    let history = {
        let mut stmt = tx.prepare_cached(
            "SELECT at_ms, actor, action, from_status, to_status, detail
               FROM audit_log WHERE alert_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![id.to_string()], |r| {
            Ok(AuditEntry {
                at_ms: r.get(0)?,
                actor: r.get(1)?,
                action: r.get(2)?,
                from_status: r.get(3)?,
                to_status: r.get(4)?,
                detail: r.get(5)?,
            })
        })?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    tx.finish()?;
    Ok(Some(AlertDetail {
        alert,
        track,
        history,
    }))
}

pub(super) fn units(conn: &Connection) -> Result<Vec<UnitView>, StoreError> {
    let sql = format!("{UNIT_SELECT} ORDER BY call_sign");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], rows::unit_from_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

fn account_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Account, String, bool)> {
    let role: String = r.get(2)?;
    let role = Role::parse(&role).ok_or(rusqlite::Error::InvalidColumnType(
        2,
        "unknown role".to_string(),
        rusqlite::types::Type::Text,
    ))?;
    Ok((
        Account {
            id: r.get(0)?,
            username: r.get(1)?,
            role,
            unit_id: r.get(3)?,
        },
        r.get(4)?,
        r.get(5)?,
    ))
}

pub(super) fn account_by_username(
    conn: &Connection,
    username: &str,
) -> Result<Option<AccountRecord>, StoreError> {
    let row = conn
        .prepare_cached("SELECT id, username, role, unit_id, password_hash, disabled FROM accounts WHERE username = ?1")?
        .query_row(params![username],
            account_from_row,
        )
        .optional()?;
    Ok(row.map(|(account, password_hash, disabled)| AccountRecord {
        account,
        password_hash,
        disabled,
    }))
}

pub(super) fn session(
    conn: &Connection,
    token_hash: &[u8; 32],
    now_ms: i64,
) -> Result<Option<Account>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT a.id, a.username, a.role, a.unit_id, a.password_hash, a.disabled
               FROM sessions s JOIN accounts a ON a.id = s.account_id
              WHERE s.token_hash = ?1 AND s.expires_at_ms > ?2",
        )?
        .query_row(params![&token_hash[..], now_ms], account_from_row)
        .optional()?;
    Ok(row.and_then(|(account, _, disabled)| (!disabled).then_some(account)))
}
