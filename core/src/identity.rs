//! The device's identity: a UUIDv4 and an Ed25519 key, made at first open and
//! kept in the database. The secret key never leaves it.

use auxilio_protocol::{DeviceId, DeviceKey};
use uuid::Uuid;

use crate::outbox::{meta, Db};
use crate::CoreError;

/// Loads the identity, or makes and stores one in the same transaction.
pub(crate) fn load_or_create(db: &Db) -> Result<(DeviceId, DeviceKey), CoreError> {
    db.write(|tx| {
        let id = meta::get_bytes(tx, meta::DEVICE_ID)?;
        let seed = meta::get_bytes(tx, meta::DEVICE_KEY)?;
        match (id, seed) {
            (Some(id), Some(seed)) => {
                let id = std::str::from_utf8(&id)
                    .ok()
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or(CoreError::Storage("stored device id unreadable".into()))?;
                let seed: [u8; 32] = seed
                    .as_slice()
                    .try_into()
                    .map_err(|_| CoreError::Storage("stored device key unreadable".into()))?;
                Ok((id, DeviceKey::from_bytes(&seed)))
            }
            (None, None) => {
                let id = Uuid::new_v4();
                let key = DeviceKey::generate().map_err(CoreError::Invalid)?;
                meta::put_bytes(tx, meta::DEVICE_ID, id.to_string().as_bytes())?;
                meta::put_bytes(tx, meta::DEVICE_KEY, &key.to_bytes())?;
                Ok((id, key))
            }
            _ => Err(CoreError::Storage(
                "half of the device identity is missing".into(),
            )),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_made_once_and_kept() {
        let db = Db::open_in_memory().unwrap();
        let (id1, key1) = load_or_create(&db).unwrap();
        let (id2, key2) = load_or_create(&db).unwrap();
        assert_eq!(id1, id2);
        assert_eq!(id1.get_version_num(), 4);
        assert_eq!(key1.to_bytes(), key2.to_bytes());
    }
}
