//! The compact SMS form: size, character set, round trip, refusals, and the
//! worked example of PROTOCOL.md.

mod common;

use auxilio_protocol::limits::MAX_TIMESTAMP_MS;
use auxilio_protocol::sms::*;
use auxilio_protocol::{AlertKind, FixSource, ProtocolError, Validate};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;

/// The GSM 03.38 basic character set (without ESC, which is not a character
/// but the switch to the extension table).
const GSM7_BASIC: &str = concat!(
    "@£$¥èéùìòÇ\nØø\rÅå",
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ",
    " !\"#¤%&'()*+,-./",
    "0123456789:;<=>?",
    "¡ABCDEFGHIJKLMNO",
    "PQRSTUVWXYZÄÖÑÜ§",
    "¿abcdefghijklmno",
    "pqrstuvwxyzäöñüà",
);

#[test]
fn test_the_gsm7_table_is_complete() {
    assert_eq!(GSM7_BASIC.chars().count(), 127);
}

#[test]
fn test_an_sms_fits_one_gsm7_message() {
    let sms = SmsAlert::from_alert(&alert()).unwrap();
    let text = encode_sms(&sms, &test_key()).unwrap();
    assert_eq!(text.chars().count(), SMS_TEXT_LEN);
    assert!(text.chars().count() <= 160);
    assert!(text.starts_with("AUX1 "));
    for c in text.chars() {
        assert!(
            GSM7_BASIC.contains(c),
            "{c:?} is not in the GSM-7 basic set"
        );
    }
    // The whole base64url alphabet is in the basic set, not just the
    // characters this one text happens to use.
    for c in ('A'..='Z')
        .chain('a'..='z')
        .chain('0'..='9')
        .chain(['-', '_'])
    {
        assert!(GSM7_BASIC.contains(c), "{c:?}");
    }
}

#[test]
fn test_an_sms_round_trips_and_verifies() {
    let a = alert();
    let sms = SmsAlert::from_alert(&a).unwrap();
    assert_eq!(sms.kind, AlertKind::Asalto);
    assert_eq!(sms.position.unwrap().lat_e5, -807_123);
    assert_eq!(sms.position.unwrap().lon_e5, -7_900_456);
    assert_eq!(
        sms.position.unwrap().accuracy_m,
        13,
        "12.5 m is rounded up, never down"
    );
    assert_eq!(sms.created_at_s, (NOW_MS - 2_000) / 1000);
    assert_eq!(
        sms.position.unwrap().fix_age_s,
        3,
        "2.5 s old is rounded up"
    );
    assert_eq!(
        sms.fix().unwrap().fixed_at_ms,
        (sms.created_at_s - 3) * 1000
    );
    let text = encode_sms(&sms, &test_key()).unwrap();
    let parsed = parse_sms(&format!("\r\n  {text} \n")).unwrap();
    assert_eq!(parsed.alert, sms);
    assert_eq!(parsed.verify(&test_key().public_key()), Ok(()));
    assert_eq!(parsed.alert.validate(NOW_MS), Ok(()));
    assert!((parsed.alert.position.unwrap().lat() - a.fix.as_ref().unwrap().lat).abs() <= 1e-5);
    assert!((parsed.alert.position.unwrap().lon() - a.fix.as_ref().unwrap().lon).abs() <= 1e-5);
    let fix = parsed.alert.fix().unwrap();
    assert_eq!((fix.accuracy_m, fix.source), (13.0, FixSource::Gps));
    assert_eq!(fix.fixed_at_ms, (sms.created_at_s - 3) * 1000);
}

#[test]
fn test_another_key_does_not_verify_an_sms() {
    let sms = SmsAlert::from_alert(&alert()).unwrap();
    let parsed = parse_sms(&encode_sms(&sms, &test_key()).unwrap()).unwrap();
    let other = auxilio_protocol::DeviceKey::from_bytes(&[9u8; 32]);
    assert_eq!(
        parsed.verify(&other.public_key()),
        Err(ProtocolError::BadSignature)
    );
}

