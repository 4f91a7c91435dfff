//! The single writer: takes pending commands from a channel, commits as many
//! as are waiting in ONE transaction (group commit), publishes the committed
//! events, and only then answers each caller. Nothing is acknowledged before
//! it is on disk.

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};

use crate::committed::Committed;
use crate::domain::DomainError;
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::store::{Applied, Command, Store};

/// Commands committed together at most.
pub const MAX_BATCH: usize = 1024;
/// Commands waiting for the writer at most; callers wait beyond that.
const QUEUE: usize = 16 * 1024;

type Reply = oneshot::Sender<Result<Applied, AppError>>;

/// A handle to the writer thread; cheap to clone. The thread stops when the
/// last handle is dropped, after finishing what was queued.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<(Command, Reply)>,
}

impl Writer {
    pub fn spawn(
        store: Arc<dyn Store>,
        events: broadcast::Sender<Arc<Committed>>,
        metrics: Arc<Metrics>,
    ) -> std::io::Result<Writer> {
        let (tx, rx) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("auxilio-writer".to_string())
            .spawn(move || run(store, rx, events, metrics))?;
        Ok(Writer { tx })
    }

    /// Commits one command (with whatever else is waiting) and returns its result.
    pub async fn submit(&self, cmd: Command) -> Result<Applied, AppError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((cmd, reply))
            .await
            .map_err(|_| AppError::unavailable())?;
        answer.await.map_err(|_| AppError::unavailable())?
    }
}

fn run(
    store: Arc<dyn Store>,
    mut rx: mpsc::Receiver<(Command, Reply)>,
    events: broadcast::Sender<Arc<Committed>>,
    metrics: Arc<Metrics>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (cmds, replies): (Vec<Command>, Vec<Reply>) = batch.drain(..).unzip();
        let size = cmds.len();
        let started = std::time::Instant::now();
        // A bug must not kill the only writer: a panicking batch is answered
        // 503 (its transaction rolled back while unwinding) and the loop goes on.
        let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            store.apply(cmds, auxilio_protocol::now_ms())
        }));
        let applied = applied.unwrap_or_else(|_| {
            tracing::error!("the store panicked during a group commit");
            Err(crate::store::StoreError::Unavailable)
        });
        metrics.observe_batch(size, started.elapsed());
        match applied {
            Ok(outcome) => {
                for event in &outcome.events {
                    metrics.observe_event(event);
                }
                // One message per commit, however many events it holds. No
                // subscriber is fine: the events table keeps them for replay.
                if !outcome.events.is_empty() {
                    let _ = events.send(Arc::new(Committed::new(outcome.events)));
                }
                for (reply, result) in replies.into_iter().zip(outcome.results) {
                    let _ = reply.send(result.map_err(AppError::from));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "group commit failed; every request in it is answered 503");
                for reply in replies {
                    let _ = reply.send(Err(AppError::from(DomainError::Internal)));
                }
            }
        }
    }
    tracing::debug!("writer stopped");
}
