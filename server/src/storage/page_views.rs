//! [`PageViews`] in the database, sealed: what a learner's next page view shows (a
//! generated verifier, a callback's code, decoded tokens, the last typed text), readable
//! by every instance and by nobody who only has the database.
//!
//! Each value is sealed with XChaCha20-Poly1305 under a key derived from the server key
//! (`ServerKey::mac("page_views", …)`), with a random 24-byte nonce per value and, as
//! associated data, the row's table, learner, exercise and step: a row copied onto
//! another learner's (or another kind's) does not open. A copy of the database without
//! the key file reveals no value.
//!
//! One table per kind (`page_verifiers`, `page_codes`, `page_tokens`, `page_typed`), each
//! bounded two ways:
//! - a cap ([`Caps`]): a put gives its row a new `seq` (delete, then insert in one
//!   transaction) and, right after, deletes the rows whose `seq` is more than the cap
//!   behind it: one range delete on the primary key, so the table holds no more than its
//!   cap (plus the puts in flight) and the value put longest ago goes first (as
//!   [`app::services::flash::Flash`] does);
//! - time: a row past `expires_at` is never returned, and the hourly housekeeping deletes
//!   it ([`forget_expired`]).
//!
//! Values over their kind's size bound are not kept (checked before sealing).

use std::collections::BTreeMap;

use app::services::flash::{keeps_token, Caps, PageViews, StepKey, MAX_CODE_BYTES, MAX_TYPED_BYTES};
use app::services::store::StoreError;
use app::services::{now_unix, LearnerId};
use async_trait::async_trait;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use oauthlab::exercises::refresh::DecodedJwt;
use sqlx::Row;

use super::{store_error, Db, ServerKey};

/// The tables, one per kind of value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Table {
    Verifiers,
    Codes,
    Tokens,
    Typed,
}

impl Table {
    const ALL: [Table; 4] = [Table::Verifiers, Table::Codes, Table::Tokens, Table::Typed];

    fn name(self) -> &'static str {
        match self {
            Table::Verifiers => "page_verifiers",
            Table::Codes => "page_codes",
            Table::Tokens => "page_tokens",
            Table::Typed => "page_typed",
        }
    }

    fn cap(self, caps: &Caps) -> i64 {
        let cap = match self {
            Table::Verifiers | Table::Codes => caps.verifiers,
            Table::Tokens => caps.tokens,
            Table::Typed => caps.typed,
        };
        i64::try_from(cap).unwrap_or(i64::MAX).max(1)
    }
}

/// Where a value lives: its table, learner, exercise and step (0 for a verifier or a
/// code).
struct Slot<'a> {
    table: Table,
    learner: &'a LearnerId,
    exercise: &'a str,
    step: i64,
}

impl Slot<'_> {
    /// The associated data a value is sealed with: each part with its length, so no two
    /// slots read alike.
    fn associated_data(&self) -> Vec<u8> {
        let step = self.step.to_string();
        let mut data = Vec::new();
        for part in [self.table.name(), self.learner.as_str(), self.exercise, step.as_str()] {
            data.extend_from_slice(&(part.len() as u64).to_be_bytes());
            data.extend_from_slice(part.as_bytes());
        }
        data
    }
}

fn step_of(index: usize) -> i64 {
    i64::try_from(index).unwrap_or(i64::MAX)
}

/// The page views in the database, sealed under a key derived from the server key.
#[derive(Clone)]
pub struct SealedPageViews {
    db: Db,
    cipher: XChaCha20Poly1305,
    caps: Caps,
}

impl std::fmt::Debug for SealedPageViews {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedPageViews").field("caps", &self.caps).finish_non_exhaustive()
    }
}

impl SealedPageViews {
    /// The page views in `db`, sealed under `key`, with the default caps and lifetime.
    pub fn new(db: Db, key: &ServerKey) -> Self {
        Self::with_caps(db, key, Caps::default())
    }

    /// The page views in `db` keeping at most `caps` rows of each kind, for `caps.ttl`.
    pub fn with_caps(db: Db, key: &ServerKey, caps: Caps) -> Self {
        let derived = key.mac("page_views", "xchacha20poly1305 v1");
        Self { db, cipher: XChaCha20Poly1305::new(&derived.into()), caps }
    }

