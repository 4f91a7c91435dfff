//! Every refusal of the validator and the decoder, one at a time, starting
//! from a valid message.

mod common;

use auxilio_protocol::limits::*;
use auxilio_protocol::{
    check_coordinates, check_phone, check_timestamp, Alert, DeviceKey, ProtocolError, Validate,
};
use common::*;

fn field_of(result: Result<(), ProtocolError>) -> &'static str {
    match result {
        Err(ProtocolError::Invalid { field, .. }) => field,
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

fn refused(mut change: impl FnMut(&mut Alert)) -> &'static str {
    let mut a = alert();
    change(&mut a);
    field_of(a.validate(NOW_MS))
}

#[test]
fn test_the_fixtures_are_valid() {
    assert_eq!(alert().validate(NOW_MS), Ok(()));
    assert_eq!(cancel().validate(NOW_MS), Ok(()));
    assert_eq!(batch().validate(NOW_MS), Ok(()));
    assert_eq!(enroll().validate(NOW_MS), Ok(()));
}

#[test]
fn test_coordinates_must_be_finite_in_range_and_not_null_island() {
    for (lat, lon, field) in [
        (f64::NAN, -79.0, "lat"),
        (-8.0, f64::NAN, "lon"),
        (f64::INFINITY, -79.0, "lat"),
        (-8.0, f64::NEG_INFINITY, "lon"),
        (90.000001, -79.0, "lat"),
        (-90.5, -79.0, "lat"),
        (-8.0, 180.0001, "lon"),
        (-8.0, -181.0, "lon"),
        (0.0, 0.0, "lat"),
        (-0.0, 0.0, "lat"),
        (0.0, -0.0, "lat"),
    ] {
        assert_eq!(
            field_of(check_coordinates(lat, lon)),
            field,
            "({lat}, {lon})"
        );
        assert_eq!(
            refused(|a| {
                a.fix.as_mut().unwrap().lat = lat;
                a.fix.as_mut().unwrap().lon = lon;
            }),
            field
        );
    }
    for (lat, lon) in [(90.0, 180.0), (-90.0, -180.0), (0.0, 1e-4), (1e-4, 0.0)] {
        assert_eq!(check_coordinates(lat, lon), Ok(()));
    }
}

#[test]
fn test_accuracy_must_be_positive_finite_and_bounded() {
    for acc in [
        0.0,
        -0.0,
        -1.0,
        f64::NAN,
        f64::INFINITY,
        MAX_ACCURACY_M + 1.0,
    ] {
        assert_eq!(
            refused(|a| a.fix.as_mut().unwrap().accuracy_m = acc),
            "accuracy_m",
            "{acc}"
        );
    }
}

#[test]
fn test_optional_fix_fields_are_bounded() {
    assert_eq!(
        refused(|a| a.fix.as_mut().unwrap().altitude_m = Some(f64::NAN)),
        "altitude_m"
    );
    assert_eq!(
        refused(|a| a.fix.as_mut().unwrap().altitude_m = Some(9_001.0)),
        "altitude_m"
    );
    assert_eq!(
        refused(|a| a.fix.as_mut().unwrap().speed_mps = Some(-0.1)),
        "speed_mps"
    );
    assert_eq!(
        refused(|a| a.fix.as_mut().unwrap().speed_mps = Some(f64::INFINITY)),
        "speed_mps"
    );
    assert_eq!(
        refused(|a| a.fix.as_mut().unwrap().heading_deg = Some(-1.0)),
        "heading_deg"
    );
    assert_eq!(
        refused(|a| a.fix.as_mut().unwrap().heading_deg = Some(360.5)),
        "heading_deg"
    );
    assert_eq!(
        refused(|a| a.fix.as_mut().unwrap().heading_deg = Some(f64::NAN)),
        "heading_deg"
    );
    for h in [0.0, 359.99, 360.0] {
        let mut a = alert();
        a.fix.as_mut().unwrap().heading_deg = Some(h);
        assert_eq!(
            a.validate(NOW_MS),
            Ok(()),
            "heading {h} is north-ish, not an error"
        );
    }
}

