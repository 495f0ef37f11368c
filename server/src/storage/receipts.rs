//! [`Receipts`] on SQLite: the practice API's one-time receipts, by digest. Marking one
//! used is one conditional `UPDATE`, so of two concurrent uses exactly one wins.

use app::services::store::{Receipts, StoreError};
use async_trait::async_trait;
use oauthlab::exercises::client_credentials::{Receipt, TokenVia};
use sqlx::Row;

use super::{store_error, Db};

fn via_str(via: TokenVia) -> &'static str {
    match via {
        TokenVia::Header => "header",
        TokenVia::Query => "query",
    }
}

#[async_trait]
impl Receipts for Db {
    async fn insert_receipt(
        &self,
        receipt_sha256: &str,
        receipt: &Receipt,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO receipts (receipt_sha256, token_sha256, via, created_at, expires_at, used_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(receipt_sha256)
        .bind(&receipt.token_sha256)
        .bind(via_str(receipt.via))
        .bind(now)
        .bind(expires_at)
        .bind(receipt.used.then_some(now))
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn receipt(&self, receipt_sha256: &str, now: i64) -> Result<Option<Receipt>, StoreError> {
        let row = sqlx::query(
            "SELECT token_sha256, via, used_at FROM receipts WHERE receipt_sha256 = $1 AND expires_at > $2",
        )
        .bind(receipt_sha256)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let via: String = row.try_get("via").map_err(store_error)?;
        let used_at: Option<i64> = row.try_get("used_at").map_err(store_error)?;
        Ok(Some(Receipt {
            token_sha256: row.try_get("token_sha256").map_err(store_error)?,
            via: if via == "query" { TokenVia::Query } else { TokenVia::Header },
            used: used_at.is_some(),
        }))
    }

    async fn mark_used(&self, receipt_sha256: &str, now: i64) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE receipts SET used_at = $1 WHERE receipt_sha256 = $2 AND used_at IS NULL")
                .bind(now)
                .bind(receipt_sha256)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn forget_receipts(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM receipts WHERE expires_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected())
    }
}
