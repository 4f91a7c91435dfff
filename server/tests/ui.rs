//! The built web UI is served beside the API: the console at `/`, the
//! citizen QR page at `/sos/`; unknown API paths keep the JSON error.

mod common;

use auxilio_server::Settings;
use axum::http::StatusCode;
use common::{get, Response, TestServer};
use tower::ServiceExt;

async fn body_text(server: &TestServer, path: &str) -> (StatusCode, String) {
    let resp = server.app().oneshot(get(path)).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn built_ui() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<title>consola</title>").unwrap();
    std::fs::create_dir(dir.path().join("sos")).unwrap();
    std::fs::write(dir.path().join("sos/index.html"), "<title>sos</title>").unwrap();
    dir
}

#[tokio::test]
async fn test_the_built_console_and_citizen_page_are_served() {
    let ui = built_ui();
    let server = TestServer::with_settings(Settings {
        ui_dir: Some(ui.path().to_path_buf()),
        ..Settings::default()
    });
    assert_eq!(
        body_text(&server, "/").await,
        (StatusCode::OK, "<title>consola</title>".into())
    );
    assert_eq!(
        body_text(&server, "/sos/").await,
        (StatusCode::OK, "<title>sos</title>".into())
    );
    let missing = server
        .app()
        .oneshot(get("/api/v1/no-such-thing"))
        .await
        .unwrap();
    Response::read(missing)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    let healthz = server.app().oneshot(get("/healthz")).await.unwrap();
    assert_eq!(healthz.status(), StatusCode::OK);
}

#[tokio::test]
async fn test_without_a_built_ui_the_builtin_page_answers() {
    let empty = tempfile::tempdir().unwrap();
    let server = TestServer::with_settings(Settings {
        ui_dir: Some(empty.path().to_path_buf()),
        ..Settings::default()
    });
    let (status, html) = body_text(&server, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html"), "the built-in console page");
}
