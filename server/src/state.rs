//! What every handler shares.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use auxilio_protocol::DeviceId;
use tokio::sync::broadcast;

use crate::committed::Committed;
use crate::device_cache::DeviceCache;
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::ratelimit::{Rate, RateLimiter};
use crate::store::{Store, StoreError};
use crate::writer::Writer;

/// Commits buffered for the live subscribers; one that falls further behind
/// catches up from the store. A commit holds up to `writer::MAX_BATCH`
/// events, so this bounds the memory held at about 256 × 1024 events.
const STREAM_BUFFER: usize = 256;

/// Run-time settings of the HTTP app (built from the command line config).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Number the phones send the SMS fallback to, told at enrollment.
    pub sms_number: Option<String>,
    /// The SMS gateway's bearer secret; `None`: `/api/v1/sms/inbound` is 404.
    pub sms_gateway_secret: Option<crate::sms::GatewaySecret>,
    pub device_rate: Rate,
    pub ip_rate: Rate,
    pub session_ttl: Duration,
    /// Add `Secure` to the session cookie (set when served over HTTPS).
    pub secure_cookies: bool,
    /// How long a device's key is remembered between database reads; a
    /// revocation takes at most this long to apply.
    pub device_cache_ttl: Duration,
    /// The built web UI (`ui/dist`): console at `/`, citizen page at `/sos/`.
    /// `None` serves the small built-in console page instead.
    pub ui_dir: Option<std::path::PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sms_number: None,
            sms_gateway_secret: None,
            device_rate: Rate {
                per_minute: 600,
                burst: 120,
            },
            ip_rate: Rate {
                per_minute: 120_000,
                burst: 20_000,
            },
            session_ttl: Duration::from_secs(12 * 3600),
            secure_cookies: false,
            device_cache_ttl: Duration::from_secs(5),
            ui_dir: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub writer: Writer,
    pub events: broadcast::Sender<Arc<Committed>>,
    pub metrics: Arc<Metrics>,
    pub settings: Arc<Settings>,
    pub device_limiter: Arc<RateLimiter<DeviceId>>,
    pub ip_limiter: Arc<RateLimiter<IpAddr>>,
    pub devices: Arc<DeviceCache>,
}

impl AppState {
    /// Starts the writer thread over `store`.
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> std::io::Result<Self> {
        Self::with_stream_buffer(store, settings, STREAM_BUFFER)
    }

    /// Like [`AppState::new`] with `buffer` live commits held for subscribers
    /// (tests use a tiny one to exercise catching up from the store).
    pub fn with_stream_buffer(
        store: Arc<dyn Store>,
        settings: Settings,
        buffer: usize,
    ) -> std::io::Result<Self> {
        let (events, _) = broadcast::channel(buffer.max(1));
        let metrics = Arc::new(Metrics::new());
        let writer = Writer::spawn(store.clone(), events.clone(), metrics.clone())?;
        Ok(AppState {
            store,
            writer,
            events,
            metrics,
            device_limiter: Arc::new(RateLimiter::new(settings.device_rate)),
            ip_limiter: Arc::new(RateLimiter::new(settings.ip_rate)),
            devices: Arc::new(DeviceCache::new(settings.device_cache_ttl)),
            settings: Arc::new(settings),
        })
    }

    /// Runs a read on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || f(store.as_ref())).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "a read failed");
                Err(AppError::unavailable())
            }
            Err(_) => Err(AppError::internal()),
        }
    }
}
