//! The fixes the platform fed: a short in-memory history, the last known fix
//! (persisted so it survives a restart), and a signal for waiters. Each fix
//! is kept with the monotonic time and the phone's clock when it was fed
//! ([`Fed`]): the phone's clock may be wrong, the monotonic one is not.

use std::collections::VecDeque;
use std::sync::Mutex;

use auxilio_protocol::Fix;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::fix::Fed;

/// Fixes kept in memory for selection.
const RECENT: usize = 32;
/// The last known fix is written to disk at most this often (monotonic), so
/// a 1 Hz provider does not cost one fsync a second.
const PERSIST_EVERY_MS: i64 = 5_000;

#[derive(Default)]
struct Book {
    recent: VecDeque<Fed>,
    last_known: Option<Fed>,
    persisted_mono_ms: Option<i64>,
}

pub(crate) struct FixBook {
    book: Mutex<Book>,
    changed: watch::Sender<u64>,
    origin: Instant,
    /// A last known fix fed longer ago than this is replaced by any new fix,
    /// even one stamped earlier (another clock, or a stray stamp far ahead).
    replace_after_ms: i64,
}

impl FixBook {
    /// `last_known` was restored from disk: never fresh, replaced by the
    /// first fix fed.
    pub(crate) fn new(last_known: Option<Fix>, replace_after_ms: i64) -> FixBook {
        FixBook {
            book: Mutex::new(Book {
                recent: VecDeque::new(),
                last_known: last_known.map(|fix| Fed {
                    clock_ms: fix.fixed_at_ms,
                    fix,
                    fed_mono_ms: None,
                }),
                persisted_mono_ms: None,
            }),
            changed: watch::channel(0).0,
            origin: Instant::now(),
            replace_after_ms,
        }
    }

    /// Monotonic milliseconds since this book was made (tokio's clock, so
    /// tests can pause it). Never goes back, whatever the phone's clock does.
    pub(crate) fn mono_ms(&self) -> i64 {
        i64::try_from(self.origin.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a (validated) fix fed when the phone's clock read `clock_ms`;
    /// returns `true` when it should be persisted.
    pub(crate) fn push(&self, fix: Fix, clock_ms: i64) -> bool {
        let now = self.mono_ms();
        let fed = Fed {
            fix,
            fed_mono_ms: Some(now),
            clock_ms,
        };
        let persist = {
            let mut book = self.lock();
            if book.recent.len() == RECENT {
                book.recent.pop_front();
            }
            book.recent.push_back(fed.clone());
            // An older stamp fed shortly after a newer one is a cached fix:
            // it does not replace the last known one for a while.
            let newer = book.last_known.as_ref().is_none_or(|lk| {
                fed.fix.fixed_at_ms >= lk.fix.fixed_at_ms
                    || lk
                        .fed_mono_ms
                        .is_none_or(|t| now.saturating_sub(t) > self.replace_after_ms)
            });
            if newer {
                book.last_known = Some(fed);
            }
            let due = book
                .persisted_mono_ms
                .is_none_or(|t| now.saturating_sub(t) >= PERSIST_EVERY_MS);
            if newer && due {
                book.persisted_mono_ms = Some(now);
            }
            newer && due
        };
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
        persist
    }

    /// The recent fixes and the last known fix.
    pub(crate) fn snapshot(&self) -> (Vec<Fed>, Option<Fed>) {
        let book = self.lock();
        (
            book.recent.iter().cloned().collect(),
            book.last_known.clone(),
        )
    }

    /// The last known fix (the newest fed, see [`FixBook::push`]).
    pub(crate) fn latest(&self) -> Option<Fed> {
        self.lock().last_known.clone()
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}
