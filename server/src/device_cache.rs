//! A short-lived memory of enrolled devices' keys, so a signed request does
//! not read the database nor decode the key again. Entries expire after a
//! few seconds, so a device revoked from the command line is refused soon
//! after.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use auxilio_protocol::{DeviceId, PublicKey};

/// What a signed request needs to know of its device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KnownDevice {
    pub key: PublicKey,
    pub revoked: bool,
}

/// Entries kept at most; beyond that the cache starts over.
const MAX_ENTRIES: usize = 200_000;

pub struct DeviceCache {
    ttl: Duration,
    entries: RwLock<HashMap<DeviceId, (KnownDevice, Instant)>>,
}

impl DeviceCache {
    pub fn new(ttl: Duration) -> Self {
        DeviceCache {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    pub fn get(&self, id: &DeviceId, now: Instant) -> Option<KnownDevice> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries
            .get(id)
            .filter(|(_, at)| now.saturating_duration_since(*at) < self.ttl)
            .map(|(device, _)| *device)
    }

    pub fn put(&self, id: DeviceId, device: KnownDevice, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(id, (device, now));
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
        let device = KnownDevice {
            key: auxilio_protocol::DeviceKey::generate()
                .unwrap()
                .public_key(),
            revoked: false,
        };
        assert!(cache.get(&id, t0).is_none());
        cache.put(id, device, t0);
        assert_eq!(cache.get(&id, t0 + Duration::from_secs(4)), Some(device));
        assert!(cache.get(&id, t0 + Duration::from_secs(5)).is_none());
    }
}
