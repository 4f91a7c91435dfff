//! The patrol unit role: a small client of the server's responder API
//! (`server/src/api/responder.rs`). auxilio-core has no unit side (it is the
//! reporter's brain), so the shell talks to these endpoints itself:
//! `POST /api/v1/login` (bearer token), `POST /api/v1/units/me` (position and
//! availability), `GET /api/v1/alerts?open=true` (assignments),
//! `POST /api/v1/alerts/{id}/transition` (en route). The token is kept in
//! memory only: after a restart the unit logs in again.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use auxilio_core::{AlertId, AlertKind, AlertStatus, AlertView};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use tauri::async_runtime::JoinHandle;

use crate::error::{Error, Result};

/// How often a unit on duty reports its position and looks for assignments.
pub const DUTY_INTERVAL: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct UnitAccount {
    pub id: i64,
    pub username: String,
    pub role: String,
    #[serde(default)]
    pub unit_id: Option<i64>,
}

#[derive(Deserialize)]
struct LoginResponse {
    token: String,
    account: UnitAccount,
}

/// The server's view of this unit.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct UnitView {
    pub id: i64,
    pub call_sign: String,
    pub available: bool,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub position_at_ms: Option<i64>,
}

/// An alert assigned to this unit, as sent to the web view.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct Assignment {
    pub id: AlertId,
    pub kind: AlertKind,
    pub status: AlertStatus,
    #[serde(default)]
    pub unit_id: Option<i64>,
    pub silent: bool,
    pub created_at_ms: i64,
    pub last: LastFix,
}

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct LastFix {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub fixed_at_ms: i64,
}

#[derive(Deserialize)]
struct AlertList {
    alerts: Vec<Assignment>,
}

#[derive(Clone)]
struct Session {
    token: String,
    account: UnitAccount,
}

pub struct UnitSession {
    server: url::Url,
    http: reqwest::Client,
    session: Mutex<Option<Session>>,
    duty: Mutex<Option<JoinHandle<()>>>,
    notified: Mutex<HashSet<AlertId>>,
}

fn status_error(status: StatusCode) -> Error {
    match status.as_u16() {
        401 => Error::NotLoggedIn("the unit session is missing or expired".into()),
        403 => Error::Unauthorized("this account may not do that".into()),
        404 => Error::UnknownAlert("unknown alert".into()),
        409 => Error::invalid("not allowed from the alert's current status"),
        400..=499 => Error::invalid(format!("the server refused the request (HTTP {status})")),
        _ => Error::Server(format!("server error (HTTP {})", status.as_u16())),
    }
}

fn network(e: reqwest::Error) -> Error {
    Error::Network(if e.is_timeout() {
        "the server did not answer in time".into()
    } else {
        "the server could not be reached".into()
    })
}