#[test]
fn test_an_sms_signature_is_not_a_request_signature() {
    // The domains differ, so neither can be replayed as the other.
    let sms = SmsAlert::from_alert(&alert()).unwrap();
    let parsed = parse_sms(&encode_sms(&sms, &test_key()).unwrap()).unwrap();
    let pk = test_key().public_key();
    assert_eq!(
        pk.verify_raw(parsed.payload(), parsed.signature()),
        Err(ProtocolError::BadSignature)
    );
    assert_eq!(
        pk.verify_raw(&sms_signing_input(parsed.payload()), parsed.signature()),
        Ok(())
    );
}

#[test]
fn test_from_alert_keeps_every_flag() {
    for kind in AlertKind::ALL {
        for source in FixSource::ALL {
            for silent in [false, true] {
                let mut a = alert();
                a.kind = kind;
                a.fix.as_mut().unwrap().source = source;
                a.silent = silent;
                let sms = SmsAlert::from_alert(&a).unwrap();
                let back = parse_sms(&encode_sms(&sms, &test_key()).unwrap())
                    .unwrap()
                    .alert;
                assert_eq!(
                    (back.kind, back.position.unwrap().source, back.silent),
                    (kind, source, silent)
                );
            }
        }
    }
}

#[test]
fn test_from_alert_saturates_and_refuses_what_it_cannot_carry() {
    let mut a = alert();
    a.fix.as_mut().unwrap().accuracy_m = 0.2;
    a.fix.as_mut().unwrap().fixed_at_ms = NOW_MS - 13 * 24 * 3_600_000;
    let sms = SmsAlert::from_alert(&a).unwrap();
    assert_eq!(sms.position.unwrap().accuracy_m, 1, "at least 1 m");
    assert_eq!(
        sms.position.unwrap().fix_age_s,
        13 * 24 * 3_600,
        "13 days, in whole minutes"
    );
    for (age_ms, carried_s) in [
        (0, 0),
        (1, 1),
        (32_767_000, 32_767),
        (32_767_001, 32_820),
        (32_768_000, 32_820),
        (40_000_000, 40_020),
        (30 * 24 * 3_600_000, MAX_FIX_AGE_S),
    ] {
        a.fix.as_mut().unwrap().fixed_at_ms = a.created_at_ms - age_ms;
        let sms = SmsAlert::from_alert(&a).unwrap();
        assert_eq!(sms.position.unwrap().fix_age_s, carried_s, "{age_ms} ms");
        assert!(
            i64::from(sms.position.unwrap().fix_age_s) * 1000
                >= age_ms.min(i64::from(MAX_FIX_AGE_S) * 1000)
        );
        let back = parse_sms(&encode_sms(&sms, &test_key()).unwrap())
            .unwrap()
            .alert;
        assert_eq!(back.position.unwrap().fix_age_s, carried_s);
    }
    // A fix a little after the alert (clock skew) has age 0, not a wrap.
    a.fix.as_mut().unwrap().fixed_at_ms = a.created_at_ms + 60_000;
    assert_eq!(
        SmsAlert::from_alert(&a)
            .unwrap()
            .position
            .unwrap()
            .fix_age_s,
        0
    );

    let mut a = alert();
    a.fix.as_mut().unwrap().lat = 0.000_001;
    a.fix.as_mut().unwrap().lon = -0.000_004;
    assert!(matches!(
        SmsAlert::from_alert(&a),
        Err(ProtocolError::Invalid { field: "lat", .. })
    ));
    for (lat, lon) in [(0.0, 0.0), (f64::NAN, 1.0), (91.0, 1.0), (1.0, -180.5)] {
        let mut a = alert();
        a.fix.as_mut().unwrap().lat = lat;
        a.fix.as_mut().unwrap().lon = lon;
        assert!(SmsAlert::from_alert(&a).is_err(), "({lat}, {lon})");
    }
    for acc in [0.0, -3.0, f64::NAN, f64::INFINITY] {
        let mut a = alert();
        a.fix.as_mut().unwrap().accuracy_m = acc;
        assert!(SmsAlert::from_alert(&a).is_err(), "{acc}");
    }
    let mut a = alert();
    a.id = v4(1);
    assert!(SmsAlert::from_alert(&a).is_err());
    let mut a = alert();
    a.device_id = uuid::Uuid::nil();
    assert!(SmsAlert::from_alert(&a).is_err());
}

