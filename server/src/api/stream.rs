//! `GET /api/v1/stream`: the responders' live feed (SSE).
//!
//! Every committed event is sent with its events-table id as the SSE `id:`.
//! A client that reconnects with `Last-Event-ID` (or `?after=`) first gets
//! everything after that id from the store, page by page, then the live
//! feed, one group commit per chunk. The broadcast receiver is opened BEFORE
//! the store is read, and live events with an id already sent are skipped,
//! so the switch-over has neither a gap nor a duplicate. A subscriber that
//! falls behind the broadcast buffer goes back to reading the store.
//! A patrol unit gets only its own part of the feed ([`Scope`]).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use auxilio_protocol::wire;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::sync::broadcast;

use crate::api::scope::Scope;
use crate::auth::Responder;
use crate::committed::Committed;
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::store::AlertQuery;

/// A comment is sent after this long without events, so proxies keep the line open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Events read from the store per page while catching up.
const PAGE: usize = 500;

/// Counts a live stream in the metrics while it exists.
pub struct SubscriberGuard(Arc<Metrics>);

impl SubscriberGuard {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        metrics.stream_subscribers.inc();
        SubscriberGuard(metrics)
    }
}

impl Drop for SubscriberGuard {
    fn drop(&mut self) {
        self.0.stream_subscribers.dec();
    }
}

#[derive(Deserialize, Default)]
pub struct StreamParams {
    /// Same as `Last-Event-ID`, for clients that cannot set headers.
    after: Option<i64>,
}

struct Feed {
    state: AppState,
    rx: broadcast::Receiver<Arc<Committed>>,
    /// The id of the last event sent (or the resume point).
    last: i64,
    /// Still reading the store (the last page was full).
    catching_up: bool,
    /// Everything, or one patrol unit's own.
    scope: Scope,
    _guard: SubscriberGuard,
}

impl Feed {
    /// The frames of the next events after `last`: a page from the store
    /// while catching up, then one whole commit at a time.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if self.catching_up {
                let after = self.last;
                let page = self
                    .state
                    .read(move |s| s.events_after(after, PAGE))
                    .await
                    .ok()?;
                self.catching_up = page.len() == PAGE;
                let Some(newest) = page.last().map(|e| e.id) else {
                    continue;
                };
                let frames = self.scope.page_frames(&page, self.last);
                self.last = newest;
                if frames.is_some() {
                    return frames;
                }
                continue;
            }
            match self.rx.recv().await {
                Ok(commit) => {
                    let frames = self.scope.commit_frames(&commit, self.last);
                    self.last = self.last.max(commit.last_id());
                    if frames.is_some() {
                        return frames;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    self.catching_up = true;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// The live feed of alerts, positions, status changes and units.
#[utoipa::path(get, path = wire::PATH_STREAM, tag = "responder",
    params(("after" = Option<i64>, Query, description = "resume after this event id (like Last-Event-ID)"),
        ("last-event-id" = Option<i64>, Header, description = "resume after this event id")),
    responses((status = 200, description = "server-sent events `alert`, `position`, `status`, `unit`; `id:` is the event id, `data:` the content of the StreamPayload variant",
            content_type = "text/event-stream", body = String),
        (status = 400, description = "bad event id", body = auxilio_protocol::ApiError),
        (status = 401, description = "not logged in, or the session expired", body = auxilio_protocol::ApiError),
        (status = 429, body = auxilio_protocol::ApiError)))]
pub async fn stream(
    State(state): State<AppState>,
    Responder(account): Responder,
    headers: HeaderMap,
    AppQuery(params): AppQuery<StreamParams>,
) -> Result<Response, AppError> {
    let header_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().parse::<i64>())
        .transpose()
        .map_err(|_| AppError::bad_request("malformed", "Last-Event-ID is not an event id"))?;
    let resume = header_id.or(params.after);
    let rx = state.events.subscribe();
    let last = match resume {
        Some(id) => id.max(0),
        // A fresh subscriber starts live: it loads the current alerts with
        // `GET /api/v1/alerts`, whose `last_event_id` it may pass as `after`.
        None => state.read(|s| s.last_event_id()).await?,
    };
    let mut scope = Scope::of(&account);
    if let Some(unit_id) = scope.unit_id() {
        let query = AlertQuery {
            from_ms: None,
            to_ms: None,
            kind: None,
            open_only: true,
            unit_id: Some(unit_id),
            limit: 1000,
        };
        let open = state.read(move |s| s.alerts(&query)).await?;
        scope = scope.with_assigned(open.alerts.into_iter().map(|a| a.id));
    }
    let guard = SubscriberGuard::new(state.metrics.clone());
    let feed = Feed {
        state,
        rx,
        last,
        catching_up: true,
        scope,
        _guard: guard,
    };
    // A commit's frames are shared (not re-encoded) by every subscriber, and
    // sent as one chunk. Feed::next is cancel-safe (a page read from the
    // store is only dropped, and read again), so an idle timeout only adds
    // a comment.
    let stream = futures::stream::unfold(feed, |mut feed| async move {
        let frame = match tokio::time::timeout(KEEP_ALIVE, feed.next()).await {
            Ok(Some(frames)) => frames,
            Ok(None) => return None,
            Err(_) => Bytes::from_static(b": keep-alive\n\n"),
        };
        Some((Ok::<_, Infallible>(frame), feed))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