/// 2001-01-01T00:00:00Z, where cheap phones land after the battery dies.
const CLOCK_2001_MS: i64 = 978_307_200_000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[test]
fn test_a_wrong_clock_never_makes_an_alert_invalid() {
    for created_at_ms in [
        CLOCK_2001_MS,
        0,
        MIN_TIMESTAMP_MS - 1,
        NOW_MS - 30 * DAY_MS,
        NOW_MS + 2 * DAY_MS,
        NOW_MS + 400 * DAY_MS,
        MAX_TIMESTAMP_MS,
    ] {
        let mut a = alert();
        a.created_at_ms = created_at_ms;
        assert_eq!(a.validate(NOW_MS), Ok(()), "created_at_ms {created_at_ms}");
        // The fix from the satellites (right) on a phone whose clock is wrong,
        // and the fix from the same wrong clock.
        for fixed_at_ms in [NOW_MS, created_at_ms, (created_at_ms - DAY_MS).max(0)] {
            a.fix.as_mut().unwrap().fixed_at_ms = fixed_at_ms;
            assert_eq!(a.validate(NOW_MS), Ok(()), "fixed_at_ms {fixed_at_ms}");
        }
    }
    let mut c = cancel();
    c.cancelled_at_ms = CLOCK_2001_MS;
    assert_eq!(c.validate(NOW_MS), Ok(()));
    let mut b = batch();
    b.updates[0].fix.fixed_at_ms = NOW_MS + 2 * DAY_MS;
    assert_eq!(b.validate(NOW_MS), Ok(()));
    // Whatever the checking side's clock says.
    for now in [i64::MIN, 0, CLOCK_2001_MS, i64::MAX] {
        assert_eq!(alert().validate(now), Ok(()), "now {now}");
    }
}

#[test]
fn test_a_time_that_is_no_clock_reading_is_refused() {
    assert_eq!(check_timestamp("t", 0), Ok(()));
    assert_eq!(check_timestamp("t", MAX_TIMESTAMP_MS), Ok(()));
    for bad in [i64::MIN, -1, MAX_TIMESTAMP_MS + 1, i64::MAX] {
        assert_eq!(field_of(check_timestamp("t", bad)), "t", "{bad}");
    }
    assert_eq!(refused(|a| a.created_at_ms = -1), "created_at_ms");
    assert_eq!(
        refused(|a| a.fix.as_mut().unwrap().fixed_at_ms = i64::MAX),
        "fixed_at_ms"
    );
    let mut c = cancel();
    c.cancelled_at_ms = -1;
    assert_eq!(field_of(c.validate(NOW_MS)), "cancelled_at_ms");
    let mut b = batch();
    b.updates[0].fix.fixed_at_ms = MAX_TIMESTAMP_MS + 1;
    assert_eq!(field_of(b.validate(NOW_MS)), "fixed_at_ms");
}

#[test]
fn test_strings_are_bounded_in_characters() {
    let name_ok = "ñ".repeat(MAX_NAME_CHARS);
    let mut a = alert();
    a.reporter.display_name = name_ok.clone();
    assert_eq!(
        a.validate(NOW_MS),
        Ok(()),
        "{} chars of 2 bytes each",
        MAX_NAME_CHARS
    );
    let long = |n: usize| "a".repeat(n + 1);
    assert_eq!(
        refused(|a| a.reporter.display_name = long(MAX_NAME_CHARS)),
        "reporter.display_name"
    );
    assert_eq!(
        refused(|a| a.reporter.organization = Some(long(MAX_NAME_CHARS))),
        "reporter.organization"
    );
    assert_eq!(
        refused(|a| a.reporter.plate = Some(long(MAX_PLATE_CHARS))),
        "reporter.plate"
    );
    assert_eq!(
        refused(|a| a.reporter.place = Some(long(MAX_NAME_CHARS))),
        "reporter.place"
    );
    assert_eq!(refused(|a| a.note = Some(long(MAX_NOTE_CHARS))), "note");
    assert_eq!(
        refused(|a| a.app_version = long(MAX_VERSION_CHARS)),
        "app_version"
    );
    let mut c = cancel();
    c.reason = Some(long(MAX_NOTE_CHARS));
    assert_eq!(field_of(c.validate(NOW_MS)), "reason");
}

#[test]
fn test_required_strings_must_not_be_blank() {
    assert_eq!(
        refused(|a| a.reporter.display_name = " \t ".into()),
        "reporter.display_name"
    );
    assert_eq!(refused(|a| a.app_version = String::new()), "app_version");
    assert_eq!(refused(|a| a.note = Some("   ".into())), "note");
}

