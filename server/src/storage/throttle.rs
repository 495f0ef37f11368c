//! [`LoginAttempts`] in the database: the login throttle's limits hold across every
//! instance.
//!
//! An attempt is one transaction that, in this order:
//! 1. upserts one row per key in `login_throttle_keys` (`INSERT … ON CONFLICT (key_sha256)
//!    DO UPDATE`), keys sorted: on PostgreSQL this takes each key's row lock (in one order
//!    for everyone, so two attempts never wait on each other in a cycle), on SQLite the
//!    database's write lock. Another attempt on a shared key waits here until this one
//!    ends, so under READ COMMITTED it then counts this one's attempt too;
//! 2. counts each key's attempts in the window;
//! 3. inserts the attempt for every key, or, when a key is at its limit, rolls back.
//!
//! So of any number of racing attempts, on any number of instances, no more pass than the
//! limit allows. Keys are HMAC-SHA256 under the server key of each key's digest
//! ([`ThrottleKey::digest`]), never emails or addresses in clear, and not a plain digest
//! either: nobody holding the database and a list of emails can tell which were tried. Bounded: a refused attempt leaves nothing, so a key gains at most
//! its limit of rows per window; the hourly housekeeping forgets every attempt and key
//! that left the window ([`forget_old`]); how many keys appear in an hour is bounded by
//! the site's rate limit on requests. (Nothing here deletes another key's rows while
//! holding a key: the only locks an attempt takes are its own keys', in sorted order.)

use app::services::instructor::{LoginAttempts, LoginThrottle, ThrottleKey};
use app::services::store::StoreError;
use async_trait::async_trait;
use sqlx::Row;

use super::{store_error, Db, ServerKey};

/// What the server key signs throttle keys for (see [`ServerKey::mac`]).
const KEY_PURPOSE: &str = "login_throttle";

/// [`LoginAttempts`] on the database, its keys keyed by the server key.
#[derive(Clone)]
pub struct KeyedThrottle {
    db: Db,
    server_key: ServerKey,
}

impl KeyedThrottle {
    pub fn new(db: Db, server_key: &ServerKey) -> Self {
        Self { db, server_key: server_key.clone() }
    }

    /// The key as stored: HMAC-SHA256 of its digest, in hex.
    fn stored(&self, key: &ThrottleKey) -> String {
        self.server_key.mac(KEY_PURPOSE, &key.digest()).iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[async_trait]
impl LoginAttempts for KeyedThrottle {
    async fn attempt(
        &self,
        limits: &[(ThrottleKey, usize)],
        now: i64,
    ) -> Result<Result<(), u64>, StoreError> {
        let mut keys: Vec<(String, i64)> =
            limits.iter().map(|(key, max)| (self.stored(key), i64::try_from(*max).unwrap_or(i64::MAX))).collect();
        keys.sort();
        keys.dedup_by(|a, b| a.0 == b.0);
        let since = now - LoginThrottle::WINDOW;
        let mut tx = self.db.pool.begin().await.map_err(store_error)?;
        for (key, _) in &keys {
            sqlx::query(
                "INSERT INTO login_throttle_keys (key_sha256, touched) VALUES ($1, $2)
                 ON CONFLICT (key_sha256) DO UPDATE SET touched = excluded.touched",
            )
            .bind(key)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        let mut wait: Option<i64> = None;
        for (key, max) in &keys {
            let row = sqlx::query(
                "SELECT COUNT(*) AS n, MIN(at) AS first FROM login_attempts WHERE key_sha256 = $1 AND at > $2",
            )
            .bind(key)
            .bind(since)
            .fetch_one(&mut *tx)
            .await
            .map_err(store_error)?;
            let n: i64 = row.try_get("n").map_err(store_error)?;
            let first: Option<i64> = row.try_get("first").map_err(store_error)?;
            if n >= *max {
                let until =
                    first.map_or(LoginThrottle::WINDOW, |first| LoginThrottle::WINDOW - (now - first));
                wait = wait.max(Some(until.max(1)));
            }
        }
        if let Some(wait) = wait {
            tx.rollback().await.map_err(store_error)?;
            return Ok(Err(u64::try_from(wait).unwrap_or(1)));
        }
        for (key, _) in &keys {
            sqlx::query("INSERT INTO login_attempts (key_sha256, at) VALUES ($1, $2)")
                .bind(key)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(Ok(()))
    }

    async fn refund(&self, key: &ThrottleKey, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM login_attempts WHERE seq IN
             (SELECT seq FROM login_attempts WHERE key_sha256 = $1 AND at = $2 ORDER BY seq DESC LIMIT 1)",
        )
        .bind(self.stored(key))
        .bind(at)
        .execute(&self.db.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn clear(&self, key: &ThrottleKey) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_attempts WHERE key_sha256 = $1")
            .bind(self.stored(key))
            .execute(&self.db.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}

/// Forget the attempts and keys that left the window by `now`: the number of rows deleted.
pub(super) async fn forget_old(db: &Db, now: i64) -> Result<u64, StoreError> {
    let since = now - LoginThrottle::WINDOW;
    let attempts = sqlx::query("DELETE FROM login_attempts WHERE at <= $1")
        .bind(since)
        .execute(&db.pool)
        .await
        .map_err(store_error)?;
    let keys = sqlx::query("DELETE FROM login_throttle_keys WHERE touched <= $1")
        .bind(since)
        .execute(&db.pool)
        .await
        .map_err(store_error)?;
    Ok(attempts.rows_affected() + keys.rows_affected())
}
