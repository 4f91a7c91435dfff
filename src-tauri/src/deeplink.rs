//! `auxilio://enroll?code=…` (the QR on a flyer, or a link in a message)
//! opens enrollment with the code filled in.

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::events::EVENT_ENROLL_LINK;
use crate::state::AppState;

/// Longest enrollment code accepted from a link.
const MAX_CODE: usize = 64;

#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct EnrollLink {
    pub code: String,
}

/// The enrollment code of an `auxilio://enroll?code=…` link, if it is one.
/// Codes are letters, digits, `-` and `_` (what the server makes).
pub fn enroll_code(url: &url::Url) -> Option<String> {
    if url.scheme() != "auxilio" || url.host_str() != Some("enroll") {
        return None;
    }
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code" || k == "c")?
        .1
        .trim()
        .to_owned();
    let ok = !code.is_empty()
        && code.len() <= MAX_CODE
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then_some(code)
}

/// Opens enrollment for `url`: emits `auxilio://enroll-link`, and if this
/// device is not enrolled yet, shows the enrollment form with the code.
pub fn handle<R: Runtime>(app: &AppHandle<R>, url: &url::Url) {
    let Some(code) = enroll_code(url) else {
        tracing::info!("an unknown link was ignored");
        return;
    };
    let _ = app.emit(EVENT_ENROLL_LINK, EnrollLink { code: code.clone() });
    let enrolled = app
        .try_state::<AppState>()
        .is_some_and(|s| s.core.is_enrolled());
    if enrolled {
        return;
    }
    if let Some(window) = app.get_webview_window(crate::MAIN_WINDOW) {
        // The enrollment form reads `?enroll=<link>` (ui/src/logic/enroll.ts).
        let link = format!("auxilio://enroll?code={code}");
        let mut target = match window.url() {
            Ok(u) => u,
            Err(_) => return,
        };
        target.set_path(crate::CITIZEN_PAGE);
        target
            .query_pairs_mut()
            .clear()
            .append_pair("enroll", &link);
        if let Err(e) = window.navigate(target) {
            tracing::warn!(error = %e, "cannot open the enrollment form");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Option<String> {
        enroll_code(&url::Url::parse(s).unwrap())
    }

    #[test]
    fn enrollment_links_give_their_code() {
        assert_eq!(
            code("auxilio://enroll?code=AB12-cd_3").as_deref(),
            Some("AB12-cd_3")
        );
        assert_eq!(code("auxilio://enroll?c=XYZ").as_deref(), Some("XYZ"));
    }

    #[test]
    fn other_links_and_odd_codes_are_ignored() {
        assert_eq!(code("auxilio://other?code=AB"), None);
        assert_eq!(code("https://enroll?code=AB"), None);
        assert_eq!(code("auxilio://enroll?code=%3Cscript%3E"), None);
        assert_eq!(code("auxilio://enroll"), None);
        assert_eq!(
            code(&format!("auxilio://enroll?code={}", "A".repeat(65))),
            None
        );
    }
}
