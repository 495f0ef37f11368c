//! Forgetting learners: [`LearnerHousekeeping`] for [`Db`]. A learner is only rows keyed
//! by their id (progress, practice application, server choice, consents, codes, tokens);
//! one whose newest row is older than the cut-off, and who is in no class, is removed
//! with all of them.
//!
//! Short-lived rows go too ([`LearnerHousekeeping::forget_short_lived`]): expired page
//! views, login attempts and throttle keys that left the window, resets long past.

use app::services::store::StoreError;
use async_trait::async_trait;

use super::{store_error, Db};

#[async_trait]
pub trait LearnerHousekeeping: Send + Sync {
    /// Remove every learner not in a class whose last activity is before `idle_before`
    /// (Unix seconds), with their rows. The number of learners removed.
    async fn forget_idle_learners(&self, idle_before: i64) -> Result<u64, StoreError>;
    /// Delete what is kept only for a while, as of `now`: expired page views, login
    /// attempts and keys out of the throttle's window, old resets. The rows deleted.
    async fn forget_short_lived(&self, now: i64) -> Result<u64, StoreError>;
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

/// The learners to forget: their newest row is older than the cut-off (`$1`), and they
/// are in no class.
fn idle_learners() -> String {
    format!(
        "SELECT learner_id FROM ({ACTIVITY}) AS activity GROUP BY learner_id HAVING MAX(at) < $1
         EXCEPT SELECT learner_id FROM class_members"
    )
}

#[async_trait]
impl LearnerHousekeeping for Db {
    async fn forget_idle_learners(&self, idle_before: i64) -> Result<u64, StoreError> {
        let (idle,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM ({}) AS idle", idle_learners()))
            .bind(idle_before)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        // One short statement per table, each judging idleness again, so no transaction
        // holds the database while the others wait. Removing a learner's rows only makes
        // them more idle, so each statement removes the same learners (and one who came
        // back in between is kept).
        for table in LEARNER_TABLES {
            sqlx::query(&format!("DELETE FROM {table} WHERE learner_id IN ({})", idle_learners()))
                .bind(idle_before)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
        }
        Ok(u64::try_from(idle).unwrap_or(0))
    }

    async fn forget_short_lived(&self, now: i64) -> Result<u64, StoreError> {
        let page_views = super::page_views::forget_expired(self, now).await?;
        let attempts = super::throttle::forget_old(self, now).await?;
        let resets = super::resets::forget_old(self, now).await?;
        Ok(page_views + attempts + resets)
    }
}
