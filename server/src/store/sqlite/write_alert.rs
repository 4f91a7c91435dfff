//! Phone-side writes: an alert, its tracked positions, its cancel.

use std::collections::HashSet;

use auxilio_protocol::{
    Alert, AlertId, AlertStatus, AlertView, BatchReceipt, Cancel, DeviceId, Fix, PositionBatch,
};
use rusqlite::{params, OptionalExtension};

use super::ctx::{CmdError, CmdResult, Ctx};
use super::rows::view;
use crate::domain::DomainError;
use crate::lifecycle::{self, By};
use crate::model::{
    clock_suspect, parse_status, status_str, AlertSummary, LastFix, PositionEvent, StatusEvent,
    StreamPayload,
};
use crate::store::{Applied, StoreError};

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> CmdResult<String> {
    serde_json::to_string(value)
        .map_err(|_| CmdError::Store(StoreError::Corrupt("a value could not be serialised")))
}

/// The device that raised an alert, if the alert exists.
pub(super) fn owner(ctx: &Ctx<'_>, alert_id: AlertId) -> CmdResult<Option<String>> {
    Ok(ctx
        .conn
        .prepare_cached("SELECT device_id FROM alerts WHERE id = ?1")?
        .query_row(params![alert_id.to_string()], |r| r.get(0))
        .optional()?)
}

pub(super) fn ingest_alert(
    ctx: &mut Ctx<'_>,
    device_id: DeviceId,
    alert: Alert,
    raw: Vec<u8>,
) -> CmdResult<Applied> {
    if alert.device_id != device_id {
        return Err(DomainError::DeviceMismatch.into());
    }
    let device = device_id.to_string();
    let stored: Option<(String, bool, bool)> = ctx
        .conn
        .prepare_cached("SELECT device_id, awaiting_http, raw = ?2 FROM alerts WHERE id = ?1")?
        .query_row(params![alert.id.to_string(), raw], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    if let Some((existing, awaiting_http, same_body)) = stored {
        if existing != device {
            return Err(DomainError::Conflict("this alert id belongs to another device").into());
        }
        // Stored from its SMS: the raw bytes are the SMS, not this body.
        if awaiting_http {
            return super::write_sms::complete(ctx, alert, raw);
        }
        if !same_body {
            // PROTOCOL.md: the same id with another body is a conflict;
            // the stored alert stays as it was.
            return Err(DomainError::Conflict("this alert id is stored with another body").into());
        }
        return Ok(Applied::Alert {
            view: view(ctx.conn, alert.id)?,
            created: false,
        });
    }
    let fix = alert.fix.as_ref();
    ctx.conn
        .prepare_cached(
            "INSERT INTO alerts (id, device_id, raw, kind, silent, created_at_ms, received_at_ms, updated_at_ms,
                status, lat, lon, accuracy_m, fix_source, fixed_at_ms, fix_json,
                last_lat, last_lon, last_accuracy_m, last_fixed_at_ms, last_fix_source,
                reporter_json, note, battery_pct)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 'new', ?8, ?9, ?10, ?11, ?12, ?13,
                ?8, ?9, ?10, ?12, ?11, ?14, ?15, ?16)",
        )?
        .execute(params![
            alert.id.to_string(),
            device,
            raw,
            alert.kind.as_str(),
            alert.silent,
            alert.created_at_ms,
            ctx.now_ms,
            fix.map(|f| f.lat),
            fix.map(|f| f.lon),
            fix.map(|f| f.accuracy_m),
            fix.map(|f| f.source.as_str()),
            fix.map(|f| f.fixed_at_ms),
            fix.map(to_json).transpose()?,
            to_json(&alert.reporter)?,
            alert.note,
            alert.battery_pct,
        ])?;
    ctx.audit(
        &format!("device:{device}"),
        "received",
        Some(alert.id),
        (None, Some("new")),
        None,
    )?;
    let organization: Option<String> = ctx
        .conn
        .prepare_cached(
            "SELECT o.name FROM devices d JOIN organizations o ON o.id = d.organization_id WHERE d.id = ?1",
        )?
        .query_row(params![device], |r| r.get(0))
        .optional()?;
    // Built from what was just written, without reading it back.
    let view = AlertView {
        id: alert.id,
        status: AlertStatus::New,
        received_at_ms: ctx.now_ms,
        updated_at_ms: ctx.now_ms,
        outcome: None,
        unit_distance_m: None,
        unit_name: None,
    };
    let summary = AlertSummary {
        id: alert.id,
        device_id,
        kind: alert.kind,
        status: AlertStatus::New,
        outcome: None,
        silent: alert.silent,
        created_at_ms: alert.created_at_ms,
        received_at_ms: ctx.now_ms,
        clock_suspect: clock_suspect(alert.created_at_ms, ctx.now_ms),
        updated_at_ms: ctx.now_ms,
        last: alert.fix.as_ref().map(last_fix),
        fix: alert.fix,
        reporter: alert.reporter,
        organization,
        note: alert.note,
        battery_pct: alert.battery_pct,
        unit_id: None,
        unit_name: None,
        received_via: crate::sms::ReceivedVia::Http,
    };
    ctx.emit(StreamPayload::Alert(Box::new(summary)))?;
    Ok(Applied::Alert {
        view,
        created: true,
    })
}

