//! When an instructor last reset each of their learners, so that the dashboard's row says
//! "reset just now" (then "reset 3 min ago") until the learner does something new. A
//! reset deletes the learner's progress, so without this the row would only say "no
//! activity yet".
//!
//! The site keeps them in its database (the server's `storage::resets`), so every
//! instance's dashboard says the same; [`ResetLog`] keeps them in this process's memory,
//! for tests. Bounded: at most [`MAX_RESETS`] resets, the one recorded longest ago
//! forgotten first; the database's housekeeping also forgets those older than
//! [`RESETS_KEPT_FOR`].

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Mutex;

use async_trait::async_trait;
use lru::LruCache;

use super::InstructorId;
use crate::services::store::StoreError;

/// The most resets remembered at once (one per instructor and learner).
pub const MAX_RESETS: usize = 10_000;
/// How long a reset is remembered, in seconds: long after any dashboard cares.
pub const RESETS_KEPT_FOR: i64 = 30 * 24 * 3600;

/// Where the resets are remembered: the database (shared by every instance), or this
/// process's memory ([`ResetLog`]).
#[async_trait]
pub trait RecentResets: Send + Sync {
    /// `who` reset `learner_id` at `at` (unix seconds).
    async fn record(&self, who: InstructorId, learner_id: &str, at: i64) -> Result<(), StoreError>;
    /// When `who` last reset each of `learner_ids` (a dashboard page's), for those
    /// remembered: one look-up.
    async fn last_of(
        &self,
        who: InstructorId,
        learner_ids: &[&str],
    ) -> Result<HashMap<String, i64>, StoreError>;
    /// When `who` last reset `learner_id`, if remembered.
    async fn last(&self, who: InstructorId, learner_id: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.last_of(who, &[learner_id]).await?.remove(learner_id))
    }
}

/// The in-memory [`RecentResets`].
pub struct ResetLog(Mutex<LruCache<(i64, String), i64>>);

impl Default for ResetLog {
    fn default() -> Self {
        Self::with_cap(MAX_RESETS)
    }
}

impl ResetLog {
    /// A log that keeps at most `cap` resets.
    pub fn with_cap(cap: usize) -> Self {
        Self(Mutex::new(LruCache::new(NonZeroUsize::new(cap).unwrap_or(NonZeroUsize::MIN))))
    }

    fn with<T>(&self, f: impl FnOnce(&mut LruCache<(i64, String), i64>) -> T) -> T {
        let mut map = match self.0.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut map)
    }
}

#[async_trait]
impl RecentResets for ResetLog {
    async fn record(&self, who: InstructorId, learner_id: &str, at: i64) -> Result<(), StoreError> {
        self.with(|map| map.put((who.0, learner_id.to_owned()), at));
        Ok(())
    }

    async fn last_of(
        &self,
        who: InstructorId,
        learner_ids: &[&str],
    ) -> Result<HashMap<String, i64>, StoreError> {
        Ok(self.with(|map| {
            learner_ids
                .iter()
                .filter_map(|id| map.peek(&(who.0, (*id).to_owned())).map(|at| ((*id).to_owned(), *at)))
                .collect()
        }))
    }
}

/// What a dashboard row says about a learner's last activity: `updated_at` is their last
/// change, `reset_at` the instructor's last reset of them. A reset deletes the progress,
/// so a change at or after the reset is the learner's own.
pub fn last_activity(updated_at: Option<i64>, reset_at: Option<i64>, now: i64) -> String {
    match (updated_at, reset_at) {
        (Some(at), Some(reset)) if at >= reset => ago(Some(at), now),
        (_, Some(reset)) => format!("reset {}", ago(Some(reset), now)),
        (at, None) => ago(at, now),
    }
}

/// How long ago `at` was, for people.
pub fn ago(at: Option<i64>, now: i64) -> String {
    let Some(at) = at else { return "no activity yet".into() };
    match (now - at).max(0) {
        s @ 0..=59 => {
            if s < 10 {
                "just now".into()
            } else {
                format!("{s} s ago")
            }
        }
        s @ 60..=3599 => format!("{} min ago", s / 60),
        s @ 3600..=86_399 => format!("{} h ago", s / 3600),
        s => format!("{} ago", oauthlab::verdict::count((s / 86_400) as u64, "day")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_activity_reads_as_people_say_it() {
        let now = 1_700_000_000;
        let cases = [
            (None, "no activity yet"),
            (Some(now), "just now"),
            (Some(now + 30), "just now"),
            (Some(now - 9), "just now"),
            (Some(now - 10), "10 s ago"),
            (Some(now - 59), "59 s ago"),
            (Some(now - 60), "1 min ago"),
            (Some(now - 3599), "59 min ago"),
            (Some(now - 3600), "1 h ago"),
            (Some(now - 86_399), "23 h ago"),
            (Some(now - 86_400), "1 day ago"),
            (Some(now - 3 * 86_400), "3 days ago"),
        ];
        for (at, want) in cases {
            assert_eq!(ago(at, now), want, "{at:?}");
        }
    }

    #[test]
    fn a_reset_row_says_so_until_the_learner_does_something_new() {
        let now = 1_700_000_000;
        let cases = [
            (None, Some(now), "reset just now"),
            (None, Some(now - 180), "reset 3 min ago"),
            (Some(now - 600), Some(now - 120), "reset 2 min ago"),
            (Some(now - 60), Some(now - 120), "1 min ago"),
            (Some(now - 120), Some(now - 120), "2 min ago"),
            (Some(now - 60), None, "1 min ago"),
            (None, None, "no activity yet"),
        ];
        for (updated_at, reset_at, want) in cases {
            assert_eq!(last_activity(updated_at, reset_at, now), want, "{updated_at:?} {reset_at:?}");
        }
    }

    #[tokio::test]
    async fn the_log_keeps_at_most_its_cap() {
        let log = ResetLog::with_cap(100);
        for n in 0..1_000 {
            log.record(InstructorId(1), &format!("learner{n}"), n).await.expect("record");
        }
        assert_eq!(log.with(|map| map.len()), 100);
    }
}
