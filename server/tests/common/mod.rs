//! Shared helpers for the server's integration tests: a server on a fresh
//! database, enrolled phones that sign their requests, logged-in responders.
#![allow(dead_code)]

pub mod sse;

use std::sync::Arc;

use auxilio_protocol::wire::{HEADER_DEVICE, HEADER_SIGNATURE};
use auxilio_protocol::{
    now_ms, Alert, AlertKind, DeviceKey, EnrollRequest, Fix, FixSource, Profile, Reporter,
    ReporterRole, PROTOCOL_VERSION,
};
use auxilio_server::auth::hash_password;
use auxilio_server::model::{Agency, OrgKind, OrgPlace, Role};
use auxilio_server::store::sqlite::SqliteStore;
use auxilio_server::store::{Command, NewAccount, NewCode, NewOrganization, NewUnit, Store};
use auxilio_server::{app, AppState, Settings};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;
use uuid::Uuid;

pub const CODE: &str = "code-multi";
pub const PASSWORD: &str = "contraseña segura";

pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub state: AppState,
    pub store: Arc<SqliteStore>,
    /// The first patrol unit ("Serenazgo 01", at the plaza).
    pub unit_id: i64,
    pub market_org: i64,
}

fn apply(store: &SqliteStore, cmd: Command) -> i64 {
    let mut out = store.apply(vec![cmd], now_ms()).unwrap();
    match out.results.pop().unwrap().unwrap() {
        auxilio_server::store::Applied::Created(id) => id,
        _ => 0,
    }
}

impl TestServer {
    pub fn new() -> Self {
        Self::with_settings(Settings::default())
    }

    pub fn with_settings(settings: Settings) -> Self {
        Self::build(settings, 256)
    }

    /// A server whose live subscribers hold only `buffer` commits.
    pub fn with_stream_buffer(buffer: usize) -> Self {
        Self::build(Settings::default(), buffer)
    }

    fn build(settings: Settings, buffer: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("server.db")).unwrap());
        let market_org = apply(
            &store,
            Command::CreateOrganization(NewOrganization {
                name: "Mercado Central".into(),
                kind: OrgKind::Market,
                place: Some(OrgPlace {
                    name: "Puesto 12".into(),
                    lat: -8.0745,
                    lon: -79.0012,
                    radius_m: 30.0,
                }),
            }),
        );
        for (code, org, uses, expires) in [
            (CODE, None, None, None),
            ("code-market", Some(market_org), None, None),
            ("code-once", None, Some(1), None),
            ("code-expired", None, None, Some(now_ms() - 1000)),
        ] {
            apply(
                &store,
                Command::CreateCode(NewCode {
                    code: code.into(),
                    organization_id: org,
                    max_uses: uses,
                    expires_at_ms: expires,
                }),
            );
        }
        let unit_id = apply(
            &store,
            Command::CreateUnit(NewUnit {
                call_sign: "Serenazgo 01".into(),
                agency: Agency::Serenazgo,
                position: Some((-8.0700, -79.0000)),
            }),
        );
        apply(
            &store,
            Command::CreateUnit(NewUnit {
                call_sign: "Serenazgo 02".into(),
                agency: Agency::Serenazgo,
                position: Some((-8.1000, -79.0300)),
            }),
        );
        let hash = hash_password(PASSWORD).unwrap();
        for (username, role, unit) in [
            ("central", Role::Operator, None),
            ("serenazgo01", Role::Unit, Some(unit_id)),
            ("comisaria", Role::Pnp, None),
        ] {
            apply(
                &store,
                Command::CreateAccount(NewAccount {
                    username: username.into(),
                    role,
                    password_hash: hash.clone(),
                    unit_id: unit,
                }),
            );
        }
        let state = AppState::with_stream_buffer(store.clone(), settings, buffer).unwrap();
        TestServer {
            dir,
            state,
            store,
            unit_id,
            market_org,
        }
    }

    pub fn app(&self) -> Router {
        app(self.state.clone())
    }

    /// Serves this server on a real loopback socket; returns its base URL.
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(auxilio_server::server::serve_on(
            listener,
            self.state.clone(),
        ));
        base
    }

    /// The operator's live stream, over the real socket at `base`.
    pub async fn console(&self, base: &str) -> sse::Sse {
        let op = self.login("central").await;
        let resp = reqwest::Client::new()
            .get(format!("{base}/api/v1/stream"))
            .bearer_auth(&op)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        sse::Sse::new(resp)
    }

    pub async fn send(&self, req: Request<Body>) -> Response {
        let resp = self.app().oneshot(req).await.unwrap();
        Response::read(resp).await
    }

    /// An enrolled phone.
    pub async fn phone(&self) -> Phone {
        let phone = Phone::new();
        let resp = self.send(phone.enroll_request(CODE)).await;
        assert_eq!(resp.status, StatusCode::CREATED, "{:?}", resp.json);
        phone
    }

    /// Posts a new alert from `phone`; asserts it was stored (201).
    pub async fn raise(&self, phone: &Phone) -> Uuid {
        let alert = phone.alert();
        let resp = self
            .send(phone.signed_json("POST", auxilio_protocol::wire::PATH_ALERTS, &alert))
            .await;
        assert_eq!(resp.status, StatusCode::CREATED);
        alert.id
    }

    /// Logs in and returns the bearer token.
    pub async fn login(&self, username: &str) -> String {
        let resp = self
            .send(json_request(
                "POST",
                "/api/v1/login",
                &serde_json::json!({"username": username, "password": PASSWORD}),
            ))
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.json);
        resp.json["token"].as_str().unwrap().to_string()
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub json: Value,
}

