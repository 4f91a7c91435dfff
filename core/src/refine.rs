//! The refinement window after the tap. The SOS left at once with the best
//! position known then (or none); for `fix_deadline` after the tap, the first
//! good fresh fix, or at the end the best fresh one that improves on what
//! the alert carries, is queued at once as the alert's refined position (a
//! position update with `refines`). The decision is [`crate::fix::refinement`].

use std::sync::Arc;

use auxilio_protocol::{AlertId, Fix};
use tokio::time::Instant;

use crate::fix::{refinement, Choice};
use crate::state::{stopped, Shared};
use crate::tracking;

pub(crate) async fn run(shared: Arc<Shared>, alert_id: AlertId, raised: Option<Fix>) {
    let Some(fix) = wait(&shared, raised.as_ref()).await else {
        return;
    };
    match tracking::queue_update(&shared, alert_id, fix, true).await {
        Ok(Some(_)) => shared.emit(crate::CoreEvent::PositionRefined { alert_id }),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "could not queue the refined position"),
    }
}

/// The (fresh) fix to send as the refined position, if the window gives one.
async fn wait(shared: &Shared, raised: Option<&Fix>) -> Option<Fix> {
    let deadline = Instant::now() + shared.config.fix_deadline;
    let mut changes = shared.fixes.subscribe();
    let mut shutdown = shared.shutdown.subscribe();
    let policy = tracking::policy(shared);
    loop {
        changes.borrow_and_update();
        let (recent, last_known) = shared.fixes.snapshot();
        let passed = Instant::now() >= deadline;
        let now = shared.fixes.mono_ms();
        match refinement(&recent, last_known.as_ref(), raised, now, passed, &policy) {
            Choice::Use(fix) => return Some(fix),
            Choice::Nothing => return None,
            Choice::Wait => {}
        }
        tokio::select! {
            r = changes.changed() => if r.is_err() { tokio::time::sleep_until(deadline).await },
            _ = tokio::time::sleep_until(deadline) => {}
            _ = stopped(&mut shutdown) => return None,
        }
    }
}
