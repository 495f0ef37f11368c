//! When an instructor last reset each of their learners, so that the dashboard's row says
//! "reset just now" (then "reset 3 min ago") until the learner does something new. A
//! reset deletes the learner's progress, so without this the row would only say "no
//! activity yet".
//!
//! Held in this process's memory ([`ResetLog`]), like the login throttle: after a restart
//! the rows go back to "no activity yet". Bounded: at most [`MAX_RESETS`] entries, the
//! least recently used forgotten first, in O(1).

use std::num::NonZeroUsize;
use std::sync::Mutex;

use lru::LruCache;

use super::InstructorId;

/// The most resets remembered at once (one per instructor and learner).
pub const MAX_RESETS: usize = 10_000;

/// Where the resets are remembered: in memory today ([`ResetLog`]), shared storage when
/// several instances serve one site.
pub trait RecentResets: Send + Sync {
    /// `who` reset `learner_id` at `at` (unix seconds).
    fn record(&self, who: InstructorId, learner_id: &str, at: i64);
    /// When `who` last reset `learner_id`, if remembered.
    fn last(&self, who: InstructorId, learner_id: &str) -> Option<i64>;
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

impl RecentResets for ResetLog {
    fn record(&self, who: InstructorId, learner_id: &str, at: i64) {
        self.with(|map| map.put((who.0, learner_id.to_owned()), at));
    }

    fn last(&self, who: InstructorId, learner_id: &str) -> Option<i64> {
        self.with(|map| map.get(&(who.0, learner_id.to_owned())).copied())
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

    #[test]
    fn the_log_is_per_instructor_and_keeps_at_most_its_cap() {
        let log = ResetLog::with_cap(100);
        for n in 0..10_000 {
            log.record(InstructorId(1), &format!("learner{n}"), n);
        }
        assert_eq!(log.last(InstructorId(1), "learner9999"), Some(9_999));
        assert_eq!(log.last(InstructorId(1), "learner0"), None, "the oldest went first");
        assert_eq!(log.last(InstructorId(2), "learner9999"), None, "another instructor's reset");
        assert_eq!(log.with(|map| map.len()), 100);
    }
}
