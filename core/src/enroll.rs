//! Enrollment: register this device's id and public key with the server
//! using a one-time code, and keep the profile and what the server answers.

use auxilio_protocol::wire::PATH_ENROLL;
use auxilio_protocol::{EnrollRequest, EnrollResponse, Profile, Validate, PROTOCOL_VERSION};

use crate::delivery::http::Request;
use crate::outbox::meta;
use crate::state::{Account, Shared};
use crate::CoreError;

pub(crate) async fn enroll(
    shared: &Shared,
    code: &str,
    profile: Profile,
) -> Result<EnrollResponse, CoreError> {
    let now = shared.now_ms();
    let req = EnrollRequest {
        v: PROTOCOL_VERSION,
        code: code.trim().to_owned(),
        device_id: shared.device_id,
        public_key: shared.key.public_key().to_base64(),
        profile: profile.clone(),
    };
    req.validate(now).map_err(CoreError::Invalid)?;
    let body = serde_json::to_vec(&req)?;
    let request = Request {
        method: "POST",
        path: PATH_ENROLL,
        body,
        signed_by: None,
    };
    let reply = shared
        .http
        .send(&shared.config.server, request)
        .await
        .map_err(|f| f.into_core_error())?;
    let response: EnrollResponse = serde_json::from_slice(&reply.body)
        .map_err(|_| CoreError::BadResponse("unreadable enrollment answer".into()))?;
    if response.device_id != shared.device_id {
        return Err(CoreError::BadResponse(
            "the server enrolled another device id".into(),
        ));
    }
    let account = Account {
        profile: Some(profile),
        enrollment: Some(response.clone()),
    };
    let stored = account.clone();
    shared
        .write(move |tx| {
            meta::put_json(tx, meta::PROFILE, &stored.profile)?;
            meta::put_json(tx, meta::ENROLLMENT, &stored.enrollment)
        })
        .await?;
    shared.set_account(account);
    Ok(response)
}

/// Keeps the profile without enrolling (delivery still waits for `enroll`).
pub(crate) fn set_profile(shared: &Shared, profile: Profile) -> Result<(), CoreError> {
    profile
        .validate(shared.now_ms())
        .map_err(CoreError::Invalid)?;
    let stored = profile.clone();
    shared
        .db
        .write(move |tx| meta::put_json(tx, meta::PROFILE, &Some(stored)))?;
    let mut account = shared.account();
    account.profile = Some(profile);
    shared.set_account(account);
    Ok(())
}
