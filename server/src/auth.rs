//! Responder authentication: argon2 password hashes, random session tokens
//! (stored only as SHA-256 hashes), and the [`Responder`] extractor that
//! accepts either the console's cookie or an app's bearer token.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::error::AppError;
use crate::model::{Account, Role};
use crate::state::AppState;

pub const COOKIE_NAME: &str = "auxilio_session";

#[derive(Debug, Error)]
pub enum AuthError {
    #[error("the system random generator failed")]
    Random,
    #[error("password hashing failed")]
    Hash,
}

fn random_bytes<const N: usize>() -> Result<[u8; N], AuthError> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|_| AuthError::Random)?;
    Ok(buf)
}

/// An argon2id PHC string for `password`.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|_| AuthError::Hash)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| AuthError::Hash)
}

/// Checks `password` against a stored hash; a malformed hash never matches.
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A valid hash of nothing in particular: login verifies against it when
/// the username is unknown, so the answer takes as long either way.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("auxilio-dummy").unwrap_or_default())
}

/// A random URL-safe secret of `bytes` random bytes (tokens, codes, passwords).
pub fn random_secret(bytes: usize) -> Result<String, AuthError> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).map_err(|_| AuthError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// What the sessions table stores instead of the token.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The `Set-Cookie` value for a new console session.
pub fn session_cookie(token: &str, max_age_s: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_s}{secure}")
}

/// The `Set-Cookie` value that ends a console session.
pub fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// The session token of a request: `Authorization: Bearer …` or the cookie.
pub fn request_token(headers: &HeaderMap) -> Option<String> {
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(token) = auth.strip_prefix("Bearer ") {
            return Some(token.trim().to_string());
        }
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_string())
}

/// A logged-in responder (any role). 401 without a valid session.
pub struct Responder(pub Account);

impl FromRequestParts<AppState> for Responder {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = request_token(&parts.headers)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| AppError::unauthorized("unauthenticated", "log in first"))?;
        let hash = token_hash(&token);
        let now = auxilio_protocol::now_ms();
        let account = state.read(move |s| s.session(&hash, now)).await?;
        account.map(Responder).ok_or_else(|| {
            AppError::unauthorized("unauthenticated", "the session is unknown or expired")
        })
    }
}

impl Responder {
    /// Refuses roles other than those given.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.0.role) {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "forbidden",
                "this role may not do that",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "wrong"));
        assert!(!verify_password("not a hash", "correct horse"));
    }

    #[test]
    fn the_cookie_is_http_only_and_strict() {
        let c = session_cookie("abc", 60, false);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && !c.contains("Secure"));
        assert!(session_cookie("abc", 60, true).ends_with("; Secure"));
    }

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let a = random_secret(32).unwrap();
        let b = random_secret(32).unwrap();
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
