//! The real `auxilio-server` on loopback, behind the fault layer: its own
//! SQLite file in a temporary folder, seeded with an organization, its
//! enrollment code, a patrol unit and an operator session. It can go down
//! (the port closes, every connection drops) and come back as a new server
//! process on the same database and port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use auxilio_protocol::AlertId;
use auxilio_server::model::{AlertDetail, AlertSummary, OrgPlace, PositionEvent};
use auxilio_server::{AppState, Settings};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::fault::{Fault, FaultRule, Route};
use crate::journal::Answer;
use crate::ledger::{Ledger, Stored};
use crate::operator::Operator;
use crate::seed::{seed_store, settings};
use crate::wire::{ConnHandle, Wire};
use crate::E2eError;

/// How long the `wait_*` helpers wait before they give up.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// Where the seeded patrol unit stands: about 650 m east of the phones'
/// default fix (-8.07, -79.0).
pub const UNIT_POSITION: (f64, f64) = (-8.07, -78.994_1);
pub const UNIT_CALL_SIGN: &str = "Serenazgo 07";

/// How the server is set up.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// The enrollment code it accepts; any other gets 403.
    pub enroll_code: String,
    /// Given to phones at enrollment.
    pub sms_number: Option<String>,
    /// The organization the code enrolls into.
    pub organization: String,
    pub place: Option<OrgPlace>,
    /// 0: any free port.
    pub port: u16,
    /// The SMS gateway's bearer secret (`/api/v1/sms/inbound` is 404 without).
    pub sms_gateway_secret: Option<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            enroll_code: "PORVENIR-PRUEBA".to_owned(),
            sms_number: None,
            organization: "Mototaxis El Cortijo".to_owned(),
            place: None,
            port: 0,
            sms_gateway_secret: None,
        }
    }
}

/// A running (or stopped) real server. Dropping it stops it.
pub struct TestServer {
    wire: Arc<Wire>,
    addr: SocketAddr,
    url: url::Url,
    db: PathBuf,
    settings: Settings,
    code: String,
    unit_id: i64,
    operator_token: String,
    state: Mutex<AppState>,
    task: Mutex<Option<JoinHandle<()>>>,
    ledger: Mutex<Ledger>,
    _dir: tempfile::TempDir,
}

fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl TestServer {
    async fn new(opts: ServerOptions, addr: SocketAddr) -> Result<Self, E2eError> {
        let dir = tempfile::tempdir().map_err(E2eError::Io)?;
        let db = dir.path().join("server.db");
        let settings = settings(&opts);
        let state = open(&db, &settings).await?;
        let store = state.store.clone();
        let seed = opts.clone();
        let (unit_id, operator_token) =
            tokio::task::spawn_blocking(move || seed_store(store.as_ref(), &seed))
                .await
                .map_err(|_| E2eError::Seed("the seeding task failed".to_owned()))??;
        Ok(TestServer {
            wire: Arc::new(Wire::new()),
            url: url::Url::parse(&format!("http://{addr}/"))?,
            addr,
            db,
            settings,
            code: opts.enroll_code,
            unit_id,
            operator_token,
            state: Mutex::new(state),
            task: Mutex::new(None),
            ledger: Mutex::default(),
            _dir: dir,
        })
    }

    /// Starts listening on 127.0.0.1 (`opts.port`, 0 for any).
    pub async fn start(opts: ServerOptions) -> Result<TestServer, E2eError> {
        let listener =
            bind(SocketAddr::from(([127, 0, 0, 1], opts.port))).map_err(E2eError::Bind)?;
        let addr = listener.local_addr().map_err(E2eError::Bind)?;
        let server = TestServer::new(opts, addr).await?;
        server.spawn(listener);
        Ok(server)
    }

    /// The default server, started.
    pub async fn up() -> Result<TestServer, E2eError> {
        TestServer::start(ServerOptions::default()).await
    }

    /// Picks a port but does not listen yet: the server is down until
    /// [`TestServer::restart`]. Phones pointed at [`TestServer::url`] get
    /// "connection refused".
    pub async fn start_down(opts: ServerOptions) -> Result<TestServer, E2eError> {
        let listener =
            bind(SocketAddr::from(([127, 0, 0, 1], opts.port))).map_err(E2eError::Bind)?;
        let addr = listener.local_addr().map_err(E2eError::Bind)?;
        drop(listener);
        TestServer::new(opts, addr).await
    }

    fn spawn(&self, listener: TcpListener) {
        let app = auxilio_server::app(lock(&self.state).clone());
        let handle = tokio::spawn(accept_loop(listener, app, self.wire.clone()));
        if let Some(previous) = lock(&self.task).replace(handle) {
            previous.abort();
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:41234/`.
    pub fn url(&self) -> url::Url {
        self.url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The enrollment code this server accepts.
    pub fn enroll_code(&self) -> String {
        self.code.clone()
    }

    /// The server's state (store, writer, live events) as it runs now.
    pub fn state(&self) -> AppState {
        lock(&self.state).clone()
    }

    pub fn is_running(&self) -> bool {
        lock(&self.task).as_ref().is_some_and(|h| !h.is_finished())
    }

    /// The server goes down: the port is closed and every open connection
    /// (held requests included) is dropped. The database is kept.
    pub async fn stop(&self) {
        let handle = lock(&self.task).take();
        if let Some(handle) = handle {
            handle.abort();
            let _ = handle.await;
        }
    }

    /// The server comes back on the same port as a new process would: a new
    /// writer, device cache and limiters over the same database file.
    pub async fn restart(&self) -> Result<(), E2eError> {
        self.stop().await;
        let state = open(&self.db, &self.settings).await?;
        *lock(&self.state) = state;
        let mut tries = 0;
        let listener = loop {
            match bind(self.addr) {
                Ok(l) => break l,
                Err(e) if tries < 50 && e.kind() == std::io::ErrorKind::AddrInUse => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(40)).await;
                }
                Err(e) => return Err(E2eError::Bind(e)),
            }
        };
        self.spawn(listener);
        Ok(())
    }

    // ---- faults -------------------------------------------------------

    pub fn push_fault(&self, rule: FaultRule) {
        self.wire.faults().push(rule);
    }

    /// Every `POST /alerts` of this alert is refused with 400 (permanent).
    pub fn reject_alert(&self, id: AlertId) {
        self.push_fault(
            FaultRule::on(Route::Alert, Fault::Reject(400))
                .for_alert(id)
                .forever(),
        );
    }

    pub fn clear_faults(&self) {
        self.wire.faults().clear();
    }

    /// Fault rules not yet used up.
    pub fn pending_faults(&self) -> usize {
        self.wire.faults().pending()
    }

    /// Lets every held request go on.
    pub fn release_held(&self) {
        self.wire.release_held();
    }

    /// Requests being held right now.
    pub fn held(&self) -> usize {
        self.wire.held()
    }

    // ---- what the server stored ---------------------------------------

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        let mut ledger = lock(&self.ledger);
        let store = lock(&self.state).store.clone();
        if let Err(e) = ledger.refresh(store.as_ref()) {
            tracing::warn!(error = %e, "could not read the server's events");
        }
        ledger
    }

    /// How many times the server committed this alert as new (its `alert`
    /// events, each a pin on every console): 1 once stored, 0 before.
    pub fn committed_count(&self, id: AlertId) -> u32 {
        self.ledger().alert_events.get(&id).copied().unwrap_or(0)
    }

    /// Alerts in commit order.
    pub fn committed_alerts(&self) -> Vec<AlertId> {
        self.ledger()
            .stored
            .iter()
            .filter_map(|s| match s {
                Stored::Alert(id) => Some(*id),
                _ => None,
            })
            .collect()
    }

    /// Everything committed, in commit order.
    pub fn stored(&self) -> Vec<Stored> {
        self.ledger().stored.clone()
    }

    /// The alert as the consoles see it.
    pub fn alert(&self, id: AlertId) -> Option<AlertSummary> {
        let store = lock(&self.state).store.clone();
        store.alert_summary(id).ok().flatten()
    }

    /// The alert with its track and audit history.
    pub fn detail(&self, id: AlertId) -> Option<AlertDetail> {
        let store = lock(&self.state).store.clone();
        store.alert_detail(id).ok().flatten()
    }

    /// The committed positions of one alert, by sequence number.
    pub fn positions(&self, id: AlertId) -> Vec<PositionEvent> {
        self.ledger()
            .positions
            .get(&id)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Positions committed, all alerts together.
    pub fn position_count(&self) -> usize {
        self.ledger().positions.values().map(|m| m.len()).sum()
    }

    /// `position` events that repeated a stored `(alert_id, seq)`: must be 0.
    pub fn repeated_positions(&self) -> usize {
        self.ledger().repeated_positions
    }

    pub fn is_cancelled(&self, id: AlertId) -> bool {
        self.ledger().cancelled.contains(&id)
    }

    // ---- what crossed the wire ----------------------------------------

    /// Phone requests that reached this route (faulted ones included).
    pub fn requests(&self, route: Route) -> usize {
        self.wire.journal().requests(route)
    }

    pub fn total_requests(&self) -> usize {
        Route::ALL.iter().map(|r| self.requests(*r)).sum()
    }

    /// When each request to this route arrived, in order.
    pub fn arrival_times(&self, route: Route) -> Vec<Instant> {
        self.wire
            .journal()
            .arrivals
            .get(&route)
            .cloned()
            .unwrap_or_default()
    }

    /// How many `POST /alerts` carried this alert (retries included).
    pub fn alert_posts(&self, id: AlertId) -> u32 {
        self.wire
            .journal()
            .posts
            .get(&(Route::Alert, id))
            .copied()
            .unwrap_or(0)
    }

    /// Every answer given, in order.
    pub fn answers(&self) -> Vec<Answer> {
        self.wire.journal().answers.clone()
    }

    /// The statuses the real server answered for this alert's `POST /alerts`.
    pub fn alert_answers(&self, id: AlertId) -> Vec<u16> {
        self.wire
            .journal()
            .answers
            .iter()
            .filter(|a| a.from_server && a.route == Route::Alert && a.alerts.contains(&id))
            .map(|a| a.status)
            .collect()
    }

    /// Position updates the server said it already had (batch receipts).
    pub fn duplicate_positions(&self) -> u64 {
        self.wire.journal().duplicate_positions
    }

    /// Updates in each position batch that reached the server.
    pub fn batch_sizes(&self) -> Vec<usize> {
        self.wire.journal().batch_sizes.clone()
    }

    /// Devices the server enrolled (its 201 answers to `POST /enroll`).
    pub fn enrollments(&self) -> usize {
        self.wire
            .journal()
            .answers
            .iter()
            .filter(|a| a.from_server && a.route == Route::Enroll && a.status == 201)
            .count()
    }

    /// Positions or cancels the server refused because their alert was not
    /// stored yet.
    pub fn order_violations(&self) -> Vec<String> {
        self.wire.journal().order_violations()
    }

    /// Alerts the server refused as a conflict (409).
    pub fn conflicts(&self) -> usize {
        self.wire
            .journal()
            .answers
            .iter()
            .filter(|a| a.from_server && a.route == Route::Alert && a.status == 409)
            .count()
    }

    // ---- the central's side -------------------------------------------

    /// The seeded operator, logged in (a bearer session), acting over HTTP.
    pub fn operator(&self) -> Operator {
        Operator::new(self.url.clone(), self.operator_token.clone())
    }

    /// The seeded patrol unit's id.
    pub fn unit_id(&self) -> i64 {
        self.unit_id
    }

    // ---- waiting ------------------------------------------------------

    /// Waits until `done(self)` holds, re-checking after every request and
    /// answer (and every 20 ms for commits), for at most `timeout`.
    pub async fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&TestServer) -> bool,
    ) -> Result<(), E2eError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.wire.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if done(self) {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(E2eError::Timeout(what.to_owned()));
            }
            let wake = deadline.min(tokio::time::Instant::now() + Duration::from_millis(20));
            let _ = tokio::time::timeout_at(wake, changed).await;
        }
    }

    /// Waits until this alert is stored.
    pub async fn wait_for_commit(&self, id: AlertId) -> Result<(), E2eError> {
        self.wait_until("the alert to be committed", DEFAULT_WAIT, |s| {
            s.committed_count(id) > 0
        })
        .await
    }

    /// Waits until `n` requests have reached `route`.
    pub async fn wait_for_requests(&self, route: Route, n: usize) -> Result<(), E2eError> {
        self.wait_until("requests to arrive", DEFAULT_WAIT, |s| {
            s.requests(route) >= n
        })
        .await
    }

    /// Waits until every request that reached `route` has been answered or
    /// dropped by a fault (nothing is still being handled).
    pub async fn wait_for_answers(&self, route: Route, n: usize) -> Result<(), E2eError> {
        self.wait_until("answers", DEFAULT_WAIT, |s| {
            s.answers().iter().filter(|a| a.route == route).count() >= n
        })
        .await
    }

    /// Waits until `n` requests are being held.
    pub async fn wait_for_held(&self, n: usize) -> Result<(), E2eError> {
        self.wait_until("requests to be held", DEFAULT_WAIT, |s| s.held() >= n)
            .await
    }

    /// Waits until this alert has at least `n` committed positions.
    pub async fn wait_for_positions(&self, id: AlertId, n: usize) -> Result<(), E2eError> {
        self.wait_until("positions to arrive", DEFAULT_WAIT, |s| {
            s.positions(id).len() >= n
        })
        .await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(handle) = self
            .task
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            handle.abort();
        }
        // Wake anything held so no handler outlives the server's port.
        self.wire.release_held();
    }
}

/// Opens the database and starts the writer, off the async threads.
async fn open(db: &std::path::Path, settings: &Settings) -> Result<AppState, E2eError> {
    let (db, settings) = (db.to_path_buf(), settings.clone());
    tokio::task::spawn_blocking(move || auxilio_server::server::open_state(&db, settings))
        .await
        .map_err(|_| E2eError::Seed("the open task failed".to_owned()))?
        .map_err(|e| E2eError::Server(e.to_string()))
}

/// Accepts connections until aborted; aborting drops every connection.
async fn accept_loop(listener: TcpListener, app: axum::Router, wire: Arc<Wire>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(serve_connection(stream, peer, app.clone(), wire.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(crate::layer::ACCEPT_RETRY).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Serves one HTTP/1.1 connection through the fault layer, which may drop
/// the socket without writing any response.
async fn serve_connection(stream: TcpStream, peer: SocketAddr, app: axum::Router, wire: Arc<Wire>) {
    let _ = stream.set_nodelay(true);
    let (handle, kill) = ConnHandle::new();
    let service = hyper::service::service_fn(move |req| {
        let (wire, app, handle) = (wire.clone(), app.clone(), handle.clone());
        async move {
            Ok::<_, std::convert::Infallible>(
                crate::layer::handle(&wire, &app, &handle, peer, req).await,
            )
        }
    });
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        result = connection => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        _ = kill.notified() => {
            tracing::debug!("dropping a connection on purpose");
        }
    }
}
