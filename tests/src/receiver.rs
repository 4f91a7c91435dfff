//! The loopback receiver: a real HTTP server on 127.0.0.1 that stores what
//! phones send, injects scripted faults, and can go down and come back on the
//! same port with its state kept.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auxilio_protocol::{
    Alert, AlertId, AlertView, DeviceId, Place, PositionUpdate, Profile, PublicKey,
};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tower::Service;

use crate::fault::{Fault, FaultRule, Route};
use crate::shared::{ConnHandle, Shared};
use crate::state::{OperatorUpdate, State, Stored};
use crate::E2eError;

/// How long the `wait_*` helpers wait before they give up.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// How the receiver is set up.
#[derive(Clone, Debug)]
pub struct ReceiverOptions {
    /// The enrollment code it accepts; any other gets 403.
    pub enroll_code: String,
    /// Given to phones at enrollment.
    pub sms_number: Option<String>,
    pub organization: Option<String>,
    pub place: Option<Place>,
    /// 0: any free port.
    pub port: u16,
}

impl Default for ReceiverOptions {
    fn default() -> Self {
        ReceiverOptions {
            enroll_code: "PORVENIR-PRUEBA".to_owned(),
            sms_number: None,
            organization: Some("Serenazgo El Porvenir (prueba)".to_owned()),
            place: None,
            port: 0,
        }
    }
}

/// A running (or stopped) test receiver. Dropping it stops it.
pub struct Receiver {
    shared: Arc<Shared>,
    addr: SocketAddr,
    url: url::Url,
    task: Mutex<Option<JoinHandle<()>>>,
}

fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

impl Receiver {
    fn new(opts: ReceiverOptions, addr: SocketAddr) -> Result<Self, E2eError> {
        let url = url::Url::parse(&format!("http://{addr}/"))?;
        let state = State {
            enroll_code: opts.enroll_code,
            sms_number: opts.sms_number,
            organization: opts.organization,
            place: opts.place,
            ..State::default()
        };
        Ok(Receiver {
            shared: Arc::new(Shared::new(state)),
            addr,
            url,
            task: Mutex::new(None),
        })
    }

    /// Starts listening on 127.0.0.1 (`opts.port`, 0 for any).
    pub async fn start(opts: ReceiverOptions) -> Result<Receiver, E2eError> {
        let listener =
            bind(SocketAddr::from(([127, 0, 0, 1], opts.port))).map_err(E2eError::Bind)?;
        let addr = listener.local_addr().map_err(E2eError::Bind)?;
        let receiver = Receiver::new(opts, addr)?;
        receiver.spawn(listener);
        Ok(receiver)
    }

    /// Picks a port but does not listen yet: the server is down until
    /// [`Receiver::restart`]. Phones pointed at [`Receiver::url`] get
    /// "connection refused".
    pub async fn start_down(opts: ReceiverOptions) -> Result<Receiver, E2eError> {
        let listener =
            bind(SocketAddr::from(([127, 0, 0, 1], opts.port))).map_err(E2eError::Bind)?;
        let addr = listener.local_addr().map_err(E2eError::Bind)?;
        drop(listener);
        Receiver::new(opts, addr)
    }

