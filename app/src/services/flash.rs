//! A verifier generated for a learner, held in memory (never on disk, never logged)
//! for a short while so the page can show it after a plain form post.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::LearnerId;

/// How long a generated verifier stays available to its learner.
pub const VERIFIER_TTL: Duration = Duration::from_secs(30 * 60);

#[derive(Clone, Default)]
pub struct Flash {
    verifiers: Arc<Mutex<HashMap<LearnerId, (String, Instant)>>>,
}

impl Flash {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<LearnerId, (String, Instant)>) -> T) -> T {
        let mut map = match self.verifiers.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        let now = Instant::now();
        map.retain(|_, (_, at)| now.duration_since(*at) < VERIFIER_TTL);
        f(&mut map)
    }

    pub fn put_verifier(&self, learner: &LearnerId, verifier: String) {
        self.with(|map| map.insert(learner.clone(), (verifier, Instant::now())));
    }

    pub fn peek_verifier(&self, learner: &LearnerId) -> Option<String> {
        self.with(|map| map.get(learner).map(|(v, _)| v.clone()))
    }

    pub fn take_verifier(&self, learner: &LearnerId) -> Option<String> {
        self.with(|map| map.remove(learner).map(|(v, _)| v))
    }
}
