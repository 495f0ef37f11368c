//! What is shown to a learner for a while but never kept in clear: a verifier generated
//! for them, the code of a callback they pasted, the decoded claims of the access tokens
//! they pasted, and what they last typed in a failed plain form post. A page rendered
//! after a plain form post shows them, on whichever instance serves it.
//!
//! The site keeps them in its database, sealed under the server key (the server's
//! `storage::page_views`: XChaCha20-Poly1305, a random nonce per value, bound to its
//! row); [`Flash`] keeps them in this process's memory, for tests and a single instance.
//! Never logged.
//!
//! Bounded: each kind keeps at most a fixed number of values (the database: a cap per
//! table), the one put longest ago forgotten first, so a flood of new sessions cannot
//! grow the server. A value older than [`VERIFIER_TTL`] is never returned (and is
//! deleted by the hourly housekeeping). A decoded token larger than
//! [`MAX_KEPT_JWT_BYTES`], a code over [`MAX_CODE_BYTES`] and typed text over
//! [`MAX_TYPED_BYTES`] are not kept (the check's answer still carries them).
//!
//! A store that fails is no reason to fail a check or a page: the services log the
//! failure and go on without the value ([`super::store::or_log`]).

use std::collections::BTreeMap;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use lru::LruCache;
use oauthlab::exercises::refresh::DecodedJwt;

use super::store::StoreError;
use super::{now_unix, LearnerId};

/// How long a generated verifier, or a decoded token, stays available to its learner.
pub const VERIFIER_TTL: Duration = Duration::from_secs(30 * 60);
/// The most generated verifiers kept at once (43 bytes each); as many codes.
pub const MAX_VERIFIERS: usize = 16_384;
/// The most decoded tokens kept at once.
pub const MAX_TOKENS: usize = 4_096;
/// The largest decoded token kept, header and claims as JSON: a real access token's are
/// well under 2 KiB.
pub const MAX_KEPT_JWT_BYTES: usize = 16 * 1024;

/// The longest authorization code kept for a token command (the practice server's are 43
/// characters).
pub const MAX_CODE_BYTES: usize = 2048;

/// The most learners whose last typed text is kept at once (each taken by the next
/// page view).
pub const MAX_TYPED: usize = 2_048;
/// The longest typed text kept for the next page view: a token response with an ID
/// token is a few KiB.
pub const MAX_TYPED_BYTES: usize = 16 * 1024;

/// More steps than any exercise has: forgetting a learner's tokens looks at each.
pub const MAX_STEPS: usize = 8;

/// How many values of each kind a store keeps at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    /// Verifiers, and as many codes.
    pub verifiers: usize,
    pub tokens: usize,
    pub typed: usize,
    /// How long a value is returned, in seconds.
    pub ttl: i64,
}

impl Default for Caps {
    fn default() -> Self {
        Self {
            verifiers: MAX_VERIFIERS,
            tokens: MAX_TOKENS,
            typed: MAX_TYPED,
            ttl: i64::try_from(VERIFIER_TTL.as_secs()).unwrap_or(i64::MAX),
        }
    }
}

