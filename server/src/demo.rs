//! `auxilio-server demo`: a fresh database with the demo data of El
//! Porvenir, served, with the credentials and the console URL printed.
//!
//! The simulated fleet is not part of the server: `cargo xtask demo` starts
//! `auxilio-sim fleet` with the URL and the enrollment code that the demo
//! writes to its `--info-file`.

use std::path::{Path, PathBuf};

use tokio::net::TcpListener;

use crate::admin::{self, apply_one};
use crate::config::{AccountArgs, UnitArgs};
use crate::model::{Agency, OrgKind, OrgPlace, Role};
use crate::server::{open_state, serve_on, ServeError};
use crate::state::Settings;
use crate::store::{Command, NewCode, NewOrganization, Store};

/// What the demo prints.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCredentials {
    pub operator: (String, String),
    pub unit: (String, String),
    pub pnp: (String, String),
    /// Multi-use enrollment code for the fleet and for real phones.
    pub code: String,
}

/// Organizations of every kind, with fixed places for markets and comedores.
fn organizations() -> Vec<NewOrganization> {
    let place = |name: &str, lat: f64, lon: f64| {
        Some(OrgPlace {
            name: name.to_string(),
            lat,
            lon,
            radius_m: 40.0,
        })
    };
    vec![
        NewOrganization {
            name: "Empresa de Transportes El Cortijo S.A.".into(),
            kind: OrgKind::TransportFirm,
            place: None,
        },
        NewOrganization {
            name: "Empresa de Transportes Libertad S.A.C.".into(),
            kind: OrgKind::TransportFirm,
            place: None,
        },
        NewOrganization {
            name: "Asociación de Mototaxistas Virgen de la Puerta".into(),
            kind: OrgKind::MototaxiAssociation,
            place: None,
        },
        NewOrganization {
            name: "Mercado Central de El Porvenir".into(),
            kind: OrgKind::Market,
            place: place("Mercado Central, puerta principal", -8.0745, -79.0012),
        },
        NewOrganization {
            name: "Comedor Popular Santa Rosa".into(),
            kind: OrgKind::ComedorPopular,
            place: place("Comedor Santa Rosa, local comunal", -8.0682, -78.9961),
        },
        NewOrganization {
            name: "Comité de Vaso de Leche Alto Trujillo".into(),
            kind: OrgKind::VasoDeLeche,
            place: place("Local del Vaso de Leche, barrio 2", -8.0631, -79.0043),
        },
        NewOrganization {
            name: "Olla Común Señor de los Milagros".into(),
            kind: OrgKind::OllaComun,
            place: place("Olla común, pasaje 12", -8.0718, -79.0057),
        },
        NewOrganization {
            name: "Junta Vecinal Sector Central".into(),
            kind: OrgKind::JuntaVecinal,
            place: None,
        },
        NewOrganization {
            name: "Rondas Urbanas de El Porvenir".into(),
            kind: OrgKind::Other,
            place: None,
        },
    ]
}

/// Fills an empty store with the demo data.
pub fn seed(store: &dyn Store) -> Result<DemoCredentials, ServeError> {
    for org in organizations() {
        apply_one(store, Command::CreateOrganization(org))?;
    }
    let units = [
        ("Serenazgo 01", Agency::Serenazgo, (-8.0700, -79.0000)),
        ("Serenazgo 02", Agency::Serenazgo, (-8.0760, -78.9950)),
        ("Serenazgo 03", Agency::Serenazgo, (-8.0640, -79.0060)),
        ("Serenazgo 04", Agency::Serenazgo, (-8.0800, -79.0080)),
        (
            "PNP Comisaría El Porvenir 01",
            Agency::Pnp,
            (-8.0725, -78.9985),
        ),
    ];
    let mut first_unit = None;
    for (call_sign, agency, position) in units {
        let args = UnitArgs {
            call_sign: call_sign.to_string(),
            agency,
        };
        let id = admin::create_unit(store, &args, Some(position))?;
        first_unit.get_or_insert(id);
    }
    let account = |username: &str, role: Role, unit: Option<i64>| {
        let args = AccountArgs {
            username: username.to_string(),
            role,
            unit,
        };
        admin::create_account(store, &args).map(|(_, password)| (username.to_string(), password))
    };
    let operator = account("central", Role::Operator, None)?;
    let unit = account("serenazgo01", Role::Unit, first_unit)?;
    let pnp = account("comisaria", Role::Pnp, None)?;
    let code = admin::new_code()?;
    apply_one(
        store,
        Command::CreateCode(NewCode {
            code: code.clone(),
            organization_id: None,
            max_uses: None,
            expires_at_ms: Some(auxilio_protocol::now_ms() + 30 * 86_400_000),
        }),
    )?;
    Ok(DemoCredentials {
        operator,
        unit,
        pnp,
        code,
    })
}

/// Writes `url=…` and `code=…` lines to `path`, whole or not at all (a
/// temporary file renamed into place), so a reader never sees half of it.
fn write_info(path: &Path, url: &str, code: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, format!("url={url}\ncode={code}\n"))?;
    std::fs::rename(&tmp, path)
}

/// Seeds a fresh database and serves it; once listening, writes the URL and
/// the enrollment code to `info_file` if one is given.
pub async fn run(
    db: Option<PathBuf>,
    listen: std::net::SocketAddr,
    settings: Settings,
    info_file: Option<PathBuf>,
) -> Result<(), ServeError> {
    let db = db.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("auxilio-demo-{}.db", auxilio_protocol::now_ms()))
    });
    if db.exists() {
        return Err(ServeError::DemoNeedsFreshDb(db));
    }
    let state = open_state(&db, settings)?;
    let creds = seed(state.store.as_ref())?;
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let qr = db.with_extension("enroll.svg");
    admin::write_qr(&admin::enroll_link(&creds.code), &qr)?;
    println!("Auxilio demo · El Porvenir");
    println!("  database:        {}", db.display());
    println!("  console:         {url}/");
    println!(
        "  operator:        {} / {}",
        creds.operator.0, creds.operator.1
    );
    println!("  unit:            {} / {}", creds.unit.0, creds.unit.1);
    println!("  pnp:             {} / {}", creds.pnp.0, creds.pnp.1);
    println!(
        "  enrollment code: {}  ({})",
        creds.code,
        admin::enroll_link(&creds.code)
    );
    println!("  QR for a flyer:  {}", qr.display());
    println!("listening on {url}");
    if let Some(path) = info_file {
        write_info(&path, &url, &creds.code).map_err(ServeError::InfoFile)?;
    }
    serve_on(listener, state).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;

    #[test]
    fn the_demo_has_every_organization_kind_and_working_accounts() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("d.db")).unwrap();
        let creds = seed(&store).unwrap();
        let kinds: std::collections::HashSet<OrgKind> =
            organizations().iter().map(|o| o.kind).collect();
        assert_eq!(kinds.len(), OrgKind::ALL.len());
        let op = store
            .account_by_username(&creds.operator.0)
            .unwrap()
            .unwrap();
        assert!(crate::auth::verify_password(
            &op.password_hash,
            &creds.operator.1
        ));
        let unit = store.account_by_username(&creds.unit.0).unwrap().unwrap();
        assert!(unit.account.unit_id.is_some());
        assert_eq!(store.units().unwrap().len(), 5);
    }

    #[test]
    fn the_info_file_has_the_url_and_the_code_and_no_temporary_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.info");
        write_info(&path, "http://127.0.0.1:1234", "ep-abc").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "url=http://127.0.0.1:1234\ncode=ep-abc\n"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
