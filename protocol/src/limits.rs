//! Bounds on every message. Both sides enforce the same numbers.

/// The largest request body the server reads, in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Position updates in one [`crate::PositionBatch`].
pub const MAX_BATCH: usize = 500;
/// Display names, organizations, place names.
pub const MAX_NAME_CHARS: usize = 120;
/// Phone numbers (digits, `+`, spaces, dashes).
pub const MAX_PHONE_CHARS: usize = 20;
/// Vehicle plates.
pub const MAX_PLATE_CHARS: usize = 12;
/// Free-text notes and cancel reasons.
pub const MAX_NOTE_CHARS: usize = 500;
/// App version strings.
pub const MAX_VERSION_CHARS: usize = 40;
/// Enrollment codes.
pub const MAX_CODE_CHARS: usize = 64;
/// How far in the future a timestamp may be (clock skew), in ms. Generous on
/// purpose: a phone whose clock runs an hour fast must still get its SOS
/// through; only an absurd clock is refused.
pub const MAX_FUTURE_SKEW_MS: i64 = 24 * 60 * 60 * 1000;
/// How old an alert may be when it finally arrives (a phone offline for days), in ms.
pub const MAX_AGE_MS: i64 = 14 * 24 * 60 * 60 * 1000;
/// Accuracy worse than this is not a position, in metres.
pub const MAX_ACCURACY_M: f64 = 50_000.0;
/// Anything before 2024-01-01 is a broken clock, not a real time.
pub const MIN_TIMESTAMP_MS: i64 = 1_704_067_200_000;
