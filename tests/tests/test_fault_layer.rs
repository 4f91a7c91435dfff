//! The fault layer must be trustworthy before any story uses it: its faults
//! really happen on the wire (a dropped connection is a dropped TCP
//! connection, a cut answer is a short body), what it reports comes from the
//! real server, and the server's own deduplication is what keeps a replayed
//! alert stored once.

use std::time::Duration;

use auxilio_e2e::{Fault, FaultRule, Route, TestServer};
use auxilio_protocol::wire::{
    HEADER_DEVICE, HEADER_SIGNATURE, PATH_ALERTS, PATH_ENROLL, PATH_POSITIONS,
};
use auxilio_protocol::*;

struct Phone {
    key: DeviceKey,
    device_id: DeviceId,
    http: reqwest::Client,
    base: url::Url,
}

impl Phone {
    fn new(base: url::Url) -> Phone {
        Phone {
            key: DeviceKey::generate().unwrap(),
            device_id: uuid::Uuid::new_v4(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap(),
            base,
        }
    }

    async fn enroll(&self, code: &str) -> reqwest::Response {
        let req = EnrollRequest {
            v: PROTOCOL_VERSION,
            code: code.into(),
            device_id: self.device_id,
            public_key: self.key.public_key().to_base64(),
            profile: Profile {
                display_name: "Rosa Demo Quispe".into(),
                dni: None,
                phone: "+51 900 000 001".into(),
                role: ReporterRole::MarketVendor,
                plate: None,
                place: None,
            },
        };
        let url = self.base.join(PATH_ENROLL).unwrap();
        self.http.post(url).json(&req).send().await.unwrap()
    }

    fn alert(&self) -> Alert {
        let now = now_ms();
        Alert {
            v: PROTOCOL_VERSION,
            id: uuid::Uuid::now_v7(),
            device_id: self.device_id,
            kind: AlertKind::Asalto,
            created_at_ms: now,
            fix: Some(Fix {
                lat: -8.07,
                lon: -79.0,
                accuracy_m: 12.0,
                altitude_m: None,
                speed_mps: None,
                heading_deg: None,
                fixed_at_ms: now,
                source: FixSource::Gps,
            }),
            reporter: Reporter {
                display_name: "Rosa Demo Quispe".into(),
                phone: "+51 900 000 001".into(),
                role: ReporterRole::MarketVendor,
                ..Reporter::default()
            },
            battery_pct: Some(50),
            silent: false,
            note: None,
            app_version: "test/1".into(),
        }
    }

    async fn post(
        &self,
        path: &str,
        body: &impl serde::Serialize,
    ) -> reqwest::Result<reqwest::Response> {
        let bytes = serde_json::to_vec(body).unwrap();
        let sig = self.key.sign_request("POST", path, &bytes);
        self.http
            .post(self.base.join(path).unwrap())
            .header(HEADER_DEVICE, self.device_id.to_string())
            .header(HEADER_SIGNATURE, sig)
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
    }
}

async fn enrolled(rx: &TestServer) -> Phone {
    let phone = Phone::new(rx.url());
    assert_eq!(phone.enroll(&rx.enroll_code()).await.status(), 201);
    phone
}

#[tokio::test]
async fn test_faults_really_happen_on_the_wire() {
    let rx = TestServer::up().await.unwrap();
    let phone = enrolled(&rx).await;
    let alert = phone.alert();

    // A dropped connection is a transport error, not an HTTP answer.
    rx.push_fault(FaultRule::on(Route::Alert, Fault::Drop));
    let err = phone.post(PATH_ALERTS, &alert).await.unwrap_err();
    assert!(!err.is_status(), "expected a transport error, got {err}");
    assert_eq!(rx.committed_count(alert.id), 0);

    // 503 carries Retry-After, in seconds or as an HTTP-date.
    rx.push_fault(FaultRule::on(
        Route::Alert,
        Fault::Unavailable { retry_after_s: 7 },
    ));
    let resp = phone.post(PATH_ALERTS, &alert).await.unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "7");
    rx.push_fault(FaultRule::on(
        Route::Alert,
        Fault::UnavailableUntil {
            after: Duration::from_secs(30),
        },
    ));
    let resp = phone.post(PATH_ALERTS, &alert).await.unwrap();
    assert_eq!(resp.status(), 503);
    let date = resp.headers()["retry-after"].to_str().unwrap().to_owned();
    let when = httpdate::parse_http_date(&date).unwrap();
    let ahead = when.duration_since(std::time::SystemTime::now()).unwrap();
    assert!(ahead > Duration::from_secs(25) && ahead <= Duration::from_secs(31));
    assert_eq!(rx.committed_count(alert.id), 0);

    // Committed, then the connection dropped: the server has it, the phone does not know.
    rx.push_fault(FaultRule::on(Route::Alert, Fault::DropAfterCommit));
    assert!(phone.post(PATH_ALERTS, &alert).await.is_err());
    assert_eq!(rx.committed_count(alert.id), 1);
    assert_eq!(phone.post(PATH_ALERTS, &alert).await.unwrap().status(), 200);

    // Committed, then the answer is cut mid-body: reading it fails.
    let cut = phone.alert();
    rx.push_fault(FaultRule::on(Route::Alert, Fault::CutAfterCommit));
    let resp = phone.post(PATH_ALERTS, &cut).await.unwrap();
    assert_eq!(resp.status(), 201);
    assert!(resp.bytes().await.is_err(), "the body was cut");
    assert_eq!(rx.committed_count(cut.id), 1);

