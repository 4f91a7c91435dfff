//! What the serenazgo central does, over the real responder HTTP API:
//! acknowledge, dispatch a unit, en route, on scene, resolve.

use auxilio_protocol::{AlertId, AlertStatus, AlertView, Outcome};
use serde_json::json;

use crate::E2eError;

/// A logged-in operator (bearer session).
pub struct Operator {
    http: reqwest::Client,
    base: url::Url,
    token: String,
}

impl Operator {
    pub(crate) fn new(base: url::Url, token: String) -> Self {
        Operator {
            http: reqwest::Client::new(),
            base,
            token,
        }
    }

    /// `POST /api/v1/alerts/{id}/transition` with `body`.
    pub async fn transition(
        &self,
        id: AlertId,
        body: serde_json::Value,
    ) -> Result<AlertView, E2eError> {
        let url = self.base.join(&format!("api/v1/alerts/{id}/transition"))?;
        let response = self
            .http
            .post(url)
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| E2eError::Http(e.to_string()))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|e| E2eError::Http(e.to_string()))?;
        if status != 200 {
            return Err(E2eError::Refused { status, body: text });
        }
        serde_json::from_str(&text).map_err(|e| E2eError::Http(e.to_string()))
    }

    fn to(status: AlertStatus) -> serde_json::Value {
        json!({ "to": status })
    }

    pub async fn acknowledge(&self, id: AlertId) -> Result<AlertView, E2eError> {
        self.transition(id, Self::to(AlertStatus::Acknowledged))
            .await
    }

    pub async fn dispatch(&self, id: AlertId, unit_id: i64) -> Result<AlertView, E2eError> {
        self.transition(
            id,
            json!({ "to": AlertStatus::Dispatched, "unit_id": unit_id }),
        )
        .await
    }

    pub async fn en_route(&self, id: AlertId) -> Result<AlertView, E2eError> {
        self.transition(id, Self::to(AlertStatus::EnRoute)).await
    }

    pub async fn on_scene(&self, id: AlertId) -> Result<AlertView, E2eError> {
        self.transition(id, Self::to(AlertStatus::OnScene)).await
    }

    pub async fn resolve(&self, id: AlertId, outcome: Outcome) -> Result<AlertView, E2eError> {
        self.transition(
            id,
            json!({ "to": AlertStatus::Resolved, "outcome": outcome }),
        )
        .await
    }
}
