//! Whether an answer to a sent outbox row means "delivered": the status
//! classified by [`classify`], then a 2xx checked to really come from an
//! Auxilio server. One rule, tested against `fixtures/answers.json` (shared
//! with the `/sos` page).

use std::time::Duration;

use uuid::Uuid;

use super::http::{classify, Failure};
use crate::outbox::queue::Claim;

/// What a 2xx answer must carry to count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// An alert or a cancel: the server's view of this alert.
    View(Uuid),
    /// A position batch: a batch receipt.
    Receipt,
}

impl Expect {
    pub(crate) fn of(claim: &Claim) -> Expect {
        match claim {
            Claim::Single(row) => Expect::View(row.alert_id),
            Claim::Positions(_) => Expect::Receipt,
        }
    }
}

/// Whether a 2xx body is the server's: the view of the same alert, or a
/// batch receipt. Anything else (a captive portal's HTML page answering 200)
/// is not a delivery. Lenient about extra fields.
fn is_plausible(expect: Expect, body: &[u8]) -> bool {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    match expect {
        Expect::View(id) => {
            value.get("id").and_then(|v| v.as_str()) == Some(id.to_string().as_str())
        }
        Expect::Receipt => value.get("accepted").is_some_and(|v| v.is_u64()),
    }
}

/// The transient failure of a 2xx that is not the server's answer.
fn not_from_the_server(status: u16) -> Failure {
    Failure::Transient {
        reason: format!("HTTP {status} with an answer that is not from the server"),
        retry_after: None,
    }
}

/// The whole rule for one answer: `Ok` means delivered.
pub(crate) fn judge(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    expect: Expect,
) -> Result<(), Failure> {
    classify(status, retry_after, body)?;
    if is_plausible(expect, body) {
        Ok(())
    } else {
        Err(not_from_the_server(status))
    }
}
