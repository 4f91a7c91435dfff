//! Wedged is never the end of an SOS: rows a server refused for good are
//! queued again on re-enrollment, when the server URL changes (at open, see
//! `open_db`), and slowly on their own (`CoreConfig::wedged_retry_every`).
//! Nothing is deleted; a row refused again is wedged again with its reason.

use std::sync::Arc;

use crate::config::SERVER_ENDPOINT;
use crate::outbox::queue;
use crate::state::{stopped, Shared};

/// Queues the wedged rows again (all, or `endpoint`'s) and wakes delivery.
pub(crate) async fn retry(shared: &Arc<Shared>, endpoint: Option<&'static str>) {
    let clock = shared.clock();
    match shared
        .write(move |tx| queue::unwedge(tx, endpoint, clock.now_ms()))
        .await
    {
        Ok(0) => {}
        Ok(again) => {
            tracing::info!(again, "refused rows are queued again");
            shared.wake_all();
            shared.queue_changed();
        }
        Err(e) => tracing::error!(error = %e, "could not queue refused rows again"),
    }
}

/// After a successful enrollment: what the server refused is tried again.
pub(crate) async fn retry_after_enrollment(shared: &Arc<Shared>) {
    retry(shared, Some(SERVER_ENDPOINT)).await;
}

/// Runs until shutdown: every `wedged_retry_every`, every wedged row again.
pub(crate) async fn retry_slowly(shared: Arc<Shared>) {
    let every = shared
        .config
        .wedged_retry_every
        .max(std::time::Duration::from_millis(10));
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped(&mut shutdown) => return,
        }
        retry(&shared, None).await;
    }
}
