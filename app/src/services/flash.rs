//! What is shown to a learner for a while but never written down: a verifier generated
//! for them, the code of a callback they pasted, and the decoded claims of the access
//! tokens they pasted. Held in memory (never on disk, never logged), so a page rendered
//! after a plain form post can show them.
//!
//! Bounded: each map keeps at most a fixed number of entries and forgets the least
//! recently used first, in O(1), so a flood of new sessions cannot grow the server. An
//! entry older than [`VERIFIER_TTL`] is gone when next looked at. A decoded token larger
//! than [`MAX_KEPT_JWT_BYTES`] is not kept (the check's answer still carries it).

use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lru::LruCache;
use oauthlab::exercises::refresh::DecodedJwt;

use super::LearnerId;

/// How long a generated verifier, or a decoded token, stays available to its learner.
pub const VERIFIER_TTL: Duration = Duration::from_secs(30 * 60);
/// The most generated verifiers kept at once (43 bytes each).
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

/// A map of at most `cap` entries, each forgotten `VERIFIER_TTL` after it was put.
struct Expiring<K: Hash + Eq, V>(Arc<Mutex<LruCache<K, (V, Instant)>>>);

impl<K: Hash + Eq, V> Clone for Expiring<K, V> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<K: Eq + Hash, V: Clone> Expiring<K, V> {
    fn new(cap: usize) -> Self {
        Self(Arc::new(Mutex::new(LruCache::new(NonZeroUsize::new(cap).unwrap_or(NonZeroUsize::MIN)))))
    }
    fn with<T>(&self, f: impl FnOnce(&mut LruCache<K, (V, Instant)>) -> T) -> T {
        let mut map = match self.0.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut map)
    }
    fn put(&self, key: K, value: V) {
        self.with(|map| map.put(key, (value, Instant::now())));
    }
    fn peek(&self, key: &K) -> Option<V> {
        self.with(|map| match map.get(key) {
            Some((value, at)) if at.elapsed() < VERIFIER_TTL => Some(value.clone()),
            Some(_) => {
                map.pop(key);
                None
            }
            None => None,
        })
    }
    fn take(&self, key: &K) -> Option<V> {
        self.with(|map| map.pop(key).filter(|(_, at)| at.elapsed() < VERIFIER_TTL).map(|(v, _)| v))
    }
    #[cfg(test)]
    fn len(&self) -> usize {
        self.with(|map| map.len())
    }
}

