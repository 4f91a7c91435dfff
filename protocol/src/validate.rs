//! Validation in one place, used by the phone before it queues a message and
//! by the server before it stores one. Nothing here panics on any input.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::limits::*;
use crate::text::{check_opt_text, check_text, Lines};
use crate::{
    Alert, Cancel, EnrollRequest, Fix, Place, PositionBatch, Profile, ProtocolError, Reporter,
    MIN_PROTOCOL_VERSION, PROTOCOL_VERSION,
};

/// A message that can check itself. `now_ms` is the checking side's clock;
/// no rule of version 1 refuses a message for its times relative to it (see
/// [`check_timestamp`]), it is kept so a rule that needs it stays possible.
pub trait Validate {
    fn validate(&self, now_ms: i64) -> Result<(), ProtocolError>;
}

/// Parses and validates a message body: the version is checked first, so an
/// unknown version gets its own clear error instead of a field error.
pub fn decode<T: DeserializeOwned + Validate>(
    bytes: &[u8],
    now_ms: i64,
) -> Result<T, ProtocolError> {
    #[derive(Deserialize)]
    struct Versioned {
        v: Option<serde_json::Value>,
    }
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ProtocolError::Malformed("the body is too large".into()));
    }
    // serde also accepts a struct written as a JSON array of its fields in
    // order; only the object form is part of the protocol.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ProtocolError::Malformed(
            "the body must be a JSON object".into(),
        ));
    }
    let head: Versioned =
        serde_json::from_slice(bytes).map_err(|e| ProtocolError::Malformed(describe(&e)))?;
    match head.v {
        None => return Err(ProtocolError::invalid("v", "missing")),
        Some(v) => match v.as_u64() {
            Some(n) => check_version_number(n)?,
            None => return Err(ProtocolError::invalid("v", "must be a whole number")),
        },
    }
    let msg: T =
        serde_json::from_slice(bytes).map_err(|e| ProtocolError::Malformed(describe(&e)))?;
    msg.validate(now_ms)?;
    Ok(msg)
}

/// serde_json's messages may quote input values; keep only the category and
/// the position so no personal data leaks into an error.
fn describe(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "unreadable input",
        Category::Syntax => "not valid JSON",
        Category::Data => "a field is missing, unknown or of the wrong type",
        Category::Eof => "the JSON ends too early",
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}

fn check_version_number(v: u64) -> Result<(), ProtocolError> {
    if (u64::from(MIN_PROTOCOL_VERSION)..=u64::from(PROTOCOL_VERSION)).contains(&v) {
        Ok(())
    } else {
        Err(ProtocolError::UnsupportedVersion {
            found: v,
            min: MIN_PROTOCOL_VERSION,
            max: PROTOCOL_VERSION,
        })
    }
}

fn check_version(v: u16) -> Result<(), ProtocolError> {
    check_version_number(u64::from(v))
}

/// A time read from the phone's clock. The clock may be wrong by any amount
/// (reset to 2000 or 1970 after the battery died, days ahead, never set while
/// offline), so no time is refused for being too old, before 2024, in the
/// future or far from another time: a wrong clock never makes an SOS invalid.
/// The receiver keeps its own receive time and may flag the difference. Only
/// what is no clock reading at all is refused: a negative value or one after
/// the year 9999 ([`MAX_TIMESTAMP_MS`]).
pub fn check_timestamp(field: &'static str, t_ms: i64) -> Result<(), ProtocolError> {
    if !(0..=MAX_TIMESTAMP_MS).contains(&t_ms) {
        return Err(ProtocolError::invalid(
            field,
            "must be milliseconds since 1970 before the year 10000",
        ));
    }
    Ok(())
}

/// Within this many degrees of 0 on both axes (≈ 1.1 m at the equator, the
/// resolution of the SMS form) a position is the (0, 0) that stubs and broken
/// location providers report, never a real fix. The one rule for every side:
/// validation here, the SMS form, the app's location reader and the web page
/// (`ui/src/logic/fix.ts`, tested against `fixtures/null_island.json`).
pub const NULL_ISLAND_DEG: f64 = 1e-5;

