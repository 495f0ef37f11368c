//! [`ProgressStore`] on SQLite: a learner's progress in each exercise, one row per
//! learner and exercise. The row also keeps `steps_passed` and `completed` as columns, for
//! the instructor's dashboard.

use app::services::store::{ProgressStore, StoreError, StoredProgress};
use app::services::{now_unix, LearnerId};
use async_trait::async_trait;
use oauthlab::exercises::refresh;
use sqlx::Row;

use super::{store_error, Db};

#[async_trait]
impl ProgressStore for Db {
    async fn load(&self, learner: &LearnerId, exercise: &str) -> Result<StoredProgress, StoreError> {
        let row = sqlx::query("SELECT state FROM progress WHERE learner_id = ? AND exercise = ?")
            .bind(learner.as_str())
            .bind(exercise)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        match row {
            None => Ok(StoredProgress::default()),
            Some(row) => {
                let state: String = row.try_get("state").map_err(store_error)?;
                serde_json::from_str(&state).map_err(|e| StoreError(format!("bad progress row: {e}")))
            }
        }
    }

    async fn save(
        &self,
        learner: &LearnerId,
        exercise: &str,
        progress: &StoredProgress,
    ) -> Result<(), StoreError> {
        let state = serde_json::to_string(progress).map_err(|e| StoreError(e.to_string()))?;
        let steps_passed = i64::try_from(progress.progress.steps_passed).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO progress (learner_id, exercise, state, steps_passed, completed, updated_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (learner_id, exercise) DO UPDATE SET
               state = excluded.state, steps_passed = excluded.steps_passed,
               completed = excluded.completed, updated_at = excluded.updated_at",
        )
        .bind(learner.as_str())
        .bind(exercise)
        .bind(state)
        .bind(steps_passed)
        .bind(refresh::completed(&progress.progress))
        .bind(now_unix())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn reset(&self, learner: &LearnerId, exercise: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM progress WHERE learner_id = ? AND exercise = ?")
            .bind(learner.as_str())
            .bind(exercise)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
