//! `auxilio-app`: the installable Auxilio app (Android, iOS, desktop). A thin
//! Tauri 2 shell around `auxilio-core` that shows the `ui/` screens and is the
//! only place touching the phone's hardware.
//!
//! Module map: [`commands`] (IPC commands: `citizen`, `unit`), [`events`] (event names and the
//! core event forwarder), [`error`] (the `{kind, message}` IPC error),
//! [`state`] (one core per app), [`location`] (geolocation on mobile, never
//! (0, 0)), [`feedback`] (haptics, notifications, sms:/tel:/geo: links),
//! [`deeplink`] (`auxilio://enroll?code=…`), [`unit`] (the patrol unit's
//! responder API client, its saved login, the live stream it follows and
//! `unit::duty`, a unit's shift: position reports and assignments),
//! [`keepalive`] (the Android foreground service during an SOS or a shift),
//! [`battery`] (the level an alert carries), [`sms`] (the SMS fallback:
//! sent by the app on Android, a link elsewhere), [`settings`].

pub mod battery;
pub mod command_names;
pub mod commands;
pub mod deeplink;
pub mod error;
pub mod events;
pub mod feedback;
pub mod keepalive;
pub mod location;
pub mod settings;
pub mod sms;
pub mod state;
pub mod unit;

use tauri::{Builder, Manager, Runtime};

pub use error::Error;
pub use state::{AppState, Startup};

/// The one window.
pub const MAIN_WINDOW: &str = "main";
/// The citizen screens (SOS, timeline, enrollment) in `ui/dist`.
pub const CITIZEN_PAGE: &str = "/app/index.html";
/// The patrol unit screens in `ui/dist`.
pub const UNIT_PAGE: &str = "/unit/index.html";

/// Run after each page load: tells the shell (`ui_ready`) which first screen
/// is on display, so launch-to-ready time is measured on the real screen.
const READY_PROBE: &str = r#"(function () {
  var t0 = Date.now();
  function check() {
    var screen = document.querySelector('[data-testid="sos"]') ? 'sos'
      : document.querySelector('main.enroll') ? 'enroll'
      : document.querySelector('[data-testid="duty"]') ? 'unit'
      : document.querySelector('main.login form') ? 'login' : null;
    if (screen && window.__TAURI_INTERNALS__) {
      window.__TAURI_INTERNALS__.invoke('ui_ready', { screen: screen }).catch(function () {});
    } else if (Date.now() - t0 < 30000) {
      setTimeout(check, 10);
    }
  }
  check();
})();"#;

/// The app's commands on any runtime (the real one, or Tauri's mock runtime
/// in tests). State comes from [`init`]; plugins and the window from [`run`].
pub fn app_builder<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::citizen::is_enrolled,
        commands::citizen::profile,
        commands::citizen::enroll,
        commands::citizen::set_profile,
        commands::citizen::settings,
        commands::citizen::set_settings,
        commands::citizen::set_position,
        commands::citizen::raise_sos,
        commands::citizen::cancel_sos,
        commands::citizen::alert_status,
        commands::citizen::open_alerts,
        commands::citizen::pending,
        commands::citizen::pending_count,
        commands::citizen::sms_fallback_sent,
        commands::citizen::arm_location,
        commands::citizen::connectivity_restored,
        commands::citizen::open_link,
        commands::citizen::haptic,
        commands::citizen::ui_ready,
        commands::unit::unit_login,
        commands::unit::unit_account,
        commands::unit::unit_logout,
        commands::unit::start_duty,
        commands::unit::stop_duty,
        commands::unit::unit_report,
        commands::unit::acknowledge_assignment,
        commands::unit::unit_duty,
        commands::unit::unit_assignments,
        commands::unit::unit_transition,
    ])
}

/// Opens the core and the shell state, manages them, and starts forwarding
/// core events. [`run`] calls it from `setup`; tests call it after `build`.
pub fn init<R: Runtime>(app: &tauri::AppHandle<R>, startup: Startup) -> Result<(), Error> {
    let state = AppState::open(app, startup)?;
    app.manage(state);
    app.manage(sms::SmsSender::default());
    events::forward(app.clone());
    Ok(())
}

/// The compiled configuration (`tauri.conf.json`, capabilities, `ui/dist`).
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("AUXILIO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn open_main_window<R: Runtime>(app: &tauri::App<R>) -> tauri::Result<()> {
    let page = match app.state::<AppState>().settings().role {
        settings::Role::Unit => UNIT_PAGE,
        settings::Role::Citizen => CITIZEN_PAGE,
    };
    let url = tauri::WebviewUrl::App(page.trim_start_matches('/').into());
    let builder = tauri::WebviewWindowBuilder::new(app, MAIN_WINDOW, url);
    #[cfg(desktop)]
    let builder = builder
        .title("Auxilio")
        .inner_size(420.0, 780.0)
        .min_inner_size(320.0, 480.0);
    builder.build().map(|_| ())
}

fn listen_for_links<R: Runtime>(app: &tauri::App<R>) {
    use tauri_plugin_deep_link::DeepLinkExt;
    let handle = app.handle().clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            deeplink::handle(&handle, &url);
        }
    });
    if let Ok(Some(urls)) = app.deep_link().get_current() {
        for url in urls {
            deeplink::handle(app.handle(), &url);
        }
    }
}

/// The app's entry point (desktop `main`, and the mobile library entry).
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    init_tracing();
    let startup = Startup::from_env();
    let launched_at = startup.launched_at;
    let builder = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init());
    #[cfg(mobile)]
    let builder = builder
        .plugin(tauri_plugin_geolocation::init())
        .plugin(tauri_plugin_haptics::init())
        .plugin(tauri_plugin_barcode_scanner::init())
        .plugin(tauri_plugin_auxilio_keepalive::init())
        .plugin(tauri_plugin_auxilio_sms::init());
    let builder = app_builder(builder)
        .setup(move |app| {
            init(app.handle(), startup)?;
            let after_ms = launched_at.elapsed().as_millis() as u64;
            tracing::info!(after_ms, "core opened");
            open_main_window(app)?;
            listen_for_links(app);
            #[cfg(mobile)]
            {
                use tauri_plugin_notification::NotificationExt;
                // Android 13+ asks once; a unit must be alerted in the background.
                if let Err(e) = app.notification().request_permission() {
                    tracing::warn!(error = %e, "notification permission not requested");
                }
            }
            Ok(())
        })
        .on_page_load(move |webview, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                let after_ms = launched_at.elapsed().as_millis() as u64;
                tracing::info!(after_ms, "page loaded");
                if let Err(e) = webview.eval(READY_PROBE) {
                    tracing::debug!(error = %e, "ready probe not injected");
                }
            }
        });
    let app = match builder.build(context()) {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "the app could not start");
            eprintln!("auxilio-app: cannot start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        let Some(state) = handle.try_state::<AppState>() else {
            return;
        };
        match event {
            tauri::RunEvent::Exit => {
                state.unit.stop_duty_task();
                tauri::async_runtime::block_on(state.core.shutdown());
            }
            tauri::RunEvent::Resumed => {
                // Back in the foreground, maybe with a network again.
                state.core.connectivity_restored();
            }
            _ => {}
        }
    });
}
