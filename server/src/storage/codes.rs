//! [`CodeStore`]: the practice server's authorization codes, stored by digest, and its
//! SQLite implementation. Redeeming a code is one conditional `UPDATE`, so of two
//! concurrent redemptions exactly one wins.

use app::services::store::StoreError;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{store_error, Db, Redeemed};

/// An authorization code as stored (by digest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeRecord {
    pub code_sha256: String,
    pub client_id: String,
    pub learner_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub code_challenge: String,
    /// The OpenID Connect `nonce` of the request, for the ID token.
    pub nonce: Option<String>,
    pub expires_at: i64,
}

#[async_trait]
pub trait CodeStore: Send + Sync {
    async fn insert_code(&self, code: &CodeRecord, now: i64) -> Result<(), StoreError>;
    async fn redeem_code(&self, code_sha256: &str, now: i64) -> Result<Redeemed<CodeRecord>, StoreError>;
    /// Forget the codes that expired before `before`; the number forgotten.
    async fn forget_codes(&self, before: i64) -> Result<u64, StoreError>;
}

fn code_of(row: &AnyRow) -> Result<CodeRecord, sqlx::Error> {
    Ok(CodeRecord {
        code_sha256: row.try_get("code_sha256")?,
        client_id: row.try_get("client_id")?,
        learner_id: row.try_get("learner_id")?,
        redirect_uri: row.try_get("redirect_uri")?,
        scope: row.try_get("scope")?,
        code_challenge: row.try_get("code_challenge")?,
        nonce: row.try_get("nonce")?,
        expires_at: row.try_get("expires_at")?,
    })
}

const CODE_COLUMNS: &str =
    "code_sha256, client_id, learner_id, redirect_uri, scope, code_challenge, nonce, expires_at";

#[async_trait]
impl CodeStore for Db {
    async fn insert_code(&self, code: &CodeRecord, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO auth_codes (code_sha256, client_id, learner_id, redirect_uri, scope,
             code_challenge, nonce, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&code.code_sha256)
        .bind(&code.client_id)
        .bind(&code.learner_id)
        .bind(&code.redirect_uri)
        .bind(&code.scope)
        .bind(&code.code_challenge)
        .bind(&code.nonce)
        .bind(now)
        .bind(code.expires_at)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn redeem_code(&self, code_sha256: &str, now: i64) -> Result<Redeemed<CodeRecord>, StoreError> {
        let fresh = sqlx::query(&format!(
            "UPDATE auth_codes SET used_at = $1 WHERE code_sha256 = $2 AND used_at IS NULL
             RETURNING {CODE_COLUMNS}"
        ))
        .bind(now)
        .bind(code_sha256)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        if let Some(row) = fresh {
            return code_of(&row).map(Redeemed::Fresh).map_err(store_error);
        }
        let used = sqlx::query(&format!("SELECT {CODE_COLUMNS} FROM auth_codes WHERE code_sha256 = $1"))
            .bind(code_sha256)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        match used {
            Some(row) => code_of(&row).map(Redeemed::Reused).map_err(store_error),
            None => Ok(Redeemed::Unknown),
        }
    }

    async fn forget_codes(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM auth_codes WHERE expires_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected())
    }
}
