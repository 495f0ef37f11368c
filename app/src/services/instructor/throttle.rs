//! How many logins may be tried, and from where.
//!
//! The site counts attempts in its database (the server's `storage::throttle`), so the
//! limits hold across every instance: check and count are one transaction that first
//! locks a row per key, so of two instances racing only as many attempts pass as the
//! limit allows. Keys are stored as digests ([`ThrottleKey::digest`]), never as emails.
//! [`LoginThrottle`] counts in this process's memory, for tests.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use lru::LruCache;
use sha2::{Digest, Sha256};

use crate::services::store::StoreError;

/// Where login attempts are counted: the database (shared by every instance), or this
/// process's memory ([`LoginThrottle`]).
#[async_trait]
pub trait LoginAttempts: Send + Sync {
    /// Count an attempt at `now` against each `(key, max)`, unless one of them already
    /// has `max` or more in the window: then nothing is counted and the answer is
    /// `Ok(Err(seconds))` until the attempt may be made. Check and count are atomic.
    async fn attempt(&self, limits: &[(ThrottleKey, usize)], now: i64)
        -> Result<Result<(), u64>, StoreError>;
    /// Give back one attempt counted for `key` at `at` (it did not fail).
    async fn refund(&self, key: &ThrottleKey, at: i64) -> Result<(), StoreError>;
    /// Forget every attempt counted for `key`.
    async fn clear(&self, key: &ThrottleKey) -> Result<(), StoreError>;
}

/// What a login attempt is counted against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ThrottleKey {
    /// One email tried from one client address (from anywhere, when the address is not
    /// known).
    Email(String, Option<std::net::IpAddr>),
    /// One client address, whatever the email.
    Client(std::net::IpAddr),
    /// One email tried from all addresses together.
    EmailEverywhere(String),
}

impl ThrottleKey {
    /// What the database keeps of the key: a SHA-256 digest (hex) of its kind and parts,
    /// so no email is stored.
    pub fn digest(&self) -> String {
        let text = match self {
            Self::Email(email, Some(ip)) => format!("email\0{email}\0{ip}"),
            Self::Email(email, None) => format!("email\0{email}\0"),
            Self::Client(ip) => format!("client\0{ip}"),
            Self::EmailEverywhere(email) => format!("everywhere\0{email}"),
        };
        Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Login attempts in a sliding window of 15 minutes:
///
/// - five for one email from one client address lock that email out *for that address*
///   (when the address is not known, for everyone);
/// - twenty from one address stop that address trying any email;
/// - a hundred for one email from all addresses together lock that email out for
///   everyone: a backstop against guessing spread over many addresses.
///
/// So nobody can lock an instructor out with a few wrong passwords from elsewhere, while
/// one address gets at most five guesses at an email and twenty in all per window.
///
/// An attempt is counted when it starts, under the same lock as the check (see
/// [`LoginThrottle::attempt`]), so parallel attempts cannot all pass the check before any
/// failure is recorded; a login that succeeds gives its attempt back.
///
/// At most [`LoginThrottle::MAX_KEYS`] keys are remembered, least recently used forgotten
/// first, in O(1); keys whose attempts have all left the window are forgotten from the
/// least recent end as attempts come (each key once: O(1) amortized, no scan).
#[derive(Clone)]
pub struct LoginThrottle {
    attempts: Arc<Mutex<LruCache<ThrottleKey, Vec<i64>>>>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        let keys = NonZeroUsize::new(Self::MAX_KEYS).unwrap_or(NonZeroUsize::MIN);
        Self { attempts: Arc::new(Mutex::new(LruCache::new(keys))) }
    }
}

impl LoginThrottle {
    pub const MAX_FAILURES: usize = 5;
    pub const MAX_CLIENT_FAILURES: usize = 20;
    pub const MAX_EMAIL_FAILURES: usize = 100;
    pub const WINDOW: i64 = 15 * 60;
    /// The most keys remembered at once.
    pub const MAX_KEYS: usize = 10_000;

    /// The limits a login for `email` (trimmed, lower case) from `client` counts against;
    /// the first is the one a success clears. An IPv6 client counts by its /64 (see
    /// [`crate::services::limit_key`]).
    pub fn limits(email: &str, client: Option<std::net::IpAddr>) -> Vec<(ThrottleKey, usize)> {
        let client = client.map(crate::services::limit_key);
        let mut limits = vec![(ThrottleKey::Email(email.to_owned(), client), Self::MAX_FAILURES)];
        if let Some(ip) = client {
            limits.push((ThrottleKey::Client(ip), Self::MAX_CLIENT_FAILURES));
            limits.push((ThrottleKey::EmailEverywhere(email.to_owned()), Self::MAX_EMAIL_FAILURES));
        }
        limits
    }

