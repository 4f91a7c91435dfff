//! What the receiver has stored, and the server-side rules it applies:
//! enrollment, idempotent alerts, `(alert_id, seq)`-deduplicated positions,
//! cancels, and operator status changes. No HTTP here.

use std::collections::{BTreeMap, HashMap};

use auxilio_protocol::{
    now_ms, Alert, AlertId, AlertStatus, AlertView, BatchReceipt, Cancel, DeviceId, EnrollRequest,
    EnrollResponse, Outcome, Place, PositionBatch, PositionUpdate, Profile, PublicKey,
};

use crate::fault::{FaultScript, Route};

/// Why a request was refused, as the `{kind, message}` body and a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub status: u16,
    pub kind: &'static str,
    pub message: String,
}

impl Refusal {
    pub(crate) fn new(status: u16, kind: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            kind,
            message: message.into(),
        }
    }
}

/// Something the receiver stored, in arrival order.
#[derive(Clone, Debug, PartialEq)]
pub enum Stored {
    Alert(AlertId),
    Position { alert_id: AlertId, seq: u32 },
    Cancel(AlertId),
}

/// An operator's change to an alert (what the serenazgo console would do).
#[derive(Clone, Debug, PartialEq)]
pub struct OperatorUpdate {
    pub status: AlertStatus,
    pub unit_name: Option<String>,
    pub unit_distance_m: Option<f64>,
    pub outcome: Option<Outcome>,
}

impl OperatorUpdate {
    fn to(status: AlertStatus) -> Self {
        OperatorUpdate {
            status,
            unit_name: None,
            unit_distance_m: None,
            outcome: None,
        }
    }

    pub fn acknowledged() -> Self {
        Self::to(AlertStatus::Acknowledged)
    }

    pub fn dispatched(unit_name: &str, distance_m: f64) -> Self {
        OperatorUpdate {
            unit_name: Some(unit_name.to_owned()),
            unit_distance_m: Some(distance_m),
            ..Self::to(AlertStatus::Dispatched)
        }
    }

    pub fn en_route(distance_m: f64) -> Self {
        OperatorUpdate {
            unit_distance_m: Some(distance_m),
            ..Self::to(AlertStatus::EnRoute)
        }
    }

    pub fn on_scene() -> Self {
        OperatorUpdate {
            unit_distance_m: Some(0.0),
            ..Self::to(AlertStatus::OnScene)
        }
    }

    pub fn resolved(outcome: Outcome) -> Self {
        OperatorUpdate {
            outcome: Some(outcome),
            ..Self::to(AlertStatus::Resolved)
        }
    }
}

pub(crate) struct Device {
    pub key: PublicKey,
    pub profile: Profile,
}

pub(crate) struct StoredAlert {
    pub alert: Alert,
    pub view: AlertView,
    /// How many times this alert was stored as new. Anything but 1 is a bug.
    pub commits: u32,
    /// How many `POST /alerts` carried this id (retries included).
    pub posts: u32,
}

/// The receiver's whole state; kept across stop and restart.
#[derive(Default)]
pub(crate) struct State {
    pub enroll_code: String,
    pub sms_number: Option<String>,
    pub organization: Option<String>,
    pub place: Option<Place>,
    pub devices: HashMap<DeviceId, Device>,
    pub alerts: HashMap<AlertId, StoredAlert>,
    pub positions: HashMap<AlertId, BTreeMap<u32, PositionUpdate>>,
    pub cancels: HashMap<AlertId, Cancel>,
    pub stored: Vec<Stored>,
    pub requests: HashMap<Route, usize>,
    /// When each request arrived, per route.
    pub arrivals: HashMap<Route, Vec<std::time::Instant>>,
    /// Positions or cancels that arrived before their alert, or other
    /// breaches of the delivery order (described without personal data).
    pub order_violations: Vec<String>,
    /// Same alert id, different content: the phone re-composed an alert.
    pub conflicts: usize,
    pub duplicate_positions: usize,
    pub faults: FaultScript,
}

impl State {
    pub(crate) fn count_request(&mut self, route: Route) {
        *self.requests.entry(route).or_default() += 1;
        self.arrivals
            .entry(route)
            .or_default()
            .push(std::time::Instant::now());
    }

    pub(crate) fn key_of(&self, device: &DeviceId) -> Option<PublicKey> {
        self.devices.get(device).map(|d| d.key)
    }

    pub(crate) fn enroll(&mut self, req: EnrollRequest) -> Result<EnrollResponse, Refusal> {
        if req.code != self.enroll_code {
            return Err(Refusal::new(403, "bad_code", "unknown enrollment code"));
        }
        let key = PublicKey::from_base64(&req.public_key)
            .map_err(|e| Refusal::new(400, e.kind(), e.to_string()))?;
        if let Some(existing) = self.devices.get(&req.device_id) {
            if existing.key != key {
                return Err(Refusal::new(
                    409,
                    "conflict",
                    "device enrolled with another key",
                ));
            }
        }
        self.devices.insert(
            req.device_id,
            Device {
                key,
                profile: req.profile,
            },
        );
        Ok(EnrollResponse {
            device_id: req.device_id,
            organization: self.organization.clone(),
            place: self.place.clone(),
            sms_number: self.sms_number.clone(),
        })
    }

