//! The compact SMS form of an alert: one 160-character GSM-7 message, signed
//! with the device's Ed25519 key, for when the data network fails.
//!
//! ```text
//! text      = "AUX1 " || base64url-no-pad( payload || signature )   157 chars
//! payload   = 50 bytes, big-endian, laid out below
//! signature = Ed25519( "AUXILIO-SMS-V1\n" || payload )              64 bytes
//! ```
//!
//! | bytes  | field          | encoding                                           |
//! |--------|----------------|----------------------------------------------------|
//! | 0      | version        | `1`                                                |
//! | 1–16   | alert id       | the UUIDv7, 16 bytes                               |
//! | 17–32  | device id      | the UUID, 16 bytes                                 |
//! | 33–36  | latitude       | `i32`, 1e-5 degrees (≈ 1.1 m), rounded             |
//! | 37–40  | longitude      | `i32`, 1e-5 degrees, rounded                       |
//! | 41–42  | accuracy       | `u16` metres, rounded up, at least 1               |
//! | 43–46  | created at     | `u32` seconds since 2024-01-01T00:00:00Z, clamped  |
//! | 47–48  | fix age        | `u16`: seconds if < 0x8000, else 0x8000 \| minutes |
//! | 49     | flags          | kind << 5 \| source << 2 \| silent << 1 (bit 0 = 0) |
//!
//! An SOS raised with no position has bytes 33–42 and 47–48 all zero and
//! source code 0: an accuracy of 0 is never a real fix, so it marks "no
//! position" without a new layout.
//!
//! 50 + 64 = 114 bytes are exactly 152 base64 characters (no padding, no
//! spare bits), so every character carries signed bits: changing any one
//! character makes the text unparseable or the signature wrong. The base64url
//! alphabet (`A–Z a–z 0–9 - _`), the space and the prefix are all in the
//! GSM-7 basic character set. See `protocol/PROTOCOL.md` for a worked example.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

use crate::limits::MIN_TIMESTAMP_MS;
use crate::{
    check_coordinates, Alert, AlertKind, DeviceId, DeviceKey, Fix, FixSource, ProtocolError,
    PublicKey, Validate,
};

/// What every SMS text starts with (the `1` is the layout version).
pub const SMS_PREFIX: &str = "AUX1 ";
/// The layout version, first byte of the payload.
pub const SMS_VERSION: u8 = 1;
/// The signed payload, in bytes.
pub const SMS_PAYLOAD_LEN: usize = 50;
/// An Ed25519 signature, in bytes.
pub const SMS_SIGNATURE_LEN: usize = 64;
/// The whole text, in characters (prefix + 152 base64 characters).
pub const SMS_TEXT_LEN: usize = SMS_PREFIX.len() + 152;
const _: () = assert!(SMS_TEXT_LEN <= 160, "one SMS");
/// `created_at` is counted from here (2024-01-01T00:00:00Z), in Unix seconds.
pub const SMS_EPOCH_S: i64 = MIN_TIMESTAMP_MS / 1000;
/// Domain separation: an SMS signature can never pass for a request's.
const SMS_DOMAIN: &[u8] = b"AUXILIO-SMS-V1\n";

const MAX_LAT_E5: i32 = 9_000_000;
const MAX_LON_E5: i32 = 18_000_000;

/// An alert reduced to what fits in one SMS. Times in whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SmsAlert {
    pub id: Uuid,
    pub device_id: DeviceId,
    pub kind: AlertKind,
    /// Unix seconds.
    pub created_at_s: i64,
    pub silent: bool,
    /// `None` for an SOS raised with no position (bytes 33–48 all zero and
    /// source code 0: an accuracy of 0 is never a real fix).
    pub position: Option<SmsPosition>,
}

/// The position an SMS carries, in 1e-5 degrees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SmsPosition {
    pub lat_e5: i32,
    pub lon_e5: i32,
    /// Metres, at least 1 (rounded up, saturating at 65 535).
    pub accuracy_m: u16,
    /// How long before `created_at_s` the position was measured, in seconds,
    /// rounded up to what the form carries: exact below 32 768 s (≈ 9 h),
    /// whole minutes above, saturating at [`MAX_FIX_AGE_S`] (≈ 22 days). An
    /// old fix is never made to look fresher than it is.
    pub fix_age_s: u32,
    pub source: FixSource,
}

