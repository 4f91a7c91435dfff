use serde::{Serialize, Serializer};

/// Why an SMS was not sent. No variant carries the number or the text.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// This platform cannot send an SMS by itself (only Android can).
    #[error("this platform cannot send an SMS by itself")]
    Unsupported,
    /// The message was refused before it reached the platform (no number,
    /// or a text that is not one plain SMS). The reason names no data.
    #[error("the SMS was not sent: {0}")]
    Invalid(&'static str),
    /// Android did not send it: `code` is the Kotlin side's reason
    /// (`permission`, `radio_off`, `no_service`, `timeout`, …).
    #[error("Android did not send the SMS: {code}")]
    Refused { code: String },
    /// The call to the Kotlin side itself failed.
    #[cfg(target_os = "android")]
    #[error("the Android plugin failed: {0}")]
    Plugin(tauri::plugin::mobile::PluginInvokeError),
    /// The plugin could not be registered with the Android runtime.
    #[error("the Android plugin could not be registered")]
    Register,
}

impl Error {
    /// A short machine-readable reason, for logs and the web view.
    pub fn code(&self) -> &str {
        match self {
            Error::Unsupported => "unsupported",
            Error::Invalid(_) => "invalid",
            Error::Refused { code } => code.as_str(),
            #[cfg(target_os = "android")]
            Error::Plugin(_) => "plugin",
            Error::Register => "register",
        }
    }
}

#[cfg(target_os = "android")]
impl From<tauri::plugin::mobile::PluginInvokeError> for Error {
    fn from(e: tauri::plugin::mobile::PluginInvokeError) -> Self {
        use tauri::plugin::mobile::PluginInvokeError;
        match e {
            // `invoke.reject(message, code)` in SmsPlugin.kt.
            PluginInvokeError::InvokeRejected(r) => Error::Refused {
                code: r.code.unwrap_or_else(|| "rejected".into()),
            },
            other => Error::Plugin(other),
        }
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_a_short_code() {
        assert_eq!(Error::Unsupported.code(), "unsupported");
        assert_eq!(Error::Invalid("no number").code(), "invalid");
        let refused = Error::Refused {
            code: "no_service".into(),
        };
        assert_eq!(refused.code(), "no_service");
        assert!(refused.to_string().ends_with("no_service"));
    }
}
