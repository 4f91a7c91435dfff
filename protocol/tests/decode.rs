//! The decoder: version first, unknown fields refused, malformed bodies
//! refused with errors that never quote the input, floats exact.

mod common;

use auxilio_protocol::limits::MAX_BODY_BYTES;
use auxilio_protocol::{decode, Alert, Cancel, EnrollRequest, PositionBatch, ProtocolError};
use common::*;
use serde_json::json;

#[test]
fn test_decode_accepts_an_alert_from_a_phone_whose_clock_reads_2001() {
    let mut a = alert();
    a.created_at_ms = 978_307_200_000;
    a.fix.as_mut().unwrap().fixed_at_ms = a.created_at_ms - 2_000;
    let body = serde_json::to_vec(&a).unwrap();
    assert_eq!(decode::<Alert>(&body, NOW_MS), Ok(a.clone()));
    // Garbage is still garbage, whatever the clock.
    a.fix.as_mut().unwrap().accuracy_m = 0.0;
    let body = serde_json::to_vec(&a).unwrap();
    assert!(matches!(
        decode::<Alert>(&body, NOW_MS),
        Err(ProtocolError::Invalid {
            field: "accuracy_m",
            ..
        })
    ));
}

#[test]
fn test_decode_accepts_valid_json_of_every_message() {
    let a = alert();
    assert_eq!(
        decode::<Alert>(&serde_json::to_vec(&a).unwrap(), NOW_MS),
        Ok(a)
    );
    let b = batch();
    assert_eq!(
        decode::<PositionBatch>(&serde_json::to_vec(&b).unwrap(), NOW_MS),
        Ok(b)
    );
    let c = cancel();
    assert_eq!(
        decode::<Cancel>(&serde_json::to_vec(&c).unwrap(), NOW_MS),
        Ok(c)
    );
    let e = enroll();
    assert_eq!(
        decode::<EnrollRequest>(&serde_json::to_vec(&e).unwrap(), NOW_MS),
        Ok(e)
    );
}

#[test]
fn test_unknown_version_gets_its_own_clear_error() {
    let body = with_field(&alert(), &["v"], Some(json!(3)));
    let err = decode::<Alert>(&body, NOW_MS).unwrap_err();
    assert_eq!(
        err,
        ProtocolError::UnsupportedVersion {
            found: 3,
            min: 1,
            max: 2
        }
    );
    assert_eq!(err.kind(), "unsupported_version");
    assert_eq!(
        err.to_string(),
        "unsupported protocol version 3 (this side reads 1 to 2)"
    );
    let zero = with_field(&alert(), &["v"], Some(json!(0)));
    assert!(matches!(
        decode::<Alert>(&zero, NOW_MS),
        Err(ProtocolError::UnsupportedVersion { found: 0, .. })
    ));
    // Even when the rest of the body is of a shape this side does not know.
    let future = br#"{"v": 7, "something": "new"}"#;
    assert_eq!(
        decode::<Alert>(future, NOW_MS),
        Err(ProtocolError::UnsupportedVersion {
            found: 7,
            min: 1,
            max: 2
        })
    );
    let huge = br#"{"v": 18446744073709551615}"#;
    assert!(matches!(
        decode::<Cancel>(huge, NOW_MS),
        Err(ProtocolError::UnsupportedVersion { .. })
    ));
}

#[test]
fn test_missing_or_odd_version() {
    let body = with_field(&alert(), &["v"], None);
    assert_eq!(
        decode::<Alert>(&body, NOW_MS),
        Err(ProtocolError::Invalid {
            field: "v",
            reason: "missing"
        })
    );
    for v in [json!(null), json!("1"), json!(1.5), json!(-1), json!([1])] {
        let body = with_field(&alert(), &["v"], Some(v.clone()));
        let err = decode::<Alert>(&body, NOW_MS).unwrap_err();
        assert!(
            matches!(err, ProtocolError::Invalid { field: "v", .. }),
            "{v}: {err:?}"
        );
    }
}

#[test]
fn test_unknown_fields_are_refused_at_every_level() {
    for path in [&["extra"][..], &["fix", "extra"], &["reporter", "extra"]] {
        let body = with_field(&alert(), path, Some(json!(1)));
        assert!(
            matches!(
                decode::<Alert>(&body, NOW_MS),
                Err(ProtocolError::Malformed(_))
            ),
            "{path:?}"
        );
    }
    let body = with_field(&cancel(), &["extra"], Some(json!(1)));
    assert!(matches!(
        decode::<Cancel>(&body, NOW_MS),
        Err(ProtocolError::Malformed(_))
    ));
}

