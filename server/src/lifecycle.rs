//! Which status changes an alert may make.
//!
//! new → acknowledged → dispatched (a unit assigned) → en_route → on_scene →
//! resolved (with an outcome); a unit may report on_scene without en_route;
//! the central may close (resolve) any acknowledged alert, e.g. a false
//! alarm; only the reporter cancels, from any open status.

use auxilio_protocol::AlertStatus::{self, *};

use crate::domain::DomainError;
use crate::model::status_str;

/// Who asks for the change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    Responder,
    Reporter,
}

pub fn allowed(from: AlertStatus, to: AlertStatus, by: By) -> bool {
    match by {
        By::Reporter => to == Cancelled && !from.is_terminal(),
        By::Responder => matches!(
            (from, to),
            (New, Acknowledged)
                | (Acknowledged, Dispatched)
                | (Dispatched, EnRoute)
                | (Dispatched, OnScene)
                | (EnRoute, OnScene)
                | (Acknowledged | Dispatched | EnRoute | OnScene, Resolved)
        ),
    }
}

pub fn check(from: AlertStatus, to: AlertStatus, by: By) -> Result<(), DomainError> {
    if allowed(from, to, by) {
        Ok(())
    } else {
        Err(DomainError::InvalidTransition {
            from: status_str(from),
            to: status_str(to),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [AlertStatus; 7] = [
        New,
        Acknowledged,
        Dispatched,
        EnRoute,
        OnScene,
        Resolved,
        Cancelled,
    ];

    #[test]
    fn the_happy_path_is_allowed_step_by_step() {
        let path = [New, Acknowledged, Dispatched, EnRoute, OnScene, Resolved];
        for pair in path.windows(2) {
            assert!(allowed(pair[0], pair[1], By::Responder), "{:?}", pair);
        }
    }

    #[test]
    fn nothing_leaves_a_terminal_status() {
        for from in [Resolved, Cancelled] {
            for to in ALL {
                assert!(!allowed(from, to, By::Responder));
                assert!(!allowed(from, to, By::Reporter));
            }
        }
    }

    #[test]
    fn responders_cannot_cancel_or_skip_acknowledging() {
        for from in ALL {
            assert!(!allowed(from, Cancelled, By::Responder));
        }
        assert!(!allowed(New, Dispatched, By::Responder));
        assert!(!allowed(New, Resolved, By::Responder));
        assert!(!allowed(Acknowledged, Acknowledged, By::Responder));
    }

    #[test]
    fn the_reporter_can_only_cancel_an_open_alert() {
        for from in [New, Acknowledged, Dispatched, EnRoute, OnScene] {
            assert!(allowed(from, Cancelled, By::Reporter));
            assert!(!allowed(from, Resolved, By::Reporter));
        }
    }

    #[test]
    fn a_refusal_names_both_statuses() {
        let err = check(New, Resolved, By::Responder).unwrap_err();
        assert_eq!(
            err,
            DomainError::InvalidTransition {
                from: "new",
                to: "resolved"
            }
        );
    }
}
