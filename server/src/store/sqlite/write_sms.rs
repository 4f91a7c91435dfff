//! An alert that arrived as its compact signed SMS (through the gateway),
//! and its HTTP copy completing it later: one SOS, one alert.

use auxilio_protocol::sms::SmsAlert;
use auxilio_protocol::{Alert, AlertStatus, AlertView, Profile, Reporter};
use rusqlite::{params, OptionalExtension};

use super::ctx::{CmdError, CmdResult, Ctx};
use super::rows::view;
use super::write_alert::{last_fix, owner, to_json};
use crate::domain::DomainError;
use crate::model::{clock_suspect, AlertSummary, StatusEvent, StreamPayload};
use crate::sms::ReceivedVia;
use crate::store::{Applied, StoreError};

/// What an SMS alert needs of its device: its profile, whether it is
/// revoked, its organization's name and registered place.
type DeviceRow = (String, Option<i64>, Option<String>, Option<String>);

/// The reporter of an SMS alert: the device's enrollment profile (the SMS
/// form carries no one's name or phone).
fn reporter(profile: Profile, organization: Option<String>, org_place: Option<String>) -> Reporter {
    Reporter {
        display_name: profile.display_name,
        phone: profile.phone,
        role: profile.role,
        organization,
        plate: profile.plate,
        place: profile.place.map(|p| p.name).or(org_place),
    }
}

/// Stores an alert from its SMS form, already verified against the
/// device's key by the caller. `raw` is the SMS payload and signature.
pub(super) fn ingest_sms(ctx: &mut Ctx<'_>, sms: SmsAlert, raw: Vec<u8>) -> CmdResult<Applied> {
    let device = sms.device_id.to_string();
    let row: Option<DeviceRow> = ctx
        .conn
        .prepare_cached(
            "SELECT d.profile_json, d.revoked_at_ms, o.name, o.place_name
               FROM devices d LEFT JOIN organizations o ON o.id = d.organization_id
              WHERE d.id = ?1",
        )?
        .query_row(params![device], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((profile_json, revoked_at, organization, org_place)) = row else {
        return Err(DomainError::UnknownDevice.into());
    };
    if revoked_at.is_some() {
        return Err(DomainError::Revoked.into());
    }
    if let Some(existing) = owner(ctx, sms.id)? {
        if existing != device {
            return Err(DomainError::Conflict("this alert id belongs to another device").into());
        }
        return Ok(Applied::Alert {
            view: view(ctx.conn, sms.id)?,
            created: false,
        });
    }
    let profile: Profile = serde_json::from_str(&profile_json)
        .map_err(|_| CmdError::Store(StoreError::Corrupt("a stored profile is unreadable")))?;
    let reporter = reporter(profile, organization.clone(), org_place);
    let fix = sms.fix();
    let created_at_ms = sms.created_at_s.saturating_mul(1000);
    ctx.conn
        .prepare_cached(
            "INSERT INTO alerts (id, device_id, raw, kind, silent, created_at_ms, received_at_ms, updated_at_ms,
                status, lat, lon, accuracy_m, fix_source, fixed_at_ms, fix_json,
                last_lat, last_lon, last_accuracy_m, last_fixed_at_ms, last_fix_source, reporter_json,
                received_via, awaiting_http)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 'new', ?8, ?9, ?10, ?11, ?12, ?13,
                ?8, ?9, ?10, ?12, ?11, ?14, 'sms', 1)",
        )?
        .execute(params![
            sms.id.to_string(),
            device,
            raw,
            sms.kind.as_str(),
            sms.silent,
            created_at_ms,
            ctx.now_ms,
            fix.as_ref().map(|f| f.lat),
            fix.as_ref().map(|f| f.lon),
            fix.as_ref().map(|f| f.accuracy_m),
            fix.as_ref().map(|f| f.source.as_str()),
            fix.as_ref().map(|f| f.fixed_at_ms),
            fix.as_ref().map(to_json).transpose()?,
            to_json(&reporter)?,
        ])?;
    ctx.audit(
        &format!("device:{device}"),
        "received_sms",
        Some(sms.id),
        (None, Some("new")),
        None,
    )?;
    let view = AlertView {
        id: sms.id,
        status: AlertStatus::New,
        received_at_ms: ctx.now_ms,
        updated_at_ms: ctx.now_ms,
        outcome: None,
        unit_distance_m: None,
        unit_name: None,
    };
    let summary = AlertSummary {
        id: sms.id,
        device_id: sms.device_id,
        kind: sms.kind,
        status: AlertStatus::New,
        outcome: None,
        silent: sms.silent,
        created_at_ms,
        received_at_ms: ctx.now_ms,
        clock_suspect: clock_suspect(created_at_ms, ctx.now_ms),
        updated_at_ms: ctx.now_ms,
        last: fix.as_ref().map(last_fix),
        fix,
        reporter,
        organization,
        note: None,
        battery_pct: None,
        unit_id: None,
        unit_name: None,
        received_via: ReceivedVia::Sms,
    };
    ctx.emit(StreamPayload::Alert(Box::new(summary)))?;
    Ok(Applied::Alert {
        view,
        created: true,
    })
}

