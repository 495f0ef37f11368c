//! [`ConsentStore`]: the scope each learner granted each client on the practice server's
//! consent page, and its SQLite implementation.

use app::services::store::StoreError;
use async_trait::async_trait;
use sqlx::Row;

use super::{store_error, Db};

/// What a learner's practice user granted a client, and when: the last time they
/// consented, which is when they last logged in there (OpenID Connect's `auth_time`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    pub scope: String,
    pub at: i64,
}

#[async_trait]
pub trait ConsentStore: Send + Sync {
    /// What the learner granted the client, if they did.
    async fn consent(&self, learner_id: &str, client_id: &str) -> Result<Option<Consent>, StoreError>;
    async fn save_consent(
        &self,
        learner_id: &str,
        client_id: &str,
        scope: &str,
        now: i64,
    ) -> Result<(), StoreError>;
}

#[async_trait]
impl ConsentStore for Db {
    async fn consent(&self, learner_id: &str, client_id: &str) -> Result<Option<Consent>, StoreError> {
        let row =
            sqlx::query("SELECT scope, created_at FROM consents WHERE learner_id = $1 AND client_id = $2")
                .bind(learner_id)
                .bind(client_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        row.map(|r| Ok(Consent { scope: r.try_get("scope")?, at: r.try_get("created_at")? }))
            .transpose()
            .map_err(store_error)
    }

    async fn save_consent(
        &self,
        learner_id: &str,
        client_id: &str,
        scope: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO consents (learner_id, client_id, scope, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (learner_id, client_id) DO UPDATE SET scope = excluded.scope,
             created_at = excluded.created_at",
        )
        .bind(learner_id)
        .bind(client_id)
        .bind(scope)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }
}