/// A step of an exercise: the exercise's slug and the step's index (from 0).
pub type StepKey = (&'static str, usize);

/// What a learner's next page view shows: shared by every instance (the database, sealed)
/// or in this process's memory ([`Flash`]).
#[async_trait]
pub trait PageViews: Send + Sync {
    /// The verifier that passed step 1 of `exercise`, for its token command.
    async fn put_verifier(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
        verifier: String,
    ) -> Result<(), StoreError>;
    async fn peek_verifier(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<Option<String>, StoreError>;
    async fn take_verifier(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<Option<String>, StoreError>;
    /// The authorization code of a callback that passed (Web Applications' step 4), for
    /// the token command of the next step; `None`, or one over [`MAX_CODE_BYTES`],
    /// forgets it.
    async fn put_code(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
        code: Option<String>,
    ) -> Result<(), StoreError>;
    async fn peek_code(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<Option<String>, StoreError>;
    /// The decoded access token of a step's last check (`None`, or one too large to
    /// keep, forgets it).
    async fn put_token(
        &self,
        learner: &LearnerId,
        step: StepKey,
        jwt: Option<DecodedJwt>,
    ) -> Result<(), StoreError>;
    /// The decoded tokens of `learner`'s steps of `exercise`, by step index: one look-up
    /// for a page.
    async fn peek_tokens(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<BTreeMap<usize, DecodedJwt>, StoreError>;
    /// Forget the decoded tokens of `learner`'s steps of `exercise` from index `from` on.
    async fn forget_tokens(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
        from: usize,
    ) -> Result<(), StoreError>;
    /// What the learner typed for `step` in a failed plain form post, for the next page
    /// view of its exercise (one per learner; text over [`MAX_TYPED_BYTES`] is not kept,
    /// and forgets the last).
    async fn put_typed(&self, learner: &LearnerId, step: StepKey, text: String) -> Result<(), StoreError>;
    /// The typed text of a step of `exercise`, taken once; text typed in another
    /// exercise stays for that one's page.
    async fn take_typed(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<Option<(usize, String)>, StoreError>;
}

/// Whether a decoded token is small enough to keep.
pub fn keeps_token(jwt: &DecodedJwt) -> bool {
    kept_size(jwt) <= MAX_KEPT_JWT_BYTES
}

/// The bytes a decoded token takes as JSON, about what it takes kept.
fn kept_size(jwt: &DecodedJwt) -> usize {
    jwt.header.to_string().len() + jwt.claims.to_string().len()
}

/// A map of at most `cap` entries, each forgotten `ttl` seconds after it was put; the one
/// put longest ago goes first (a look does not keep an entry longer, as in the database).
struct Expiring<K: Hash + Eq, V> {
    map: Arc<Mutex<LruCache<K, (V, i64)>>>,
    ttl: i64,
}

impl<K: Hash + Eq, V> Clone for Expiring<K, V> {
    fn clone(&self) -> Self {
        Self { map: self.map.clone(), ttl: self.ttl }
    }
}

impl<K: Eq + Hash, V: Clone> Expiring<K, V> {
    fn new(cap: usize, ttl: i64) -> Self {
        let cap = NonZeroUsize::new(cap).unwrap_or(NonZeroUsize::MIN);
        Self { map: Arc::new(Mutex::new(LruCache::new(cap))), ttl }
    }
    fn with<T>(&self, f: impl FnOnce(&mut LruCache<K, (V, i64)>) -> T) -> T {
        let mut map = match self.map.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut map)
    }
    fn live(&self, at: i64) -> bool {
        now_unix() - at < self.ttl
    }
    fn put(&self, key: K, value: V) {
        self.with(|map| map.put(key, (value, now_unix())));
    }
    fn peek(&self, key: &K) -> Option<V> {
        self.with(|map| match map.peek(key) {
            Some((value, at)) if self.live(*at) => Some(value.clone()),
            Some(_) => {
                map.pop(key);
                None
            }
            None => None,
        })
    }
    fn take(&self, key: &K) -> Option<V> {
        self.with(|map| map.pop(key).filter(|(_, at)| self.live(*at)).map(|(v, _)| v))
    }
    #[cfg(test)]
    fn len(&self) -> usize {
        self.with(|map| map.len())
    }
}

/// The in-memory [`PageViews`]: one process's, for tests.
#[derive(Clone)]
pub struct Flash {
    verifiers: Expiring<(LearnerId, &'static str), String>,
    codes: Expiring<(LearnerId, &'static str), String>,
    tokens: Expiring<(LearnerId, StepKey), DecodedJwt>,
    typed: Expiring<LearnerId, (StepKey, String)>,
}

impl Default for Flash {
    fn default() -> Self {
        Self::with_caps(Caps::default())
    }
}

impl Flash {
    /// A flash keeping at most `caps` values of each kind, for `caps.ttl` seconds.
    pub fn with_caps(caps: Caps) -> Self {
        Self {
            verifiers: Expiring::new(caps.verifiers, caps.ttl),
            codes: Expiring::new(caps.verifiers, caps.ttl),
            tokens: Expiring::new(caps.tokens, caps.ttl),
            typed: Expiring::new(caps.typed, caps.ttl),
        }
    }
}

#[async_trait]
impl PageViews for Flash {
    async fn put_verifier(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
        verifier: String,
    ) -> Result<(), StoreError> {
        self.verifiers.put((learner.clone(), exercise), verifier);
        Ok(())
    }

    async fn peek_verifier(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<Option<String>, StoreError> {
        Ok(self.verifiers.peek(&(learner.clone(), exercise)))
    }

    async fn take_verifier(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<Option<String>, StoreError> {
        Ok(self.verifiers.take(&(learner.clone(), exercise)))
    }

    async fn put_code(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
        code: Option<String>,
    ) -> Result<(), StoreError> {
        let key = (learner.clone(), exercise);
        match code.filter(|c| c.len() <= MAX_CODE_BYTES) {
            Some(code) => self.codes.put(key, code),
            None => {
                self.codes.take(&key);
            }
        }
        Ok(())
    }

    async fn peek_code(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<Option<String>, StoreError> {
        Ok(self.codes.peek(&(learner.clone(), exercise)))
    }

    async fn put_token(
        &self,
        learner: &LearnerId,
        step: StepKey,
        jwt: Option<DecodedJwt>,
    ) -> Result<(), StoreError> {
        let key = (learner.clone(), step);
        match jwt.filter(keeps_token) {
            Some(jwt) => self.tokens.put(key, jwt),
            None => {
                self.tokens.take(&key);
            }
        }
        Ok(())
    }

    /// One look-up per step, not a scan of everyone's.
    async fn peek_tokens(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<BTreeMap<usize, DecodedJwt>, StoreError> {
        Ok((0..MAX_STEPS)
            .filter_map(|index| {
                self.tokens.peek(&(learner.clone(), (exercise, index))).map(|jwt| (index, jwt))
            })
            .collect())
    }

    async fn forget_tokens(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
        from: usize,
    ) -> Result<(), StoreError> {
        for index in from..MAX_STEPS {
            self.tokens.take(&(learner.clone(), (exercise, index)));
        }
        Ok(())
    }

    async fn put_typed(&self, learner: &LearnerId, step: StepKey, text: String) -> Result<(), StoreError> {
        if text.len() <= MAX_TYPED_BYTES {
            self.typed.put(learner.clone(), (step, text));
        } else {
            self.typed.take(learner);
        }
        Ok(())
    }

    async fn take_typed(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<Option<(usize, String)>, StoreError> {
        Ok(match self.typed.peek(learner) {
            Some(((of, _), _)) if of == exercise => {
                self.typed.take(learner).map(|((_, index), text)| (index, text))
            }
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    //! What every store does is the server's contract suite (`storage::contract`), which
    //! runs on [`Flash`] too; here, what only memory can show: the maps' sizes.
    use super::*;

    const R: &str = "refresh";

    fn learner(n: usize) -> LearnerId {
        LearnerId(format!("learner{n}"))
    }

    #[tokio::test]
    async fn a_flood_of_learners_keeps_at_most_the_caps() {
        let flash = Flash::with_caps(Caps { verifiers: 100, tokens: 10, typed: 5, ..Caps::default() });
        for n in 0..1_000 {
            let jwt = DecodedJwt { header: serde_json::json!({}), claims: serde_json::json!({"n": n}) };
            flash.put_verifier(&learner(n), R, format!("v{n}")).await.expect("put");
            flash.put_code(&learner(n), R, Some(format!("c{n}"))).await.expect("put");
            flash.put_token(&learner(n), (R, 3), Some(jwt)).await.expect("put");
            flash.put_typed(&learner(n), (R, 0), "typed".into()).await.expect("put");
        }
        let sizes = (flash.verifiers.len(), flash.codes.len(), flash.tokens.len(), flash.typed.len());
        assert_eq!(sizes, (100, 100, 10, 5));
    }
}