/// The HTTP copy of an alert stored from its SMS: the full body (raw signed
/// bytes, note, battery, exact fix, the phone's own reporter snapshot)
/// completes the same alert. Consoles get a `status` event, not a second
/// `alert`. The caller checked that the same device owns it.
pub(super) fn complete(ctx: &mut Ctx<'_>, alert: Alert, raw: Vec<u8>) -> CmdResult<Applied> {
    let id = alert.id.to_string();
    let (kind, silent, sms_had_fix, unit_id): (String, bool, bool, Option<i64>) =
        ctx.conn.query_row(
            "SELECT kind, silent, fix_json IS NOT NULL, unit_id FROM alerts WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
    if auxilio_protocol::AlertKind::parse(&kind) != Some(alert.kind)
        || silent != alert.silent
        || sms_had_fix != alert.fix.is_some()
    {
        return Err(DomainError::Conflict("the alert does not match its SMS").into());
    }
    let fix = alert.fix.as_ref();
    ctx.conn
        .prepare_cached(
            "UPDATE alerts SET raw = ?2, created_at_ms = ?3, lat = ?4, lon = ?5, accuracy_m = ?6,
                fix_source = ?7, fixed_at_ms = ?8, fix_json = ?9, reporter_json = ?10, note = ?11,
                battery_pct = ?12, awaiting_http = 0, updated_at_ms = ?13
              WHERE id = ?1",
        )?
        .execute(params![
            id,
            raw,
            alert.created_at_ms,
            fix.map(|f| f.lat),
            fix.map(|f| f.lon),
            fix.map(|f| f.accuracy_m),
            fix.map(|f| f.source.as_str()),
            fix.map(|f| f.fixed_at_ms),
            fix.map(to_json).transpose()?,
            to_json(&alert.reporter)?,
            alert.note,
            alert.battery_pct,
            ctx.now_ms,
        ])?;
    // The exact fix replaces the SMS's rounded one as the newest position,
    // unless a position update (by its sequence, never its clock) already
    // came after it.
    if let Some(fix) = fix {
        ctx.conn
            .prepare_cached(
                "UPDATE alerts SET last_lat = ?2, last_lon = ?3, last_accuracy_m = ?4,
                        last_fixed_at_ms = ?5, last_fix_source = ?6
                  WHERE id = ?1 AND last_seq IS NULL",
            )?
            .execute(params![
                id,
                fix.lat,
                fix.lon,
                fix.accuracy_m,
                fix.fixed_at_ms,
                fix.source.as_str()
            ])?;
    }
    ctx.audit(
        &format!("device:{}", alert.device_id),
        "completed_from_http",
        Some(alert.id),
        (None, None),
        None,
    )?;
    let view = view(ctx.conn, alert.id)?;
    ctx.emit(StreamPayload::Status(StatusEvent {
        alert_id: alert.id,
        view: view.clone(),
        actor: "device".to_string(),
        unit_id,
    }))?;
    Ok(Applied::Alert {
        view,
        created: false,
    })
}
