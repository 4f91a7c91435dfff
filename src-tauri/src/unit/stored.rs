//! The unit's login on disk, so a patrol unit stays logged in across app
//! restarts: `unit-session.json` in the app data directory, readable by this
//! user only (0600 on unix), written atomically (temporary file, fsync,
//! rename). It is removed on logout and when the server says the token is no
//! longer valid. The token never appears in logs, errors or `Debug`.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::UnitAccount;

/// The file name inside the app data directory.
pub const FILE_NAME: &str = "unit-session.json";

/// A bearer token and whose it is, for one server.
#[derive(Serialize, Deserialize, Clone, PartialEq)]
pub struct StoredSession {
    /// The server that issued the token: another server never sees it.
    pub server: String,
    pub token: String,
    pub account: UnitAccount,
}

impl std::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSession")
            .field("server", &self.server)
            .field("token", &"<redacted>")
            .field("account_id", &self.account.id)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SessionFileError {
    #[error("the unit session could not be encoded")]
    Encode,
    #[error("the unit session could not be saved ({0})")]
    Write(std::io::ErrorKind),
    #[error("the unit session could not be removed ({0})")]
    Remove(std::io::ErrorKind),
}

/// Reads the session saved for `server`. A missing file, a file for another
/// server or an unreadable one gives `None`; an unreadable one is removed.
pub fn load(path: &Path, server: &url::Url) -> Option<StoredSession> {
    let bytes = fs::read(path).ok()?;
    match serde_json::from_slice::<StoredSession>(&bytes) {
        Ok(s) if s.server == server.as_str() => Some(s),
        Ok(_) => {
            tracing::info!("the saved unit session is for another server; not used");
            None
        }
        Err(e) => {
            tracing::warn!(category = ?e.classify(), "unit session file unreadable; removed");
            let _ = fs::remove_file(path);
            None
        }
    }
}

/// Writes `session` atomically, readable by this user only.
pub fn save(path: &Path, session: &StoredSession) -> Result<(), SessionFileError> {
    let json = serde_json::to_vec(session).map_err(|_| SessionFileError::Encode)?;
    let tmp: PathBuf = path.with_extension("json.tmp");
    // A leftover temporary file may have other permissions: start afresh.
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(SessionFileError::Write(e.kind())),
    }
    let write = || -> std::io::Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(&json)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        // Make the rename itself durable (best effort: not every platform
        // lets a directory be opened).
        if let Some(dir) = path.parent() {
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        SessionFileError::Write(e.kind())
    })
}

/// Removes the saved session; a missing file is fine.
pub fn remove(path: &Path) -> Result<(), SessionFileError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(SessionFileError::Remove(e.kind())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(server: &str) -> StoredSession {
        StoredSession {
            server: server.into(),
            token: "secret-token-value".into(),
            account: UnitAccount {
                id: 4,
                username: "serenazgo07".into(),
                role: auxilio_core::protocol::responder::Role::Unit,
                unit_id: Some(7),
            },
        }
    }

    #[test]
    fn a_saved_session_loads_for_its_server_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let here: url::Url = "http://127.0.0.1:8080/".parse().unwrap();
        let there: url::Url = "https://auxilio.example.org/".parse().unwrap();
        assert_eq!(load(&path, &here), None);
        save(&path, &session(here.as_str())).unwrap();
        assert_eq!(load(&path, &here), Some(session(here.as_str())));
        assert_eq!(load(&path, &there), None, "never sent to another server");
        assert!(path.exists(), "a session of another server is kept");
        assert!(
            !dir.path().join("unit-session.json.tmp").exists(),
            "no temporary file is left behind"
        );
        remove(&path).unwrap();
        assert!(!path.exists());
        remove(&path).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_readable_by_this_user_only_even_over_a_stale_temp_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let tmp = dir.path().join("unit-session.json.tmp");
        fs::write(&tmp, b"old").unwrap();
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o644)).unwrap();
        save(&path, &session("http://a/")).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_broken_file_is_removed_and_debug_hides_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        fs::write(&path, b"{not json").unwrap();
        assert_eq!(load(&path, &"http://a/".parse().unwrap()), None);
        assert!(!path.exists());
        let shown = format!("{:?}", session("http://a/"));
        assert!(!shown.contains("secret-token-value"), "{shown}");
    }
}
