use serde::{Deserialize, Serialize};
use tauri::plugin::PermissionState;

use crate::{Error, Result};

/// One SMS: core's alert texts are 157 GSM-7 characters (`AUX1 ` + base64url).
pub const MAX_TEXT_CHARS: usize = 160;

/// What `SmsPlugin.kt` sends: a number and the text of one plain SMS.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsMessage {
    to: String,
    text: String,
}

impl SmsMessage {
    /// Checks the message before it reaches the platform: a dialable number
    /// and a text of 1 to [`MAX_TEXT_CHARS`] printable ASCII characters
    /// (so it is one SMS, never split or sent as UCS-2).
    pub fn new(to: &str, text: &str) -> Result<Self> {
        let to = normalize_number(to).ok_or(Error::Invalid("no valid number"))?;
        if text.is_empty() {
            return Err(Error::Invalid("empty text"));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(Error::Invalid("text longer than one SMS"));
        }
        if !text.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
            return Err(Error::Invalid("text is not plain ASCII"));
        }
        Ok(SmsMessage {
            to,
            text: text.to_owned(),
        })
    }

    pub fn to(&self) -> &str {
        &self.to
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

/// Never prints the number or the text.
impl std::fmt::Debug for SmsMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsMessage")
            .field("text_chars", &self.text.chars().count())
            .finish_non_exhaustive()
    }
}

/// A number as the platform dials it: an optional leading `+` and digits,
/// with the spaces, dashes, dots and brackets people write removed. `None`
/// for anything else (letters, a `+` inside) or fewer than 3 digits.
pub fn normalize_number(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let (plus, rest) = match raw.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", raw),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    (digits.len() >= 3).then(|| format!("{plus}{digits}"))
}

/// The answer of `checkPermissions` / `requestPermissions`: the state of
/// the plugin's permission alias `sms` (`android.permission.SEND_SMS`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[cfg_attr(not(target_os = "android"), allow(dead_code))]
pub(crate) struct PermissionResponse {
    pub sms: PermissionState,
}

/// The argument of `requestPermissions`: which aliases to ask for.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(not(target_os = "android"), allow(dead_code))]
pub(crate) struct PermissionRequest {
    pub permissions: [&'static str; 1],
}

impl PermissionRequest {
    #[cfg_attr(not(target_os = "android"), allow(dead_code))]
    pub(crate) const SMS: PermissionRequest = PermissionRequest {
        permissions: ["sms"],
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "AUX1 AQGTx2r4ck3w4Q7Zx0D4nBvYt6oRk2J1bC8dE9fG0hI1jK2lM3nO4pQ5rS6tU7vW8xY9zA0bC1dE2fG3hI4jK5lM6nO7pQ8rS9tU0vW1xY2zA3bC4dE5fG6hI7jK8lM9nO0pQ1rS2tU3vW4xY5zA6bC7";

    #[test]
    fn numbers_keep_the_plus_and_digits_only() {
        assert_eq!(
            normalize_number(" +51 944-123.456 ").as_deref(),
            Some("+51944123456")
        );
        assert_eq!(
            normalize_number("(044) 48 1234").as_deref(),
            Some("044481234")
        );
        assert_eq!(normalize_number("105").as_deref(), Some("105"));
        for bad in [
            "",
            "+",
            "12",
            "51+944",
            "central",
            "944 123 456 ext 2",
            "*105#",
        ] {
            assert_eq!(normalize_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_message_is_one_plain_sms() {
        let m = SmsMessage::new("+51 944 123 456", TEXT).expect("valid");
        assert_eq!(m.to(), "+51944123456");
        assert_eq!(m.text(), TEXT);
        let json = serde_json::to_value(&m).expect("json");
        assert_eq!(json["to"], "+51944123456");
        assert_eq!(json["text"], TEXT);

        let long = "A".repeat(MAX_TEXT_CHARS + 1);
        assert!(SmsMessage::new("105", &"A".repeat(MAX_TEXT_CHARS)).is_ok());
        for (to, text) in [
            ("105", ""),
            ("105", long.as_str()),
            ("105", "AUX1 ñ"),
            ("105", "a\nb"),
            ("x", TEXT),
        ] {
            assert!(
                matches!(SmsMessage::new(to, text), Err(Error::Invalid(_))),
                "{to:?}"
            );
        }
    }

    #[test]
    fn debug_shows_neither_number_nor_text() {
        let m = SmsMessage::new("+51944123456", TEXT).expect("valid");
        let shown = format!("{m:?}");
        assert!(!shown.contains("944") && !shown.contains("AUX1"), "{shown}");
    }

    #[test]
    fn the_permission_answer_and_request_have_the_kotlin_shape() {
        let r: PermissionResponse = serde_json::from_str(r#"{"sms":"granted"}"#).expect("granted");
        assert_eq!(r.sms, PermissionState::Granted);
        let r: PermissionResponse =
            serde_json::from_str(r#"{"sms":"prompt-with-rationale"}"#).expect("rationale");
        assert_eq!(r.sms, PermissionState::PromptWithRationale);
        let req = serde_json::to_string(&PermissionRequest::SMS).expect("json");
        assert_eq!(req, r#"{"permissions":["sms"]}"#);
    }
}