/// Whether `(lat, lon)` is (0, 0) per [`NULL_ISLAND_DEG`].
pub fn is_null_island(lat: f64, lon: f64) -> bool {
    lat.abs() < NULL_ISLAND_DEG && lon.abs() < NULL_ISLAND_DEG
}

/// Latitude and longitude finite, in range, and not the (0, 0) that broken
/// location providers report ([`is_null_island`]).
pub fn check_coordinates(lat: f64, lon: f64) -> Result<(), ProtocolError> {
    if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
        return Err(ProtocolError::invalid(
            "lat",
            "must be a finite number in [-90, 90]",
        ));
    }
    if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        return Err(ProtocolError::invalid(
            "lon",
            "must be a finite number in [-180, 180]",
        ));
    }
    if is_null_island(lat, lon) {
        return Err(ProtocolError::invalid(
            "lat",
            "(0, 0) is not a real position",
        ));
    }
    Ok(())
}

fn check_positive(field: &'static str, x: f64, max: f64) -> Result<(), ProtocolError> {
    if !x.is_finite() || x <= 0.0 {
        return Err(ProtocolError::invalid(
            field,
            "must be a finite number above 0",
        ));
    }
    if x > max {
        return Err(ProtocolError::invalid(field, "too large"));
    }
    Ok(())
}

/// A phone number: 6 to 20 characters of digits, `+`, spaces and dashes.
pub fn check_phone(field: &'static str, s: &str) -> Result<(), ProtocolError> {
    check_text(field, s, MAX_PHONE_CHARS, true, Lines::Single)?;
    let digits = s.chars().filter(char::is_ascii_digit).count();
    if digits < 6
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-'))
    {
        return Err(ProtocolError::invalid(field, "must be a phone number"));
    }
    Ok(())
}

impl Validate for Fix {
    fn validate(&self, _now_ms: i64) -> Result<(), ProtocolError> {
        check_coordinates(self.lat, self.lon)?;
        check_positive("accuracy_m", self.accuracy_m, MAX_ACCURACY_M)?;
        if let Some(alt) = self.altitude_m {
            if !alt.is_finite() || !(-500.0..=9_000.0).contains(&alt) {
                return Err(ProtocolError::invalid("altitude_m", "out of range"));
            }
        }
        if let Some(speed) = self.speed_mps {
            if !speed.is_finite() || !(0.0..=150.0).contains(&speed) {
                return Err(ProtocolError::invalid("speed_mps", "out of range"));
            }
        }
        if let Some(h) = self.heading_deg {
            // 360 is north as some receivers report it; refusing it would
            // refuse a whole SOS for a cosmetic field.
            if !h.is_finite() || !(0.0..=360.0).contains(&h) {
                return Err(ProtocolError::invalid("heading_deg", "must be in [0, 360]"));
            }
        }
        check_timestamp("fixed_at_ms", self.fixed_at_ms)
    }
}

impl Validate for Place {
    fn validate(&self, _now_ms: i64) -> Result<(), ProtocolError> {
        check_text(
            "place.name",
            &self.name,
            MAX_NAME_CHARS,
            true,
            Lines::Single,
        )?;
        check_coordinates(self.lat, self.lon)?;
        check_positive("place.radius_m", self.radius_m, MAX_ACCURACY_M)
    }
}

impl Validate for Reporter {
    fn validate(&self, _now_ms: i64) -> Result<(), ProtocolError> {
        check_text(
            "reporter.display_name",
            &self.display_name,
            MAX_NAME_CHARS,
            true,
            Lines::Single,
        )?;
        check_phone("reporter.phone", &self.phone)?;
        check_opt_text(
            "reporter.organization",
            &self.organization,
            MAX_NAME_CHARS,
            Lines::Single,
        )?;
        check_opt_text(
            "reporter.plate",
            &self.plate,
            MAX_PLATE_CHARS,
            Lines::Single,
        )?;
        check_opt_text("reporter.place", &self.place, MAX_NAME_CHARS, Lines::Single)
    }
}