impl Response {
    pub async fn read(resp: axum::response::Response) -> Self {
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            json,
        }
    }

    /// Asserts an `{kind, message}` error with this status and kind.
    pub fn assert_error(&self, status: StatusCode, kind: &str) {
        assert_eq!(self.status, status, "{:?}", self.json);
        assert_eq!(self.json["kind"], kind, "{:?}", self.json);
        assert!(self.json["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

pub fn json_request(method: &str, path: &str, body: &Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(body).unwrap()))
        .unwrap()
}

pub fn authed(mut req: Request<Body>, token: &str) -> Request<Body> {
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    req
}

pub fn get(path: &str) -> Request<Body> {
    Request::builder().uri(path).body(Body::empty()).unwrap()
}

/// A fresh 9 m GPS fix in El Porvenir, as a phone's platform hands it over.
pub fn gps_fix_now() -> Fix {
    Fix {
        lat: -8.0712,
        lon: -79.0034,
        accuracy_m: 9.0,
        altitude_m: None,
        speed_mps: None,
        heading_deg: None,
        fixed_at_ms: now_ms(),
        source: FixSource::Gps,
    }
}

pub struct Phone {
    pub key: DeviceKey,
    pub id: Uuid,
}

impl Phone {
    pub fn new() -> Self {
        Phone {
            key: DeviceKey::generate().unwrap(),
            id: Uuid::new_v4(),
        }
    }

    pub fn profile() -> Profile {
        Profile {
            display_name: "Rosa Quispe".into(),
            dni: Some("41234567".into()),
            phone: "+51 944 123 456".into(),
            role: ReporterRole::MototaxiDriver,
            plate: Some("M1-234".into()),
            place: None,
        }
    }

    pub fn enroll_request(&self, code: &str) -> Request<Body> {
        let req = EnrollRequest {
            v: PROTOCOL_VERSION,
            code: code.into(),
            device_id: self.id,
            public_key: self.key.public_key().to_base64(),
            profile: Self::profile(),
        };
        json_request(
            "POST",
            "/api/v1/enroll",
            &serde_json::to_value(req).unwrap(),
        )
    }

    pub fn alert(&self) -> Alert {
        self.alert_at(-8.0712, -79.0034)
    }

    pub fn alert_at(&self, lat: f64, lon: f64) -> Alert {
        let now = now_ms();
        Alert {
            v: PROTOCOL_VERSION,
            id: Uuid::now_v7(),
            device_id: self.id,
            kind: AlertKind::Asalto,
            created_at_ms: now - 500,
            fix: Some(Fix {
                lat,
                lon,
                accuracy_m: 12.0,
                altitude_m: None,
                speed_mps: None,
                heading_deg: None,
                fixed_at_ms: now - 1000,
                source: FixSource::Gps,
            }),
            reporter: Reporter {
                display_name: "Rosa Quispe".into(),
                phone: "+51 944 123 456".into(),
                role: ReporterRole::MototaxiDriver,
                organization: None,
                plate: Some("M1-234".into()),
                place: None,
            },
            battery_pct: Some(64),
            silent: false,
            note: None,
            app_version: "0.1.0".into(),
        }
    }

    /// A request signed over exactly `body`.
    pub fn signed(&self, method: &str, path: &str, body: Vec<u8>) -> Request<Body> {
        let sig = self.key.sign_request(method, path, &body);
        Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .header(HEADER_DEVICE, self.id.to_string())
            .header(HEADER_SIGNATURE, sig)
            .body(Body::from(body))
            .unwrap()
    }

    pub fn signed_json<T: serde::Serialize>(
        &self,
        method: &str,
        path: &str,
        value: &T,
    ) -> Request<Body> {
        self.signed(method, path, serde_json::to_vec(value).unwrap())
    }
}

/// Rows in a table (or `table WHERE …`) of the server's database.
pub fn count(server: &TestServer, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(server.dir.path().join("server.db")).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}
