//! Following what the serenazgo does with a delivered alert: poll the signed
//! status endpoint, store the view, announce each status once.

use std::sync::Arc;
use std::time::Duration;

use auxilio_protocol::wire::status_path;
use auxilio_protocol::{AlertId, AlertStatus, AlertView};

use crate::delivery::http::Request;
use crate::outbox::alerts;
use crate::state::{stopped, Shared};
use crate::CoreEvent;

/// Alerts older than this are no longer followed.
const FOLLOW_FOR_MS: i64 = 24 * 60 * 60 * 1000;

/// The event for a server status, if it is one the person is told about.
pub(crate) fn event_for(alert_id: AlertId, view: AlertView) -> Option<CoreEvent> {
    Some(match view.status {
        AlertStatus::New => return None,
        AlertStatus::Acknowledged => CoreEvent::Acknowledged { alert_id, view },
        AlertStatus::Dispatched => CoreEvent::Dispatched { alert_id, view },
        AlertStatus::EnRoute => CoreEvent::EnRoute { alert_id, view },
        AlertStatus::OnScene => CoreEvent::OnScene { alert_id, view },
        AlertStatus::Resolved => CoreEvent::Resolved { alert_id, view },
        AlertStatus::Cancelled => CoreEvent::Cancelled { alert_id },
    })
}

/// Stores a view from the server and announces its status the first time.
pub(crate) async fn apply_view(shared: &Shared, alert_id: AlertId, view: AlertView) {
    if view.id != alert_id {
        tracing::warn!("the server answered with another alert's view; ignored");
        return;
    }
    let v = view.clone();
    match shared
        .write(move |tx| alerts::record_view(tx, alert_id, &v))
        .await
    {
        Ok(true) => {
            if let Some(event) = event_for(alert_id, view) {
                shared.emit(event);
            }
        }
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "could not store an alert status"),
    }
}

/// Asks the server for one alert's status (signed GET).
pub(crate) async fn poll_once(shared: &Shared, alert_id: AlertId) {
    let path = status_path(&alert_id);
    let signature = shared.key.sign_request("GET", &path, b"");
    let req = Request {
        method: "GET",
        path: &path,
        body: Vec::new(),
        signed_by: Some((shared.device_id, signature)),
    };
    match shared.http.send(&shared.config.server, req).await {
        Ok(reply) => match serde_json::from_slice::<AlertView>(&reply.body) {
            Ok(view) => apply_view(shared, alert_id, view).await,
            Err(_) => tracing::warn!("unreadable status answer"),
        },
        Err(failure) => tracing::debug!(?failure, "status poll failed"),
    }
}

/// Polls every `status_poll_interval` while there are open, received alerts.
pub(crate) async fn run(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    let every = shared
        .config
        .status_poll_interval
        .max(Duration::from_millis(100));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shared.kick.notified() => {}
            _ = stopped(&mut shutdown) => return,
        }
        if !*shared.enrolled.borrow() {
            continue;
        }
        let since = shared.now_ms().saturating_sub(FOLLOW_FOR_MS);
        let ids = match shared.read(move |c| alerts::followed_since(c, since)).await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "could not list followed alerts");
                continue;
            }
        };
        for id in ids {
            tokio::select! {
                _ = poll_once(&shared, id) => {}
                _ = stopped(&mut shutdown) => return,
            }
        }
    }
}
