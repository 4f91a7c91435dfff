//! Responder-side writes: status transitions and unit reports.

use auxilio_protocol::{check_coordinates, AlertStatus};
use rusqlite::{params, OptionalExtension};

use super::ctx::{CmdError, CmdResult, Ctx};
use super::rows::{self, view};
use crate::domain::DomainError;
use crate::lifecycle::{self, By};
use crate::model::{
    outcome_str, parse_status, status_str, Account, Role, StatusEvent, StreamPayload,
};
use crate::store::{Applied, StoreError, TransitionRequest};

/// Marks a unit available again and tells the consoles.
pub(super) fn release_unit(ctx: &mut Ctx<'_>, unit_id: i64) -> CmdResult<()> {
    ctx.conn.execute(
        "UPDATE units SET available = 1, updated_at_ms = ?2 WHERE id = ?1",
        params![unit_id, ctx.now_ms],
    )?;
    if let Some(unit) = rows::unit(ctx.conn, unit_id)? {
        ctx.emit(StreamPayload::Unit(unit))?;
    }
    Ok(())
}

pub(super) fn transition(
    ctx: &mut Ctx<'_>,
    actor: Account,
    req: TransitionRequest,
) -> CmdResult<Applied> {
    let id = req.alert_id.to_string();
    let row: Option<(String, Option<i64>)> = ctx
        .conn
        .query_row(
            "SELECT status, unit_id FROM alerts WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((status, assigned)) = row else {
        return Err(DomainError::UnknownAlert.into());
    };
    let from = parse_status(&status).ok_or(CmdError::Store(StoreError::Corrupt(
        "unknown stored status",
    )))?;
    match actor.role {
        r if r.runs_central() => {}
        Role::Unit => {
            if !matches!(
                req.to,
                AlertStatus::EnRoute | AlertStatus::OnScene | AlertStatus::Resolved
            ) {
                return Err(DomainError::Forbidden(
                    "a unit reports en route, on scene or resolved",
                )
                .into());
            }
            if assigned.is_none() || assigned != actor.unit_id {
                return Err(
                    DomainError::Forbidden("the alert is not assigned to this unit").into(),
                );
            }
        }
        _ => return Err(DomainError::Forbidden("this role cannot change alerts").into()),
    }
    lifecycle::check(from, req.to, By::Responder)?;
    if req.outcome.is_some() && req.to != AlertStatus::Resolved {
        return Err(DomainError::Invalid("an outcome is only given when resolving").into());
    }
    if req.unit_id.is_some() && req.to != AlertStatus::Dispatched {
        return Err(DomainError::Invalid("a unit is only given when dispatching").into());
    }
    let mut detail: Option<String> = req.note.clone();
    match req.to {
        AlertStatus::Acknowledged => {
            ctx.conn.execute(
                "UPDATE alerts SET acknowledged_at_ms = ?2 WHERE id = ?1",
                params![id, ctx.now_ms],
            )?;
        }
        AlertStatus::Dispatched => {
            let unit_id = req
                .unit_id
                .ok_or(DomainError::Invalid("unit_id is required to dispatch"))?;
            let unit = rows::unit(ctx.conn, unit_id)?.ok_or(DomainError::NotFound("unit"))?;
            if !unit.available {
                return Err(DomainError::Conflict("the unit is not available").into());
            }
            ctx.conn.execute(
                "UPDATE units SET available = 0, updated_at_ms = ?2 WHERE id = ?1",
                params![unit_id, ctx.now_ms],
            )?;
            ctx.conn.execute(
                "UPDATE alerts SET unit_id = ?2 WHERE id = ?1",
                params![id, unit_id],
            )?;
            detail = Some(format!("unit:{unit_id}"));
            if let Some(unit) = rows::unit(ctx.conn, unit_id)? {
                ctx.emit(StreamPayload::Unit(unit))?;
            }
        }
        AlertStatus::Resolved => {
            let outcome = req
                .outcome
                .ok_or(DomainError::Invalid("outcome is required to resolve"))?;
            ctx.conn.execute(
                "UPDATE alerts SET outcome = ?2, resolved_at_ms = ?3 WHERE id = ?1",
                params![id, outcome_str(outcome), ctx.now_ms],
            )?;
            detail = Some(format!("outcome:{}", outcome_str(outcome)));
            if let Some(unit) = assigned {
                release_unit(ctx, unit)?;
            }
        }
        _ => {}
    }
    ctx.conn.execute(
        "UPDATE alerts SET status = ?2, updated_at_ms = ?3 WHERE id = ?1",
        params![id, status_str(req.to), ctx.now_ms],
    )?;
    let actor_label = format!("account:{}", actor.id);
    ctx.audit(
        &actor_label,
        "transition",
        Some(req.alert_id),
        (Some(status_str(from)), Some(status_str(req.to))),
        detail.as_deref(),
    )?;
    let view = view(ctx.conn, req.alert_id)?;
    let unit_id = ctx
        .conn
        .prepare_cached("SELECT unit_id FROM alerts WHERE id = ?1")?
        .query_row(params![id], |r| r.get(0))?;
    ctx.emit(StreamPayload::Status(StatusEvent {
        alert_id: req.alert_id,
        view: view.clone(),
        actor: actor_label,
        unit_id,
    }))?;
    Ok(Applied::View(view))
}

pub(super) fn unit_report(
    ctx: &mut Ctx<'_>,
    actor: Account,
    position: Option<(f64, f64)>,
    available: Option<bool>,
) -> CmdResult<Applied> {
    let (Role::Unit, Some(unit_id)) = (actor.role, actor.unit_id) else {
        return Err(DomainError::Forbidden("only a unit account reports a unit's position").into());
    };
    if let Some((lat, lon)) = position {
        check_coordinates(lat, lon).map_err(|_| DomainError::Invalid("not a real position"))?;
        ctx.conn.execute(
            "UPDATE units SET lat = ?2, lon = ?3, position_at_ms = ?4, updated_at_ms = ?4 WHERE id = ?1",
            params![unit_id, lat, lon, ctx.now_ms],
        )?;
    }
    if let Some(available) = available {
        ctx.conn.execute(
            "UPDATE units SET available = ?2, updated_at_ms = ?3 WHERE id = ?1",
            params![unit_id, available, ctx.now_ms],
        )?;
    }
    let unit = rows::unit(ctx.conn, unit_id)?.ok_or(DomainError::NotFound("unit"))?;
    ctx.emit(StreamPayload::Unit(unit.clone()))?;
    if position.is_some() {
        // The reporters of the alerts this unit is on see its distance change.
        let open: Vec<String> = {
            let mut stmt = ctx.conn.prepare_cached(
                "SELECT id FROM alerts WHERE unit_id = ?1 AND status NOT IN ('resolved', 'cancelled')",
            )?;
            let rows = stmt.query_map(params![unit_id], |r| r.get(0))?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        for id in open {
            let alert_id = rows::uuid(&id)?;
            let view = view(ctx.conn, alert_id)?;
            ctx.emit(StreamPayload::Status(StatusEvent {
                alert_id,
                view,
                actor: format!("account:{}", actor.id),
                unit_id: Some(unit_id),
            }))?;
        }
    }
    Ok(Applied::Unit(unit))
}