impl Validate for Alert {
    fn validate(&self, now_ms: i64) -> Result<(), ProtocolError> {
        check_version(self.v)?;
        if self.id.get_version_num() != 7 {
            return Err(ProtocolError::invalid("id", "must be a UUIDv7"));
        }
        if self.device_id.is_nil() {
            return Err(ProtocolError::invalid("device_id", "must not be nil"));
        }
        check_timestamp("created_at_ms", self.created_at_ms)?;
        // No rule compares `fix.fixed_at_ms` with `created_at_ms`: the fix
        // time often comes from the satellites (Android `Location.time`)
        // while `created_at_ms` comes from the phone's clock, so the two are
        // not on one clock and their difference proves nothing.
        match &self.fix {
            Some(fix) => fix.validate(now_ms)?,
            // Version 1 had no way to say "no position".
            None if self.v < 2 => {
                return Err(ProtocolError::invalid("fix", "required in version 1"))
            }
            None => {}
        }
        self.reporter.validate(now_ms)?;
        if matches!(self.battery_pct, Some(b) if b > 100) {
            return Err(ProtocolError::invalid("battery_pct", "must be in [0, 100]"));
        }
        check_opt_text("note", &self.note, MAX_NOTE_CHARS, Lines::Multi)?;
        check_text(
            "app_version",
            &self.app_version,
            MAX_VERSION_CHARS,
            true,
            Lines::Single,
        )
    }
}

impl Validate for PositionBatch {
    fn validate(&self, now_ms: i64) -> Result<(), ProtocolError> {
        check_version(self.v)?;
        if self.device_id.is_nil() {
            return Err(ProtocolError::invalid("device_id", "must not be nil"));
        }
        if self.updates.is_empty() {
            return Err(ProtocolError::invalid("updates", "must not be empty"));
        }
        if self.updates.len() > MAX_BATCH {
            return Err(ProtocolError::invalid("updates", "too many in one batch"));
        }
        for u in &self.updates {
            if u.alert_id.get_version_num() != 7 {
                return Err(ProtocolError::invalid(
                    "updates.alert_id",
                    "must be a UUIDv7",
                ));
            }
            if u.refines && self.v < 2 {
                return Err(ProtocolError::invalid("updates.refines", "needs version 2"));
            }
            u.fix.validate(now_ms)?;
        }
        Ok(())
    }
}

impl Validate for Cancel {
    fn validate(&self, _now_ms: i64) -> Result<(), ProtocolError> {
        check_version(self.v)?;
        if self.alert_id.get_version_num() != 7 {
            return Err(ProtocolError::invalid("alert_id", "must be a UUIDv7"));
        }
        if self.device_id.is_nil() {
            return Err(ProtocolError::invalid("device_id", "must not be nil"));
        }
        check_timestamp("cancelled_at_ms", self.cancelled_at_ms)?;
        check_opt_text("reason", &self.reason, MAX_NOTE_CHARS, Lines::Multi)
    }
}

impl Validate for Profile {
    fn validate(&self, now_ms: i64) -> Result<(), ProtocolError> {
        check_text(
            "profile.display_name",
            &self.display_name,
            MAX_NAME_CHARS,
            true,
            Lines::Single,
        )?;
        if let Some(dni) = &self.dni {
            if dni.len() != 8 || !dni.chars().all(|c| c.is_ascii_digit()) {
                return Err(ProtocolError::invalid("profile.dni", "must be 8 digits"));
            }
        }
        check_phone("profile.phone", &self.phone)?;
        check_opt_text("profile.plate", &self.plate, MAX_PLATE_CHARS, Lines::Single)?;
        match &self.place {
            Some(place) => place.validate(now_ms),
            None => Ok(()),
        }
    }
}

impl Validate for EnrollRequest {
    fn validate(&self, now_ms: i64) -> Result<(), ProtocolError> {
        check_version(self.v)?;
        check_text("code", &self.code, MAX_CODE_CHARS, true, Lines::Single)?;
        if self.device_id.is_nil() {
            return Err(ProtocolError::invalid("device_id", "must not be nil"));
        }
        crate::PublicKey::from_base64(&self.public_key)?;
        self.profile.validate(now_ms)
    }
}
