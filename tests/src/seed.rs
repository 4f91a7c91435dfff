//! What a test server starts with: an organization and its enrollment code,
//! a patrol unit, an operator session, and no rate limits.

use auxilio_server::model::{Agency, OrgKind, Role};
use auxilio_server::ratelimit::Rate;
use auxilio_server::store::{
    Applied, Command, NewAccount, NewCode, NewOrganization, NewUnit, Store,
};
use auxilio_server::Settings;

use crate::server::{ServerOptions, UNIT_CALL_SIGN, UNIT_POSITION};
use crate::E2eError;

/// One command applied on its own (seeding, before the writer runs).
fn seed_one(store: &dyn Store, cmd: Command) -> Result<Applied, E2eError> {
    let mut outcome = store.apply(vec![cmd], auxilio_protocol::now_ms())?;
    match outcome.results.pop() {
        Some(Ok(applied)) => Ok(applied),
        Some(Err(e)) => Err(E2eError::Seed(e.to_string())),
        None => Err(E2eError::Seed("no result".to_owned())),
    }
}

fn created(applied: Applied) -> Result<i64, E2eError> {
    match applied {
        Applied::Created(id) => Ok(id),
        other => Err(E2eError::Seed(format!("unexpected {other:?}"))),
    }
}

/// The settings of a test server: no rate limits (the stories retry hard on
/// purpose), the SMS number of the options.
pub(crate) fn settings(opts: &ServerOptions) -> Settings {
    let unlimited = Rate {
        per_minute: 0,
        burst: 0,
    };
    Settings {
        sms_number: opts.sms_number.clone(),
        sms_gateway_secret: opts
            .sms_gateway_secret
            .clone()
            .map(auxilio_server::sms::GatewaySecret::new),
        device_rate: unlimited,
        ip_rate: unlimited,
        ..Settings::default()
    }
}

/// The organization and its code, a patrol unit, and an operator session.
pub(crate) fn seed_store(
    store: &dyn Store,
    opts: &ServerOptions,
) -> Result<(i64, String), E2eError> {
    let org = created(seed_one(
        store,
        Command::CreateOrganization(NewOrganization {
            name: opts.organization.clone(),
            kind: OrgKind::MototaxiAssociation,
            place: opts.place.clone(),
        }),
    )?)?;
    seed_one(
        store,
        Command::CreateCode(NewCode {
            code: opts.enroll_code.clone(),
            organization_id: Some(org),
            max_uses: None,
            expires_at_ms: None,
        }),
    )?;
    let unit_id = created(seed_one(
        store,
        Command::CreateUnit(NewUnit {
            call_sign: UNIT_CALL_SIGN.to_owned(),
            agency: Agency::Serenazgo,
            position: Some(UNIT_POSITION),
        }),
    )?)?;
    // The session a login would make, without the password hashing.
    let account = created(seed_one(
        store,
        Command::CreateAccount(NewAccount {
            username: "central".to_owned(),
            role: Role::Operator,
            password_hash: auxilio_server::auth::dummy_hash().to_owned(),
            unit_id: None,
        }),
    )?)?;
    let token =
        auxilio_server::auth::random_secret(32).map_err(|e| E2eError::Seed(e.to_string()))?;
    seed_one(
        store,
        Command::CreateSession {
            token_hash: auxilio_server::auth::token_hash(&token),
            account_id: account,
            expires_at_ms: auxilio_protocol::now_ms() + 86_400_000,
        },
    )?;
    Ok((unit_id, token))
}
