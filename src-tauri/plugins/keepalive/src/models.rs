use serde::Serialize;

/// The persistent notification of the foreground service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub title: String,
    pub text: String,
}
