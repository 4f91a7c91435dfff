//! Group commit: many commands in one transaction, each in its own savepoint
//! so a refused command leaves no trace and does not stop the others.

use auxilio_protocol::{EnrollResponse, Place};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::ctx::{CmdError, CmdResult, Ctx};
use super::{rows, write_alert, write_responder, write_sms};
use crate::domain::DomainError;
use crate::model::{OrgPlace, StreamPayload};
use crate::store::{
    Actor, Applied, BatchOutcome, Command, NewAccount, NewCode, NewOrganization, NewUnit,
    StoreError,
};

pub(super) fn apply(
    conn: &mut Connection,
    cmds: Vec<Command>,
    now_ms: i64,
) -> Result<BatchOutcome, StoreError> {
    let mut out = BatchOutcome::default();
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for cmd in cmds {
        let mut sp = tx.savepoint()?;
        let (result, events) = {
            let mut ctx = Ctx {
                conn: &sp,
                now_ms,
                events: Vec::new(),
            };
            let result = run(&mut ctx, cmd);
            (result, ctx.events)
        };
        match result {
            Ok(applied) => {
                sp.commit()?;
                out.events.extend(events);
                out.results.push(Ok(applied));
            }
            Err(err) => {
                sp.rollback()?;
                sp.commit()?;
                out.results.push(Err(match err {
                    CmdError::Domain(e) => e,
                    CmdError::Store(e) => {
                        tracing::error!(error = %e, "a command failed in the store; it was rolled back");
                        DomainError::Internal
                    }
                }));
            }
        }
    }
    tx.commit()?;
    Ok(out)
}

fn run(ctx: &mut Ctx<'_>, cmd: Command) -> CmdResult<Applied> {
    match cmd {
        Command::Enroll { req, public_key } => enroll(ctx, req, public_key),
        Command::IngestAlert {
            device_id,
            alert,
            raw,
        } => write_alert::ingest_alert(ctx, device_id, alert, raw),
        Command::IngestSms { sms, raw } => write_sms::ingest_sms(ctx, sms, raw),
        Command::IngestPositions { device_id, batch } => {
            write_alert::ingest_positions(ctx, device_id, batch)
        }
        Command::Cancel { device_id, cancel } => write_alert::cancel(ctx, device_id, cancel),
        Command::Transition { actor, req } => write_responder::transition(ctx, actor, req),
        Command::UnitReport {
            actor,
            position,
            available,
        } => write_responder::unit_report(ctx, actor, position, available),
        Command::CreateOrganization(org) => create_organization(ctx, org),
        Command::CreateCode(code) => create_code(ctx, code),
        Command::CreateAccount(account) => create_account(ctx, account),
        Command::CreateUnit(unit) => create_unit(ctx, unit),
        Command::RevokeDevice { actor, device_id } => revoke(ctx, actor, device_id),
        Command::CreateSession {
            token_hash,
            account_id,
            expires_at_ms,
        } => {
            ctx.conn.execute(
                "INSERT INTO sessions (token_hash, account_id, created_at_ms, expires_at_ms) VALUES (?1, ?2, ?3, ?4)",
                params![&token_hash[..], account_id, ctx.now_ms, expires_at_ms],
            )?;
            ctx.conn.execute(
                "DELETE FROM sessions WHERE expires_at_ms <= ?1",
                params![ctx.now_ms],
            )?;
            Ok(Applied::Done)
        }
        Command::DeleteSession { token_hash } => {
            ctx.conn.execute(
                "DELETE FROM sessions WHERE token_hash = ?1",
                params![&token_hash[..]],
            )?;
            Ok(Applied::Done)
        }
    }
}

/// organization id, max uses, uses, expiry
type CodeRow = (Option<i64>, Option<i64>, i64, Option<i64>);

