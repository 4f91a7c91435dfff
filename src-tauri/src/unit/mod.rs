//! The patrol unit role: a small client of the server's responder API
//! (`server/src/api/responder.rs`). auxilio-core has no unit side (it is the
//! reporter's brain), so the shell talks to these endpoints itself:
//! `POST /api/v1/login` (bearer token), `POST /api/v1/units/me` (position and
//! availability), `GET /api/v1/alerts?open=true` (assignments at duty start),
//! `GET /api/v1/stream` (new assignments while on duty, [`follow`]),
//! `POST /api/v1/alerts/{id}/transition` (en route, on scene, resolved).
//!
//! The login survives a restart ([`stored`]); any 401 from the server ends
//! it here too (memory and file).

pub mod duty;
pub mod follow;
pub mod sse;
pub mod stored;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use auxilio_core::protocol::responder::{
    AlertDetail, AlertList, LoginRequest, LoginResponse, Role, TransitionBody, UnitReport,
};
use auxilio_core::protocol::{wire, Outcome};
use auxilio_core::{AlertId, AlertStatus, AlertView};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use tauri::async_runtime::JoinHandle;

use crate::error::{Error, Result};
use stored::StoredSession;

/// How often a unit on duty reports its position.
pub const DUTY_INTERVAL: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The unit app's names for the responder types of the contract: an
/// assignment is the server's alert summary (sent to the web view as is,
/// which types it so), the account is the logged-in unit.
pub use auxilio_core::protocol::responder::{
    Account as UnitAccount, AlertSummary as Assignment, UnitView,
};

/// What a unit reports about its assignment
/// (`POST /api/v1/alerts/{id}/transition`); the central does the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitStep {
    EnRoute,
    OnScene,
    Resolved,
}

impl UnitStep {
    /// `en_route`, `on_scene` or `resolved` (the web view's words).
    pub fn parse(to: &str) -> Result<Self> {
        match AlertStatus::parse(to) {
            Some(AlertStatus::EnRoute) => Ok(UnitStep::EnRoute),
            Some(AlertStatus::OnScene) => Ok(UnitStep::OnScene),
            Some(AlertStatus::Resolved) => Ok(UnitStep::Resolved),
            _ => Err(Error::invalid(
                "a unit reports en_route, on_scene or resolved",
            )),
        }
    }

    fn status(self) -> AlertStatus {
        match self {
            UnitStep::EnRoute => AlertStatus::EnRoute,
            UnitStep::OnScene => AlertStatus::OnScene,
            UnitStep::Resolved => AlertStatus::Resolved,
        }
    }
}

/// Assignments waiting for this unit at one moment, and the stream position
/// they were read at.
pub struct Snapshot {
    pub assignments: Vec<Assignment>,
    pub last_event_id: i64,
}

#[derive(Clone)]
struct Session {
    token: String,
    account: UnitAccount,
}

