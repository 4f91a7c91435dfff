//! Prometheus metrics at `/metrics`.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use auxilio_protocol::AlertStatus;

use crate::model::{StoredEvent, StreamPayload};

pub struct Metrics {
    registry: Registry,
    alerts_received: Counter,
    clock_suspect: Counter,
    commit_latency: Histogram,
    time_to_ack: Histogram,
    batch_size: Histogram,
    commit_seconds: Histogram,
    sms_inbound: Family<Vec<(&'static str, &'static str)>, Counter>,
    pub stream_subscribers: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("auxilio");
        let alerts_received = Counter::default();
        registry.register(
            "alerts_received",
            "New alerts committed (retries not counted)",
            alerts_received.clone(),
        );
        let clock_suspect = Counter::default();
        registry.register(
            "alerts_clock_suspect",
            "New alerts whose phone clock looked wrong (not in the creation-to-commit latency)",
            clock_suspect.clone(),
        );
        // 1 ms .. ~9 h: from the phone's tap to the commit (includes offline time).
        let commit_latency = Histogram::new(exponential_buckets(0.001, 2.0, 25));
        registry.register(
            "alert_created_to_committed_seconds",
            "From the alert's creation on the phone to its commit on the server",
            commit_latency.clone(),
        );
        let time_to_ack = Histogram::new(exponential_buckets(1.0, 2.0, 14));
        registry.register(
            "alert_time_to_acknowledge_seconds",
            "From the commit of an alert to its acknowledgement by an operator",
            time_to_ack.clone(),
        );
        let batch_size = Histogram::new(exponential_buckets(1.0, 2.0, 11));
        registry.register(
            "group_commit_size",
            "Commands committed per transaction",
            batch_size.clone(),
        );
        let commit_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        registry.register(
            "group_commit_seconds",
            "Time to apply and commit one transaction (fsync included)",
            commit_seconds.clone(),
        );
        let stream_subscribers = Gauge::default();
        registry.register(
            "stream_subscribers",
            "Open live streams (responders and devices)",
            stream_subscribers.clone(),
        );
        let sms_inbound = Family::default();
        registry.register(
            "sms_inbound",
            "SMS handed over by the gateway, by result (new, existing, or why refused)",
            sms_inbound.clone(),
        );
        Metrics {
            registry,
            alerts_received,
            clock_suspect,
            commit_latency,
            time_to_ack,
            batch_size,
            commit_seconds,
            sms_inbound,
            stream_subscribers,
        }
    }

    pub fn observe_batch(&self, size: usize, took: std::time::Duration) {
        self.batch_size.observe(size as f64);
        self.commit_seconds.observe(took.as_secs_f64());
    }

    pub fn observe_event(&self, event: &StoredEvent) {
        match &event.payload {
            StreamPayload::Alert(a) => {
                self.alerts_received.inc();
                // A wrong phone clock says nothing about how long delivery
                // took: counted apart, never observed as a latency.
                if a.clock_suspect {
                    self.clock_suspect.inc();
                } else {
                    let ms = a.received_at_ms.saturating_sub(a.created_at_ms).max(0);
                    self.commit_latency.observe(ms as f64 / 1000.0);
                }
            }
            StreamPayload::Status(s) if s.view.status == AlertStatus::Acknowledged => {
                let ms = s
                    .view
                    .updated_at_ms
                    .saturating_sub(s.view.received_at_ms)
                    .max(0);
                self.time_to_ack.observe(ms as f64 / 1000.0);
            }
            _ => {}
        }
    }

    /// One SMS from the gateway: `new`, `existing`, or why it was refused.
    pub fn count_sms(&self, result: &'static str) {
        self.sms_inbound
            .get_or_create(&vec![("result", result)])
            .inc();
    }

    /// The text exposition format.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        encode(&mut out, &self.registry)?;
        Ok(out)
    }
}