    fn spawn(&self, listener: TcpListener) {
        let router = crate::handlers::router(self.shared.clone());
        let handle = tokio::spawn(accept_loop(listener, router));
        let previous = self
            .task
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .replace(handle);
        if let Some(previous) = previous {
            previous.abort();
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:41234/`.
    pub fn url(&self) -> url::Url {
        self.url.clone()
    }

    /// The enrollment code this receiver accepts.
    pub fn enroll_code(&self) -> String {
        self.shared.lock().enroll_code.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn is_running(&self) -> bool {
        self.task
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|h| !h.is_finished())
    }

    /// The server goes down: the port is closed and every open connection
    /// (held requests included) is dropped. What was stored is kept.
    pub async fn stop(&self) {
        let handle = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(handle) = handle {
            handle.abort();
            let _ = handle.await;
        }
    }

    /// The server comes back on the same port with its state.
    pub async fn restart(&self) -> Result<(), E2eError> {
        self.stop().await;
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
        self.shared.lock().faults.push(rule);
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
        self.shared.lock().faults.clear();
    }

    /// Fault rules not yet used up.
    pub fn pending_faults(&self) -> usize {
        self.shared.lock().faults.pending()
    }

    /// Lets every held request go on.
    pub fn release_held(&self) {
        self.shared.release_held();
    }

    /// Requests being held right now.
    pub fn held(&self) -> usize {
        self.shared.held()
    }

    // ---- what arrived -------------------------------------------------

    /// How many times this alert was stored as new: 1 once it arrived, 0
    /// before. Anything else is a duplicate.
    pub fn committed_count(&self, id: AlertId) -> u32 {
        self.shared.lock().alerts.get(&id).map_or(0, |a| a.commits)
    }

    /// How many `POST /alerts` carried this alert (retries included).
    pub fn alert_posts(&self, id: AlertId) -> u32 {
        self.shared.lock().alerts.get(&id).map_or(0, |a| a.posts)
    }

    /// Alerts in the order they were stored.
    pub fn committed_alerts(&self) -> Vec<AlertId> {
        let state = self.shared.lock();
        state
            .stored
            .iter()
            .filter_map(|s| match s {
                Stored::Alert(id) => Some(*id),
                _ => None,
            })
            .collect()
    }

    pub fn alert(&self, id: AlertId) -> Option<Alert> {
        self.shared.lock().alerts.get(&id).map(|a| a.alert.clone())
    }

    pub fn view(&self, id: AlertId) -> Option<AlertView> {
        self.shared.lock().alerts.get(&id).map(|a| a.view.clone())
    }

    /// The positions of one alert, by sequence number.
    pub fn positions(&self, id: AlertId) -> Vec<PositionUpdate> {
        self.shared
            .lock()
            .positions
            .get(&id)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Positions stored, all alerts together.
    pub fn position_count(&self) -> usize {
        self.shared.lock().positions.values().map(|m| m.len()).sum()
    }

    /// Position updates that arrived again after being stored.
    pub fn duplicate_positions(&self) -> usize {
        self.shared.lock().duplicate_positions
    }

    pub fn is_cancelled(&self, id: AlertId) -> bool {
        self.shared.lock().cancels.contains_key(&id)
    }

    /// Everything stored, in arrival order.
    pub fn stored(&self) -> Vec<Stored> {
        self.shared.lock().stored.clone()
    }

    /// Requests that reached this route (refused and faulted ones included).
    pub fn requests(&self, route: Route) -> usize {
        self.shared
            .lock()
            .requests
            .get(&route)
            .copied()
            .unwrap_or(0)
    }

    /// When each request to this route arrived, in order.
    pub fn arrival_times(&self, route: Route) -> Vec<std::time::Instant> {
        self.shared
            .lock()
            .arrivals
            .get(&route)
            .cloned()
            .unwrap_or_default()
    }

    pub fn total_requests(&self) -> usize {
        self.shared.lock().requests.values().sum()
    }

    /// Positions or cancels that came before their alert.
    pub fn order_violations(&self) -> Vec<String> {
        self.shared.lock().order_violations.clone()
    }

    /// Alerts re-sent with the same id but different content.
    pub fn conflicts(&self) -> usize {
        self.shared.lock().conflicts
    }

    pub fn enrolled_devices(&self) -> usize {
        self.shared.lock().devices.len()
    }

    /// Registers a device as if it had enrolled here (a registry shared by
    /// several endpoints).
    pub fn enroll_device(&self, device: DeviceId, key: PublicKey, profile: Profile) {
        self.shared
            .lock()
            .devices
            .insert(device, crate::state::Device { key, profile });
    }

    /// The profile a device enrolled with.
    pub fn enrolled_profile(&self, device: DeviceId) -> Option<Profile> {
        self.shared
            .lock()
            .devices
            .get(&device)
            .map(|d| d.profile.clone())
    }

    // ---- the operator's side -----------------------------------------

    /// What the serenazgo console does: acknowledge, dispatch, en route, on
    /// scene, resolve. The phone sees it on its next status poll.
    pub fn operator_update(
        &self,
        id: AlertId,
        update: OperatorUpdate,
    ) -> Result<AlertView, E2eError> {
        let view = self.shared.lock().operator_update(id, update);
        self.shared.touch();
        view.ok_or(E2eError::UnknownAlert)
    }

    // ---- waiting ------------------------------------------------------

    /// Waits until `done(self)` holds, re-checking after every change, for
    /// at most `timeout`.
    pub async fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&Receiver) -> bool,
    ) -> Result<(), E2eError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if done(self) {
                return Ok(());
            }
            // Wake at least every 50 ms in case a change raced the check.
            let wake = deadline.min(tokio::time::Instant::now() + Duration::from_millis(50));
            let _ = tokio::time::timeout_at(wake, changed).await;
            if tokio::time::Instant::now() >= deadline && !done(self) {
                return Err(E2eError::Timeout(what.to_owned()));
            }
        }
    }

    /// Waits until this alert is stored.
    pub async fn wait_for_commit(&self, id: AlertId) -> Result<(), E2eError> {
        self.wait_until("the alert to be committed", DEFAULT_WAIT, |r| {
            r.committed_count(id) > 0
        })
        .await
    }

    /// Waits until `n` requests have reached `route`.
    pub async fn wait_for_requests(&self, route: Route, n: usize) -> Result<(), E2eError> {
        self.wait_until("requests to arrive", DEFAULT_WAIT, |r| {
            r.requests(route) >= n
        })
        .await
    }

    /// Waits until `n` requests are being held.
    pub async fn wait_for_held(&self, n: usize) -> Result<(), E2eError> {
        self.wait_until("requests to be held", DEFAULT_WAIT, |r| r.held() >= n)
            .await
    }

    /// Waits until this alert has at least `n` positions.
    pub async fn wait_for_positions(&self, id: AlertId, n: usize) -> Result<(), E2eError> {
        self.wait_until("positions to arrive", DEFAULT_WAIT, |r| {
            r.positions(id).len() >= n
        })
        .await
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(handle) = self
            .task
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            handle.abort();
        }
        // Wake anything held so no handler outlives the receiver's port.
        self.shared.release_held();
    }
}

/// Accepts connections until aborted; aborting drops every connection.
async fn accept_loop(listener: TcpListener, router: Router) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Serves one HTTP/1.1 connection. A handler that asks for it makes this
/// task drop the socket without writing any response.
async fn serve_connection(stream: TcpStream, router: Router) {
    let _ = stream.set_nodelay(true);
    let (handle, kill) = ConnHandle::new();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(handle.clone());
        router.clone().call(req)
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