    fn with<T>(&self, f: impl FnOnce(&mut LruCache<ThrottleKey, Vec<i64>>) -> T) -> T {
        let mut map = match self.attempts.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        f(&mut map)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.with(|map| map.len())
    }
}

#[async_trait]
impl LoginAttempts for LoginThrottle {
    async fn attempt(
        &self,
        limits: &[(ThrottleKey, usize)],
        now: i64,
    ) -> Result<Result<(), u64>, StoreError> {
        Ok(self.with(|map| {
            // The least recent keys whose attempts have all left the window go first.
            while map.peek_lru().is_some_and(|(_, list)| list.last().is_none_or(|t| now - t >= Self::WINDOW))
            {
                map.pop_lru();
            }
            let mut wait = None;
            for (key, max) in limits {
                let Some(list) = map.get_mut(key) else { continue };
                list.retain(|t| now - t < Self::WINDOW);
                if list.len() >= *max {
                    let until = list.first().map_or(Self::WINDOW, |first| Self::WINDOW - (now - first));
                    wait = wait.max(Some(until.max(1)));
                }
            }
            if let Some(wait) = wait {
                return Err(u64::try_from(wait).unwrap_or(1));
            }
            for (key, _) in limits {
                // A full map forgets its least recently used key for a new one.
                map.get_or_insert_mut(key.clone(), Vec::new).push(now);
            }
            Ok(())
        }))
    }

    async fn refund(&self, key: &ThrottleKey, at: i64) -> Result<(), StoreError> {
        self.with(|map| {
            if let Some(list) = map.get_mut(key) {
                if let Some(i) = list.iter().rposition(|t| *t == at) {
                    list.remove(i);
                }
                if list.is_empty() {
                    map.pop(key);
                }
            }
        });
        Ok(())
    }

