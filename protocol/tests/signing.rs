//! Ed25519 request signing: what verifies and what does not.

mod common;

use auxilio_protocol::wire::{cancel_path, status_path, PATH_ALERTS};
use auxilio_protocol::{signing_input, DeviceKey, ProtocolError, PublicKey, SIGNATURE_B64_LEN};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;

fn body() -> Vec<u8> {
    serde_json::to_vec(&alert()).unwrap()
}

#[test]
fn test_a_signed_request_verifies_with_the_devices_key() {
    let key = test_key();
    let sig = key.sign_request("POST", PATH_ALERTS, &body());
    assert_eq!(sig.len(), SIGNATURE_B64_LEN);
    assert_eq!(
        key.public_key()
            .verify_request("POST", PATH_ALERTS, &body(), &sig),
        Ok(())
    );
    // Surrounding whitespace in the header value is tolerated.
    let padded = format!(" {sig}\t");
    assert_eq!(
        key.public_key()
            .verify_request("POST", PATH_ALERTS, &body(), &padded),
        Ok(())
    );
    // A GET with an empty body.
    let path = status_path(&alert().id);
    let sig = key.sign_request("GET", &path, b"");
    assert_eq!(
        key.public_key().verify_request("GET", &path, b"", &sig),
        Ok(())
    );
}

#[test]
fn test_another_devices_key_does_not_verify() {
    let sig = test_key().sign_request("POST", PATH_ALERTS, &body());
    let other = DeviceKey::generate().unwrap();
    assert_eq!(
        other
            .public_key()
            .verify_request("POST", PATH_ALERTS, &body(), &sig),
        Err(ProtocolError::BadSignature)
    );
}

#[test]
fn test_the_signature_is_bound_to_method_path_and_body() {
    let key = test_key();
    let pk = key.public_key();
    let sig = key.sign_request("POST", PATH_ALERTS, &body());
    let bad = Err(ProtocolError::BadSignature);
    assert_eq!(pk.verify_request("GET", PATH_ALERTS, &body(), &sig), bad);
    assert_eq!(pk.verify_request("post", PATH_ALERTS, &body(), &sig), bad);
    assert_eq!(
        pk.verify_request("POST", "/api/v1/positions", &body(), &sig),
        bad
    );
    assert_eq!(
        pk.verify_request("POST", &cancel_path(&alert().id), &body(), &sig),
        bad
    );
    assert_eq!(
        pk.verify_request("POST", "/api/v1/alerts/", &body(), &sig),
        bad
    );
    let mut tampered = body();
    let at = tampered.len() / 2;
    tampered[at] ^= 0x01;
    assert_eq!(pk.verify_request("POST", PATH_ALERTS, &tampered, &sig), bad);
    let mut longer = body();
    longer.push(b' ');
    assert_eq!(pk.verify_request("POST", PATH_ALERTS, &longer, &sig), bad);
    assert_eq!(
        pk.verify_request("POST", PATH_ALERTS, &body()[1..], &sig),
        bad
    );
}

#[test]
fn test_a_newline_cannot_move_the_boundary_between_path_and_body() {
    let key = test_key();
    // Both requests have the same signing input; the second is refused.
    assert_eq!(
        signing_input("POST", "/a", b"x\ny"),
        signing_input("POST", "/a\nx", b"y")
    );
    let sig = key.sign_request("POST", "/a", b"x\ny");
    assert_eq!(
        key.public_key().verify_request("POST", "/a", b"x\ny", &sig),
        Ok(())
    );
    assert_eq!(
        key.public_key().verify_request("POST", "/a\nx", b"y", &sig),
        Err(ProtocolError::BadSignature)
    );
    assert_eq!(
        key.public_key().verify_request("POST\n/a", "x", b"y", &sig),
        Err(ProtocolError::BadSignature)
    );
}

#[test]
fn test_bad_signature_text_is_refused_without_panic() {
    let key = test_key();
    let pk = key.public_key();
    let sig = key.sign_request("POST", PATH_ALERTS, &body());
    let standard =
        base64::engine::general_purpose::STANDARD.encode(URL_SAFE_NO_PAD.decode(&sig).unwrap());
    let mut wrong_char = sig.clone().into_bytes();
    wrong_char[10] = b'*';
    for bad in [
        String::new(),
        "x".into(),
        format!("{sig}="),
        format!("{sig}AA"),
        sig[..sig.len() - 1].to_owned(),
        standard,
        String::from_utf8(wrong_char).unwrap(),
        "ñ".repeat(43),
        "A".repeat(SIGNATURE_B64_LEN),
        "A".repeat(100_000),
    ] {
        assert_eq!(
            pk.verify_request("POST", PATH_ALERTS, &body(), &bad),
            Err(ProtocolError::BadSignature),
            "{bad:?}"
        );
    }
    assert_eq!(
        pk.verify_raw(b"m", &[0u8; 63]),
        Err(ProtocolError::BadSignature)
    );
    assert_eq!(
        pk.verify_raw(b"m", &[0u8; 64]),
        Err(ProtocolError::BadSignature)
    );
}

#[test]
fn test_keys_round_trip_and_bad_keys_are_refused() {
    let key = test_key();
    let again = DeviceKey::from_bytes(&key.to_bytes());
    assert_eq!(again.public_key(), key.public_key());
    let pk = key.public_key();
    assert_eq!(PublicKey::from_base64(&pk.to_base64()), Ok(pk));
    assert_eq!(PublicKey::from_bytes(&pk.to_bytes()), Ok(pk));
    assert_eq!(format!("{key:?}"), "DeviceKey(..)");
    assert!(matches!(
        PublicKey::from_base64("###"),
        Err(ProtocolError::BadKey(_))
    ));
    assert!(matches!(
        PublicKey::from_bytes(&[1u8; 31]),
        Err(ProtocolError::BadKey(_))
    ));
    assert!(matches!(
        PublicKey::from_bytes(&[1u8; 33]),
        Err(ProtocolError::BadKey(_))
    ));
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert!(matches!(
        PublicKey::from_bytes(&identity),
        Err(ProtocolError::BadKey(_))
    ));
    // Two generated keys differ.
    assert_ne!(
        DeviceKey::generate().unwrap().to_bytes(),
        DeviceKey::generate().unwrap().to_bytes()
    );
}

#[test]
fn test_the_request_signature_of_the_test_key_is_fixed() {
    // Ed25519 is deterministic: this pins the canonical form. If it changes,
    // every deployed phone and server must change with it.
    let input = signing_input("GET", "/api/v1/alerts/x/status", b"");
    assert_eq!(input, b"AUXILIO-V1\nGET\n/api/v1/alerts/x/status\n");
    let sig = test_key().sign_request("GET", "/api/v1/alerts/x/status", b"");
    assert_eq!(
        test_key().public_key().to_base64(),
        "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"
    );
    assert_eq!(sig, PINNED_STATUS_SIGNATURE);
}

/// The signature of the test key over the request above (see PROTOCOL.md).
const PINNED_STATUS_SIGNATURE: &str =
    "AhZiLNnE1b0o5D9DoJhWE6kEZhAT_xKTGcUS6Taqyn7MfOmr5O19C6E-PE6seCPZBvia8gpneytjSjOnQEaTAw";