    // A captive portal redirects to its login page; the server never sees it.
    let portal = phone.alert();
    rx.push_fault(FaultRule::on(Route::Alert, Fault::CaptivePortal));
    let resp = phone.post(PATH_ALERTS, &portal).await.unwrap();
    assert_eq!(resp.status(), 200, "redirected to the portal's login page");
    assert!(resp.text().await.unwrap().contains("WiFi"));
    assert_eq!(rx.committed_count(portal.id), 0);

    // A 400 for one chosen alert only.
    let other = phone.alert();
    rx.reject_alert(other.id);
    assert_eq!(phone.post(PATH_ALERTS, &other).await.unwrap().status(), 400);
    assert_eq!(rx.committed_count(other.id), 0);
    assert_eq!(rx.requests(Route::Alert), 8);
    // Only what the real server answered counts as its answer.
    assert_eq!(rx.alert_answers(alert.id), [201, 200]);
}

#[tokio::test]
async fn test_a_replayed_alert_is_stored_once_by_the_servers_own_dedupe() {
    let rx = TestServer::up().await.unwrap();
    let phone = enrolled(&rx).await;
    let alert = phone.alert();
    rx.push_fault(FaultRule::on(Route::Alert, Fault::Replay));
    assert_eq!(phone.post(PATH_ALERTS, &alert).await.unwrap().status(), 201);
    rx.wait_for_answers(Route::Alert, 2).await.unwrap();
    // The server saw the same signed bytes twice: new, then already stored.
    assert_eq!(rx.alert_answers(alert.id), [201, 200]);
    assert_eq!(rx.committed_count(alert.id), 1, "one pin on the consoles");
    assert_eq!(rx.committed_alerts(), [alert.id]);
    let stored = rx.alert(alert.id).unwrap();
    assert_eq!(stored.kind, AlertKind::Asalto);
    assert_eq!(stored.fix.map(|f| f.accuracy_m), Some(12.0));
}

#[tokio::test]
async fn test_positions_before_their_alert_are_a_visible_violation() {
    let rx = TestServer::up().await.unwrap();
    let phone = enrolled(&rx).await;
    let alert = phone.alert();
    let batch = PositionBatch {
        v: PROTOCOL_VERSION,
        device_id: phone.device_id,
        updates: vec![PositionUpdate {
            alert_id: alert.id,
            seq: 0,
            fix: alert.fix.clone().unwrap(),
            refines: false,
        }],
    };
    let resp = phone.post(PATH_POSITIONS, &batch).await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(rx.order_violations().len(), 1);

    assert_eq!(phone.post(PATH_ALERTS, &alert).await.unwrap().status(), 201);
    let receipt: BatchReceipt = phone
        .post(PATH_POSITIONS, &batch)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((receipt.accepted, receipt.duplicates), (1, 0));
    let receipt: BatchReceipt = phone
        .post(PATH_POSITIONS, &batch)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((receipt.accepted, receipt.duplicates), (0, 1));
    assert_eq!(rx.positions(alert.id).len(), 1);
    assert_eq!(rx.duplicate_positions(), 1);
    assert_eq!(rx.repeated_positions(), 0);
    assert_eq!(rx.batch_sizes(), [1, 1, 1]);
}

#[tokio::test]
async fn test_commit_then_hold_keeps_the_answer_until_released() {
    let rx = TestServer::up().await.unwrap();
    let phone = enrolled(&rx).await;
    let alert = phone.alert();
    rx.push_fault(FaultRule::on(Route::Alert, Fault::CommitThenHold));
    let sending = tokio::spawn({
        let alert = alert.clone();
        async move {
            phone
                .post(PATH_ALERTS, &alert)
                .await
                .map(|r| r.status().as_u16())
        }
    });
    rx.wait_for_commit(alert.id).await.unwrap();
    rx.wait_for_held(1).await.unwrap();
    assert!(!sending.is_finished());
    rx.release_held();
    assert_eq!(sending.await.unwrap().unwrap(), 201);
    assert_eq!(rx.held(), 0);
}

#[tokio::test]
async fn test_the_server_goes_down_and_comes_back_as_a_new_process() {
    let rx = TestServer::up().await.unwrap();
    let phone = enrolled(&rx).await;
    let alert = phone.alert();
    assert_eq!(phone.post(PATH_ALERTS, &alert).await.unwrap().status(), 201);

    rx.stop().await;
    assert!(!rx.is_running());
    let err = phone.post(PATH_ALERTS, &alert).await.unwrap_err();
    assert!(
        err.is_connect() || err.is_request(),
        "expected connection refused, got {err}"
    );

    // A new server on the same database: the device, the alert and the
    // operator's session are all still there.
    rx.restart().await.unwrap();
    assert_eq!(phone.post(PATH_ALERTS, &alert).await.unwrap().status(), 200);
    assert_eq!(rx.committed_count(alert.id), 1);
    let view = rx.operator().acknowledge(alert.id).await.unwrap();
    assert_eq!(view.status, AlertStatus::Acknowledged);
    let view = rx
        .operator()
        .dispatch(alert.id, rx.unit_id())
        .await
        .unwrap();
    assert_eq!(view.status, AlertStatus::Dispatched);
    assert_eq!(view.unit_name.as_deref(), Some(auxilio_e2e::UNIT_CALL_SIGN));
    // The unit stands ~650 m east of the alert's fix; the server measures it.
    let distance = view.unit_distance_m.unwrap();
    assert!((600.0..700.0).contains(&distance), "{distance} m");
    // An invalid step is refused by the server's lifecycle, not by the test.
    assert!(rx.operator().acknowledge(alert.id).await.is_err());
}