impl UnitSession {
    pub fn new(server: url::Url) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|_| Error::internal("cannot start the HTTP client"))?;
        Ok(UnitSession {
            server,
            http,
            session: Mutex::new(None),
            duty: Mutex::new(None),
            notified: Mutex::new(HashSet::new()),
        })
    }

    fn url(&self, path: &str) -> Result<url::Url> {
        self.server
            .join(path)
            .map_err(|_| Error::internal("bad server path"))
    }

    fn session(&self) -> Result<Session> {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| Error::NotLoggedIn("log in as a unit first".into()))
    }

    pub fn account(&self) -> Option<UnitAccount> {
        self.session().ok().map(|s| s.account)
    }

    /// Logs in; only accounts with the `unit` role and a unit are accepted.
    pub async fn login(&self, username: &str, password: &str) -> Result<UnitAccount> {
        let reply = self
            .http
            .post(self.url("/api/v1/login")?)
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .map_err(network)?;
        if reply.status() == StatusCode::UNAUTHORIZED {
            return Err(Error::Unauthorized("wrong username or password".into()));
        }
        if !reply.status().is_success() {
            return Err(status_error(reply.status()));
        }
        let login: LoginResponse = reply
            .json()
            .await
            .map_err(|_| Error::Server("unreadable login answer".into()))?;
        if login.account.role != "unit" || login.account.unit_id.is_none() {
            return Err(Error::Unauthorized(
                "this account is not a patrol unit".into(),
            ));
        }
        let account = login.account.clone();
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = Some(Session {
            token: login.token,
            account: login.account,
        });
        Ok(account)
    }

    /// Ends the session (server and local), stopping duty first.
    pub async fn logout(&self) -> Result<()> {
        self.stop_duty_task();
        let Ok(session) = self.session() else {
            return Ok(());
        };
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = None;
        // Best effort: the token expires anyway.
        let _ = self
            .http
            .post(self.url("/api/v1/logout")?)
            .bearer_auth(&session.token)
            .send()
            .await;
        Ok(())
    }

    /// `POST /api/v1/units/me`.
    pub async fn report(
        &self,
        position: Option<(f64, f64)>,
        available: Option<bool>,
    ) -> Result<UnitView> {
        let session = self.session()?;
        let mut body = serde_json::Map::new();
        if let Some((lat, lon)) = position {
            body.insert("lat".into(), lat.into());
            body.insert("lon".into(), lon.into());
        }
        if let Some(a) = available {
            body.insert("available".into(), a.into());
        }
        let reply = self
            .http
            .post(self.url("/api/v1/units/me")?)
            .bearer_auth(&session.token)
            .json(&body)
            .send()
            .await
            .map_err(network)?;
        if !reply.status().is_success() {
            return Err(status_error(reply.status()));
        }
        reply
            .json()
            .await
            .map_err(|_| Error::Server("unreadable unit answer".into()))
    }

    /// Open alerts assigned to this unit that still need it.
    pub async fn assignments(&self) -> Result<Vec<Assignment>> {
        let session = self.session()?;
        let mut url = self.url("/api/v1/alerts")?;
        url.query_pairs_mut().append_pair("open", "true");
        let reply = self
            .http
            .get(url)
            .bearer_auth(&session.token)
            .send()
            .await
            .map_err(network)?;
        if !reply.status().is_success() {
            return Err(status_error(reply.status()));
        }
        let list: AlertList = reply
            .json()
            .await
            .map_err(|_| Error::Server("unreadable alert list".into()))?;
        let mine = session.account.unit_id;
        Ok(list
            .alerts
            .into_iter()
            .filter(|a| a.unit_id.is_some() && a.unit_id == mine)
            .filter(|a| {
                matches!(
                    a.status,
                    AlertStatus::Dispatched | AlertStatus::EnRoute | AlertStatus::OnScene
                )
            })
            .collect())
    }

    /// The unit accepts its assignment: the alert goes `en_route`, and the
    /// person who asked for help sees a unit on its way.
    pub async fn acknowledge(&self, alert_id: AlertId) -> Result<AlertView> {
        let session = self.session()?;
        let reply = self
            .http
            .post(self.url(&format!("/api/v1/alerts/{alert_id}/transition"))?)
            .bearer_auth(&session.token)
            .json(&serde_json::json!({ "to": "en_route" }))
            .send()
            .await
            .map_err(network)?;
        if !reply.status().is_success() {
            return Err(status_error(reply.status()));
        }
        reply
            .json()
            .await
            .map_err(|_| Error::Server("unreadable alert answer".into()))
    }

    /// Assignments not announced before (each is announced once).
    pub fn take_new(&self, list: &[Assignment]) -> Vec<Assignment> {
        let mut seen = self.notified.lock().unwrap_or_else(|p| p.into_inner());
        list.iter()
            .filter(|a| a.status == AlertStatus::Dispatched && seen.insert(a.id))
            .cloned()
            .collect()
    }

    pub fn set_duty_task(&self, task: JoinHandle<()>) {
        if let Some(old) = self
            .duty
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(task)
        {
            old.abort();
        }
    }

    /// Stops the duty loop; returns whether one was running.
    pub fn stop_duty_task(&self) -> bool {
        match self.duty.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some(t) => {
                t.abort();
                true
            }
            None => false,
        }
    }

    pub fn on_duty(&self) -> bool {
        self.duty
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }
}
