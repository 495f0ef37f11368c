//! [`KeyStore`]: the practice server's signing key generations (metadata only: each key
//! is derived from the server key), and its SQLite implementation.

use app::services::store::StoreError;
use async_trait::async_trait;
use sqlx::Row;

use super::{store_error, Db};

/// A signing key generation: the key itself is derived, never stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRecord {
    pub generation: i64,
    pub kid: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// All generations, newest first.
    async fn keys(&self) -> Result<Vec<KeyRecord>, StoreError>;
    async fn insert_key(&self, key: &KeyRecord) -> Result<(), StoreError>;
    async fn retire_key(&self, generation: i64, now: i64) -> Result<(), StoreError>;
}

#[async_trait]
impl KeyStore for Db {
    async fn keys(&self) -> Result<Vec<KeyRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT generation, kid, created_at, retired_at FROM signing_keys ORDER BY generation DESC",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|r| {
                Ok(KeyRecord {
                    generation: r.try_get("generation")?,
                    kid: r.try_get("kid")?,
                    created_at: r.try_get("created_at")?,
                    retired_at: r.try_get("retired_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(store_error)
    }

    async fn insert_key(&self, key: &KeyRecord) -> Result<(), StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO signing_keys (generation, kid, created_at, retired_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (generation) DO NOTHING",
        )
        .bind(key.generation)
        .bind(&key.kid)
        .bind(key.created_at)
        .bind(key.retired_at)
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            // Two instances making the first key at once insert the same generation and
            // kid; on PostgreSQL the second may meet the kid's unique index before the
            // generation's. The key is there: no error.
            Err(err) => {
                let there = self.keys().await?;
                if there.iter().any(|k| k.generation == key.generation && k.kid == key.kid) {
                    Ok(())
                } else {
                    Err(store_error(err))
                }
            }
        }
    }

    async fn retire_key(&self, generation: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE generation = $2 AND retired_at IS NULL")
            .bind(now)
            .bind(generation)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