#[test]
fn test_encode_refuses_a_hand_made_alert_the_parser_would_refuse() {
    let good = SmsAlert::from_alert(&alert()).unwrap();
    let cases: [fn(&mut SmsAlert); 8] = [
        |s| s.position.as_mut().unwrap().fix_age_s = 40_001,
        |s| s.position.as_mut().unwrap().fix_age_s = MAX_FIX_AGE_S + 60,
        |s| s.position.as_mut().unwrap().lat_e5 = 9_000_001,
        |s| s.position.as_mut().unwrap().lon_e5 = -18_000_001,
        |s| {
            s.position = Some(SmsPosition {
                lat_e5: 0,
                lon_e5: 0,
                ..s.position.unwrap()
            })
        },
        |s| s.position.as_mut().unwrap().accuracy_m = 0,
        |s| s.created_at_s = SMS_EPOCH_S - 1,
        |s| s.created_at_s = SMS_EPOCH_S + i64::from(u32::MAX) + 1,
    ];
    for change in cases {
        let mut s = good;
        change(&mut s);
        assert!(
            matches!(encode_sms(&s, &test_key()), Err(ProtocolError::BadSms(_))),
            "{s:?}"
        );
    }
    let mut s = good;
    s.created_at_s = SMS_EPOCH_S + i64::from(u32::MAX);
    let back = parse_sms(&encode_sms(&s, &test_key()).unwrap())
        .unwrap()
        .alert;
    assert_eq!(
        back, s,
        "the last second of the range (year 2160) still encodes"
    );
}

/// A syntactically valid SMS whose payload was built by hand and signed.
fn forge(change: impl FnOnce(&mut [u8; SMS_PAYLOAD_LEN])) -> String {
    let sms = SmsAlert::from_alert(&alert()).unwrap();
    let text = encode_sms(&sms, &test_key()).unwrap();
    let bytes = URL_SAFE_NO_PAD.decode(&text[SMS_PREFIX.len()..]).unwrap();
    let mut payload: [u8; SMS_PAYLOAD_LEN] = bytes[..SMS_PAYLOAD_LEN].try_into().unwrap();
    change(&mut payload);
    let sig = test_key().sign_raw(&sms_signing_input(&payload));
    format!(
        "{SMS_PREFIX}{}",
        URL_SAFE_NO_PAD.encode([&payload[..], &sig[..]].concat())
    )
}

fn bad_sms(text: &str) -> &'static str {
    match parse_sms(text) {
        Err(ProtocolError::BadSms(why)) => why,
        other => panic!("expected BadSms, got {other:?}"),
    }
}

#[test]
fn test_the_parser_refuses_a_wrong_prefix_length_or_alphabet() {
    let text = encode_sms(&SmsAlert::from_alert(&alert()).unwrap(), &test_key()).unwrap();
    let body = &text[SMS_PREFIX.len()..];
    assert_eq!(bad_sms(""), "does not start with AUX1");
    assert_eq!(bad_sms(&format!("AUX2 {body}")), "does not start with AUX1");
    assert_eq!(bad_sms(&format!("aux1 {body}")), "does not start with AUX1");
    assert_eq!(bad_sms(&format!("AUX1{body}")), "does not start with AUX1");
    assert_eq!(bad_sms(&format!("AUX1  {body}")), "wrong length");
    assert_eq!(bad_sms(&text[..text.len() - 1]), "wrong length");
    assert_eq!(bad_sms(&format!("{text}A")), "wrong length");
    assert_eq!(
        bad_sms(&format!("AUX1 {}", "ñ".repeat(76))),
        "not base64url"
    );
    assert_eq!(bad_sms(&format!("AUX1 {}+", &body[1..])), "not base64url");
    assert_eq!(bad_sms(&format!("AUX1 {}=", &body[1..])), "not base64url");
    assert_eq!(
        bad_sms(&format!("AUX1 {}", "!".repeat(152))),
        "not base64url"
    );
}

