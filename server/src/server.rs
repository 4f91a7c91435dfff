//! Running the app on a socket.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use thiserror::Error;
use tokio::net::TcpListener;

use crate::state::{AppState, Settings};
use crate::store::sqlite::SqliteStore;
use crate::store::StoreError;

#[derive(Debug, Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Admin(#[from] crate::admin::AdminError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("the demo needs a fresh database, and {} exists", .0.display())]
    DemoNeedsFreshDb(PathBuf),
    #[error("cannot write the demo's info file: {0}")]
    InfoFile(std::io::Error),
}

/// Opens the database and starts the writer.
pub fn open_state(db: &Path, settings: Settings) -> Result<AppState, ServeError> {
    let store = Arc::new(SqliteStore::open(db)?);
    Ok(AppState::new(store, settings)?)
}

/// Serves `state` on `listener` until Ctrl-C or SIGTERM.
pub async fn serve_on(listener: TcpListener, state: AppState) -> Result<(), ServeError> {
    use axum::serve::ListenerExt;
    // Small request/response exchanges: do not let Nagle hold them back.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = crate::app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