impl SmsPosition {
    fn from_fix(fix: &Fix, created_at_ms: i64) -> Result<SmsPosition, ProtocolError> {
        check_coordinates(fix.lat, fix.lon)?;
        // In range and finite after the check: the casts cannot saturate, and
        // at least one axis is at least 1e-5 from 0, so at least 1 here.
        let lat_e5 = (fix.lat * 1e5).round() as i32;
        let lon_e5 = (fix.lon * 1e5).round() as i32;
        if !fix.accuracy_m.is_finite() || fix.accuracy_m <= 0.0 {
            return Err(ProtocolError::invalid(
                "accuracy_m",
                "must be a finite number above 0",
            ));
        }
        // Never claim a better accuracy than measured: round up.
        let accuracy_m = fix.accuracy_m.ceil().clamp(1.0, f64::from(u16::MAX)) as u16;
        let age_ms = u64::try_from(created_at_ms.saturating_sub(fix.fixed_at_ms)).unwrap_or(0);
        Ok(SmsPosition {
            lat_e5,
            lon_e5,
            accuracy_m,
            fix_age_s: quantize_age(age_ms.div_ceil(1000)),
            source: fix.source,
        })
    }

    /// Latitude in degrees.
    pub fn lat(&self) -> f64 {
        f64::from(self.lat_e5) / 1e5
    }

    /// Longitude in degrees.
    pub fn lon(&self) -> f64 {
        f64::from(self.lon_e5) / 1e5
    }

    fn check(&self) -> Result<(), &'static str> {
        if !(-MAX_LAT_E5..=MAX_LAT_E5).contains(&self.lat_e5)
            || !(-MAX_LON_E5..=MAX_LON_E5).contains(&self.lon_e5)
        {
            return Err("coordinates out of range");
        }
        if crate::is_null_island(self.lat(), self.lon()) {
            return Err("(0, 0) is not a real position");
        }
        if self.accuracy_m == 0 {
            return Err("accuracy must be at least 1 m");
        }
        if quantize_age(u64::from(self.fix_age_s)) != self.fix_age_s {
            return Err("the fix age is not in the form's steps");
        }
        Ok(())
    }
}

impl SmsAlert {
    /// The SMS form of an alert. Fails only for an alert that would not pass
    /// validation anyway (bad coordinates or accuracy, a time outside 2024 to
    /// 2160, an id that is not a UUIDv7, a nil device id). A position that
    /// passes validation never rounds to (0, 0) here: the (0, 0) rule
    /// ([`crate::NULL_ISLAND_DEG`]) is this form's resolution.
    pub fn from_alert(alert: &Alert) -> Result<SmsAlert, ProtocolError> {
        let position = match &alert.fix {
            Some(fix) => Some(SmsPosition::from_fix(fix, alert.created_at_ms)?),
            None => None,
        };
        if alert.id.get_version_num() != 7 {
            return Err(ProtocolError::invalid("id", "must be a UUIDv7"));
        }
        if alert.device_id.is_nil() {
            return Err(ProtocolError::invalid("device_id", "must not be nil"));
        }
        let sms = SmsAlert {
            id: alert.id,
            device_id: alert.device_id,
            kind: alert.kind,
            created_at_s: alert
                .created_at_ms
                .div_euclid(1000)
                .clamp(SMS_EPOCH_S, SMS_EPOCH_S + i64::from(u32::MAX)),
            silent: alert.silent,
            position,
        };
        sms.check().map_err(ProtocolError::BadSms)?;
        Ok(sms)
    }

    /// The position as a [`Fix`] (what the server stores for an SMS alert),
    /// `None` for an SOS raised with no position.
    pub fn fix(&self) -> Option<Fix> {
        let p = self.position?;
        Some(Fix {
            lat: p.lat(),
            lon: p.lon(),
            accuracy_m: f64::from(p.accuracy_m),
            altitude_m: None,
            speed_mps: None,
            heading_deg: None,
            fixed_at_ms: self
                .created_at_s
                .saturating_sub(i64::from(p.fix_age_s))
                .saturating_mul(1000),
            source: p.source,
        })
    }

