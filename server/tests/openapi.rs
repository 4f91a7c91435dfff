//! The OpenAPI document is the contract: it parses, it lists every route
//! the router serves with its parameters where the router takes them, and
//! the copy the UI generates its types from (`ui/src/api/openapi.json`) is
//! this document. Schemathesis checks the rest (`server/tests/schemathesis.sh`).

mod common;

use auxilio_protocol::wire::{self, HEADER_DEVICE, HEADER_SIGNATURE};
use axum::http::StatusCode;
use common::*;
use serde_json::Value;

/// The document as the server serves it.
async fn document(server: &TestServer) -> Value {
    let resp = server.send(get(wire::PATH_OPENAPI)).await;
    assert_eq!(resp.status, StatusCode::OK);
    resp.json
}

/// `(method, template)` of every operation the router serves.
const ROUTES: &[(&str, &str)] = &[
    ("post", wire::PATH_ENROLL),
    ("post", wire::PATH_ALERTS),
    ("get", wire::PATH_ALERTS),
    ("post", wire::PATH_POSITIONS),
    ("get", wire::PATH_ALERT),
    ("post", wire::PATH_ALERT_CANCEL),
    ("get", wire::PATH_ALERT_STATUS),
    ("get", wire::PATH_ALERT_EVENTS),
    ("post", wire::PATH_ALERT_TRANSITION),
    ("get", wire::PATH_ALERT_NEAREST_UNITS),
    ("post", wire::PATH_LOGIN),
    ("post", wire::PATH_LOGOUT),
    ("get", wire::PATH_ME),
    ("get", wire::PATH_UNITS),
    ("post", wire::PATH_UNITS_ME),
    ("get", wire::PATH_STREAM),
    ("post", wire::PATH_SMS_INBOUND),
    ("get", wire::PATH_HEALTHZ),
    ("get", wire::PATH_METRICS),
];

/// The parameters of an operation as `(in, name, required)`.
fn params(doc: &Value, method: &str, path: &str) -> Vec<(String, String, bool)> {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not in the document");
    op["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    (
                        p["in"].as_str().unwrap().to_string(),
                        p["name"].as_str().unwrap().to_string(),
                        p["required"].as_bool().unwrap_or(false),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn of_kind(ps: &[(String, String, bool)], place: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = ps
        .iter()
        .filter(|(i, _, _)| i == place)
        .map(|(_, n, r)| (n.clone(), *r))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn test_the_document_parses_and_lists_exactly_the_routes_served() {
    let server = TestServer::new();
    let doc = document(&server).await;
    let parsed: utoipa::openapi::OpenApi = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(
        parsed.paths.paths.len(),
        doc["paths"].as_object().unwrap().len()
    );
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));

    let mut listed: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            listed.push((method.clone(), path.clone()));
        }
    }
    let mut served: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    listed.sort();
    served.sort();
    assert_eq!(listed, served);

    // Every path parameter is a `{name}` of its template, and back.
    for (method, path) in ROUTES {
        let in_path = of_kind(&params(&doc, method, path), "path");
        let mut template: Vec<(String, bool)> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| (name.to_string(), true))
            .collect();
        template.sort();
        assert_eq!(in_path, template, "{method} {path}");
    }
}

#[tokio::test]
async fn test_query_headers_and_bodies_are_where_the_router_takes_them() {
    let server = TestServer::new();
    let doc = document(&server).await;

    let list = params(&doc, "get", wire::PATH_ALERTS);
    let optional = |names: &[&str]| -> Vec<(String, bool)> {
        let mut v: Vec<(String, bool)> = names.iter().map(|n| (n.to_string(), false)).collect();
        v.sort();
        v
    };
    assert_eq!(
        of_kind(&list, "query"),
        optional(&["from_ms", "kind", "limit", "open", "to_ms"])
    );
    let nearest = params(&doc, "get", wire::PATH_ALERT_NEAREST_UNITS);
    assert_eq!(of_kind(&nearest, "query"), optional(&["limit"]));

    // The router takes what the document says: every query parameter at once.
    let token = server.login("central").await;
    let query = "?open=false&from_ms=0&to_ms=4102444800000&kind=asalto&limit=5";
    let resp = server
        .send(authed(
            get(&format!("{}{query}", wire::PATH_ALERTS)),
            &token,
        ))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{:?}", resp.json);
    assert!(resp.json["alerts"].is_array());

    // Signed operations name the protocol's two headers, both required.
    let signed = [
        ("post", wire::PATH_ALERTS),
        ("post", wire::PATH_POSITIONS),
        ("post", wire::PATH_ALERT_CANCEL),
        ("get", wire::PATH_ALERT_STATUS),
        ("get", wire::PATH_ALERT_EVENTS),
    ];
    let mut headers = vec![
        (HEADER_DEVICE.to_string(), true),
        (HEADER_SIGNATURE.to_string(), true),
    ];
    headers.sort();
    for (method, path) in signed {
        assert_eq!(
            of_kind(&params(&doc, method, path), "header"),
            headers,
            "{method} {path}"
        );
        assert_eq!(
            doc["paths"][path][method]["security"],
            serde_json::json!([{}])
        );
    }

    // Bodies are schemas, not `Object`.
    let body_ref = |method: &str, path: &str| {
        doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        body_ref("post", wire::PATH_ALERTS),
        "#/components/schemas/Alert"
    );
    assert_eq!(
        body_ref("post", wire::PATH_POSITIONS),
        "#/components/schemas/PositionBatch"
    );
    assert_eq!(
        body_ref("post", wire::PATH_ALERT_CANCEL),
        "#/components/schemas/Cancel"
    );
    assert_eq!(
        body_ref("post", wire::PATH_ENROLL),
        "#/components/schemas/EnrollRequest"
    );
    assert_eq!(
        body_ref("post", wire::PATH_ALERT_TRANSITION),
        "#/components/schemas/TransitionBody"
    );
    let to = &doc["components"]["schemas"]["TransitionBody"]["properties"]["to"]["$ref"];
    assert_eq!(to, "#/components/schemas/AlertStatus");

    // Sessions: the cookie and the bearer token.
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["session_cookie"]["in"], "cookie");
    assert_eq!(schemes["session_cookie"]["name"], "auxilio_session");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");

    // /metrics says what it answers in.
    let metrics = server.send(get(wire::PATH_METRICS)).await;
    let documented = doc["paths"][wire::PATH_METRICS]["get"]["responses"]["200"]["content"]
        .as_object()
        .unwrap();
    let answered = metrics.headers[axum::http::header::CONTENT_TYPE]
        .to_str()
        .unwrap();
    assert!(
        documented.contains_key(answered),
        "{answered} not in {documented:?}"
    );
}

/// The UI's copy (`ui/src/api/openapi.json`, from which `npm run build`
/// generates the TypeScript types) is this document. When it is stale, run
/// `AUXILIO_WRITE_OPENAPI=1 cargo test -p auxilio-server --test openapi` and
/// commit the file.
#[tokio::test]
async fn test_the_uis_copy_of_the_document_is_current() {
    let server = TestServer::new();
    let doc = document(&server).await;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/api/openapi.json");
    let fresh = format!("{}\n", serde_json::to_string_pretty(&doc).unwrap());
    if std::env::var_os("AUXILIO_WRITE_OPENAPI").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/api/openapi.json is stale: run AUXILIO_WRITE_OPENAPI=1 cargo test -p auxilio-server --test openapi"
    );
}
