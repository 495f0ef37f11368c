//! Forgetting learners: [`LearnerHousekeeping`] for [`Db`]. A learner is only rows keyed
//! by their id (progress, practice application, server choice, consents, codes, tokens);
//! one whose newest row is older than the cut-off, and who is in no class, is removed
//! with all of them.

use app::services::store::StoreError;
use async_trait::async_trait;

use super::{store_error, Db};

#[async_trait]
pub trait LearnerHousekeeping: Send + Sync {
    /// Remove every learner not in a class whose last activity is before `idle_before`
    /// (Unix seconds), with their rows. The number of learners removed.
    async fn forget_idle_learners(&self, idle_before: i64) -> Result<u64, StoreError>;
}

/// Every learner's activity: the times of all rows that carry their id.
const ACTIVITY: &str = "
    SELECT learner_id, updated_at AS at FROM progress
    UNION ALL SELECT learner_id, updated_at FROM practice_apps
    UNION ALL SELECT learner_id, updated_at FROM learner_servers
    UNION ALL SELECT learner_id, created_at FROM consents
    UNION ALL SELECT learner_id, created_at FROM auth_codes
    UNION ALL SELECT learner_id, issued_at FROM tokens";

/// The tables whose rows belong to one learner.
const LEARNER_TABLES: [&str; 6] =
    ["progress", "practice_apps", "learner_servers", "consents", "auth_codes", "tokens"];

#[async_trait]
impl LearnerHousekeeping for Db {
    async fn forget_idle_learners(&self, idle_before: i64) -> Result<u64, StoreError> {
        // One transaction, one connection: the list of idle learners is a temporary table.
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        sqlx::query("DROP TABLE IF EXISTS temp.idle_learners")
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        sqlx::query(&format!(
            "CREATE TEMP TABLE idle_learners AS
             SELECT learner_id FROM ({ACTIVITY}) GROUP BY learner_id HAVING MAX(at) < ?
             EXCEPT SELECT learner_id FROM class_members"
        ))
        .bind(idle_before)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let (idle,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM temp.idle_learners")
            .fetch_one(&mut *tx)
            .await
            .map_err(store_error)?;
        for table in LEARNER_TABLES {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE learner_id IN (SELECT learner_id FROM temp.idle_learners)"
            ))
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        sqlx::query("DROP TABLE temp.idle_learners").execute(&mut *tx).await.map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(u64::try_from(idle).unwrap_or(0))
    }
}
