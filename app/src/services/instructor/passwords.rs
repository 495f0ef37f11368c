//! Instructors' passwords: argon2id hashes, and where they are verified.

use crate::services::store::StoreError;

/// An argon2id hash (PHC string) of `password`.
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError(e.to_string()))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    verify_password_in(password, hash, &mut Vec::new())
}

/// [`verify_password`], hashing in `memory` (grown to what the hash's parameters need),
/// so memory kept between checks is used again instead of taken anew each time. Checks
/// as argon2's own verifier does: the algorithm, version, parameters and salt of the PHC
/// string, and the output compared in constant time.
pub fn verify_password_in(password: &str, hash: &str, memory: &mut Vec<argon2::Block>) -> bool {
    use argon2::password_hash::{Output, PasswordHash};
    let Ok(phc) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else { return false };
    let (Ok(algorithm), Ok(params)) =
        (argon2::Algorithm::try_from(phc.algorithm), argon2::Params::try_from(&phc))
    else {
        return false;
    };
    let Ok(version) = phc.version.map(argon2::Version::try_from).transpose() else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), argon2::Block::default());
    }
    let argon2 = argon2::Argon2::new(algorithm, version.unwrap_or_default(), params);
    Output::init_with(expected.len(), |out| {
        Ok(argon2.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..])?)
    })
    .is_ok_and(|computed| computed == expected)
}

/// Where passwords are verified: on the blocking pool, at most [`PasswordWork::PERMITS`]
/// at once, each in argon2 memory kept for the next. An argon2id check takes ~19 MiB and
/// ~25 ms: a flood of logins waits its turn here, and the memory is taken once per permit
/// instead of once per login (100 at once took 1.85 GB; memory freed by many threads is
/// not all given back to the system either).
#[derive(Clone)]
pub struct PasswordWork {
    pub(super) permits: std::sync::Arc<tokio::sync::Semaphore>,
    /// The argon2 memory of the permits not in use.
    memory: std::sync::Arc<std::sync::Mutex<Vec<Vec<argon2::Block>>>>,
}

impl Default for PasswordWork {
    fn default() -> Self {
        Self::new(Self::PERMITS)
    }
}

impl PasswordWork {
    /// One per core of the machine the site is made for.
    pub const PERMITS: usize = 2;

    pub fn new(permits: usize) -> Self {
        Self {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(permits)),
            memory: std::sync::Arc::default(),
        }
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Vec<Vec<argon2::Block>>> {
        match self.memory.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        }
    }

    /// Run `work` once a permit is free, with the permit's argon2 memory. The permit is
    /// held until `work` ends, even when the caller stops waiting (a client that went
    /// away). `None` if `work` panicked.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<argon2::Block>) -> T + Send + 'static,
    ) -> Option<T> {
        let permit = self.permits.clone().acquire_owned().await.ok()?;
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut memory = this.memory().pop().unwrap_or_default();
            let done = work(&mut memory);
            this.memory().push(memory);
            done
        })
        .await
        .ok()
    }
}

/// Compared against when the email is unknown, so a wrong email costs as long as a
/// wrong password and timing tells nothing.
pub(super) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hashed_with_argon2id_and_verified() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_ne!(hash, hash_password("correct horse").expect("hash"), "salted");
    }
    #[tokio::test]
    async fn password_work_runs_no_more_than_its_permits_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let work = PasswordWork::new(2);
        let (now, peak) =
            (std::sync::Arc::new(AtomicUsize::new(0)), std::sync::Arc::new(AtomicUsize::new(0)));
        let runs: Vec<_> = (0..12)
            .map(|_| {
                let (work, now, peak) = (work.clone(), now.clone(), peak.clone());
                tokio::spawn(async move {
                    work.run(move |_| {
                        peak.fetch_max(now.fetch_add(1, SeqCst) + 1, SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        now.fetch_sub(1, SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for run in runs {
            assert_eq!(run.await.expect("join"), Some(()));
        }
        assert_eq!(peak.load(SeqCst), 2);
        assert_eq!(work.memory().len(), 2, "memory for two, kept");
    }

    #[tokio::test]
    async fn password_checks_use_the_memory_kept_between_them() {
        let hash = hash_password("correct horse").expect("hash");
        let work = PasswordWork::new(1);
        for (password, ok) in [("correct horse", true), ("wrong horse", false), ("correct horse", true)] {
            let hash = hash.clone();
            assert_eq!(work.run(move |memory| verify_password_in(password, &hash, memory)).await, Some(ok));
            let kept = work.memory();
            assert_eq!(kept.len(), 1);
            assert_eq!(kept[0].len(), 19 * 1024, "argon2id's default 19 MiB, in 1 KiB blocks");
        }
    }

    #[test]
    fn verifying_in_kept_memory_agrees_with_argon2s_own_verifier() {
        use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
        let salt = SaltString::encode_b64(b"saltsaltsaltsalt").expect("salt");
        let small = argon2::Params::new(64, 1, 1, Some(32)).expect("params");
        let hashes: Vec<String> = [
            (argon2::Algorithm::Argon2id, argon2::Version::V0x13, argon2::Params::default()),
            (argon2::Algorithm::Argon2id, argon2::Version::V0x13, small.clone()),
            (argon2::Algorithm::Argon2i, argon2::Version::V0x13, small.clone()),
            (argon2::Algorithm::Argon2d, argon2::Version::V0x10, small),
        ]
        .into_iter()
        .map(|(a, v, p)| {
            argon2::Argon2::new(a, v, p).hash_password(b"correct horse", &salt).expect("hash").to_string()
        })
        .collect();
        let mut memory = Vec::new();
        for hash in &hashes {
            for password in ["correct horse", "correct hors", ""] {
                let theirs = argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &PasswordHash::new(hash).expect("phc"))
                    .is_ok();
                assert_eq!(verify_password_in(password, hash, &mut memory), theirs, "{hash} {password:?}");
            }
        }
        let bad = [
            "",
            "not a hash",
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA",
            "$scrypt$ln=4,r=8,p=1$c2FsdA$aGFzaA",
        ];
        for hash in bad {
            assert!(!verify_password_in("correct horse", hash, &mut memory), "{hash}");
        }
    }
}
