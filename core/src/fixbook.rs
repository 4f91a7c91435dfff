//! The fixes the platform fed: a short in-memory history, the last known fix
//! (persisted so it survives a restart), and a signal for waiters.

use std::collections::VecDeque;
use std::sync::Mutex;

use auxilio_protocol::Fix;
use tokio::sync::watch;

/// Fixes kept in memory for selection.
const RECENT: usize = 32;
/// The last known fix is written to disk at most this often (by fix time),
/// so a 1 Hz provider does not cost one fsync a second.
const PERSIST_EVERY_MS: i64 = 5_000;

#[derive(Default)]
struct Book {
    recent: VecDeque<Fix>,
    last_known: Option<Fix>,
    persisted_fixed_at_ms: Option<i64>,
}

pub(crate) struct FixBook {
    book: Mutex<Book>,
    changed: watch::Sender<u64>,
}

impl FixBook {
    pub(crate) fn new(last_known: Option<Fix>) -> FixBook {
        let persisted = last_known.as_ref().map(|f| f.fixed_at_ms);
        FixBook {
            book: Mutex::new(Book {
                recent: VecDeque::new(),
                last_known,
                persisted_fixed_at_ms: persisted,
            }),
            changed: watch::channel(0).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a (validated) fix; returns `true` when it should be persisted.
    pub(crate) fn push(&self, fix: Fix) -> bool {
        let persist = {
            let mut book = self.lock();
            if book.recent.len() == RECENT {
                book.recent.pop_front();
            }
            book.recent.push_back(fix.clone());
            let newer = book
                .last_known
                .as_ref()
                .is_none_or(|lk| fix.fixed_at_ms >= lk.fixed_at_ms);
            if newer {
                book.last_known = Some(fix.clone());
            }
            let due = book
                .persisted_fixed_at_ms
                .is_none_or(|t| fix.fixed_at_ms.saturating_sub(t) >= PERSIST_EVERY_MS);
            if newer && due {
                book.persisted_fixed_at_ms = Some(fix.fixed_at_ms);
            }
            newer && due
        };
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
        persist
    }

    /// The recent fixes and the last known fix.
    pub(crate) fn snapshot(&self) -> (Vec<Fix>, Option<Fix>) {
        let book = self.lock();
        (
            book.recent.iter().cloned().collect(),
            book.last_known.clone(),
        )
    }

    /// The newest fix known (by measurement time).
    pub(crate) fn latest(&self) -> Option<Fix> {
        self.lock().last_known.clone()
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}
