//! Faults the receiver injects, scripted per request.

use std::time::Duration;

use auxilio_protocol::AlertId;

/// The phone's endpoints of the v1 API, as the fault layer counts and
/// matches them. Responder requests (the operator, consoles) pass untouched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    Enroll,
    Alert,
    Positions,
    Cancel,
    Status,
}

impl Route {
    pub const ALL: [Route; 5] = [
        Route::Enroll,
        Route::Alert,
        Route::Positions,
        Route::Cancel,
        Route::Status,
    ];

    /// The phone route of a request, if it is one.
    pub fn of(method: &str, path: &str) -> Option<Route> {
        use auxilio_protocol::wire::{PATH_ALERTS, PATH_ENROLL, PATH_POSITIONS};
        match (method, path) {
            ("POST", p) if p == PATH_ENROLL => Some(Route::Enroll),
            ("POST", p) if p == PATH_ALERTS => Some(Route::Alert),
            ("POST", p) if p == PATH_POSITIONS => Some(Route::Positions),
            ("POST", p) if alert_path_id(p, "cancel").is_some() => Some(Route::Cancel),
            ("GET", p) if alert_path_id(p, "status").is_some() => Some(Route::Status),
            _ => None,
        }
    }
}

/// The `{id}` of `/api/v1/alerts/{id}/<tail>`.
pub(crate) fn alert_path_id(path: &str, tail: &str) -> Option<AlertId> {
    let rest = path.strip_prefix("/api/v1/alerts/")?;
    let (id, end) = rest.split_once('/')?;
    (end == tail).then(|| uuid::Uuid::parse_str(id).ok())?
}

/// What the fault layer does to one request instead of (or around) passing
/// it to the real server.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Close the TCP connection without a response; the server never sees it.
    Drop,
    /// The server commits the message, then the TCP connection is closed
    /// without a response: the phone cannot know the server has it.
    DropAfterCommit,
    /// The server commits and answers, but the answer is cut half-way through
    /// its body (the connection closes before `Content-Length` is reached).
    CutAfterCommit,
    /// The same request reaches the server twice (a proxy that retries a
    /// committed request); the phone gets the first answer. Only the
    /// server's deduplication keeps the alert stored once.
    Replay,
    /// Answer `503 Service Unavailable` with `Retry-After: <seconds>`.
    Unavailable { retry_after_s: u64 },
    /// Answer `503` with `Retry-After` as an HTTP-date this far in the future.
    UnavailableUntil { after: Duration },
    /// Answer `429 Too Many Requests` with `Retry-After: <seconds>`.
    RateLimited { retry_after_s: u64 },
    /// Wait this long, then pass the request on (a slow network).
    Delay(Duration),
    /// Pass the request on, then wait this long before answering (a slow
    /// answer: the server has already committed).
    SlowAnswer(Duration),
    /// Refuse with this status (e.g. 400: permanent) and an `ApiError` body.
    Reject(u16),
    /// What a captive portal (public Wi-Fi login) does: `302 Found` to a
    /// login page that answers `200` with HTML. Nothing is stored.
    CaptivePortal,
    /// `200 OK` with an HTML body, nothing stored (a proxy answering for
    /// the server).
    HtmlOk,
    /// Hold the request before the server sees it until
    /// [`crate::TestServer::release_held`] (a send that is still in flight).
    Hold,
    /// The server commits, then the answer is held until
    /// [`crate::TestServer::release_held`] (the server committed, the phone
    /// has not heard so).
    CommitThenHold,
}

/// A fault and the requests it applies to. Rules are consumed in the order
/// they were pushed: the first rule matching a request is used once.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    /// `None` matches every route.
    pub route: Option<Route>,
    /// `None` matches every alert; otherwise the request must concern it.
    pub alert: Option<AlertId>,
    pub fault: Fault,
    /// How many matching requests get this fault; `u32::MAX` is forever.
    pub times: u32,
}

impl FaultRule {
    /// The next request to `route` gets `fault`.
    pub fn on(route: Route, fault: Fault) -> Self {
        FaultRule {
            route: Some(route),
            alert: None,
            fault,
            times: 1,
        }
    }

    /// The next request to any route gets `fault`.
    pub fn any(fault: Fault) -> Self {
        FaultRule {
            route: None,
            alert: None,
            fault,
            times: 1,
        }
    }

    /// Only requests about this alert match.
    pub fn for_alert(mut self, id: AlertId) -> Self {
        self.alert = Some(id);
        self
    }

    /// The next `n` matching requests get the fault.
    pub fn times(mut self, n: u32) -> Self {
        self.times = n;
        self
    }

    /// Every matching request gets the fault, until [`crate::TestServer::clear_faults`].
    pub fn forever(mut self) -> Self {
        self.times = u32::MAX;
        self
    }

    pub(crate) fn matches(&self, route: Route, alerts: &[AlertId]) -> bool {
        self.times > 0
            && self.route.is_none_or(|r| r == route)
            && self.alert.is_none_or(|a| alerts.contains(&a))
    }
}

/// The script of pending faults.
#[derive(Debug, Default)]
pub(crate) struct FaultScript {
    rules: Vec<FaultRule>,
}

impl FaultScript {
    pub(crate) fn push(&mut self, rule: FaultRule) {
        if rule.times > 0 {
            self.rules.push(rule);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    pub(crate) fn pending(&self) -> usize {
        self.rules.len()
    }

    /// Takes one use of the first rule matching this request.
    pub(crate) fn take(&mut self, route: Route, alerts: &[AlertId]) -> Option<Fault> {
        let index = self.rules.iter().position(|r| r.matches(route, alerts))?;
        let rule = &mut self.rules[index];
        let fault = rule.fault.clone();
        if rule.times != u32::MAX {
            rule.times -= 1;
        }
        if rule.times == 0 {
            self.rules.remove(index);
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_rules_are_used_in_order_and_counted_down() {
        let mut script = FaultScript::default();
        script.push(FaultRule::on(Route::Alert, Fault::Drop).times(2));
        script.push(FaultRule::any(Fault::Reject(400)));
        assert_eq!(script.take(Route::Positions, &[]), Some(Fault::Reject(400)));
        assert_eq!(script.take(Route::Alert, &[]), Some(Fault::Drop));
        assert_eq!(script.take(Route::Alert, &[]), Some(Fault::Drop));
        assert_eq!(script.take(Route::Alert, &[]), None);
        assert_eq!(script.pending(), 0);
    }

    #[test]
    fn test_a_rule_for_one_alert_leaves_the_others_alone() {
        let mut script = FaultScript::default();
        let chosen = uuid::Uuid::now_v7();
        let other = uuid::Uuid::now_v7();
        script.push(
            FaultRule::on(Route::Alert, Fault::Reject(400))
                .for_alert(chosen)
                .forever(),
        );
        assert_eq!(script.take(Route::Alert, &[other]), None);
        assert_eq!(
            script.take(Route::Alert, &[chosen]),
            Some(Fault::Reject(400))
        );
        assert_eq!(
            script.take(Route::Alert, &[chosen]),
            Some(Fault::Reject(400))
        );
        assert_eq!(script.pending(), 1);
    }
}
