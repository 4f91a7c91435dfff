use serde::{Deserialize, Serialize};

/// The persistent notification of the foreground service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub title: String,
    pub text: String,
}

/// `BatteryManager`'s answer: `percent` is absent when Android does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BatteryLevel {
    #[serde(default)]
    pub percent: Option<u8>,
}
