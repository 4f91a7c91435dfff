use serde::{Serialize, Serializer};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No foreground service on this platform (only Android has one).
    #[error("no foreground service on this platform")]
    Unsupported,
    /// The Kotlin side refused or failed (its message says why, without
    /// personal data).
    #[cfg(target_os = "android")]
    #[error("the Android plugin failed: {0}")]
    Plugin(#[from] tauri::plugin::mobile::PluginInvokeError),
    /// The plugin could not be registered with the Android runtime.
    #[error("the Android plugin could not be registered")]
    Register,
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;