/// A step of an exercise: the exercise's slug and the step's index (from 0).
pub type StepKey = (&'static str, usize);

/// More steps than any exercise has: forgetting a learner's tokens looks at each.
const MAX_STEPS: usize = 8;

/// What a learner's next page view shows without storing it: kept in this process's
/// memory ([`Flash`]) today; shared, encrypted storage when several instances serve one
/// site.
pub trait PageViews: Send + Sync {
    /// The verifier that passed step 1 of `exercise`, for its token command.
    fn put_verifier(&self, learner: &LearnerId, exercise: &'static str, verifier: String);
    fn peek_verifier(&self, learner: &LearnerId, exercise: &'static str) -> Option<String>;
    fn take_verifier(&self, learner: &LearnerId, exercise: &'static str) -> Option<String>;
    /// The authorization code of a callback that passed (Web Applications' step 4), for
    /// the token command of the next step; `None` forgets it.
    fn put_code(&self, learner: &LearnerId, exercise: &'static str, code: Option<String>);
    fn peek_code(&self, learner: &LearnerId, exercise: &'static str) -> Option<String>;
    /// The decoded access token of a step's last check (`None`, or one too large to
    /// keep, forgets it).
    fn put_token(&self, learner: &LearnerId, step: StepKey, jwt: Option<DecodedJwt>);
    fn peek_token(&self, learner: &LearnerId, step: StepKey) -> Option<DecodedJwt>;
    /// Forget the decoded tokens of `learner`'s steps of `exercise` from index `from` on.
    fn forget_tokens(&self, learner: &LearnerId, exercise: &'static str, from: usize);
    /// What the learner typed for `step` in a failed plain form post, for the next page
    /// view of its exercise (one per learner; text over [`MAX_TYPED_BYTES`] is not kept).
    fn put_typed(&self, learner: &LearnerId, step: StepKey, text: String);
    /// The typed text of a step of `exercise`, taken once; text typed in another
    /// exercise stays for that one's page.
    fn take_typed(&self, learner: &LearnerId, exercise: &'static str) -> Option<(usize, String)>;
}

#[derive(Clone)]
pub struct Flash {
    verifiers: Expiring<(LearnerId, &'static str), String>,
    codes: Expiring<(LearnerId, &'static str), String>,
    tokens: Expiring<(LearnerId, StepKey), DecodedJwt>,
    typed: Expiring<LearnerId, (StepKey, String)>,
}

impl Default for Flash {
    fn default() -> Self {
        Self::with_caps(MAX_VERIFIERS, MAX_TOKENS)
    }
}

impl Flash {
    /// A flash keeping at most `verifiers` verifiers and `tokens` decoded tokens.
    pub fn with_caps(verifiers: usize, tokens: usize) -> Self {
        Self {
            verifiers: Expiring::new(verifiers),
            codes: Expiring::new(verifiers),
            tokens: Expiring::new(tokens),
            typed: Expiring::new(MAX_TYPED),
        }
    }
}

impl PageViews for Flash {
    fn put_verifier(&self, learner: &LearnerId, exercise: &'static str, verifier: String) {
        self.verifiers.put((learner.clone(), exercise), verifier);
    }

    fn peek_verifier(&self, learner: &LearnerId, exercise: &'static str) -> Option<String> {
        self.verifiers.peek(&(learner.clone(), exercise))
    }

    fn take_verifier(&self, learner: &LearnerId, exercise: &'static str) -> Option<String> {
        self.verifiers.take(&(learner.clone(), exercise))
    }

    fn put_code(&self, learner: &LearnerId, exercise: &'static str, code: Option<String>) {
        let key = (learner.clone(), exercise);
        match code.filter(|c| c.len() <= MAX_CODE_BYTES) {
            Some(code) => self.codes.put(key, code),
            None => {
                self.codes.take(&key);
            }
        }
    }

    fn peek_code(&self, learner: &LearnerId, exercise: &'static str) -> Option<String> {
        self.codes.peek(&(learner.clone(), exercise))
    }

    /// The decoded access token of a step's last check (`None`, or one too large to
    /// keep, forgets it).
    fn put_token(&self, learner: &LearnerId, step: StepKey, jwt: Option<DecodedJwt>) {
        let key = (learner.clone(), step);
        match jwt.filter(|jwt| kept_size(jwt) <= MAX_KEPT_JWT_BYTES) {
            Some(jwt) => self.tokens.put(key, jwt),
            None => {
                self.tokens.take(&key);
            }
        }
    }

    fn peek_token(&self, learner: &LearnerId, step: StepKey) -> Option<DecodedJwt> {
        self.tokens.peek(&(learner.clone(), step))
    }

    /// One look-up per step, not a scan of everyone's.
    fn forget_tokens(&self, learner: &LearnerId, exercise: &'static str, from: usize) {
        for index in from..MAX_STEPS {
            self.tokens.take(&(learner.clone(), (exercise, index)));
        }
    }

    fn put_typed(&self, learner: &LearnerId, step: StepKey, text: String) {
        if text.len() <= MAX_TYPED_BYTES {
            self.typed.put(learner.clone(), (step, text));
        } else {
            self.typed.take(learner);
        }
    }

    fn take_typed(&self, learner: &LearnerId, exercise: &'static str) -> Option<(usize, String)> {
        match self.typed.peek(learner) {
            Some(((of, _), _)) if of == exercise => {
                self.typed.take(learner).map(|((_, index), text)| (index, text))
            }
            _ => None,
        }
    }
}

/// The bytes a decoded token takes as JSON, about what it takes in memory.
fn kept_size(jwt: &DecodedJwt) -> usize {
    jwt.header.to_string().len() + jwt.claims.to_string().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "refresh";
    const TOKEN: StepKey = (R, 3);
    const REFRESHED: StepKey = (R, 4);

    fn jwt(claims: serde_json::Value) -> DecodedJwt {
        DecodedJwt { header: serde_json::json!({"alg": "ES256"}), claims }
    }

    fn learner(n: usize) -> LearnerId {
        LearnerId(format!("learner{n}"))
    }

    #[test]
    fn a_flood_of_learners_keeps_at_most_the_cap_and_the_most_recent() {
        let flash = Flash::with_caps(100, 10);
        for n in 0..10_000 {
            flash.put_verifier(&learner(n), R, format!("v{n}"));
            flash.put_token(&learner(n), TOKEN, Some(jwt(serde_json::json!({"n": n}))));
        }
        assert_eq!((flash.verifiers.len(), flash.tokens.len()), (100, 10));
        assert_eq!(flash.peek_verifier(&learner(9_999), R), Some("v9999".into()));
        assert_eq!(flash.peek_verifier(&learner(0), R), None, "the oldest went first");
        assert!(flash.peek_token(&learner(9_999), TOKEN).is_some());
        assert!(flash.peek_token(&learner(9_989), TOKEN).is_none());
    }

    #[test]
    fn a_learner_seen_again_is_kept_over_newer_ones() {
        let flash = Flash::with_caps(2, 2);
        flash.put_verifier(&learner(1), R, "one".into());
        flash.put_verifier(&learner(2), R, "two".into());
        assert!(flash.peek_verifier(&learner(1), R).is_some());
        flash.put_verifier(&learner(3), R, "three".into());
        assert_eq!(flash.peek_verifier(&learner(1), R), Some("one".into()));
        assert_eq!(flash.peek_verifier(&learner(1), "web-app"), None, "each exercise has its own");
        assert_eq!(flash.peek_verifier(&learner(2), R), None);
    }

    #[test]
    fn a_decoded_token_too_large_to_keep_is_not_kept_and_replaces_the_last() {
        let flash = Flash::default();
        let me = learner(1);
        flash.put_token(&me, TOKEN, Some(jwt(serde_json::json!({"sub": "ada"}))));
        assert!(flash.peek_token(&me, TOKEN).is_some());
        let huge = jwt(serde_json::json!({"pad": "x".repeat(MAX_KEPT_JWT_BYTES)}));
        flash.put_token(&me, TOKEN, Some(huge));
        assert!(flash.peek_token(&me, TOKEN).is_none(), "not the old one either");
    }

    #[test]
    fn typed_text_is_kept_once_per_learner_and_not_when_too_long() {
        let flash = Flash::default();
        let me = learner(1);
        flash.put_typed(&me, (R, 0), "first".into());
        flash.put_typed(&me, (R, 2), "https://x/?a=1".into());
        assert_eq!(flash.take_typed(&me, "web-app"), None, "typed in another exercise");
        assert_eq!(flash.take_typed(&me, R), Some((2, "https://x/?a=1".into())));
        assert_eq!(flash.take_typed(&me, R), None, "taken once");
        flash.put_typed(&me, TOKEN, "x".repeat(MAX_TYPED_BYTES + 1));
        assert_eq!(flash.take_typed(&me, R), None);
        for n in 0..(MAX_TYPED + 10) {
            flash.put_typed(&learner(n), (R, 0), "v".into());
        }
        assert_eq!(flash.typed.len(), MAX_TYPED);
    }

    #[test]
    fn forgetting_a_learners_tokens_leaves_the_others() {
        let flash = Flash::default();
        for n in [1, 2] {
            for step in [TOKEN, REFRESHED] {
                flash.put_token(&learner(n), step, Some(jwt(serde_json::json!({"n": n}))));
            }
        }
        flash.put_token(&learner(1), ("web-app", 4), Some(jwt(serde_json::json!({"n": 1}))));
        flash.forget_tokens(&learner(1), R, 4);
        assert!(flash.peek_token(&learner(1), ("web-app", 4)).is_some(), "another exercise's stays");
        assert!(flash.peek_token(&learner(1), TOKEN).is_some());
        assert!(flash.peek_token(&learner(1), REFRESHED).is_none());
        assert!(flash.peek_token(&learner(2), REFRESHED).is_some());
    }
}
