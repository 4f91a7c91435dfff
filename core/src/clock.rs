//! Wall-clock time, in one place. Waiting uses `tokio::time` everywhere so
//! tests can pause time; timestamps that go on the wire come from here.
//!
//! The phone's wall clock may be wrong by any amount (reset to 2000 or 1970
//! after the battery died, days off, never set while offline). It stamps
//! what goes on the wire and the local records; it never decides whether an
//! SOS is composed, kept or sent. Deadlines, timers and fix freshness run on
//! the monotonic clock (`tokio::time::Instant`, see `fix.rs`).

use auxilio_protocol::limits::MAX_TIMESTAMP_MS;

/// The phone's wall clock as core reads it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    offset_ms: i64,
}

impl Clock {
    /// The system clock shifted by `offset_ms` (`CoreConfig::clock_offset_ms`:
    /// 0 on a real phone; tests and the simulator play a wrong clock with it).
    pub(crate) fn new(offset_ms: i64) -> Clock {
        Clock { offset_ms }
    }

    /// Milliseconds since the Unix epoch (UTC), as the phone believes, kept
    /// in the range a protocol time can hold (0 to the year 9999), so no
    /// clock reading, however wrong, makes an alert or a cancel invalid.
    pub(crate) fn now_ms(self) -> i64 {
        auxilio_protocol::now_ms()
            .saturating_add(self.offset_ms)
            .clamp(0, MAX_TIMESTAMP_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_clock_reading_is_a_valid_protocol_time() {
        assert_eq!(Clock::new(i64::MIN).now_ms(), 0);
        assert_eq!(Clock::new(i64::MAX).now_ms(), MAX_TIMESTAMP_MS);
        let now = Clock::new(0).now_ms();
        assert!(now > 1_704_067_200_000 && now < MAX_TIMESTAMP_MS);
        for offset in [i64::MIN, -now - 1, 0, i64::MAX] {
            let t = Clock::new(offset).now_ms();
            assert_eq!(
                auxilio_protocol::check_timestamp("t", t),
                Ok(()),
                "{offset}"
            );
        }
    }
}
