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
/// Accuracy worse than this is not a position, in metres.
pub const MAX_ACCURACY_M: f64 = 50_000.0;
/// 2024-01-01T00:00:00Z, the epoch of the SMS form's `created at`. A phone
/// time before it is a wrong clock: accepted like any other time (see
/// [`crate::validate`]), carried in the SMS form as this epoch.
pub const MIN_TIMESTAMP_MS: i64 = 1_704_067_200_000;
/// 9999-12-31T23:59:59.999Z, the latest time a `*_ms` field can hold; later
/// values (and negative ones) are not a clock reading but garbage.
pub const MAX_TIMESTAMP_MS: i64 = 253_402_300_799_999;