/// A fix as the newest known position.
pub(super) fn last_fix(fix: &Fix) -> LastFix {
    LastFix {
        lat: fix.lat,
        lon: fix.lon,
        accuracy_m: fix.accuracy_m,
        fixed_at_ms: fix.fixed_at_ms,
        source: fix.source,
    }
}

/// Makes `fix` the alert's newest position when `seq` (a position update's
/// sequence number; `None` for the raised fix) comes after the one it has.
/// The phone's sequence orders its positions, never its clock: a fix stamped
/// in the future (a wrong clock, a registered place stamped with the phone's
/// time) must not freeze the newest position, the nearest units and the
/// distance shown to the person.
pub(super) fn advance_last(
    ctx: &Ctx<'_>,
    alert_id: AlertId,
    fix: &Fix,
    seq: Option<u32>,
) -> CmdResult<()> {
    ctx.conn
        .prepare_cached(
            "UPDATE alerts SET last_lat = ?2, last_lon = ?3, last_accuracy_m = ?4,
                    last_fixed_at_ms = ?5, last_fix_source = ?6, last_seq = ?7
              WHERE id = ?1 AND (last_seq IS NULL OR last_seq < ?7)",
        )?
        .execute(params![
            alert_id.to_string(),
            fix.lat,
            fix.lon,
            fix.accuracy_m,
            fix.fixed_at_ms,
            fix.source.as_str(),
            seq
        ])?;
    Ok(())
}

pub(super) fn ingest_positions(
    ctx: &mut Ctx<'_>,
    device_id: DeviceId,
    batch: PositionBatch,
) -> CmdResult<Applied> {
    if batch.device_id != device_id {
        return Err(DomainError::DeviceMismatch.into());
    }
    let device = device_id.to_string();
    let alerts: HashSet<AlertId> = batch.updates.iter().map(|u| u.alert_id).collect();
    for id in &alerts {
        match owner(ctx, *id)? {
            None => return Err(DomainError::UnknownAlert.into()),
            Some(owner) if owner != device => return Err(DomainError::DeviceMismatch.into()),
            Some(_) => {}
        }
    }
    let mut receipt = BatchReceipt {
        accepted: 0,
        duplicates: 0,
    };
    for update in batch.updates {
        let fix = &update.fix;
        let inserted = ctx
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO positions (alert_id, seq, lat, lon, accuracy_m, fixed_at_ms, fix_json,
                    received_at_ms, refines)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                update.alert_id.to_string(),
                update.seq,
                fix.lat,
                fix.lon,
                fix.accuracy_m,
                fix.fixed_at_ms,
                to_json(fix)?,
                ctx.now_ms,
                update.refines
            ])?;
        if inserted == 0 {
            receipt.duplicates += 1;
            continue;
        }
        receipt.accepted += 1;
        advance_last(ctx, update.alert_id, fix, Some(update.seq))?;
        ctx.emit(StreamPayload::Position(PositionEvent {
            alert_id: update.alert_id,
            seq: update.seq,
            fix: update.fix,
            refines: update.refines,
        }))?;
    }
    Ok(Applied::Positions(receipt))
}

pub(super) fn cancel(ctx: &mut Ctx<'_>, device_id: DeviceId, cancel: Cancel) -> CmdResult<Applied> {
    if cancel.device_id != device_id {
        return Err(DomainError::DeviceMismatch.into());
    }
    let id = cancel.alert_id.to_string();
    let row: Option<(String, String, Option<i64>)> = ctx
        .conn
        .query_row(
            "SELECT device_id, status, unit_id FROM alerts WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((owner, status, unit_id)) = row else {
        return Err(DomainError::UnknownAlert.into());
    };
    if owner != device_id.to_string() {
        // Never tell a device about someone else's alert.
        return Err(DomainError::UnknownAlert.into());
    }
    let from = parse_status(&status).ok_or(CmdError::Store(StoreError::Corrupt(
        "unknown stored status",
    )))?;
    if from.is_terminal() {
        // Already cancelled (a retry) or already resolved: the cancel is moot;
        // the phone learns the final status from the view.
        return Ok(Applied::View(view(ctx.conn, cancel.alert_id)?));
    }
    lifecycle::check(from, AlertStatus::Cancelled, By::Reporter)?;
    ctx.conn.execute(
        "UPDATE alerts SET status = 'cancelled', cancel_reason = ?2, updated_at_ms = ?3 WHERE id = ?1",
        params![id, cancel.reason, ctx.now_ms],
    )?;
    ctx.audit(
        &format!("device:{owner}"),
        "cancel",
        Some(cancel.alert_id),
        (Some(status_str(from)), Some("cancelled")),
        cancel.reason.as_deref(),
    )?;
    if let Some(unit) = unit_id {
        super::write_responder::release_unit(ctx, unit)?;
    }
    let view = view(ctx.conn, cancel.alert_id)?;
    ctx.emit(StreamPayload::Status(StatusEvent {
        alert_id: cancel.alert_id,
        view: view.clone(),
        actor: "device".to_string(),
        unit_id,
    }))?;
    Ok(Applied::View(view))
}