    async fn clear(&self, key: &ThrottleKey) -> Result<(), StoreError> {
        self.with(|map| map.pop(key));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(email: &str) -> ThrottleKey {
        ThrottleKey::Email(email.to_owned(), None)
    }

    fn limit(email: &str, max: usize) -> Vec<(ThrottleKey, usize)> {
        vec![(key(email), max)]
    }

    #[tokio::test]
    async fn the_throttle_stops_after_five_attempts_for_fifteen_minutes() {
        let t = LoginThrottle::default();
        for i in 0..5 {
            assert!(t.attempt(&limit("a@x", 5), 100 + i).await.expect("store").is_ok());
        }
        assert_eq!(t.attempt(&limit("a@x", 5), 110).await.expect("store"), Err(900 - 10));
        assert!(t.attempt(&limit("b@x", 5), 110).await.expect("store").is_ok(), "per email");
        assert!(t.attempt(&limit("a@x", 5), 100 + 900).await.expect("store").is_ok(), "the window slides");
    }

    #[tokio::test]
    async fn an_attempt_refused_by_one_limit_is_counted_against_none() {
        let t = LoginThrottle::default();
        let client = ThrottleKey::Client(std::net::Ipv4Addr::new(10, 0, 0, 1).into());
        let both = |email: &str| vec![(key(email), 5), (client.clone(), 6)];
        for i in 0..5 {
            assert!(t.attempt(&both("a@x"), 100 + i).await.expect("store").is_ok());
        }
        for _ in 0..3 {
            assert!(t.attempt(&both("a@x"), 110).await.expect("store").is_err());
        }
        // The client's three refused attempts were not counted: it has one left.
        assert!(t.attempt(&both("b@x"), 111).await.expect("store").is_ok());
        assert_eq!(
            t.attempt(&both("c@x"), 112).await.expect("store"),
            Err(900 - 12),
            "the longest wait of the two"
        );
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_slash_64() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().ok();
        let a = LoginThrottle::limits("a@x", ip("2001:db8:1:2:aaaa::1"));
        let b = LoginThrottle::limits("a@x", ip("2001:db8:1:2:bbbb::2"));
        let other = LoginThrottle::limits("a@x", ip("2001:db8:1:3::1"));
        assert_eq!(a, b, "one /64: the same keys");
        assert_ne!(a, other, "another /64");
        assert_eq!(
            LoginThrottle::limits("a@x", ip("::ffff:10.0.0.1")),
            LoginThrottle::limits("a@x", ip("10.0.0.1"))
        );
    }

    #[tokio::test]
    async fn a_refund_gives_one_attempt_back() {
        let t = LoginThrottle::default();
        for _ in 0..5 {
            assert!(t.attempt(&limit("a@x", 5), 100).await.expect("store").is_ok());
        }
        t.refund(&key("a@x"), 100).await.expect("store");
        assert!(t.attempt(&limit("a@x", 5), 101).await.expect("store").is_ok());
        assert!(t.attempt(&limit("a@x", 5), 101).await.expect("store").is_err());
        t.refund(&key("nobody"), 100).await.expect("store");
        t.clear(&key("a@x")).await.expect("store");
        assert!(t.attempt(&limit("a@x", 5), 102).await.expect("store").is_ok());
    }

    fn ip(n: u32) -> std::net::IpAddr {
        std::net::Ipv4Addr::from(0x0a00_0000 + n).into()
    }

    #[tokio::test]
    async fn five_failures_lock_an_email_only_for_the_address_they_came_from() {
        let t = LoginThrottle::default();
        let from = |n| LoginThrottle::limits("ada@x", Some(ip(n)));
        for _ in 0..5 {
            assert!(t.attempt(&from(1), 100).await.expect("store").is_ok());
        }
        assert!(t.attempt(&from(1), 101).await.expect("store").is_err(), "the guesser waits");
        assert!(t.attempt(&from(2), 101).await.expect("store").is_ok(), "the instructor elsewhere does not");
        // Without addresses, the email is locked for everyone.
        for _ in 0..5 {
            assert!(t.attempt(&LoginThrottle::limits("bob@x", None), 100).await.expect("store").is_ok());
        }
        assert!(t.attempt(&LoginThrottle::limits("bob@x", None), 101).await.expect("store").is_err());
    }

    #[tokio::test]
    async fn twenty_failures_from_one_address_stop_it_trying_any_email() {
        let t = LoginThrottle::default();
        for n in 0..20 {
            assert!(t
                .attempt(&LoginThrottle::limits(&format!("guess{n}@x"), Some(ip(1))), 100)
                .await
                .expect("store")
                .is_ok());
        }
        assert!(t.attempt(&LoginThrottle::limits("ada@x", Some(ip(1))), 101).await.expect("store").is_err());
        assert!(t.attempt(&LoginThrottle::limits("ada@x", Some(ip(2))), 101).await.expect("store").is_ok());
    }

    #[tokio::test]
    async fn a_hundred_failures_for_one_email_from_many_addresses_lock_it_for_everyone() {
        let t = LoginThrottle::default();
        for n in 0..100 {
            // Four from each of 25 addresses: under each address's own limits.
            assert!(
                t.attempt(&LoginThrottle::limits("ada@x", Some(ip(n / 4))), 100)
                    .await
                    .expect("store")
                    .is_ok(),
                "{n}"
            );
        }
        assert_eq!(
            t.attempt(&LoginThrottle::limits("ada@x", Some(ip(999))), 110).await.expect("store"),
            Err(900 - 10)
        );
        assert!(t.attempt(&LoginThrottle::limits("bob@x", Some(ip(999))), 110).await.expect("store").is_ok());
        assert!(t
            .attempt(&LoginThrottle::limits("ada@x", Some(ip(999))), 100 + 900)
            .await
            .expect("store")
            .is_ok());
    }

    #[tokio::test]
    async fn the_throttle_remembers_a_bounded_number_of_keys_and_keeps_the_newest() {
        let t = LoginThrottle::default();
        for i in 0..LoginThrottle::MAX_KEYS {
            assert!(t.attempt(&limit(&format!("k{i}"), 5), 100).await.expect("store").is_ok());
        }
        // Full of recent attempts: a new key pushes out one of the oldest.
        assert!(t.attempt(&limit("newest", 2), 200).await.expect("store").is_ok());
        assert!(t.attempt(&limit("newest", 2), 200).await.expect("store").is_ok());
        assert_eq!(t.len(), LoginThrottle::MAX_KEYS);
        assert_eq!(t.attempt(&limit("newest", 2), 201).await.expect("store"), Err(900 - 1));
        // Once their window is over, the old keys are forgotten.
        assert!(t.attempt(&limit("later", 5), 100 + 900).await.expect("store").is_ok());
        assert_eq!(t.len(), 2);
    }
}
