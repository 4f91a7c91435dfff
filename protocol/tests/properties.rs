//! Property tests: every valid alert round-trips through JSON and the SMS
//! form; every mutation of a signed message fails verification; the decoders
//! never panic, whatever the input.

mod common;

use auxilio_protocol::sms::{encode_sms, parse_sms, SmsAlert, SMS_PREFIX, SMS_TEXT_LEN};
use auxilio_protocol::wire::{cancel_path, status_path, PATH_ALERTS, PATH_POSITIONS};
use auxilio_protocol::{
    decode, Alert, Cancel, DeviceKey, EnrollRequest, PositionBatch, ProtocolError, Validate,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use proptest::prelude::*;
use serde_json::Value;

/// 256 cases per property (fast enough for every CI run); set
/// `PROPTEST_CASES` for a longer soak.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

fn key() -> impl Strategy<Value = DeviceKey> {
    any::<[u8; 32]>().prop_map(|seed| DeviceKey::from_bytes(&seed))
}

/// Error texts are short and never echo the input.
fn assert_tidy(err: &ProtocolError) -> Result<(), TestCaseError> {
    let text = err.to_string();
    prop_assert!(!text.is_empty() && text.len() <= 120, "{text}");
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    // ---- (a) round trips ----------------------------------------------------

    #[test]
    fn test_every_valid_alert_round_trips_through_json(alert in valid_alert()) {
        prop_assert_eq!(alert.validate(NOW_MS), Ok(()));
        let compact = serde_json::to_vec(&alert).unwrap();
        prop_assert_eq!(decode::<Alert>(&compact, NOW_MS), Ok(alert.clone()));
        let pretty = serde_json::to_vec_pretty(&alert).unwrap();
        prop_assert_eq!(decode::<Alert>(&pretty, NOW_MS), Ok(alert));
    }

    #[test]
    fn test_every_valid_alert_round_trips_through_the_sms_form(
        alert in valid_alert(),
        key in key(),
    ) {
        let sms = SmsAlert::from_alert(&alert).unwrap();
        let text = encode_sms(&sms, &key).unwrap();
        prop_assert_eq!(text.len(), SMS_TEXT_LEN);
        prop_assert!(text.len() <= 160);
        prop_assert!(text.starts_with(SMS_PREFIX));
        prop_assert!(text[SMS_PREFIX.len()..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        let parsed = parse_sms(&text).unwrap();
        prop_assert_eq!(parsed.alert, sms);
        prop_assert_eq!(parsed.verify(&key.public_key()), Ok(()));
        prop_assert_eq!(parsed.alert.validate(NOW_MS), Ok(()));
        prop_assert!((parsed.alert.position.unwrap().lat() - alert.fix.as_ref().unwrap().lat).abs() <= 1e-5);
        prop_assert!((parsed.alert.position.unwrap().lon() - alert.fix.as_ref().unwrap().lon).abs() <= 1e-5);
        prop_assert_eq!(parsed.alert.kind, alert.kind);
        prop_assert_eq!(parsed.alert.position.unwrap().source, alert.fix.as_ref().unwrap().source);
        prop_assert_eq!(parsed.alert.silent, alert.silent);
        prop_assert_eq!(parsed.alert.id, alert.id);
        prop_assert_eq!(parsed.alert.device_id, alert.device_id);
        // Never better than measured, never fresher than measured.
        prop_assert!(f64::from(parsed.alert.position.unwrap().accuracy_m) >= alert.fix.as_ref().unwrap().accuracy_m);
        prop_assert!(parsed.alert.fix().unwrap().fixed_at_ms <= alert.fix.as_ref().unwrap().fixed_at_ms.max(alert.created_at_ms));
        prop_assert_eq!(parsed.alert.created_at_s, alert.created_at_ms.div_euclid(1000));
    }

    // ---- (b) every mutation of a signed message fails ----------------------

    #[test]
    fn test_every_mutation_of_a_signed_request_fails(
        alert in valid_alert(),
        key in key(),
        route in 0usize..4,
        part in 0usize..4,
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let (method, path) = match route {
            0 => ("POST", PATH_ALERTS.to_owned()),
            1 => ("POST", PATH_POSITIONS.to_owned()),
            2 => ("POST", cancel_path(&alert.id)),
            _ => ("GET", status_path(&alert.id)),
        };
        let body = serde_json::to_vec(&alert).unwrap();
        let sig = key.sign_request(method, &path, &body);
        let pk = key.public_key();
        prop_assert_eq!(pk.verify_request(method, &path, &body, &sig), Ok(()));
        let flipped = |bytes: &[u8]| {
            let mut bytes = bytes.to_vec();
            let i = at.index(bytes.len());
            bytes[i] ^= flip;
            bytes
        };
        let lossy = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
        let result = match part {
            0 => pk.verify_request(method, &path, &flipped(&body), &sig),
            1 => pk.verify_request(method, &lossy(flipped(path.as_bytes())), &body, &sig),
            2 => pk.verify_request(&lossy(flipped(method.as_bytes())), &path, &body, &sig),
            _ => {
                let raw = URL_SAFE_NO_PAD.decode(&sig).unwrap();
                let bad = URL_SAFE_NO_PAD.encode(flipped(&raw));
                pk.verify_request(method, &path, &body, &bad)
            }
        };
        prop_assert_eq!(result, Err(ProtocolError::BadSignature));
    }

    #[test]
    fn test_every_changed_character_of_the_signature_header_fails(
        key in key(),
        at in 0usize..86,
        c in prop::char::any(),
    ) {
        let body = serde_json::to_vec(&alert()).unwrap();
        let sig = key.sign_request("POST", PATH_ALERTS, &body);
        let mut chars: Vec<char> = sig.chars().collect();
        prop_assume!(chars[at] != c);
        chars[at] = c;
        let bad: String = chars.into_iter().collect();
        prop_assert_eq!(
            key.public_key().verify_request("POST", PATH_ALERTS, &body, &bad),
            Err(ProtocolError::BadSignature)
        );
    }

    #[test]
    fn test_every_changed_character_of_an_sms_fails(
        alert in valid_alert(),
        key in key(),
        at in 0usize..SMS_TEXT_LEN,
        c in prop_oneof![
            prop::char::range('!', '~'),
            Just(' '),
            Just('\n'),
            prop::char::any(),
        ],
    ) {
        let sms = SmsAlert::from_alert(&alert).unwrap();
        let text = encode_sms(&sms, &key).unwrap();
        let mut chars: Vec<char> = text.chars().collect();
        prop_assume!(chars[at] != c);
        chars[at] = c;
        let changed: String = chars.into_iter().collect();
        match parse_sms(&changed) {
            Err(err) => {
                prop_assert!(matches!(err, ProtocolError::BadSms(_)), "{err:?}");
            }
            Ok(parsed) => {
                prop_assert_eq!(parsed.verify(&key.public_key()), Err(ProtocolError::BadSignature));
            }
        }
    }

    #[test]
    fn test_an_sms_verifies_only_with_its_own_key(
        alert in valid_alert(),
        key in key(),
        other in key(),
    ) {
        prop_assume!(key.to_bytes() != other.to_bytes());
        let text = encode_sms(&SmsAlert::from_alert(&alert).unwrap(), &key).unwrap();
        let parsed = parse_sms(&text).unwrap();
        prop_assert_eq!(parsed.verify(&other.public_key()), Err(ProtocolError::BadSignature));
    }

    // ---- (c) never panics ---------------------------------------------------

    #[test]
    fn test_decoders_never_panic_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..1024),
    ) {
        check_every_decoder(&bytes)?;
        let text = String::from_utf8_lossy(&bytes);
        if let Err(err) = parse_sms(&text) {
            prop_assert!(matches!(err, ProtocolError::BadSms(_)));
        }
    }

    #[test]
    fn test_decoders_never_panic_on_arbitrary_json(
        value in json_object(),
    ) {
        check_every_decoder(&serde_json::to_vec(&value).unwrap())?;
    }

    #[test]
    fn test_decoders_never_panic_on_mutated_valid_json(
        which in 0usize..4,
        alert in valid_alert(),
        at in any::<prop::sample::Index>(),
        replacement in json_leaf(),
    ) {
        let mut value = match which {
            0 => serde_json::to_value(&alert).unwrap(),
            1 => serde_json::to_value(batch()).unwrap(),
            2 => serde_json::to_value(cancel()).unwrap(),
            _ => serde_json::to_value(enroll()).unwrap(),
        };
        let mut pointers = Vec::new();
        collect_pointers(&value, String::new(), &mut pointers);
        let pointer = &pointers[at.index(pointers.len())];
        if let Some(slot) = value.pointer_mut(pointer) {
            *slot = replacement;
        }
        check_every_decoder(&serde_json::to_vec(&value).unwrap())?;
    }

    #[test]
    fn test_decoders_never_panic_on_byte_edits_of_valid_json(
        alert in valid_alert(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        edit in 0usize..3,
    ) {
        let mut bytes = serde_json::to_vec(&alert).unwrap();
        let i = at.index(bytes.len());
        match edit {
            0 => bytes[i] = byte,
            1 => bytes.insert(i, byte),
            _ => bytes.truncate(i),
        }
        check_every_decoder(&bytes)?;
    }

    #[test]
    fn test_the_sms_parser_never_panics_and_accepts_only_canonical_payloads(
        payload in prop::collection::vec(any::<u8>(), 114),
        key in key(),
    ) {
        let text = format!("{SMS_PREFIX}{}", URL_SAFE_NO_PAD.encode(&payload));
        match parse_sms(&text) {
            Err(err) => prop_assert!(matches!(err, ProtocolError::BadSms(_)), "{err:?}"),
            Ok(parsed) => {
                // What parses re-encodes to the very same payload bytes.
                let again = parse_sms(&encode_sms(&parsed.alert, &key).unwrap()).unwrap();
                prop_assert_eq!(again.alert, parsed.alert);
                prop_assert_eq!(again.payload(), parsed.payload());
            }
        }
    }

    #[test]
    fn test_the_sms_parser_never_panics_on_arbitrary_text(text in "\\PC{0,200}|AUX1 [A-Za-z0-9_=+/-]{140,160}") {
        if let Err(err) = parse_sms(&text) {
            prop_assert!(matches!(err, ProtocolError::BadSms(_)));
        }
    }
}

/// Every decoder on the same bytes: no panic, tidy errors, and whatever is
/// accepted is valid and survives another round trip.
fn check_every_decoder(bytes: &[u8]) -> Result<(), TestCaseError> {
    fn one<T>(bytes: &[u8]) -> Result<(), TestCaseError>
    where
        T: serde::de::DeserializeOwned + serde::Serialize + Validate + PartialEq + std::fmt::Debug,
    {
        match decode::<T>(bytes, NOW_MS) {
            Err(err) => assert_tidy(&err),
            Ok(msg) => {
                prop_assert_eq!(msg.validate(NOW_MS), Ok(()));
                let again = serde_json::to_vec(&msg).unwrap();
                prop_assert_eq!(decode::<T>(&again, NOW_MS), Ok(msg));
                Ok(())
            }
        }
    }
    one::<Alert>(bytes)?;
    one::<PositionBatch>(bytes)?;
    one::<Cancel>(bytes)?;
    one::<EnrollRequest>(bytes)
}

fn collect_pointers(value: &Value, here: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                collect_pointers(v, format!("{here}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_pointers(v, format!("{here}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(here);
}

const FIELD_NAMES: &[&str] = &[
    "v",
    "id",
    "device_id",
    "kind",
    "created_at_ms",
    "fix",
    "lat",
    "lon",
    "accuracy_m",
    "fixed_at_ms",
    "source",
    "reporter",
    "display_name",
    "phone",
    "role",
    "silent",
    "note",
    "app_version",
    "updates",
    "alert_id",
    "seq",
    "cancelled_at_ms",
    "code",
    "public_key",
    "profile",
    "dni",
    "place",
    "name",
    "radius_m",
    "heading_deg",
];

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![Just(0.0), Just(-0.0), Just(1e308), Just(360.0), Just(-90.0)]
            .prop_map(Value::from),
        Just(Value::from(1)),
        Just(Value::from(NOW_MS)),
        "\\PC{0,40}".prop_map(Value::from),
        ".{0,10}".prop_map(Value::from),
        prop::sample::select(vec![
            "sos",
            "asalto",
            "gps",
            "last_known",
            "mototaxi_driver"
        ])
        .prop_map(Value::from),
        Just(Value::from(v7(NOW_MS, 1).to_string())),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((json_key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(FIELD_NAMES).prop_map(str::to_owned),
        1 => ".{0,8}",
    ]
}

/// A top-level object that usually carries `"v": 1`, to reach the field checks.
fn json_object() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec((json_key(), json_value()), 0..12),
        prop_oneof![3 => Just(Some(Value::from(1))), 1 => proptest::option::of(json_leaf())],
    )
        .prop_map(|(kv, v)| {
            let mut map: serde_json::Map<String, Value> = kv.into_iter().collect();
            if let Some(v) = v {
                map.insert("v".into(), v);
            }
            Value::Object(map)
        })
}