#[test]
fn test_the_parser_refuses_signed_payloads_with_bad_fields() {
    assert_eq!(
        bad_sms(&forge(|p| p[0] = 2)),
        "unsupported SMS layout version"
    );
    assert_eq!(
        bad_sms(&forge(|p| p[0] = 0)),
        "unsupported SMS layout version"
    );
    assert_eq!(bad_sms(&forge(|p| p[49] |= 1)), "reserved bit set");
    assert_eq!(bad_sms(&forge(|p| p[49] |= 0b111 << 5)), "unknown kind");
    assert_eq!(
        bad_sms(&forge(|p| p[49] = (p[49] & !0b11100) | (5 << 2))),
        "unknown fix source"
    );
    assert_eq!(
        bad_sms(&forge(|p| p[33..41].fill(0))),
        "(0, 0) is not a real position"
    );
    assert_eq!(
        bad_sms(&forge(
            |p| p[33..37].copy_from_slice(&9_000_001i32.to_be_bytes())
        )),
        "coordinates out of range"
    );
    assert_eq!(
        bad_sms(&forge(
            |p| p[37..41].copy_from_slice(&i32::MIN.to_be_bytes())
        )),
        "coordinates out of range"
    );
    assert_eq!(
        // An accuracy of 0 is the form's "no position", which needs every
        // other position byte zero.
        bad_sms(&forge(|p| p[41..43].fill(0))),
        "no position, yet position bytes set"
    );
    assert_eq!(
        bad_sms(&forge(|p| p[7] = 0x40)),
        "the alert id is not a UUIDv7"
    );
    assert_eq!(
        bad_sms(&forge(|p| p[17..33].fill(0))),
        "the device id is nil"
    );
    assert_eq!(
        bad_sms(&forge(
            |p| p[47..49].copy_from_slice(&0x8001u16.to_be_bytes())
        )),
        "fix age not in its shortest form"
    );
    // The forgeries above are well signed: the parser, not the signature,
    // refused them. This one only changes the time and still parses.
    let ok = parse_sms(&forge(|p| p[43..47].fill(0))).unwrap();
    assert_eq!(ok.alert.created_at_s, SMS_EPOCH_S);
    assert_eq!(ok.verify(&test_key().public_key()), Ok(()));
    assert_eq!(
        ok.alert.validate(NOW_MS),
        Ok(()),
        "an old time is a wrong clock, not a reason to refuse"
    );
}

/// 2001-01-01T00:00:00Z, where cheap phones land after the battery dies.
const CLOCK_2001_MS: i64 = 978_307_200_000;

#[test]
fn test_an_alert_from_a_wrong_clock_still_has_an_sms_form() {
    for (created_at_ms, carried_s) in [
        (CLOCK_2001_MS, SMS_EPOCH_S),
        (0, SMS_EPOCH_S),
        (
            NOW_MS + 2 * 24 * 3_600_000,
            (NOW_MS + 2 * 24 * 3_600_000) / 1000,
        ),
        (MAX_TIMESTAMP_MS, SMS_EPOCH_S + i64::from(u32::MAX)),
    ] {
        let mut a = alert();
        a.created_at_ms = created_at_ms;
        a.fix.as_mut().unwrap().fixed_at_ms = created_at_ms.saturating_sub(3_000);
        let sms = SmsAlert::from_alert(&a).unwrap();
        assert_eq!(sms.created_at_s, carried_s, "{created_at_ms}");
        assert_eq!(
            sms.position.unwrap().fix_age_s,
            3,
            "the age is measured on the phone's clock"
        );
        let back = parse_sms(&encode_sms(&sms, &test_key()).unwrap()).unwrap();
        assert_eq!(back.alert, sms);
        assert_eq!(back.alert.validate(NOW_MS), Ok(()));
    }
}