#[test]
fn test_control_and_bidi_override_characters_are_refused() {
    assert_eq!(
        refused(|a| a.reporter.display_name = "Rosa\u{0}".into()),
        "reporter.display_name"
    );
    assert_eq!(
        refused(|a| a.reporter.display_name = "Rosa\nQuispe".into()),
        "reporter.display_name"
    );
    assert_eq!(
        refused(|a| a.reporter.display_name = "Rosa\u{202E}epsiuQ".into()),
        "reporter.display_name"
    );
    assert_eq!(
        refused(|a| a.reporter.plate = Some("M1\u{1b}[2J".into())),
        "reporter.plate"
    );
    assert_eq!(refused(|a| a.note = Some("dos\r\nsujetos".into())), "note");
    assert_eq!(refused(|a| a.note = Some("a\u{2067}b".into())), "note");
    // A newline is fine in a note; sanitize_text makes typed text acceptable.
    let mut a = alert();
    a.note = Some(auxilio_protocol::sanitize_text(
        "dos\r\nsujetos\u{202E}",
        MAX_NOTE_CHARS,
        auxilio_protocol::Lines::Multi,
    ));
    assert_eq!(a.note.as_deref(), Some("dos\nsujetos"));
    assert_eq!(a.validate(NOW_MS), Ok(()));
}

#[test]
fn test_phone_numbers() {
    for ok in ["987654321", "+51 987 654 321", "044-123456"] {
        assert_eq!(check_phone("phone", ok), Ok(()), "{ok}");
    }
    for bad in [
        "",
        "12345",
        "98765432a",
        "+51 (987) 654321",
        "987654321987654321123",
        "987\n654321",
    ] {
        assert_eq!(field_of(check_phone("phone", bad)), "phone", "{bad:?}");
    }
    assert_eq!(
        refused(|a| a.reporter.phone = "llámame".into()),
        "reporter.phone"
    );
}

#[test]
fn test_ids_and_battery() {
    assert_eq!(refused(|a| a.id = v4(1)), "id");
    assert_eq!(refused(|a| a.device_id = uuid::Uuid::nil()), "device_id");
    assert_eq!(refused(|a| a.battery_pct = Some(101)), "battery_pct");
    let mut b = batch();
    b.updates[0].alert_id = v4(3);
    assert_eq!(field_of(b.validate(NOW_MS)), "updates.alert_id");
    let mut c = cancel();
    c.alert_id = v4(3);
    assert_eq!(field_of(c.validate(NOW_MS)), "alert_id");
}

#[test]
fn test_position_batches_are_bounded_and_not_empty() {
    let mut b = batch();
    b.updates.clear();
    assert_eq!(field_of(b.validate(NOW_MS)), "updates");
    let mut b = batch();
    let one = b.updates[0].clone();
    b.updates = vec![one; MAX_BATCH + 1];
    assert_eq!(field_of(b.validate(NOW_MS)), "updates");
    b.updates.truncate(MAX_BATCH);
    assert_eq!(b.validate(NOW_MS), Ok(()));
    let mut b = batch();
    b.updates[0].fix.lat = 0.0;
    b.updates[0].fix.lon = 0.0;
    assert_eq!(field_of(b.validate(NOW_MS)), "lat");
}

#[test]
fn test_enrollment_dni_key_code_and_place() {
    for bad in ["4012345", "401234567", "4012345a", "４０１２３４５６", ""] {
        let mut e = enroll();
        e.profile.dni = Some(bad.into());
        assert_eq!(field_of(e.validate(NOW_MS)), "profile.dni", "{bad:?}");
    }
    let mut e = enroll();
    e.public_key = "not a key".into();
    assert!(matches!(e.validate(NOW_MS), Err(ProtocolError::BadKey(_))));
    // The identity point is a weak (small-order) key.
    let mut weak = [0u8; 32];
    weak[0] = 1;
    let mut e = enroll();
    e.public_key = base64_url(&weak);
    assert_eq!(
        e.validate(NOW_MS),
        Err(ProtocolError::BadKey("a weak (small-order) key"))
    );
    let mut e = enroll();
    e.code = " ".into();
    assert_eq!(field_of(e.validate(NOW_MS)), "code");
    let mut e = enroll();
    e.profile.place.as_mut().unwrap().radius_m = 0.0;
    assert_eq!(field_of(e.validate(NOW_MS)), "place.radius_m");
    let mut e = enroll();
    e.profile.place.as_mut().unwrap().lat = 0.0;
    e.profile.place.as_mut().unwrap().lon = 0.0;
    assert_eq!(field_of(e.validate(NOW_MS)), "lat");
    let _ = DeviceKey::generate().unwrap();
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn test_validation_errors_name_the_field_never_the_value() {
    let mut a = alert();
    a.reporter.phone = "Rosa 987".into();
    let text = a.validate(NOW_MS).unwrap_err().to_string();
    assert!(
        text.contains("reporter.phone") && !text.contains("Rosa"),
        "{text}"
    );
}
