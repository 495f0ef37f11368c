//! What is shown to a learner for a while but never written down: a verifier generated
//! for them, and the decoded claims of the access tokens they pasted. Held in memory
//! (never on disk, never logged), so a page rendered after a plain form post can show
//! them.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oauthlab::exercises::refresh::{DecodedJwt, Step};

use super::LearnerId;

/// How long a generated verifier, or a decoded token, stays available to its learner.
pub const VERIFIER_TTL: Duration = Duration::from_secs(30 * 60);

/// A map whose entries are forgotten `VERIFIER_TTL` after they were put.
struct Expiring<K, V>(Arc<Mutex<HashMap<K, (V, Instant)>>>);

impl<K, V> Clone for Expiring<K, V> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<K, V> Default for Expiring<K, V> {
    fn default() -> Self {
        Self(Arc::default())
    }
}

impl<K: Eq + Hash, V: Clone> Expiring<K, V> {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<K, (V, Instant)>) -> T) -> T {
        let mut map = match self.0.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        let now = Instant::now();
        map.retain(|_, (_, at)| now.duration_since(*at) < VERIFIER_TTL);
        f(&mut map)
    }
    fn put(&self, key: K, value: V) {
        self.with(|map| map.insert(key, (value, Instant::now())));
    }
    fn peek(&self, key: &K) -> Option<V> {
        self.with(|map| map.get(key).map(|(v, _)| v.clone()))
    }
    fn take(&self, key: &K) -> Option<V> {
        self.with(|map| map.remove(key).map(|(v, _)| v))
    }
    fn retain(&self, keep: impl Fn(&K) -> bool) {
        self.with(|map| map.retain(|k, _| keep(k)));
    }
}

#[derive(Clone, Default)]
pub struct Flash {
    verifiers: Expiring<LearnerId, String>,
    tokens: Expiring<(LearnerId, Step), DecodedJwt>,
}

impl Flash {
    pub fn put_verifier(&self, learner: &LearnerId, verifier: String) {
        self.verifiers.put(learner.clone(), verifier);
    }

    pub fn peek_verifier(&self, learner: &LearnerId) -> Option<String> {
        self.verifiers.peek(learner)
    }

    pub fn take_verifier(&self, learner: &LearnerId) -> Option<String> {
        self.verifiers.take(learner)
    }

    /// The decoded access token of a step's last check (`None` forgets it).
    pub fn put_token(&self, learner: &LearnerId, step: Step, jwt: Option<DecodedJwt>) {
        match jwt {
            Some(jwt) => self.tokens.put((learner.clone(), step), jwt),
            None => {
                self.tokens.take(&(learner.clone(), step));
            }
        }
    }

    pub fn peek_token(&self, learner: &LearnerId, step: Step) -> Option<DecodedJwt> {
        self.tokens.peek(&(learner.clone(), step))
    }

    /// Forget the decoded tokens of `learner`'s steps that `keep` does not keep.
    pub fn forget_tokens(&self, learner: &LearnerId, keep: impl Fn(Step) -> bool) {
        self.tokens.retain(|(who, step)| who != learner || keep(*step));
    }
}
