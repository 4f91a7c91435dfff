//! Helpers for core's stories. The server is the real `auxilio-server`
//! behind `auxilio-e2e`'s fault layer ([`TestServer`]); nothing here
//! implements any part of the server's contract.

#![allow(dead_code, unused_imports)]

use std::time::Duration;

use auxilio_core::protocol::{self, Fix};
use auxilio_core::{Core, CoreConfig, Profile};
pub use auxilio_e2e::{Fault, FaultRule, Route, ServerOptions, Stored, TestServer};

fn now() -> i64 {
    protocol::now_ms()
}

/// A core on `dir`, enrolled with `server` (which must be up).
pub async fn enrolled_core(server: &TestServer, dir: &std::path::Path) -> Core {
    let core = Core::open(config(dir, server.url())).await.unwrap();
    core.enroll(&server.enroll_code(), profile()).await.unwrap();
    core
}

/// Waits (at most 20 s) until the outbox is empty.
pub async fn drained(core: &auxilio_core::Core) -> auxilio_core::DrainReport {
    tokio::time::timeout(Duration::from_secs(20), core.wait_drained())
        .await
        .expect("drained in time")
        .unwrap()
}

/// An address where nothing listens.
pub fn dead_url() -> url::Url {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    url::Url::parse(&format!("http://{addr}/")).unwrap()
}

/// Fast timings for tests.
pub fn config(dir: &std::path::Path, server: url::Url) -> CoreConfig {
    let mut c = CoreConfig::new(dir, server);
    c.fix_deadline = Duration::from_millis(300);
    c.backoff_initial = Duration::from_millis(20);
    c.backoff_cap = Duration::from_millis(200);
    c.request_timeout = Duration::from_secs(2);
    c.status_poll_interval = Duration::from_millis(50);
    c.tracking_interval = Duration::from_millis(50);
    c
}

pub fn profile() -> Profile {
    Profile {
        display_name: "Rosa Quispe".into(),
        dni: Some("40123456".into()),
        phone: "+51 944 123 456".into(),
        role: auxilio_core::protocol::ReporterRole::MototaxiDriver,
        plate: Some("M1-234".into()),
        place: None,
    }
}

/// A live GPS fix in El Porvenir measured `age_ms` ago.
pub fn gps(age_ms: i64, accuracy_m: f64) -> Fix {
    Fix {
        lat: -8.0712,
        lon: -79.0105,
        accuracy_m,
        altitude_m: None,
        speed_mps: None,
        heading_deg: None,
        fixed_at_ms: now() - age_ms,
        source: auxilio_core::FixSource::Gps,
    }
}

/// Waits (at most 10 s) for the first event that `pick` accepts.
pub async fn next_event<T>(
    rx: &mut tokio::sync::broadcast::Receiver<auxilio_core::CoreEvent>,
    mut pick: impl FnMut(&auxilio_core::CoreEvent) -> Option<T>,
) -> T {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match rx.recv().await {
                Ok(ev) => {
                    if let Some(t) = pick(&ev) {
                        return t;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(e) => panic!("event channel closed: {e}"),
            }
        }
    })
    .await
    .expect("event in time")
}
