//! The simulator playing the serenazgo's SMS gateway: when core asks for the
//! SMS fallback, the text is posted to the server's
//! `POST /api/v1/sms/inbound` (as a real gateway would once the SMS arrived),
//! and core is told the SMS was sent only after the gateway answered 200.

use std::time::Duration;

use auxilio_core::{AlertId, Core, CoreEvent};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc};

/// Where the gateway is and how it authenticates.
#[derive(Debug, Clone)]
pub struct Gateway {
    pub url: url::Url,
    pub secret: String,
    /// The `from` number the gateway reports (the phone's own).
    pub from: String,
}

/// Why one post to the gateway failed.
#[derive(Debug, thiserror::Error)]
enum PostError {
    #[error("the gateway could not be reached: {0}")]
    Network(#[from] reqwest::Error),
    #[error("the gateway answered {0}")]
    Status(u16),
}

impl PostError {
    /// A refusal a retry cannot change (bad secret, not an Auxilio SMS, a
    /// bad signature or an unknown device).
    fn is_final(&self) -> bool {
        matches!(self, PostError::Status(s) if (400..500).contains(s) && *s != 408 && *s != 429)
    }
}

impl Gateway {
    async fn post(&self, http: &reqwest::Client, text: &str) -> Result<(), PostError> {
        let resp = http
            .post(self.url.clone())
            .bearer_auth(&self.secret)
            .json(&serde_json::json!({ "from": self.from, "text": text }))
            .send()
            .await?;
        if resp.status() == reqwest::StatusCode::OK {
            Ok(())
        } else {
            Err(PostError::Status(resp.status().as_u16()))
        }
    }

    /// Sends one SMS, retrying transient failures with a growing wait, then
    /// tells core it was sent. Returns whether it was.
    async fn deliver(&self, http: &reqwest::Client, core: &Core, id: AlertId, text: &str) -> bool {
        let mut wait = Duration::from_millis(200);
        loop {
            match self.post(http, text).await {
                Ok(()) => break,
                Err(e) if e.is_final() => {
                    tracing::error!(alert = %id, error = %e, "the SMS gateway refused the SMS");
                    return false;
                }
                Err(e) => tracing::warn!(alert = %id, error = %e, "SMS gateway failed; retrying"),
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(10));
        }
        match core.sms_fallback_sent(id) {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(alert = %id, error = %e, "the sent SMS could not be recorded");
                false
            }
        }
    }

    /// Posts every `SmsFallback` core emits on `events` until core shuts
    /// down; sends each alert id whose SMS the gateway took on `sent`.
    pub async fn run(
        self,
        core: Core,
        mut events: broadcast::Receiver<CoreEvent>,
        sent: mpsc::UnboundedSender<AlertId>,
    ) {
        let http = match reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
        {
            Ok(http) => http,
            Err(e) => {
                tracing::error!(error = %e, "no HTTP client for the SMS gateway");
                return;
            }
        };
        loop {
            match events.recv().await {
                Ok(CoreEvent::SmsFallback { alert_id, text, .. }) => {
                    if self.deliver(&http, &core, alert_id, &text).await {
                        let _ = sent.send(alert_id);
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    }
}
