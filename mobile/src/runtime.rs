//! The one tokio runtime of the library. Core's tasks (delivery, status
//! follower, tracking, SMS timers) are spawned on it by `open_core`, and every
//! async export runs its work on it, whatever executor the foreign side uses
//! (Kotlin coroutines, Swift concurrency).

use std::future::Future;
use std::sync::{Mutex, OnceLock};

use tokio::runtime::{Builder, Runtime};

use crate::error::AuxilioError;

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// Worker threads: a panic button needs few, and phones have little battery.
const WORKER_THREADS: usize = 2;

/// Held while the runtime is built, so only one is ever built: a second one
/// dropped from inside an async context would panic.
static INIT: Mutex<()> = Mutex::new(());

/// The runtime, started on first use.
pub(crate) fn runtime() -> Result<&'static Runtime, AuxilioError> {
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let _building = INIT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let rt = Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .thread_name("auxilio-core")
        .enable_all()
        .build()
        .map_err(|e| AuxilioError::Internal {
            reason: format!("cannot start the runtime ({})", e.kind()),
        })?;
    Ok(RUNTIME.get_or_init(|| rt))
}

/// Runs `work` as a task on the runtime and waits for it. If the foreign
/// caller stops waiting (a cancelled coroutine or Swift task), the work still
/// runs to its end: an SOS whose caller went away is still committed.
pub(crate) async fn on_runtime<F, T>(work: F) -> Result<T, AuxilioError>
where
    F: Future<Output = Result<T, AuxilioError>> + Send + 'static,
    T: Send + 'static,
{
    runtime()?
        .spawn(work)
        .await
        .map_err(|_| AuxilioError::Internal {
            reason: "a core task stopped unexpectedly".into(),
        })?
}

/// Runs blocking `work` (SQLite reads and writes) on the runtime's blocking
/// pool and waits for it, so that no caller thread (e.g. Android's main
/// thread) touches the disk.
pub(crate) async fn blocking<F, T>(work: F) -> Result<T, AuxilioError>
where
    F: FnOnce() -> Result<T, AuxilioError> + Send + 'static,
    T: Send + 'static,
{
    runtime()?
        .spawn_blocking(work)
        .await
        .map_err(|_| AuxilioError::Internal {
            reason: "a storage task stopped unexpectedly".into(),
        })?
}
