//! The receiver itself must be trustworthy before any story uses it: it
//! verifies signatures, stores each alert once, and its faults really happen
//! on the wire (a dropped connection is a dropped TCP connection).

use std::time::Duration;

use auxilio_e2e::{Fault, FaultRule, OperatorUpdate, Receiver, ReceiverOptions, Route};
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
            fix: Fix {
                lat: -8.07,
                lon: -79.0,
                accuracy_m: 12.0,
                altitude_m: None,
                speed_mps: None,
                heading_deg: None,
                fixed_at_ms: now,
                source: FixSource::Gps,
            },
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

#[tokio::test]
async fn test_enrollment_needs_the_right_code() {
    let rx = Receiver::start(ReceiverOptions::default()).await.unwrap();
    let phone = Phone::new(rx.url());
    assert_eq!(phone.enroll("WRONG").await.status(), 403);
    assert_eq!(rx.enrolled_devices(), 0);
    assert_eq!(phone.enroll("PORVENIR-PRUEBA").await.status(), 201);
    assert_eq!(rx.enrolled_devices(), 1);
    assert_eq!(
        rx.enrolled_profile(phone.device_id).unwrap().role,
        ReporterRole::MarketVendor
    );
}

#[tokio::test]
async fn test_an_alert_is_stored_once_and_signatures_are_checked() {
    let rx = Receiver::start(ReceiverOptions::default()).await.unwrap();
    let phone = Phone::new(rx.url());
    phone.enroll("PORVENIR-PRUEBA").await;
    let alert = phone.alert();

    // Given a stranger's key, the signature does not verify.
    let stranger = Phone {
        device_id: phone.device_id,
        ..Phone::new(rx.url())
    };
    assert_eq!(
        stranger.post(PATH_ALERTS, &alert).await.unwrap().status(),
        401
    );
    assert_eq!(rx.committed_count(alert.id), 0);

    // The first post is 201, a retry 200, and the alert is stored once.
    assert_eq!(phone.post(PATH_ALERTS, &alert).await.unwrap().status(), 201);
    assert_eq!(phone.post(PATH_ALERTS, &alert).await.unwrap().status(), 200);
    assert_eq!(rx.committed_count(alert.id), 1);
    assert_eq!(rx.alert_posts(alert.id), 2);

    // The same id with other content is a conflict the tests can see.
    let mut changed = alert.clone();
    changed.kind = AlertKind::Incendio;
    assert_eq!(
        phone.post(PATH_ALERTS, &changed).await.unwrap().status(),
        409
    );
    assert_eq!(rx.conflicts(), 1);
}

#[tokio::test]
async fn test_positions_before_their_alert_are_a_visible_violation() {
    let rx = Receiver::start(ReceiverOptions::default()).await.unwrap();
    let phone = Phone::new(rx.url());
    phone.enroll("PORVENIR-PRUEBA").await;
    let alert = phone.alert();
    let batch = PositionBatch {
        v: PROTOCOL_VERSION,
        device_id: phone.device_id,
        updates: vec![PositionUpdate {
            alert_id: alert.id,
            seq: 1,
            fix: alert.fix.clone(),
        }],
    };
    assert_eq!(
        phone.post(PATH_POSITIONS, &batch).await.unwrap().status(),
        404
    );
    assert_eq!(rx.order_violations().len(), 1);

    phone.post(PATH_ALERTS, &alert).await.unwrap();
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
}

#[tokio::test]
async fn test_faults_really_happen_on_the_wire() {
    let rx = Receiver::start(ReceiverOptions::default()).await.unwrap();
    let phone = Phone::new(rx.url());
    phone.enroll("PORVENIR-PRUEBA").await;
    let alert = phone.alert();

    // A dropped connection is a transport error, not an HTTP answer.
    rx.push_fault(FaultRule::on(Route::Alert, Fault::Drop));
    let err = phone.post(PATH_ALERTS, &alert).await.unwrap_err();
    assert!(!err.is_status(), "expected a transport error, got {err}");
    assert_eq!(rx.committed_count(alert.id), 0);

    // 503 carries Retry-After.
    rx.push_fault(FaultRule::on(
        Route::Alert,
        Fault::Unavailable { retry_after_s: 7 },
    ));
    let resp = phone.post(PATH_ALERTS, &alert).await.unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "7");

    // Committed, then the connection dropped: the server has it, the phone does not know.
    rx.push_fault(FaultRule::on(Route::Alert, Fault::DropAfterCommit));
    assert!(phone.post(PATH_ALERTS, &alert).await.is_err());
    assert_eq!(rx.committed_count(alert.id), 1);
    assert_eq!(phone.post(PATH_ALERTS, &alert).await.unwrap().status(), 200);

    // A 400 for one chosen alert only.
    let other = phone.alert();
    rx.reject_alert(other.id);
    assert_eq!(phone.post(PATH_ALERTS, &other).await.unwrap().status(), 400);
    assert_eq!(rx.committed_count(other.id), 0);
    assert_eq!(rx.requests(Route::Alert), 5);
}

#[tokio::test]
async fn test_commit_then_hold_keeps_the_answer_until_released() {
    let rx = Receiver::start(ReceiverOptions::default()).await.unwrap();
    let phone = Phone::new(rx.url());
    phone.enroll("PORVENIR-PRUEBA").await;
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
async fn test_the_server_goes_down_and_comes_back_with_its_state() {
    let rx = Receiver::start(ReceiverOptions::default()).await.unwrap();
    let phone = Phone::new(rx.url());
    phone.enroll("PORVENIR-PRUEBA").await;
    let alert = phone.alert();
    phone.post(PATH_ALERTS, &alert).await.unwrap();

    rx.stop().await;
    assert!(!rx.is_running());
    let err = phone.post(PATH_ALERTS, &alert).await.unwrap_err();
    assert!(
        err.is_connect() || err.is_request(),
        "expected connection refused, got {err}"
    );

    rx.restart().await.unwrap();
    assert_eq!(phone.post(PATH_ALERTS, &alert).await.unwrap().status(), 200);
    assert_eq!(rx.committed_count(alert.id), 1);

    let view = rx
        .operator_update(alert.id, OperatorUpdate::en_route(850.0))
        .unwrap();
    assert_eq!(view.status, AlertStatus::EnRoute);
    assert_eq!(view.unit_distance_m, Some(850.0));
}