    /// Every rule the parser enforces, so what encodes always parses back.
    fn check(&self) -> Result<(), &'static str> {
        if let Some(p) = &self.position {
            p.check()?;
        }
        if self.sms_seconds().is_none() {
            return Err("the time is outside 2024 to 2160");
        }
        if self.id.get_version_num() != 7 {
            return Err("the alert id is not a UUIDv7");
        }
        if self.device_id.is_nil() {
            return Err("the device id is nil");
        }
        Ok(())
    }

    fn sms_seconds(&self) -> Option<u32> {
        u32::try_from(self.created_at_s.checked_sub(SMS_EPOCH_S)?).ok()
    }

    fn to_payload(self) -> Result<[u8; SMS_PAYLOAD_LEN], ProtocolError> {
        self.check().map_err(ProtocolError::BadSms)?;
        let seconds = self
            .sms_seconds()
            .ok_or(ProtocolError::BadSms("bad time"))?;
        let mut p = [0u8; SMS_PAYLOAD_LEN];
        p[0] = SMS_VERSION;
        p[1..17].copy_from_slice(self.id.as_bytes());
        p[17..33].copy_from_slice(self.device_id.as_bytes());
        // No position: bytes 33–48 stay zero, and so does the source code.
        let mut source = 0;
        if let Some(pos) = &self.position {
            p[33..37].copy_from_slice(&pos.lat_e5.to_be_bytes());
            p[37..41].copy_from_slice(&pos.lon_e5.to_be_bytes());
            p[41..43].copy_from_slice(&pos.accuracy_m.to_be_bytes());
            p[47..49].copy_from_slice(&encode_age(pos.fix_age_s).to_be_bytes());
            source = source_code(pos.source);
        }
        p[43..47].copy_from_slice(&seconds.to_be_bytes());
        p[49] = (kind_code(self.kind) << 5) | (source << 2) | (u8::from(self.silent) << 1);
        Ok(p)
    }

    fn from_payload(p: &[u8; SMS_PAYLOAD_LEN]) -> Result<SmsAlert, ProtocolError> {
        if p[0] != SMS_VERSION {
            return Err(ProtocolError::BadSms("unsupported SMS layout version"));
        }
        let flags = p[49];
        if flags & 1 != 0 {
            return Err(ProtocolError::BadSms("reserved bit set"));
        }
        let kind = kind_from_code(flags >> 5).ok_or(ProtocolError::BadSms("unknown kind"))?;
        let source_bits = (flags >> 2) & 0b111;
        let seconds = u32::from_be_bytes([p[43], p[44], p[45], p[46]]);
        let accuracy_m = u16::from_be_bytes([p[41], p[42]]);
        let position = if accuracy_m == 0 {
            // An accuracy of 0 is the form's "no position": everything else
            // of the position must be zero too, so one SOS has one text.
            if p[33..43].iter().chain(&p[47..49]).any(|b| *b != 0) || source_bits != 0 {
                return Err(ProtocolError::BadSms("no position, yet position bytes set"));
            }
            None
        } else {
            let raw_age = u16::from_be_bytes([p[47], p[48]]);
            let fix_age_s = decode_age(raw_age);
            if encode_age(fix_age_s) != raw_age {
                return Err(ProtocolError::BadSms("fix age not in its shortest form"));
            }
            Some(SmsPosition {
                lat_e5: i32::from_be_bytes([p[33], p[34], p[35], p[36]]),
                lon_e5: i32::from_be_bytes([p[37], p[38], p[39], p[40]]),
                accuracy_m,
                fix_age_s,
                source: source_from_code(source_bits)
                    .ok_or(ProtocolError::BadSms("unknown fix source"))?,
            })
        };
        let sms = SmsAlert {
            id: Uuid::from_bytes(take16(p, 1)),
            device_id: Uuid::from_bytes(take16(p, 17)),
            kind,
            created_at_s: SMS_EPOCH_S + i64::from(seconds),
            silent: flags & 0b10 != 0,
            position,
        };
        sms.check().map_err(ProtocolError::BadSms)?;
        Ok(sms)
    }
}

impl Validate for SmsAlert {
    /// The structural rules. Like a JSON alert, an SMS is never refused for
    /// its time: it may come late or from a phone whose clock is wrong; the
    /// receiver keeps its own receive time.
    fn validate(&self, _now_ms: i64) -> Result<(), ProtocolError> {
        self.check().map_err(ProtocolError::BadSms)
    }
}

/// A parsed SMS whose signature has not been checked yet: look up the
/// device's key by `alert.device_id`, then call [`SignedSms::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedSms {
    pub alert: SmsAlert,
    payload: [u8; SMS_PAYLOAD_LEN],
    signature: [u8; SMS_SIGNATURE_LEN],
}

impl SignedSms {
    /// Checks the signature with the public key enrolled for the device.
    pub fn verify(&self, key: &PublicKey) -> Result<(), ProtocolError> {
        key.verify_raw(&sms_signing_input(&self.payload), &self.signature)
    }

    /// The signed payload bytes as received.
    pub fn payload(&self) -> &[u8; SMS_PAYLOAD_LEN] {
        &self.payload
    }

    pub fn signature(&self) -> &[u8; SMS_SIGNATURE_LEN] {
        &self.signature
    }
}

/// The bytes an SMS signature covers.
pub fn sms_signing_input(payload: &[u8; SMS_PAYLOAD_LEN]) -> Vec<u8> {
    let mut input = Vec::with_capacity(SMS_DOMAIN.len() + SMS_PAYLOAD_LEN);
    input.extend_from_slice(SMS_DOMAIN);
    input.extend_from_slice(payload);
    input
}