#[test]
fn test_malformed_bodies_and_no_personal_data_in_errors() {
    let body = with_field(
        &alert(),
        &["fix", "lat"],
        Some(json!("-8.07123 Rosa Quispe 987654321")),
    );
    let err = decode::<Alert>(&body, NOW_MS).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ProtocolError::Malformed(_)));
    assert!(
        !text.contains("Rosa") && !text.contains("987654321") && !text.contains("8.07"),
        "{text}"
    );
    for bad in [
        &b""[..],
        b"{",
        b"null",
        b"[1]",
        b"\"v\"",
        b"{\"v\":1,\"v\":1}",
        b"\xff\xfe",
    ] {
        assert!(decode::<Alert>(bad, NOW_MS).is_err(), "{bad:?}");
    }
    // An alert written as a JSON array of its fields is not the protocol.
    let as_array = match serde_json::to_value(alert()).unwrap() {
        serde_json::Value::Object(map) => {
            serde_json::Value::Array(map.into_iter().map(|(_, v)| v).collect())
        }
        _ => unreachable!(),
    };
    let err = decode::<Alert>(&serde_json::to_vec(&as_array).unwrap(), NOW_MS).unwrap_err();
    assert_eq!(
        err,
        ProtocolError::Malformed("the body must be a JSON object".into())
    );
    let too_big = vec![b' '; MAX_BODY_BYTES + 1];
    assert_eq!(
        decode::<Alert>(&too_big, NOW_MS),
        Err(ProtocolError::Malformed("the body is too large".into()))
    );
    let deep = format!(
        "{{\"v\":1,\"x\":{}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(decode::<Alert>(deep.as_bytes(), NOW_MS).is_err());
}

#[test]
fn test_floats_come_back_exactly() {
    // Without serde_json's float_roundtrip this speed came back 1 ULP off
    // (found by the JSON round-trip property).
    let mut a = alert();
    a.fix.as_mut().unwrap().speed_mps = Some(92.981_815_150_631_33);
    a.fix.as_mut().unwrap().lat = -8.071_234_567_890_123;
    a.fix.as_mut().unwrap().lon = -79.004_561_234_567_89;
    a.fix.as_mut().unwrap().accuracy_m = 0.1 + 0.2;
    let back = decode::<Alert>(&serde_json::to_vec(&a).unwrap(), NOW_MS).unwrap();
    assert_eq!(
        back.fix.as_ref().unwrap().speed_mps.map(f64::to_bits),
        a.fix.as_ref().unwrap().speed_mps.map(f64::to_bits)
    );
    assert_eq!(
        back.fix.as_ref().unwrap().lat.to_bits(),
        a.fix.as_ref().unwrap().lat.to_bits()
    );
    assert_eq!(
        back.fix.as_ref().unwrap().lon.to_bits(),
        a.fix.as_ref().unwrap().lon.to_bits()
    );
    assert_eq!(
        back.fix.as_ref().unwrap().accuracy_m.to_bits(),
        a.fix.as_ref().unwrap().accuracy_m.to_bits()
    );
}

/// Version 2: an SOS with no position is a valid alert; version 1 (still
/// accepted) had no way to say so and keeps requiring a fix.
#[test]
fn test_an_alert_without_a_fix_is_valid_in_version_2_only() {
    let mut a = alert();
    a.fix = None;
    let body = serde_json::to_vec(&a).unwrap();
    assert!(
        !String::from_utf8_lossy(&body).contains("\"fix\""),
        "absent, not null"
    );
    assert_eq!(decode::<Alert>(&body, NOW_MS), Ok(a.clone()));
    let null_fix = with_field(&a, &["fix"], Some(serde_json::Value::Null));
    assert_eq!(decode::<Alert>(&null_fix, NOW_MS), Ok(a.clone()));

    let v1 = with_field(&a, &["v"], Some(json!(1)));
    let err = decode::<Alert>(&v1, NOW_MS).unwrap_err();
    assert_eq!(
        err,
        ProtocolError::Invalid {
            field: "fix",
            reason: "required in version 1"
        }
    );

    // A version 1 alert with its fix is accepted exactly as before.
    let v1_with_fix = with_field(&alert(), &["v"], Some(json!(1)));
    assert_eq!(decode::<Alert>(&v1_with_fix, NOW_MS).map(|a| a.v), Ok(1));
}

#[test]
fn test_a_refining_position_needs_version_2() {
    let mut b = batch();
    b.updates[0].refines = true;
    let body = serde_json::to_vec(&b).unwrap();
    assert!(String::from_utf8_lossy(&body).contains("\"refines\":true"));
    assert_eq!(decode::<PositionBatch>(&body, NOW_MS), Ok(b.clone()));
    let v1 = with_field(&b, &["v"], Some(json!(1)));
    assert_eq!(
        decode::<PositionBatch>(&v1, NOW_MS),
        Err(ProtocolError::Invalid {
            field: "updates.refines",
            reason: "needs version 2"
        })
    );
    // Not refining: the field is left out, and version 1 reads it as before.
    let plain = serde_json::to_vec(&batch()).unwrap();
    assert!(!String::from_utf8_lossy(&plain).contains("refines"));
    let v1_plain = with_field(&batch(), &["v"], Some(json!(1)));
    assert!(decode::<PositionBatch>(&v1_plain, NOW_MS).is_ok());
}