    /// Stores an alert once. `Ok((true, view))` the first time.
    pub(crate) fn store_alert(
        &mut self,
        device: DeviceId,
        alert: Alert,
    ) -> Result<(bool, AlertView), Refusal> {
        if alert.device_id != device {
            return Err(Refusal::new(403, "forbidden", "alert of another device"));
        }
        if let Some(existing) = self.alerts.get_mut(&alert.id) {
            existing.posts += 1;
            if existing.alert != alert {
                self.conflicts += 1;
                return Err(Refusal::new(
                    409,
                    "conflict",
                    "same alert id, different content",
                ));
            }
            return Ok((false, existing.view.clone()));
        }
        let now = now_ms();
        let view = AlertView {
            id: alert.id,
            status: AlertStatus::New,
            received_at_ms: now,
            updated_at_ms: now,
            outcome: None,
            unit_distance_m: None,
            unit_name: None,
        };
        self.stored.push(Stored::Alert(alert.id));
        self.alerts.insert(
            alert.id,
            StoredAlert {
                alert,
                view: view.clone(),
                commits: 1,
                posts: 1,
            },
        );
        Ok((true, view))
    }

    fn owned_alert(&self, device: DeviceId, id: AlertId) -> Result<&StoredAlert, Refusal> {
        match self.alerts.get(&id) {
            None => Err(Refusal::new(404, "not_found", "unknown alert")),
            Some(a) if a.alert.device_id != device => {
                Err(Refusal::new(403, "forbidden", "alert of another device"))
            }
            Some(a) => Ok(a),
        }
    }

    pub(crate) fn store_positions(
        &mut self,
        device: DeviceId,
        batch: PositionBatch,
    ) -> Result<BatchReceipt, Refusal> {
        if batch.device_id != device {
            return Err(Refusal::new(403, "forbidden", "batch of another device"));
        }
        for u in &batch.updates {
            if let Err(refusal) = self.owned_alert(device, u.alert_id) {
                if refusal.status == 404 {
                    self.order_violations
                        .push(format!("position seq {} before its alert", u.seq));
                }
                return Err(refusal);
            }
        }
        let (mut accepted, mut duplicates) = (0u32, 0u32);
        for u in batch.updates {
            let per_alert = self.positions.entry(u.alert_id).or_default();
            if per_alert.contains_key(&u.seq) {
                duplicates += 1;
                continue;
            }
            self.stored.push(Stored::Position {
                alert_id: u.alert_id,
                seq: u.seq,
            });
            per_alert.insert(u.seq, u);
            accepted += 1;
        }
        self.duplicate_positions += duplicates as usize;
        Ok(BatchReceipt {
            accepted,
            duplicates,
        })
    }

    pub(crate) fn store_cancel(
        &mut self,
        device: DeviceId,
        path_id: AlertId,
        cancel: Cancel,
    ) -> Result<AlertView, Refusal> {
        if cancel.device_id != device {
            return Err(Refusal::new(403, "forbidden", "cancel of another device"));
        }
        if cancel.alert_id != path_id {
            return Err(Refusal::new(
                400,
                "invalid",
                "alert id differs from the path",
            ));
        }
        if let Err(refusal) = self.owned_alert(device, path_id) {
            if refusal.status == 404 {
                self.order_violations
                    .push("cancel before its alert".to_owned());
            }
            return Err(refusal);
        }
        if !self.cancels.contains_key(&path_id) {
            self.stored.push(Stored::Cancel(path_id));
            self.cancels.insert(path_id, cancel);
        }
        let stored = self
            .alerts
            .get_mut(&path_id)
            .ok_or_else(|| Refusal::new(404, "not_found", "unknown alert"))?;
        if !stored.view.status.is_terminal() {
            stored.view.status = AlertStatus::Cancelled;
            stored.view.updated_at_ms = now_ms();
        }
        Ok(stored.view.clone())
    }

    pub(crate) fn view(&self, device: DeviceId, id: AlertId) -> Result<AlertView, Refusal> {
        self.owned_alert(device, id).map(|a| a.view.clone())
    }

    pub(crate) fn operator_update(
        &mut self,
        id: AlertId,
        update: OperatorUpdate,
    ) -> Option<AlertView> {
        let stored = self.alerts.get_mut(&id)?;
        let view = &mut stored.view;
        view.status = update.status;
        if update.unit_name.is_some() {
            view.unit_name = update.unit_name;
        }
        if update.unit_distance_m.is_some() {
            view.unit_distance_m = update.unit_distance_m;
        }
        if update.outcome.is_some() {
            view.outcome = update.outcome;
        }
        view.updated_at_ms = now_ms().max(view.updated_at_ms);
        Some(view.clone())
    }
}