    fn seal(&self, slot: &Slot<'_>, clear: &[u8]) -> Result<([u8; 24], Vec<u8>), StoreError> {
        let nonce: [u8; 24] = rand::random();
        let aad = slot.associated_data();
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: clear, aad: &aad })
            .map_err(|_| StoreError("cannot seal a page view".into()))?;
        Ok((nonce, sealed))
    }

    fn open(&self, slot: &Slot<'_>, nonce: &[u8], sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        let broken = || {
            StoreError(format!(
                "a sealed value in {} does not open: was the server key replaced? (it is then \
                 forgotten at its expiry)",
                slot.table.name()
            ))
        };
        if nonce.len() != 24 {
            return Err(broken());
        }
        let aad = slot.associated_data();
        self.cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: &aad })
            .map_err(|_| broken())
    }

    /// Put `clear` in `slot`, replacing what was there (and, with `whole_learner`, every
    /// other value of the learner in that table), then trim the table to its cap.
    async fn put(&self, slot: Slot<'_>, clear: &[u8], whole_learner: bool) -> Result<(), StoreError> {
        let (nonce, sealed) = self.seal(&slot, clear)?;
        let table = slot.table.name();
        let expires_at = now_unix().saturating_add(self.caps.ttl);
        let mut tx = self.db.pool.begin().await.map_err(store_error)?;
        // Deleted first so the row gets a new `seq`: the cap forgets the value put longest
        // ago. The upsert below still wins a race with another instance's put.
        if whole_learner {
            sqlx::query(&format!("DELETE FROM {table} WHERE learner_id = $1"))
                .bind(slot.learner.as_str())
                .execute(&mut *tx)
                .await
        } else {
            sqlx::query(&format!("DELETE FROM {table} WHERE learner_id = $1 AND exercise = $2 AND step = $3"))
                .bind(slot.learner.as_str())
                .bind(slot.exercise)
                .bind(slot.step)
                .execute(&mut *tx)
                .await
        }
        .map_err(store_error)?;
        let row = sqlx::query(&format!(
            "INSERT INTO {table} (learner_id, exercise, step, nonce, sealed, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (learner_id, exercise, step) DO UPDATE
             SET nonce = excluded.nonce, sealed = excluded.sealed, expires_at = excluded.expires_at
             RETURNING seq"
        ))
        .bind(slot.learner.as_str())
        .bind(slot.exercise)
        .bind(slot.step)
        .bind(&nonce[..])
        .bind(&sealed[..])
        .bind(expires_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        let seq: i64 = row.try_get("seq").map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        // A statement of its own, after the commit: a transaction that holds one learner's
        // row never waits on another's trim (two puts cannot deadlock on PostgreSQL).
        sqlx::query(&format!("DELETE FROM {table} WHERE seq <= $1"))
            .bind(seq.saturating_sub(slot.table.cap(&self.caps)))
            .execute(&self.db.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Forget the value in `slot`.
    async fn forget(&self, slot: Slot<'_>) -> Result<(), StoreError> {
        self.delete_where(slot.table.name(), "step = $3", slot.learner, slot.exercise, slot.step).await
    }

    /// Delete the learner's rows of `exercise` in `table` whose step matches `step_is`
    /// (`$3` is `step`), once a read has found one. Most checks forget what is not there
    /// (a step without a token), and a read takes no write lock: on SQLite the checks'
    /// progress writes wait for no empty delete.
    async fn delete_where(
        &self,
        table: &str,
        step_is: &str,
        learner: &LearnerId,
        exercise: &str,
        step: i64,
    ) -> Result<(), StoreError> {
        let matching = format!("FROM {table} WHERE learner_id = $1 AND exercise = $2 AND {step_is}");
        let found = sqlx::query(&format!("SELECT 1 AS found {matching} LIMIT 1"))
            .bind(learner.as_str())
            .bind(exercise)
            .bind(step)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(store_error)?;
        if found.is_some() {
            sqlx::query(&format!("DELETE {matching}"))
                .bind(learner.as_str())
                .bind(exercise)
                .bind(step)
                .execute(&self.db.pool)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    /// The value in `slot`, unless expired.
    async fn peek(&self, slot: Slot<'_>) -> Result<Option<Vec<u8>>, StoreError> {
        let table = slot.table.name();
        let row = sqlx::query(&format!(
            "SELECT nonce, sealed FROM {table}
             WHERE learner_id = $1 AND exercise = $2 AND step = $3 AND expires_at > $4"
        ))
        .bind(slot.learner.as_str())
        .bind(slot.exercise)
        .bind(slot.step)
        .bind(now_unix())
        .fetch_optional(&self.db.pool)
        .await
        .map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let nonce: Vec<u8> = row.try_get("nonce").map_err(store_error)?;
        let sealed: Vec<u8> = row.try_get("sealed").map_err(store_error)?;
        self.open(&slot, &nonce, &sealed).map(Some)
    }

    /// The value in `slot`, taken: of two takes, one gets it. An expired one is deleted
    /// and not returned.
    async fn take(&self, slot: Slot<'_>) -> Result<Option<Vec<u8>>, StoreError> {
        let table = slot.table.name();
        let row = sqlx::query(&format!(
            "DELETE FROM {table} WHERE learner_id = $1 AND exercise = $2 AND step = $3
             RETURNING nonce, sealed, expires_at"
        ))
        .bind(slot.learner.as_str())
        .bind(slot.exercise)
        .bind(slot.step)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let expires_at: i64 = row.try_get("expires_at").map_err(store_error)?;
        if expires_at <= now_unix() {
            return Ok(None);
        }
        let nonce: Vec<u8> = row.try_get("nonce").map_err(store_error)?;
        let sealed: Vec<u8> = row.try_get("sealed").map_err(store_error)?;
        self.open(&slot, &nonce, &sealed).map(Some)
    }
}

fn text(bytes: Vec<u8>) -> Result<String, StoreError> {
    String::from_utf8(bytes).map_err(|_| StoreError("a page view is not text".into()))
}

fn slot<'a>(table: Table, learner: &'a LearnerId, exercise: &'a str, step: i64) -> Slot<'a> {
    Slot { table, learner, exercise, step }
}

#[async_trait]
impl PageViews for SealedPageViews {
    async fn put_verifier(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
        verifier: String,
    ) -> Result<(), StoreError> {
        self.put(slot(Table::Verifiers, learner, exercise, 0), verifier.as_bytes(), false).await
    }

    async fn peek_verifier(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<Option<String>, StoreError> {
        self.peek(slot(Table::Verifiers, learner, exercise, 0)).await?.map(text).transpose()
    }

    async fn take_verifier(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<Option<String>, StoreError> {
        self.take(slot(Table::Verifiers, learner, exercise, 0)).await?.map(text).transpose()
    }

    async fn put_code(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
        code: Option<String>,
    ) -> Result<(), StoreError> {
        let at = slot(Table::Codes, learner, exercise, 0);
        match code.filter(|c| c.len() <= MAX_CODE_BYTES) {
            Some(code) => self.put(at, code.as_bytes(), false).await,
            None => self.forget(at).await,
        }
    }

    async fn peek_code(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<Option<String>, StoreError> {
        self.peek(slot(Table::Codes, learner, exercise, 0)).await?.map(text).transpose()
    }

    async fn put_token(
        &self,
        learner: &LearnerId,
        (exercise, index): StepKey,
        jwt: Option<DecodedJwt>,
    ) -> Result<(), StoreError> {
        let at = slot(Table::Tokens, learner, exercise, step_of(index));
        match jwt.filter(keeps_token) {
            Some(jwt) => {
                let json = serde_json::to_vec(&jwt).map_err(|e| StoreError(format!("decoded token: {e}")))?;
                self.put(at, &json, false).await
            }
            None => self.forget(at).await,
        }
    }

    /// One query for the page: the learner's live tokens of the exercise.
    async fn peek_tokens(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<BTreeMap<usize, DecodedJwt>, StoreError> {
        let rows = sqlx::query(
            "SELECT step, nonce, sealed FROM page_tokens
             WHERE learner_id = $1 AND exercise = $2 AND expires_at > $3",
        )
        .bind(learner.as_str())
        .bind(exercise)
        .bind(now_unix())
        .fetch_all(&self.db.pool)
        .await
        .map_err(store_error)?;
        let mut tokens = BTreeMap::new();
        for row in rows {
            let step: i64 = row.try_get("step").map_err(store_error)?;
            let nonce: Vec<u8> = row.try_get("nonce").map_err(store_error)?;
            let sealed: Vec<u8> = row.try_get("sealed").map_err(store_error)?;
            let json = self.open(&slot(Table::Tokens, learner, exercise, step), &nonce, &sealed)?;
            let jwt = serde_json::from_slice(&json).map_err(|e| StoreError(format!("decoded token: {e}")))?;
            if let Ok(index) = usize::try_from(step) {
                tokens.insert(index, jwt);
            }
        }
        Ok(tokens)
    }

    async fn forget_tokens(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
        from: usize,
    ) -> Result<(), StoreError> {
        self.delete_where(Table::Tokens.name(), "step >= $3", learner, exercise, step_of(from)).await
    }

    /// One per learner: a put replaces the learner's typed text of any exercise.
    async fn put_typed(
        &self,
        learner: &LearnerId,
        (exercise, index): StepKey,
        text: String,
    ) -> Result<(), StoreError> {
        if text.len() > MAX_TYPED_BYTES {
            sqlx::query("DELETE FROM page_typed WHERE learner_id = $1")
                .bind(learner.as_str())
                .execute(&self.db.pool)
                .await
                .map_err(store_error)?;
            return Ok(());
        }
        self.put(slot(Table::Typed, learner, exercise, step_of(index)), text.as_bytes(), true).await
    }

    async fn take_typed(
        &self,
        learner: &LearnerId,
        exercise: &'static str,
    ) -> Result<Option<(usize, String)>, StoreError> {
        let rows = sqlx::query(
            "DELETE FROM page_typed WHERE learner_id = $1 AND exercise = $2
             RETURNING seq, step, nonce, sealed, expires_at",
        )
        .bind(learner.as_str())
        .bind(exercise)
        .fetch_all(&self.db.pool)
        .await
        .map_err(store_error)?;
        // One at most, unless two instances' puts crossed: then the later one.
        let mut newest: Option<(i64, usize, String)> = None;
        for row in rows {
            let expires_at: i64 = row.try_get("expires_at").map_err(store_error)?;
            let seq: i64 = row.try_get("seq").map_err(store_error)?;
            if expires_at <= now_unix() || newest.as_ref().is_some_and(|(s, _, _)| *s > seq) {
                continue;
            }
            let step: i64 = row.try_get("step").map_err(store_error)?;
            let nonce: Vec<u8> = row.try_get("nonce").map_err(store_error)?;
            let sealed: Vec<u8> = row.try_get("sealed").map_err(store_error)?;
            let typed = text(self.open(&slot(Table::Typed, learner, exercise, step), &nonce, &sealed)?)?;
            if let Ok(index) = usize::try_from(step) {
                newest = Some((seq, index, typed));
            }
        }
        Ok(newest.map(|(_, index, typed)| (index, typed)))
    }
}

/// Delete the page views that expired by `now`: the number deleted.
pub(super) async fn forget_expired(db: &Db, now: i64) -> Result<u64, StoreError> {
    let mut forgotten = 0;
    for table in Table::ALL {
        let done = sqlx::query(&format!("DELETE FROM {} WHERE expires_at <= $1", table.name()))
            .bind(now)
            .execute(&db.pool)
            .await
            .map_err(store_error)?;
        forgotten += done.rows_affected();
    }
    Ok(forgotten)
}

/// The page-view tables, for the contract suite's look at what the database holds.
#[cfg(test)]
pub(super) const TABLES: [&str; 4] = ["page_verifiers", "page_codes", "page_tokens", "page_typed"];
