//! The SMS fallback's last step in the shell, against a real core and a
//! real server: only a send the platform reported makes core record the SMS
//! as sent (and emit `sms_fallback_sent`, the timeline's "SMS enviado"); a
//! failed send changes nothing in core and tells the web view, which then
//! offers the `sms:` link.

mod common;

use std::time::Duration;

use auxilio_app_lib::events::{EVENT_CORE, EVENT_SMS};
use auxilio_app_lib::sms;
use common::{app, server};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn test_only_a_reported_send_marks_the_sms_sent() {
    let server = server();
    let t = app(&server.url);
    t.enroll(&server);
    let id: uuid::Uuid = t
        .invoke(
            "raise_sos",
            json!({ "req": { "kind": "sos", "silent": false } }),
        )
        .unwrap()
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    t.wait_event(EVENT_CORE, |e| e["type"] == "queued", WAIT);
    let sms_state = || t.invoke("alert_status", json!({ "alertId": id })).unwrap()["sms"].clone();
    assert_eq!(sms_state(), "none");

    // When Android says no (here: no signal), core is told nothing and the
    // web view hears why, by code only.
    sms::finish(t.app.handle(), id, Err("no_service".into()));
    let failed = t.wait_event(EVENT_SMS, |e| e["type"] == "sms_failed", WAIT);
    assert_eq!(failed["alert_id"], id.to_string());
    assert_eq!(failed["reason"], "no_service");
    assert_eq!(
        sms_state(),
        "none",
        "a failed send is never recorded as sent"
    );

    // When Android reported it sent, core records it and says so.
    sms::finish(t.app.handle(), id, Ok(()));
    let sent = t.wait_event(EVENT_CORE, |e| e["type"] == "sms_fallback_sent", WAIT);
    assert_eq!(sent["alert_id"], id.to_string());
    assert_eq!(sms_state(), "sent");
}