/// The SMS text for an alert, [`SMS_TEXT_LEN`] characters of the GSM-7
/// basic set. Fails only for an [`SmsAlert`] built by hand with a field the
/// parser would refuse; one from [`SmsAlert::from_alert`] always encodes.
pub fn encode_sms(alert: &SmsAlert, key: &DeviceKey) -> Result<String, ProtocolError> {
    let payload = alert.to_payload()?;
    let signature = key.sign_raw(&sms_signing_input(&payload));
    let mut bytes = [0u8; SMS_PAYLOAD_LEN + SMS_SIGNATURE_LEN];
    bytes[..SMS_PAYLOAD_LEN].copy_from_slice(&payload);
    bytes[SMS_PAYLOAD_LEN..].copy_from_slice(&signature);
    let mut text = String::with_capacity(SMS_TEXT_LEN);
    text.push_str(SMS_PREFIX);
    URL_SAFE_NO_PAD.encode_string(bytes, &mut text);
    Ok(text)
}

/// Parses an SMS text (surrounding whitespace is ignored). The signature is
/// not checked here: the caller needs the device id to find the key.
pub fn parse_sms(text: &str) -> Result<SignedSms, ProtocolError> {
    let body = text
        .trim()
        .strip_prefix(SMS_PREFIX)
        .ok_or(ProtocolError::BadSms("does not start with AUX1"))?;
    if body.len() != SMS_TEXT_LEN - SMS_PREFIX.len() {
        return Err(ProtocolError::BadSms("wrong length"));
    }
    let mut bytes = [0u8; SMS_PAYLOAD_LEN + SMS_SIGNATURE_LEN];
    let n = URL_SAFE_NO_PAD
        .decode_slice(body, &mut bytes)
        .map_err(|_| ProtocolError::BadSms("not base64url"))?;
    if n != bytes.len() {
        return Err(ProtocolError::BadSms("wrong length"));
    }
    let mut payload = [0u8; SMS_PAYLOAD_LEN];
    payload.copy_from_slice(&bytes[..SMS_PAYLOAD_LEN]);
    let mut signature = [0u8; SMS_SIGNATURE_LEN];
    signature.copy_from_slice(&bytes[SMS_PAYLOAD_LEN..]);
    Ok(SignedSms {
        alert: SmsAlert::from_payload(&payload)?,
        payload,
        signature,
    })
}

/// Fix ages from here on are carried in whole minutes.
const AGE_MINUTES_FROM_S: u32 = 0x8000;
/// The oldest fix age the form carries, in seconds (32 767 minutes).
pub const MAX_FIX_AGE_S: u32 = 0x7FFF * 60;

/// The fix age the form can carry for `age_s`, never younger than `age_s`
/// (up to the cap).
fn quantize_age(age_s: u64) -> u32 {
    if age_s < u64::from(AGE_MINUTES_FROM_S) {
        age_s as u32
    } else {
        let minutes = age_s.div_ceil(60).min(u64::from(MAX_FIX_AGE_S / 60));
        minutes as u32 * 60
    }
}

/// The two bytes of a quantized age: seconds below 0x8000, else
/// 0x8000 | minutes.
fn encode_age(age_s: u32) -> u16 {
    if age_s < AGE_MINUTES_FROM_S {
        age_s as u16
    } else {
        (AGE_MINUTES_FROM_S | (age_s / 60).min(0x7FFF)) as u16
    }
}

fn decode_age(raw: u16) -> u32 {
    let raw = u32::from(raw);
    if raw & AGE_MINUTES_FROM_S == 0 {
        raw
    } else {
        (raw & 0x7FFF) * 60
    }
}

fn take16(p: &[u8; SMS_PAYLOAD_LEN], at: usize) -> [u8; 16] {
    let mut out = [0u8; 16];
    if let Some(src) = p.get(at..at + 16) {
        out.copy_from_slice(src);
    }
    out
}

/// Stable wire codes; never renumber, only append (3 bits: up to 8).
fn kind_code(kind: AlertKind) -> u8 {
    match kind {
        AlertKind::Sos => 0,
        AlertKind::Asalto => 1,
        AlertKind::Extorsion => 2,
        AlertKind::Violencia => 3,
        AlertKind::EmergenciaMedica => 4,
        AlertKind::Incendio => 5,
        AlertKind::Accidente => 6,
    }
}

fn kind_from_code(code: u8) -> Option<AlertKind> {
    AlertKind::ALL.into_iter().find(|k| kind_code(*k) == code)
}

/// Stable wire codes; never renumber, only append (3 bits: up to 8).
fn source_code(source: FixSource) -> u8 {
    match source {
        FixSource::Gps => 0,
        FixSource::Network => 1,
        FixSource::Fused => 2,
        FixSource::LastKnown => 3,
        FixSource::RegisteredPlace => 4,
    }
}

fn source_from_code(code: u8) -> Option<FixSource> {
    FixSource::ALL.into_iter().find(|s| source_code(*s) == code)
}
