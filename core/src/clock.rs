//! Wall-clock time, in one place. Waiting uses `tokio::time` everywhere so
//! tests can pause time; timestamps that go on the wire come from here.
//!
//! The phone's wall clock may be wrong by any amount (reset to 2000 or 1970
//! after the battery died, days off, never set while offline). It stamps
//! what goes on the wire and the local records; it never decides whether an
//! SOS is composed, kept or sent. Deadlines, timers and fix freshness run on
//! the monotonic clock (`tokio::time::Instant`, see `fix.rs`).

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

    /// Milliseconds since the Unix epoch (UTC), as the phone believes.
    pub(crate) fn now_ms(self) -> i64 {
        auxilio_protocol::now_ms().saturating_add(self.offset_ms)
    }
}
