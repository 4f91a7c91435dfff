//! A short-lived memory of enrolled devices' keys, so a signed request does
//! not read the database. Entries expire after a few seconds, so a device
//! revoked from the command line is refused soon after.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use auxilio_protocol::DeviceId;

use crate::store::DeviceAuth;

/// Entries kept at most; beyond that the cache starts over.
const MAX_ENTRIES: usize = 200_000;

pub struct DeviceCache {
    ttl: Duration,
    entries: RwLock<HashMap<DeviceId, (DeviceAuth, Instant)>>,
}

impl DeviceCache {
    pub fn new(ttl: Duration) -> Self {
        DeviceCache {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    pub fn get(&self, id: &DeviceId, now: Instant) -> Option<DeviceAuth> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries
            .get(id)
            .filter(|(_, at)| now.saturating_duration_since(*at) < self.ttl)
            .map(|(auth, _)| auth.clone())
    }

    pub fn put(&self, id: DeviceId, auth: DeviceAuth, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(id, (auth, now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_expires_after_the_ttl() {
        let cache = DeviceCache::new(Duration::from_secs(5));
        let id = uuid::Uuid::new_v4();
        let t0 = Instant::now();
        let auth = DeviceAuth {
            public_key: [7; 32],
            revoked: false,
        };
        assert!(cache.get(&id, t0).is_none());
        cache.put(id, auth.clone(), t0);
        assert_eq!(cache.get(&id, t0 + Duration::from_secs(4)), Some(auth));
        assert!(cache.get(&id, t0 + Duration::from_secs(5)).is_none());
    }
}
