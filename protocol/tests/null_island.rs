//! The one (0, 0) rule, against the shared table `fixtures/null_island.json`
//! that the web page's `ui/src/logic/fix.ts` is tested against too.

mod common;

use auxilio_protocol::sms::SmsAlert;
use auxilio_protocol::{
    check_coordinates, decode, is_null_island, Alert, ProtocolError, Validate, NULL_ISLAND_DEG,
};
use common::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Table {
    null_island_deg: f64,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    lat: f64,
    lon: f64,
    refused: bool,
}

fn table() -> Table {
    serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/null_island.json"
    )))
    .unwrap()
}

fn alert_at(lat: f64, lon: f64) -> Alert {
    let mut a = alert();
    a.fix.as_mut().unwrap().lat = lat;
    a.fix.as_mut().unwrap().lon = lon;
    a
}

#[test]
fn test_the_null_island_rule_follows_the_table() {
    let t = table();
    assert_eq!(t.null_island_deg, NULL_ISLAND_DEG);
    for c in &t.cases {
        let at = format!("({}, {})", c.lat, c.lon);
        assert_eq!(is_null_island(c.lat, c.lon), c.refused, "{at}");
        assert_eq!(check_coordinates(c.lat, c.lon).is_err(), c.refused, "{at}");
        let a = alert_at(c.lat, c.lon);
        assert_eq!(a.validate(NOW_MS).is_err(), c.refused, "{at}");
        // The SMS form carries exactly what validation lets through, and
        // never a position that reads back as (0, 0).
        match SmsAlert::from_alert(&a) {
            Ok(sms) => {
                assert!(!c.refused, "{at} got an SMS form");
                let p = sms.position.unwrap();
                assert!(!is_null_island(p.lat(), p.lon()), "{at}");
            }
            Err(e) => assert!(c.refused, "{at}: {e}"),
        }
    }
}

#[test]
fn test_the_server_refuses_a_stub_position_a_micrometre_from_zero() {
    let body = serde_json::to_vec(&alert_at(1e-6, 1e-6)).unwrap();
    assert!(matches!(
        decode::<Alert>(&body, NOW_MS),
        Err(ProtocolError::Invalid { field: "lat", .. })
    ));
    // A real fix near (0, 0) but outside the rule passes.
    let body = serde_json::to_vec(&alert_at(2e-5, -1e-5)).unwrap();
    assert!(decode::<Alert>(&body, NOW_MS).is_ok());
}
