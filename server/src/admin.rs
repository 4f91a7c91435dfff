//! Administration tasks run from the command line on the server's machine.
//! They write through [`Store::apply`] like the server does (SQLite's lock
//! keeps a running server and a command consistent).

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::auth::{self, AuthError};
use crate::config::{AccountArgs, CodeArgs, OrgArgs, UnitArgs};
use crate::domain::DomainError;
use crate::model::OrgPlace;
use crate::store::{
    Actor, Applied, Command, NewAccount, NewCode, NewOrganization, NewUnit, Store, StoreError,
};

#[derive(Debug, Error)]
pub enum AdminError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("refused: {0}")]
    Refused(#[from] DomainError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("cannot write the QR code: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot make the QR code")]
    Qr,
    #[error("{0}")]
    Invalid(&'static str),
}

/// Applies one command on its own.
pub fn apply_one(store: &dyn Store, cmd: Command) -> Result<Applied, AdminError> {
    let mut outcome = store.apply(vec![cmd], auxilio_protocol::now_ms())?;
    match outcome.results.pop() {
        Some(result) => Ok(result?),
        None => Err(AdminError::Store(StoreError::Corrupt(
            "no result for a command",
        ))),
    }
}

fn created(applied: Applied) -> Result<i64, AdminError> {
    match applied {
        Applied::Created(id) => Ok(id),
        _ => Err(AdminError::Store(StoreError::Corrupt("unexpected result"))),
    }
}

pub fn create_org(store: &dyn Store, args: &OrgArgs) -> Result<i64, AdminError> {
    let place = match (&args.place, args.lat, args.lon) {
        (Some(name), Some(lat), Some(lon)) => {
            auxilio_protocol::check_coordinates(lat, lon)
                .map_err(|_| AdminError::Invalid("not a real position"))?;
            if !(args.radius_m.is_finite() && args.radius_m > 0.0) {
                return Err(AdminError::Invalid("the radius must be above 0"));
            }
            Some(OrgPlace {
                name: name.clone(),
                lat,
                lon,
                radius_m: args.radius_m,
            })
        }
        (None, None, None) => None,
        _ => return Err(AdminError::Invalid("a place needs a name, lat and lon")),
    };
    created(apply_one(
        store,
        Command::CreateOrganization(NewOrganization {
            name: args.name.clone(),
            kind: args.kind,
            place,
        }),
    )?)
}

/// A new enrollment code: short enough to type, random enough not to guess.
pub fn new_code() -> Result<String, AdminError> {
    Ok(format!("ep-{}", auth::random_secret(12)?))
}

/// The link a flyer's QR code opens.
pub fn enroll_link(code: &str) -> String {
    format!("auxilio://enroll?code={code}")
}

/// Writes the QR code of `link` as an SVG file.
pub fn write_qr(link: &str, path: &Path) -> Result<(), AdminError> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::new(link.as_bytes()).map_err(|_| AdminError::Qr)?;
    let image = code
        .render()
        .min_dimensions(400, 400)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    std::fs::write(path, image)?;
    Ok(())
}

/// Creates a code and writes its QR image; returns (code, link, qr path).
pub fn create_code(
    store: &dyn Store,
    args: &CodeArgs,
) -> Result<(String, String, PathBuf), AdminError> {
    let code = new_code()?;
    let expires_at_ms = args
        .days
        .map(|d| auxilio_protocol::now_ms().saturating_add(i64::from(d) * 86_400_000));
    let cmd = Command::CreateCode(NewCode {
        code: code.clone(),
        organization_id: args.org,
        max_uses: args.uses,
        expires_at_ms,
    });
    apply_one(store, cmd)?;
    let link = enroll_link(&code);
    let path = args
        .qr
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("enroll-{code}.svg")));
    write_qr(&link, &path)?;
    Ok((code, link, path))
}

pub fn create_unit(
    store: &dyn Store,
    args: &UnitArgs,
    position: Option<(f64, f64)>,
) -> Result<i64, AdminError> {
    let cmd = Command::CreateUnit(NewUnit {
        call_sign: args.call_sign.clone(),
        agency: args.agency,
        position,
    });
    created(apply_one(store, cmd)?)
}

/// Creates an account with a generated password; returns (id, password).
pub fn create_account(store: &dyn Store, args: &AccountArgs) -> Result<(i64, String), AdminError> {
    if args.role == crate::model::Role::Unit && args.unit.is_none() {
        return Err(AdminError::Invalid("a unit account needs --unit"));
    }
    let password = auth::random_secret(12)?;
    let cmd = Command::CreateAccount(NewAccount {
        username: args.username.clone(),
        role: args.role,
        password_hash: auth::hash_password(&password)?,
        unit_id: args.unit,
    });
    Ok((created(apply_one(store, cmd)?)?, password))
}

pub fn revoke_device(store: &dyn Store, device: uuid::Uuid) -> Result<(), AdminError> {
    apply_one(
        store,
        Command::RevokeDevice {
            actor: Actor::Cli,
            device_id: device,
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_svg_of_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qr.svg");
        write_qr(&enroll_link("ep-abc"), &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"));
        assert_eq!(enroll_link("ep-abc"), "auxilio://enroll?code=ep-abc");
    }

    #[test]
    fn codes_are_unique() {
        assert_ne!(new_code().unwrap(), new_code().unwrap());
    }
}
