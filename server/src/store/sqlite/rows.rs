//! Row mapping shared by reads and writes: alerts to summaries and views.

use auxilio_protocol::{
    AlertId, AlertKind, AlertStatus, AlertView, Fix, FixSource, Outcome, Reporter,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::distance::haversine_m;
use crate::model::{clock_suspect, Agency, AlertSummary, LastFix, UnitView};
use crate::store::StoreError;

pub(super) fn uuid(text: &str) -> Result<uuid::Uuid, StoreError> {
    uuid::Uuid::parse_str(text).map_err(|_| StoreError::Corrupt("a stored id is not a UUID"))
}

/// Reads a text column as a UUID inside a row mapper.
pub(super) fn uuid_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<uuid::Uuid> {
    let text: String = row.get(idx)?;
    uuid::Uuid::parse_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn json_col<T: serde::de::DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn opt_json_col<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|text| {
        serde_json::from_str(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
        })
    })
    .transpose()
}

fn parse_col<T>(row: &Row<'_>, idx: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    parse(&text).ok_or(rusqlite::Error::InvalidColumnType(
        idx,
        "unknown enum value".to_string(),
        rusqlite::types::Type::Text,
    ))
}

fn opt_parse_col<T>(
    row: &Row<'_>,
    idx: usize,
    parse: fn(&str) -> Option<T>,
) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = row.get(idx)?;
    match text {
        None => Ok(None),
        Some(t) => parse(&t)
            .map(Some)
            .ok_or(rusqlite::Error::InvalidColumnType(
                idx,
                "unknown enum value".to_string(),
                rusqlite::types::Type::Text,
            )),
    }
}

/// The columns of an alert summary; use with [`summary_from_row`].
pub(super) const SUMMARY_SELECT: &str =
    "SELECT a.id, a.device_id, a.kind, a.status, a.outcome, a.silent,
       a.created_at_ms, a.received_at_ms, a.updated_at_ms, a.fix_json,
       a.last_lat, a.last_lon, a.last_accuracy_m, a.last_fixed_at_ms,
       a.reporter_json, o.name, a.note, a.battery_pct, a.unit_id, u.call_sign, a.received_via,
       a.last_fix_source
  FROM alerts a
  LEFT JOIN devices d ON d.id = a.device_id
  LEFT JOIN organizations o ON o.id = d.organization_id
  LEFT JOIN units u ON u.id = a.unit_id";

/// The newest known position from its columns (`lat` at `first`, then lon,
/// accuracy, time; the source at `source`), `None` while none is known.
fn last_fix(row: &Row<'_>, first: usize, source: usize) -> rusqlite::Result<Option<LastFix>> {
    let Some(lat) = row.get::<_, Option<f64>>(first)? else {
        return Ok(None);
    };
    Ok(Some(LastFix {
        lat,
        lon: row.get(first + 1)?,
        accuracy_m: row.get(first + 2)?,
        fixed_at_ms: row.get(first + 3)?,
        source: parse_col(row, source, FixSource::parse)?,
    }))
}

pub(super) fn summary_from_row(row: &Row<'_>) -> rusqlite::Result<AlertSummary> {
    let fix: Option<Fix> = opt_json_col(row, 9)?;
    let reporter: Reporter = json_col(row, 14)?;
    let battery: Option<i64> = row.get(17)?;
    let created_at_ms: i64 = row.get(6)?;
    let received_at_ms: i64 = row.get(7)?;
    Ok(AlertSummary {
        id: uuid_col(row, 0)?,
        device_id: uuid_col(row, 1)?,
        kind: parse_col(row, 2, AlertKind::parse)?,
        status: parse_col(row, 3, AlertStatus::parse)?,
        outcome: opt_parse_col(row, 4, Outcome::parse)?,
        silent: row.get(5)?,
        created_at_ms,
        received_at_ms,
        clock_suspect: clock_suspect(created_at_ms, received_at_ms),
        updated_at_ms: row.get(8)?,
        fix,
        last: last_fix(row, 10, 21)?,
        reporter,
        organization: row.get(15)?,
        note: row.get(16)?,
        battery_pct: battery.and_then(|b| u8::try_from(b).ok()),
        unit_id: row.get(18)?,
        unit_name: row.get(19)?,
        received_via: parse_col(row, 20, crate::sms::ReceivedVia::parse)?,
    })
}

pub(super) fn alert_summary(
    conn: &Connection,
    id: AlertId,
) -> Result<Option<AlertSummary>, StoreError> {
    let sql = format!("{SUMMARY_SELECT} WHERE a.id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![id.to_string()], summary_from_row)
        .optional()?)
}

/// What the reporter's phone is shown, with the assigned unit's distance to
/// the newest known position (none while no position is known).
pub(super) fn alert_view(conn: &Connection, id: AlertId) -> Result<Option<AlertView>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT a.status, a.outcome, a.received_at_ms, a.updated_at_ms,
                    a.last_lat, a.last_lon, u.call_sign, u.lat, u.lon
               FROM alerts a LEFT JOIN units u ON u.id = a.unit_id
              WHERE a.id = ?1",
        )?
        .query_row(params![id.to_string()], |row| {
            let point = |lat: usize, lon: usize| -> rusqlite::Result<Option<(f64, f64)>> {
                Ok(
                    match (
                        row.get::<_, Option<f64>>(lat)?,
                        row.get::<_, Option<f64>>(lon)?,
                    ) {
                        (Some(lat), Some(lon)) => Some((lat, lon)),
                        _ => None,
                    },
                )
            };
            let (unit_pos, last) = (point(7, 8)?, point(4, 5)?);
            Ok(AlertView {
                id,
                status: parse_col(row, 0, AlertStatus::parse)?,
                outcome: opt_parse_col(row, 1, Outcome::parse)?,
                received_at_ms: row.get(2)?,
                updated_at_ms: row.get(3)?,
                unit_name: row.get(6)?,
                unit_distance_m: unit_pos
                    .zip(last)
                    .map(|(p, last)| haversine_m(p, last).round())
                    .filter(|d| d.is_finite()),
            })
        })
        .optional()?;
    Ok(row)
}

/// [`alert_view`] of an alert this transaction knows exists.
pub(super) fn view(conn: &Connection, id: AlertId) -> Result<AlertView, StoreError> {
    alert_view(conn, id)?.ok_or(StoreError::Corrupt("an alert vanished mid-transaction"))
}

pub(super) const UNIT_SELECT: &str =
    "SELECT id, call_sign, agency, lat, lon, position_at_ms, available FROM units";

pub(super) fn unit_from_row(row: &Row<'_>) -> rusqlite::Result<UnitView> {
    Ok(UnitView {
        id: row.get(0)?,
        call_sign: row.get(1)?,
        agency: parse_col(row, 2, Agency::parse)?,
        lat: row.get(3)?,
        lon: row.get(4)?,
        position_at_ms: row.get(5)?,
        available: row.get(6)?,
    })
}

pub(super) fn unit(conn: &Connection, id: i64) -> Result<Option<UnitView>, StoreError> {
    let sql = format!("{UNIT_SELECT} WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![id], unit_from_row)
        .optional()?)
}