#[test]
fn test_sms_validate_applies_the_structural_rules_not_the_clock() {
    let mut sms = SmsAlert::from_alert(&alert()).unwrap();
    assert_eq!(sms.validate(NOW_MS), Ok(()));
    sms.created_at_s = NOW_MS / 1000 + 2 * 24 * 3_600;
    assert_eq!(sms.validate(NOW_MS), Ok(()), "a clock two days ahead");
    sms.position.as_mut().unwrap().lat_e5 = 0;
    sms.position.as_mut().unwrap().lon_e5 = 0;
    assert!(matches!(
        sms.validate(NOW_MS),
        Err(ProtocolError::BadSms(_))
    ));
}

/// The worked example of PROTOCOL.md; the test keeps the document true.
#[test]
fn test_the_worked_example_in_protocol_md() {
    let sms = SmsAlert {
        id: "019773a2-3f40-7abc-8def-0123456789ab".parse().unwrap(),
        device_id: "5b1c0e6e-8a4f-4d2b-9c3e-2f7a1d6b8e90".parse().unwrap(),
        kind: AlertKind::Asalto,
        created_at_s: 1_750_000_000,
        silent: false,
        position: Some(SmsPosition {
            lat_e5: -807_123,
            lon_e5: -7_900_456,
            accuracy_m: 13,
            fix_age_s: 3,
            source: FixSource::Gps,
        }),
    };
    let text = encode_sms(&sms, &test_key()).unwrap();
    let parsed = parse_sms(&text).unwrap();
    assert_eq!(parsed.alert, sms);
    assert_eq!(parsed.verify(&test_key().public_key()), Ok(()));
    let payload_hex: String = parsed
        .payload()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let doc = include_str!("../PROTOCOL.md");
    assert!(
        doc.contains(&text),
        "PROTOCOL.md lacks the example text:\n{text}"
    );
    assert!(
        doc.contains(&test_key().public_key().to_base64()),
        "public key"
    );
    for chunk in payload_hex.as_bytes().chunks(32) {
        let chunk = std::str::from_utf8(chunk).unwrap();
        assert!(
            doc.contains(chunk),
            "PROTOCOL.md lacks payload bytes {chunk}\nfull: {payload_hex}"
        );
    }
    let signature_hex: String = parsed
        .signature()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    for chunk in signature_hex.as_bytes().chunks(64) {
        let chunk = std::str::from_utf8(chunk).unwrap();
        assert!(
            doc.contains(chunk),
            "PROTOCOL.md lacks signature bytes {chunk}"
        );
    }
}

/// An SOS raised with no position still fits the one SMS: an accuracy of 0
/// marks it, and every other position byte must then be zero.
#[test]
fn test_an_alert_without_a_position_round_trips() {
    let mut a = alert();
    a.fix = None;
    let sms = SmsAlert::from_alert(&a).unwrap();
    assert_eq!(sms.position, None);
    assert_eq!(sms.fix(), None);
    let text = encode_sms(&sms, &test_key()).unwrap();
    assert_eq!(text.len(), SMS_TEXT_LEN);
    let parsed = parse_sms(&text).unwrap();
    assert_eq!(parsed.alert, sms);
    assert_eq!(parsed.verify(&test_key().public_key()), Ok(()));
    assert!(parsed.payload()[33..43].iter().all(|b| *b == 0));
}

#[test]
fn test_no_position_with_position_bytes_set_is_refused() {
    let mut a = alert();
    a.fix = None;
    let sms = SmsAlert::from_alert(&a).unwrap();
    let text = encode_sms(&sms, &test_key()).unwrap();
    let body = text.strip_prefix(SMS_PREFIX).unwrap();
    let bytes = URL_SAFE_NO_PAD.decode(body).unwrap();
    for at in [33, 37, 47, 48] {
        let mut b = bytes.clone();
        b[at] = 1;
        let forged = format!("{SMS_PREFIX}{}", URL_SAFE_NO_PAD.encode(&b));
        assert_eq!(
            parse_sms(&forged).map(|_| ()),
            Err(ProtocolError::BadSms("no position, yet position bytes set")),
            "byte {at}"
        );
    }
    let mut b = bytes.clone();
    b[49] |= 1 << 2; // a source code with no position
    let forged = format!("{SMS_PREFIX}{}", URL_SAFE_NO_PAD.encode(&b));
    assert!(parse_sms(&forged).is_err());
}