fn enroll(
    ctx: &mut Ctx<'_>,
    req: auxilio_protocol::EnrollRequest,
    public_key: [u8; 32],
) -> CmdResult<Applied> {
    let code: Option<CodeRow> = ctx
        .conn
        .query_row(
            "SELECT organization_id, max_uses, uses, expires_at_ms FROM enrollment_codes WHERE code = ?1",
            params![req.code],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((org_id, max_uses, uses, expires)) = code else {
        return Err(DomainError::BadCode.into());
    };
    if expires.is_some_and(|e| e <= ctx.now_ms) {
        return Err(DomainError::BadCode.into());
    }
    let device = req.device_id.to_string();
    let existing: Option<(Vec<u8>, Option<i64>)> = ctx
        .conn
        .query_row(
            "SELECT public_key, revoked_at_ms FROM devices WHERE id = ?1",
            params![device],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let profile = serde_json::to_string(&req.profile)
        .map_err(|_| StoreError::Corrupt("a profile could not be serialised"))?;
    match existing {
        Some((_, Some(_))) => return Err(DomainError::Revoked.into()),
        Some((key, None)) if key != public_key => return Err(DomainError::KeyMismatch.into()),
        Some(_) => {
            // The same phone enrolling again (a retried request): refresh its profile.
            ctx.conn.execute(
                "UPDATE devices SET profile_json = ?2, organization_id = ?3 WHERE id = ?1",
                params![device, profile, org_id],
            )?;
        }
        None => {
            if max_uses.is_some_and(|m| uses >= m) {
                return Err(DomainError::BadCode.into());
            }
            ctx.conn.execute(
                "INSERT INTO devices (id, public_key, profile_json, organization_id, enrolled_with, enrolled_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![device, &public_key[..], profile, org_id, req.code, ctx.now_ms],
            )?;
            ctx.conn.execute(
                "UPDATE enrollment_codes SET uses = uses + 1 WHERE code = ?1",
                params![req.code],
            )?;
            ctx.audit(
                &format!("device:{device}"),
                "enroll",
                None,
                (None, None),
                None,
            )?;
        }
    }
    let org: Option<(String, Option<OrgPlace>)> = match org_id {
        None => None,
        Some(id) => ctx
            .conn
            .query_row(
                "SELECT name, place_name, place_lat, place_lon, place_radius_m FROM organizations WHERE id = ?1",
                params![id],
                |r| {
                    let place = match (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?) {
                        (Some(name), Some(lat), Some(lon), Some(radius_m)) => Some(OrgPlace { name, lat, lon, radius_m }),
                        _ => None,
                    };
                    Ok((r.get(0)?, place))
                },
            )
            .optional()?,
    };
    let (organization, place) = match org {
        Some((name, place)) => (Some(name), place),
        None => (None, None),
    };
    Ok(Applied::Enrolled(EnrollResponse {
        device_id: req.device_id,
        organization,
        place: place.map(|p| Place {
            name: p.name,
            lat: p.lat,
            lon: p.lon,
            radius_m: p.radius_m,
        }),
        sms_number: None,
    }))
}

fn exists(conn: &Connection, sql: &str, arg: &dyn rusqlite::ToSql) -> CmdResult<bool> {
    Ok(conn.query_row(sql, [arg], |_| Ok(())).optional()?.is_some())
}

fn create_organization(ctx: &mut Ctx<'_>, org: NewOrganization) -> CmdResult<Applied> {
    if exists(
        ctx.conn,
        "SELECT 1 FROM organizations WHERE name = ?1",
        &org.name,
    )? {
        return Err(DomainError::Exists("organization").into());
    }
    let p = org.place.as_ref();
    ctx.conn.execute(
        "INSERT INTO organizations (name, kind, place_name, place_lat, place_lon, place_radius_m, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            org.name,
            org.kind.as_str(),
            p.map(|p| &p.name),
            p.map(|p| p.lat),
            p.map(|p| p.lon),
            p.map(|p| p.radius_m),
            ctx.now_ms
        ],
    )?;
    let id = ctx.conn.last_insert_rowid();
    ctx.audit(
        "cli",
        "create_organization",
        None,
        (None, None),
        Some(&format!("organization:{id}")),
    )?;
    Ok(Applied::Created(id))
}

fn create_code(ctx: &mut Ctx<'_>, code: NewCode) -> CmdResult<Applied> {
    if let Some(org) = code.organization_id {
        if !exists(ctx.conn, "SELECT 1 FROM organizations WHERE id = ?1", &org)? {
            return Err(DomainError::NotFound("organization").into());
        }
    }
    if exists(
        ctx.conn,
        "SELECT 1 FROM enrollment_codes WHERE code = ?1",
        &code.code,
    )? {
        return Err(DomainError::Exists("enrollment code").into());
    }
    ctx.conn.execute(
        "INSERT INTO enrollment_codes (code, organization_id, max_uses, expires_at_ms, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![code.code, code.organization_id, code.max_uses, code.expires_at_ms, ctx.now_ms],
    )?;
    ctx.audit("cli", "create_enrollment_code", None, (None, None), None)?;
    Ok(Applied::Done)
}

fn create_account(ctx: &mut Ctx<'_>, a: NewAccount) -> CmdResult<Applied> {
    if exists(
        ctx.conn,
        "SELECT 1 FROM accounts WHERE username = ?1",
        &a.username,
    )? {
        return Err(DomainError::Exists("account").into());
    }
    if let Some(unit) = a.unit_id {
        if rows::unit(ctx.conn, unit)?.is_none() {
            return Err(DomainError::NotFound("unit").into());
        }
    }
    ctx.conn.execute(
        "INSERT INTO accounts (username, role, password_hash, unit_id, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![a.username, a.role.as_str(), a.password_hash, a.unit_id, ctx.now_ms],
    )?;
    let id = ctx.conn.last_insert_rowid();
    ctx.audit(
        "cli",
        "create_account",
        None,
        (None, None),
        Some(&format!("account:{id} role:{}", a.role)),
    )?;
    Ok(Applied::Created(id))
}

fn create_unit(ctx: &mut Ctx<'_>, u: NewUnit) -> CmdResult<Applied> {
    if exists(
        ctx.conn,
        "SELECT 1 FROM units WHERE call_sign = ?1",
        &u.call_sign,
    )? {
        return Err(DomainError::Exists("unit").into());
    }
    ctx.conn.execute(
        "INSERT INTO units (call_sign, agency, lat, lon, position_at_ms, available, updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)",
        params![
            u.call_sign,
            u.agency.as_str(),
            u.position.map(|p| p.0),
            u.position.map(|p| p.1),
            u.position.map(|_| ctx.now_ms),
            ctx.now_ms
        ],
    )?;
    let id = ctx.conn.last_insert_rowid();
    ctx.audit(
        "cli",
        "create_unit",
        None,
        (None, None),
        Some(&format!("unit:{id}")),
    )?;
    if let Some(view) = rows::unit(ctx.conn, id)? {
        ctx.emit(StreamPayload::Unit(view))?;
    }
    Ok(Applied::Created(id))
}

fn revoke(
    ctx: &mut Ctx<'_>,
    actor: Actor,
    device_id: auxilio_protocol::DeviceId,
) -> CmdResult<Applied> {
    let changed = ctx.conn.execute(
        "UPDATE devices SET revoked_at_ms = ?2 WHERE id = ?1 AND revoked_at_ms IS NULL",
        params![device_id.to_string(), ctx.now_ms],
    )?;
    if changed == 0 {
        if !exists(
            ctx.conn,
            "SELECT 1 FROM devices WHERE id = ?1",
            &device_id.to_string(),
        )? {
            return Err(DomainError::UnknownDevice.into());
        }
        return Ok(Applied::Done);
    }
    ctx.audit(
        &actor.label(),
        "revoke_device",
        None,
        (None, None),
        Some(&format!("device:{device_id}")),
    )?;
    Ok(Applied::Done)
}
