//! [`ServerChoiceStore`] on SQLite: which authorization server each learner works against.

use app::services::store::{ServerChoice, ServerChoiceStore, StoreError};
use app::services::{now_unix, LearnerId};
use async_trait::async_trait;
use sqlx::Row;

use super::{store_error, Db};

/// A `learner_servers` row's choice, from its JSON.
pub(super) fn choice_of(json: &str) -> Result<ServerChoice, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError(format!("bad learner_servers row: {e}")))
}

#[async_trait]
impl ServerChoiceStore for Db {
    async fn load(&self, learner: &LearnerId) -> Result<ServerChoice, StoreError> {
        let row = sqlx::query("SELECT choice FROM learner_servers WHERE learner_id = $1")
            .bind(learner.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        match row {
            None => Ok(ServerChoice::default()),
            Some(row) => choice_of(&row.try_get::<String, _>("choice").map_err(store_error)?),
        }
    }

    async fn save(&self, learner: &LearnerId, choice: &ServerChoice) -> Result<(), StoreError> {
        if *choice == ServerChoice::default() {
            sqlx::query("DELETE FROM learner_servers WHERE learner_id = $1")
                .bind(learner.as_str())
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
            return Ok(());
        }
        let json = serde_json::to_string(choice).map_err(|e| StoreError(e.to_string()))?;
        sqlx::query(
            "INSERT INTO learner_servers (learner_id, choice, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (learner_id) DO UPDATE SET choice = excluded.choice, updated_at = excluded.updated_at",
        )
        .bind(learner.as_str())
        .bind(json)
        .bind(now_unix())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }
}
