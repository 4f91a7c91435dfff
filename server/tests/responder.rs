//! Router tests of the responder API (`oneshot`): sessions, the lifecycle
//! with its audit trail, units, queries, and the ops endpoints.

mod common;

use auxilio_protocol::wire::{status_path, PATH_ALERTS};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use serde_json::json;

async fn transition(
    server: &TestServer,
    token: &str,
    id: uuid::Uuid,
    body: serde_json::Value,
) -> Response {
    server
        .send(authed(
            json_request("POST", &format!("/api/v1/alerts/{id}/transition"), &body),
            token,
        ))
        .await
}

#[tokio::test]
async fn test_every_responder_endpoint_needs_a_session() {
    let server = TestServer::new();
    let id = uuid::Uuid::now_v7();
    let requests = vec![
        get("/api/v1/alerts"),
        get(&format!("/api/v1/alerts/{id}")),
        get(&format!("/api/v1/alerts/{id}/nearest-units")),
        json_request(
            "POST",
            &format!("/api/v1/alerts/{id}/transition"),
            &json!({"to": "acknowledged"}),
        ),
        get("/api/v1/units"),
        json_request("POST", "/api/v1/units/me", &json!({"available": true})),
        get("/api/v1/stream"),
        get("/api/v1/me"),
        json_request("POST", "/api/v1/logout", &json!({})),
    ];
    for req in requests {
        let path = req.uri().to_string();
        let resp = server.send(req).await;
        assert_eq!(resp.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(resp.json["kind"], "unauthenticated", "{path}");
    }
    let bogus = authed(get("/api/v1/alerts"), "made-up-token");
    server
        .send(bogus)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn test_login_sets_a_strict_http_only_cookie_that_works_and_logout_ends_it() {
    let server = TestServer::new();
    let bad = server
        .send(json_request(
            "POST",
            "/api/v1/login",
            &json!({"username": "central", "password": "x"}),
        ))
        .await;
    bad.assert_error(StatusCode::UNAUTHORIZED, "bad_credentials");
    let nobody = server
        .send(json_request(
            "POST",
            "/api/v1/login",
            &json!({"username": "nadie", "password": "x"}),
        ))
        .await;
    nobody.assert_error(StatusCode::UNAUTHORIZED, "bad_credentials");
    server
        .send(json_request(
            "POST",
            "/api/v1/login",
            &json!({"username": "central"}),
        ))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "malformed");

    let resp = server
        .send(json_request(
            "POST",
            "/api/v1/login",
            &json!({"username": "central", "password": PASSWORD}),
        ))
        .await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.json["account"]["role"], "operator");
    let cookie = resp.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let pair = cookie.split(';').next().unwrap().to_string();

    let with_cookie = |path: &str, method: &str| {
        Request::builder()
            .method(method)
            .uri(path)
            .header("cookie", pair.clone())
            .body(Body::empty())
            .unwrap()
    };
    let me = server.send(with_cookie("/api/v1/me", "GET")).await;
    assert_eq!(me.json["username"], "central");
    assert_eq!(
        server
            .send(with_cookie("/api/v1/logout", "POST"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    server
        .send(with_cookie("/api/v1/me", "GET"))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn test_the_whole_lifecycle_is_validated_timestamped_and_audited() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let id = server.raise(&phone).await;
    let op = server.login("central").await;
    let unit = server.login("serenazgo01").await;

    // Not before acknowledging.
    transition(
        &server,
        &op,
        id,
        json!({"to": "dispatched", "unit_id": server.unit_id}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "invalid_transition");
    let acked = transition(&server, &op, id, json!({"to": "acknowledged"})).await;
    assert_eq!(acked.json["status"], "acknowledged", "{:?}", acked.json);
    transition(&server, &op, id, json!({"to": "acknowledged"}))
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");

    // The unit cannot dispatch itself; the central dispatches, the nearest first.
    transition(
        &server,
        &unit,
        id,
        json!({"to": "dispatched", "unit_id": server.unit_id}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    let nearest = server
        .send(authed(
            get(&format!("/api/v1/alerts/{id}/nearest-units")),
            &op,
        ))
        .await;
    assert_eq!(
        nearest.json[0]["unit"]["id"], server.unit_id,
        "{:?}",
        nearest.json
    );
    assert!(
        nearest.json[0]["distance_m"].as_f64().unwrap()
            < nearest.json[1]["distance_m"].as_f64().unwrap()
    );
    transition(&server, &op, id, json!({"to": "dispatched"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid");
    let dispatched = transition(
        &server,
        &op,
        id,
        json!({"to": "dispatched", "unit_id": server.unit_id}),
    )
    .await;
    assert_eq!(dispatched.json["status"], "dispatched");
    assert_eq!(dispatched.json["unit_name"], "Serenazgo 01");
    assert!(dispatched.json["unit_distance_m"].as_f64().unwrap() > 100.0);

    // The busy unit is no longer suggested.
    let nearest = server
        .send(authed(
            get(&format!("/api/v1/alerts/{id}/nearest-units")),
            &op,
        ))
        .await;
    assert!(nearest
        .json
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["unit"]["id"] != server.unit_id));

    // The unit reports its way there; the reporter sees the distance shrink.
    let moved = server
        .send(authed(
            json_request(
                "POST",
                "/api/v1/units/me",
                &json!({"lat": -8.0711, "lon": -79.0033}),
            ),
            &unit,
        ))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.json);
    assert_eq!(
        transition(&server, &unit, id, json!({"to": "en_route"}))
            .await
            .json["status"],
        "en_route"
    );
    assert_eq!(
        transition(&server, &unit, id, json!({"to": "on_scene"}))
            .await
            .json["status"],
        "on_scene"
    );
    let status = server
        .send(phone.signed("GET", &status_path(&id), vec![]))
        .await;
    assert_eq!(status.json["status"], "on_scene");
    assert!(status.json["unit_distance_m"].as_f64().unwrap() < 50.0);

    transition(&server, &unit, id, json!({"to": "resolved"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid");
    let resolved = transition(
        &server,
        &unit,
        id,
        json!({"to": "resolved", "outcome": "attended"}),
    )
    .await;
    assert_eq!(resolved.json["status"], "resolved");
    assert_eq!(resolved.json["outcome"], "attended");
    transition(&server, &op, id, json!({"to": "acknowledged"}))
        .await
        .assert_error(StatusCode::CONFLICT, "invalid_transition");

    let detail = server
        .send(authed(get(&format!("/api/v1/alerts/{id}")), &op))
        .await;
    let steps: Vec<(String, String)> = detail.json["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["actor"].as_str().unwrap().to_string(),
                h["to_status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let to: Vec<&str> = steps.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        to,
        [
            "new",
            "acknowledged",
            "dispatched",
            "en_route",
            "on_scene",
            "resolved"
        ]
    );
    assert!(steps[0].0.starts_with("device:"));
    assert!(steps[1].0.starts_with("account:") && steps[5].0 != steps[1].0);
    // The unit is free again.
    let units = server.send(authed(get("/api/v1/units"), &op)).await;
    assert_eq!(units.json[0]["available"], true);
}

#[tokio::test]
async fn test_roles_are_enforced() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let id = server.raise(&phone).await;
    let pnp = server.login("comisaria").await;
    let op = server.login("central").await;
    transition(&server, &pnp, id, json!({"to": "acknowledged"}))
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    // PNP may read.
    assert_eq!(
        server
            .send(authed(get("/api/v1/alerts"), &pnp))
            .await
            .status,
        StatusCode::OK
    );
    // Only a unit account reports a unit position.
    server
        .send(authed(
            json_request("POST", "/api/v1/units/me", &json!({"available": false})),
            &op,
        ))
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    let unit = server.login("serenazgo01").await;
    // A unit cannot move an alert it is not assigned to.
    transition(&server, &op, id, json!({"to": "acknowledged"})).await;
    transition(
        &server,
        &unit,
        id,
        json!({"to": "resolved", "outcome": "false_alarm"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN, "forbidden");
    for bad in [
        json!({"lat": 0.0, "lon": 0.0}),
        json!({"lat": -8.0}),
        json!({"lat": 91.0, "lon": 0.0}),
    ] {
        let resp = server
            .send(authed(
                json_request("POST", "/api/v1/units/me", &bad),
                &unit,
            ))
            .await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    transition(&server, &op, id, json!({"to": "flying"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "malformed");
    transition(
        &server,
        &op,
        uuid::Uuid::now_v7(),
        json!({"to": "acknowledged"}),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn test_queries_list_open_alerts_and_filter_by_time_and_kind() {
    let server = TestServer::new();
    let phone = server.phone().await;
    let first = server.raise(&phone).await;
    let mut medical = phone.alert();
    medical.kind = auxilio_protocol::AlertKind::EmergenciaMedica;
    server
        .send(phone.signed_json("POST", PATH_ALERTS, &medical))
        .await;
    let op = server.login("central").await;

    let open = server.send(authed(get("/api/v1/alerts"), &op)).await;
    assert_eq!(open.json["alerts"].as_array().unwrap().len(), 2);
    assert!(open.json["last_event_id"].as_i64().unwrap() > 0);
    assert_eq!(
        open.json["alerts"][0]["reporter"]["display_name"],
        "Rosa Quispe"
    );

    let by_kind = server
        .send(authed(
            get("/api/v1/alerts?kind=emergencia_medica&from_ms=0"),
            &op,
        ))
        .await;
    let ids: Vec<&str> = by_kind.json["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [medical.id.to_string()]);
    let future = auxilio_protocol::now_ms() + 60_000;
    let none = server
        .send(authed(
            get(&format!("/api/v1/alerts?from_ms={future}")),
            &op,
        ))
        .await;
    assert!(none.json["alerts"].as_array().unwrap().is_empty());
    server
        .send(authed(get("/api/v1/alerts?kind=robo"), &op))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid");
    server
        .send(authed(get("/api/v1/alerts?from_ms=yesterday"), &op))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "malformed");

    transition(&server, &op, first, json!({"to": "acknowledged"})).await;
    transition(
        &server,
        &op,
        first,
        json!({"to": "resolved", "outcome": "false_alarm"}),
    )
    .await;
    let open = server
        .send(authed(get("/api/v1/alerts?open=true"), &op))
        .await;
    assert_eq!(open.json["alerts"].as_array().unwrap().len(), 1);
    let all = server
        .send(authed(get("/api/v1/alerts?open=false"), &op))
        .await;
    assert_eq!(all.json["alerts"].as_array().unwrap().len(), 2);
    server
        .send(authed(
            get(&format!("/api/v1/alerts/{}", uuid::Uuid::now_v7())),
            &op,
        ))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn test_health_metrics_openapi_and_the_console_page_are_served() {
    let server = TestServer::new();
    let phone = server.phone().await;
    server.raise(&phone).await;
    let health = server.send(get("/healthz")).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json["status"], "ok");

    let resp = server.app().oneshot_text(get("/metrics")).await;
    assert!(resp.contains("auxilio_alerts_received_total 1"), "{resp}");
    assert!(resp.contains("auxilio_alert_created_to_committed_seconds_count 1"));
    assert!(resp.contains("auxilio_stream_subscribers 0"));
    assert!(resp.contains("auxilio_alert_time_to_acknowledge_seconds"));

    let doc = server.send(get("/api/v1/openapi.json")).await;
    assert_eq!(doc.status, StatusCode::OK);
    for path in [
        "/api/v1/alerts",
        "/api/v1/enroll",
        "/api/v1/stream",
        "/api/v1/alerts/{id}/transition",
        "/api/v1/login",
    ] {
        assert!(
            doc.json["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc.json["components"]["schemas"]["AlertSummary"].is_object());

    let page = server.app().oneshot_text(get("/")).await;
    assert!(page.contains("Alertas abiertas") && page.contains("/api/v1/stream"));
}

trait OneshotText {
    async fn oneshot_text(self, req: Request<Body>) -> String;
}

impl OneshotText for axum::Router {
    async fn oneshot_text(self, req: Request<Body>) -> String {
        use tower::ServiceExt;
        let resp = self.oneshot(req).await.unwrap();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}
