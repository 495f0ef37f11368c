//! The server key: 32 random bytes made at first start and kept in a file (beside the
//! database unless `--server-key-file` names another), mode 0600, never in the database.
//! Client secrets are HMAC-SHA256(key, client_id), so a copy of the database reveals none.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use app::services::store::ClientSecrets;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Where the server key of the database in `file` is kept unless another file is named:
/// beside it, its name with `.key` added.
pub fn key_beside(file: &Path) -> std::path::PathBuf {
    let mut path = file.as_os_str().to_owned();
    path.push(".key");
    path.into()
}

#[derive(Clone)]
pub struct ServerKey([u8; 32]);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(***)")
    }
}

impl ServerKey {
    pub fn random() -> Self {
        Self(rand::random())
    }

    /// Read the key at `path`, or make and keep a new one.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        if let Some(key) = Self::read(path)? {
            return Ok(key);
        }
        let key = Self::random();
        if key.link_new(path)? {
            return Ok(key);
        }
        // Another instance starting at the same moment made it first: theirs.
        Self::read(path)?.ok_or_else(|| anyhow::anyhow!("server key {} vanished as it was made", path.display()))
    }

    /// The key at `path`; `None` when there is no file there.
    pub fn read(path: &Path) -> anyhow::Result<Option<Self>> {
        // At most one byte more than a key: a path to something endless (a device, a
        // huge file given by mistake) is refused, not read.
        let read = std::fs::File::open(path).and_then(|file| {
            use std::io::Read;
            let mut bytes = Vec::with_capacity(33);
            file.take(33).read_to_end(&mut bytes).map(|_| bytes)
        });
        match read {
            Ok(bytes) => {
                let key: [u8; 32] = bytes.try_into().map_err(|bytes: Vec<u8>| {
                    let size =
                        if bytes.len() > 32 { "more than 32".to_owned() } else { bytes.len().to_string() };
                    anyhow::anyhow!(
                        "server key file {} is not a server key: {size} bytes where oauthlab writes 32; \
                         put back the right file, or remove it to make a new key (every client \
                         secret and session then changes)",
                        path.display()
                    )
                })?;
                Ok(Some(Self(key)))
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("cannot read server key {}", path.display())),
        }
    }

    /// Keep this key in a new file at `path`, readable by the owner only (0600); an
    /// error when the file exists.
    pub fn write_new(&self, path: &Path) -> anyhow::Result<()> {
        if self.link_new(path)? {
            Ok(())
        } else {
            anyhow::bail!("cannot create server key {}: the file exists", path.display())
        }
    }

    /// Keep this key at `path` unless a file is there: written whole to a file of its
    /// own (0600) beside it, then linked into place, which fails when `path` exists. So
    /// two processes making it at once agree on one key, and no process ever reads a file
    /// half written. `false`: another file was there first.
    fn link_new(&self, path: &Path) -> anyhow::Result<bool> {
        let mut draft = path.as_os_str().to_owned();
        draft.push(format!(".new-{:016x}", rand::random::<u64>()));
        let draft = std::path::PathBuf::from(draft);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let written = options
            .open(&draft)
            .and_then(|mut file| file.write_all(&self.0).and_then(|()| file.sync_all()))
            .with_context(|| format!("cannot create server key {}", path.display()));
        let linked = written.and_then(|()| match std::fs::hard_link(&draft, path) {
            Ok(()) => Ok(true),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(err) => Err(err).with_context(|| format!("cannot create server key {}", path.display())),
        });
        let _ = std::fs::remove_file(&draft);
        linked
    }

    /// Whether `other` is the same key.
    pub fn same_as(&self, other: &ServerKey) -> bool {
        self.0 == other.0
    }

    /// HMAC-SHA256 of `value` for `purpose`: secrets derived from the server key.
    pub fn mac(&self, purpose: &str, value: &str) -> [u8; 32] {
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes a key of any length"),
        };
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl ClientSecrets for ServerKey {
    fn secret_for(&self, client_id: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.mac("client_secret", client_id))
    }
    fn user_digest(&self, learner_id: &str) -> [u8; 32] {
        self.mac("practice_user", learner_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Instances starting at once on a shared folder agree on one key, and none reads a
    /// file half written.
    #[test]
    fn processes_making_the_key_file_at_once_all_get_the_same_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("server.key");
        let keys: Vec<[u8; 32]> = std::thread::scope(|scope| {
            let makers: Vec<_> =
                (0..8).map(|_| scope.spawn(|| ServerKey::load_or_create(&path).expect("key").0)).collect();
            makers.into_iter().map(|m| m.join().expect("thread")).collect()
        });
        assert!(keys.iter().all(|k| *k == keys[0]), "one key for all");
        assert_eq!(std::fs::read(&path).expect("read"), keys[0]);
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
        assert_eq!(left.len(), 1, "no draft left behind: {left:?}");
    }

    #[test]
    fn a_key_is_kept_across_restarts_and_secrets_follow_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k.key");
        let first = ServerKey::load_or_create(&path).expect("create");
        let again = ServerKey::load_or_create(&path).expect("load");
        assert_eq!(first.secret_for("lab_a"), again.secret_for("lab_a"));
        assert_ne!(first.secret_for("lab_a"), first.secret_for("lab_b"));
        assert_ne!(first.secret_for("lab_a"), ServerKey::random().secret_for("lab_a"));
        assert_eq!(format!("{first:?}"), "ServerKey(***)");
    }

    #[test]
    fn a_damaged_key_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k.key");
        std::fs::write(&path, b"short").expect("write");
        let err = ServerKey::load_or_create(&path).expect_err("refused").to_string();
        assert!(err.contains("k.key") && err.contains(": 5 bytes"), "{err}");
        std::fs::write(&path, [7u8; 100_000]).expect("write");
        let err = ServerKey::load_or_create(&path).expect_err("refused").to_string();
        assert!(err.contains("more than 32 bytes"), "{err}");
        assert_eq!(std::fs::read(&path).expect("read").len(), 100_000, "left as it was");
    }
}