pub struct UnitSession {
    server: url::Url,
    http: reqwest::Client,
    /// For the live stream: no overall timeout (the caller bounds each read).
    stream_http: reqwest::Client,
    /// `unit-session.json` in the app data directory.
    session_file: PathBuf,
    session: Mutex<Option<Session>>,
    duty: Mutex<Option<JoinHandle<()>>>,
    /// The duty task's live stream is open.
    stream_live: AtomicBool,
    notified: Mutex<HashSet<AlertId>>,
    /// Wakes the stream follower from its backoff (connectivity is back).
    pub(crate) wake: tokio::sync::Notify,
    /// Whether a session is held; the duty task ends when it turns false.
    logged_in: tokio::sync::watch::Sender<bool>,
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

/// A unit account with a unit: the only kind the app accepts.
fn is_unit(account: &UnitAccount) -> bool {
    account.role == Role::Unit && account.unit_id.is_some()
}

impl UnitSession {
    /// A client of `server`; a login saved in `session_file` for that server
    /// is picked up.
    pub fn new(server: url::Url, session_file: PathBuf) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|_| Error::internal("cannot start the HTTP client"))?;
        let stream_http = reqwest::Client::builder()
            .connect_timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|_| Error::internal("cannot start the HTTP client"))?;
        let session = stored::load(&session_file, &server)
            .filter(|s| is_unit(&s.account))
            .map(|s| Session {
                token: s.token,
                account: s.account,
            });
        let (logged_in, _) = tokio::sync::watch::channel(session.is_some());
        Ok(UnitSession {
            logged_in,
            server,
            http,
            stream_http,
            session_file,
            session: Mutex::new(session),
            duty: Mutex::new(None),
            stream_live: AtomicBool::new(false),
            notified: Mutex::new(HashSet::new()),
            wake: tokio::sync::Notify::new(),
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

    /// This unit's id, when logged in.
    pub fn unit_id(&self) -> Option<i64> {
        self.account().and_then(|a| a.unit_id)
    }

    /// Forgets the session here (memory and file): after logout, or when the
    /// server answered 401 to it.
    pub fn forget(&self) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.logged_in.send_replace(false);
        if let Err(e) = stored::remove(&self.session_file) {
            tracing::warn!(error = %e, "unit session file not removed");
        }
    }

    /// Resolves once no session is held (now, or when it is forgotten).
    pub async fn logged_out(&self) {
        let mut rx = self.logged_in.subscribe();
        // The sender lives as long as `self`: an error cannot happen here.
        let _ = rx.wait_for(|held| !*held).await;
    }

    /// Checks an answer to an authenticated request: a 401 ends the session.
    fn check(&self, reply: reqwest::Response) -> Result<reqwest::Response> {
        let status = reply.status();
        if status.is_success() {
            return Ok(reply);
        }
        if status == StatusCode::UNAUTHORIZED {
            tracing::info!("the server ended the unit session");
            self.forget();
        }
        Err(status_error(status))
    }

    /// Sends `request` with the session's token and reads its JSON answer
    /// (`what` names it in the error); a 401 ends the session.
    async fn call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        session: &Session,
        what: &str,
    ) -> Result<T> {
        let reply = request
            .bearer_auth(&session.token)
            .send()
            .await
            .map_err(network)?;
        self.check(reply)?
            .json()
            .await
            .map_err(|_| Error::Server(format!("unreadable {what}")))
    }

    /// Logs in; only accounts with the `unit` role and a unit are accepted.
    /// The session is saved so it survives a restart.
    pub async fn login(&self, username: &str, password: &str) -> Result<UnitAccount> {
        let reply = self
            .http
            .post(self.url(wire::PATH_LOGIN)?)
            .json(&LoginRequest {
                username: username.into(),
                password: password.into(),
            })
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
        if !is_unit(&login.account) {
            return Err(Error::Unauthorized(
                "this account is not a patrol unit".into(),
            ));
        }
        let saved = StoredSession {
            server: self.server.to_string(),
            token: login.token.clone(),
            account: login.account.clone(),
        };
        if let Err(e) = stored::save(&self.session_file, &saved) {
            // Logged in for this run all the same; the next start asks again.
            tracing::warn!(error = %e, "unit session not saved");
        }
        let account = login.account.clone();
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = Some(Session {
            token: login.token,
            account: login.account,
        });
        self.logged_in.send_replace(true);
        Ok(account)
    }

    /// Ends the session (server and local), stopping duty first.
    pub async fn logout(&self) -> Result<()> {
        self.stop_duty_task();
        let Ok(session) = self.session() else {
            return Ok(());
        };
        self.forget();
        // Best effort: the token expires anyway.
        let _ = self
            .http
            .post(self.url(wire::PATH_LOGOUT)?)
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
        let body = UnitReport {
            lat: position.map(|p| p.0),
            lon: position.map(|p| p.1),
            available,
        };
        let request = self.http.post(self.url(wire::PATH_UNITS_ME)?).json(&body);
        self.call(request, &session, "unit answer").await
    }

    /// Open alerts assigned to this unit that still need it, and the stream
    /// position they were read at.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        let session = self.session()?;
        let mut url = self.url(wire::PATH_ALERTS)?;
        url.query_pairs_mut().append_pair("open", "true");
        let list: AlertList = self
            .call(self.http.get(url), &session, "alert list")
            .await?;
        let mine = session.account.unit_id;
        Ok(Snapshot {
            assignments: list
                .alerts
                .into_iter()
                .filter(|a| a.unit_id.is_some() && a.unit_id == mine)
                .filter(|a| {
                    matches!(
                        a.status,
                        AlertStatus::Dispatched | AlertStatus::EnRoute | AlertStatus::OnScene
                    )
                })
                .collect(),
            last_event_id: list.last_event_id,
        })
    }

    /// One alert as it is now (`GET /api/v1/alerts/{id}`).
    pub async fn alert(&self, alert_id: AlertId) -> Result<Assignment> {
        let session = self.session()?;
        let request = self
            .http
            .get(self.url(&wire::alert_path(wire::PATH_ALERT, &alert_id))?);
        let detail: AlertDetail = self.call(request, &session, "alert answer").await?;
        Ok(detail.alert)
    }

    /// `GET /api/v1/stream` from after `last_event_id`: the open response,
    /// whose body is read chunk by chunk. No overall timeout (it is meant to
    /// stay open); the caller bounds the wait for each chunk.
    pub(crate) async fn open_stream(&self, last_event_id: i64) -> Result<reqwest::Response> {
        let session = self.session()?;
        let reply = self
            .stream_http
            .get(self.url(wire::PATH_STREAM)?)
            .bearer_auth(&session.token)
            .header("Last-Event-ID", last_event_id.to_string())
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .send()
            .await
            .map_err(network)?;
        self.check(reply)
    }

    /// The unit accepts its assignment: the alert goes `en_route`, and the
    /// person who asked for help sees a unit on its way.
    pub async fn acknowledge(&self, alert_id: AlertId) -> Result<AlertView> {
        self.transition(alert_id, UnitStep::EnRoute, None).await
    }

    /// The unit reports a step of its assignment. Resolving needs an
    /// outcome, and only resolving takes one (checked here before asking).
    pub async fn transition(
        &self,
        alert_id: AlertId,
        step: UnitStep,
        outcome: Option<Outcome>,
    ) -> Result<AlertView> {
        match (step, outcome.is_some()) {
            (UnitStep::Resolved, false) => {
                return Err(Error::invalid("an outcome is required to resolve"))
            }
            (UnitStep::EnRoute | UnitStep::OnScene, true) => {
                return Err(Error::invalid("an outcome is only given when resolving"))
            }
            _ => {}
        }
        let session = self.session()?;
        let body = TransitionBody {
            to: step.status(),
            unit_id: None,
            outcome,
            note: None,
        };
        let request = self
            .http
            .post(self.url(&wire::alert_path(wire::PATH_ALERT_TRANSITION, &alert_id))?)
            .json(&body);
        self.call(request, &session, "alert answer").await
    }

    /// Whether this alert was announced already.
    pub fn announced(&self, alert_id: AlertId) -> bool {
        self.notified
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&alert_id)
    }

    /// Whether `a` is waiting for this unit and was not announced before
    /// (each alert is announced once per app run).
    pub fn take_new(&self, a: &Assignment) -> bool {
        a.status == AlertStatus::Dispatched
            && a.unit_id.is_some()
            && a.unit_id == self.unit_id()
            && self
                .notified
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(a.id)
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
        let task = self.duty.lock().unwrap_or_else(|p| p.into_inner()).take();
        self.stream_live.store(false, Ordering::SeqCst);
        match task {
            Some(t) => {
                t.abort();
                true
            }
            None => false,
        }
    }

    /// Forgets the duty task once it ended by itself (the session ended).
    pub(crate) fn duty_ended(&self) {
        self.stream_live.store(false, Ordering::SeqCst);
        self.duty.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    pub fn on_duty(&self) -> bool {
        self.duty
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Records whether the duty task's stream is open; returns whether that
    /// changed.
    pub(crate) fn set_stream_live(&self, live: bool) -> bool {
        self.stream_live.swap(live, Ordering::SeqCst) != live
    }

    /// The duty task's live stream is open now.
    pub fn stream_live(&self) -> bool {
        self.stream_live.load(Ordering::SeqCst)
    }
}
