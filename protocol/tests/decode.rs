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
    a.fix.fixed_at_ms = a.created_at_ms - 2_000;
    let body = serde_json::to_vec(&a).unwrap();
    assert_eq!(decode::<Alert>(&body, NOW_MS), Ok(a.clone()));
    // Garbage is still garbage, whatever the clock.
    a.fix.accuracy_m = 0.0;
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
    let body = with_field(&alert(), &["v"], Some(json!(2)));
    let err = decode::<Alert>(&body, NOW_MS).unwrap_err();
    assert_eq!(
        err,
        ProtocolError::UnsupportedVersion {
            found: 2,
            supported: 1
        }
    );
    assert_eq!(err.kind(), "unsupported_version");
    assert_eq!(
        err.to_string(),
        "unsupported protocol version 2 (this side speaks 1)"
    );
    // Even when the rest of the body is of a shape this side does not know.
    let future = br#"{"v": 7, "something": "new"}"#;
    assert_eq!(
        decode::<Alert>(future, NOW_MS),
        Err(ProtocolError::UnsupportedVersion {
            found: 7,
            supported: 1
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
    a.fix.speed_mps = Some(92.981_815_150_631_33);
    a.fix.lat = -8.071_234_567_890_123;
    a.fix.lon = -79.004_561_234_567_89;
    a.fix.accuracy_m = 0.1 + 0.2;
    let back = decode::<Alert>(&serde_json::to_vec(&a).unwrap(), NOW_MS).unwrap();
    assert_eq!(
        back.fix.speed_mps.map(f64::to_bits),
        a.fix.speed_mps.map(f64::to_bits)
    );
    assert_eq!(back.fix.lat.to_bits(), a.fix.lat.to_bits());
    assert_eq!(back.fix.lon.to_bits(), a.fix.lon.to_bits());
    assert_eq!(back.fix.accuracy_m.to_bits(), a.fix.accuracy_m.to_bits());
}
