//! Wall-clock time, in one place. Waiting uses `tokio::time` everywhere so
//! tests can pause time; timestamps that go on the wire come from here.

/// Milliseconds since the Unix epoch (UTC).
pub(crate) fn now_ms() -> i64 {
    auxilio_protocol::now_ms()
}
