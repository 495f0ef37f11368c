//! [`PracticeAppStore`] on SQLite: each learner's application on the practice server.
//! Its client secret is derived from the client id, never stored.

use app::services::store::{IdTokenAlg, PracticeAppRecord, PracticeAppStore, StoreError};
use app::services::{now_unix, LearnerId};
use async_trait::async_trait;
use base64::Engine;
use sqlx::Row;

use super::{store_error, Db};

/// The columns [`app_record`] reads.
const COLUMNS: &str = "client_id, refresh_tokens_enabled, id_token_alg";

pub(super) fn app_record(row: &sqlx::sqlite::SqliteRow) -> Result<PracticeAppRecord, StoreError> {
    let alg: String = row.try_get("id_token_alg").map_err(store_error)?;
    Ok(PracticeAppRecord {
        client_id: row.try_get("client_id").map_err(store_error)?,
        refresh_tokens_enabled: row.try_get("refresh_tokens_enabled").map_err(store_error)?,
        id_token_alg: IdTokenAlg::parse(&alg)
            .ok_or_else(|| StoreError(format!("unknown id_token_alg {alg:?}")))?,
    })
}

/// A new client id: `lab_` and 16 random bytes in base64url.
fn new_client_id() -> String {
    let bytes: [u8; 16] = rand::random();
    format!("lab_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[async_trait]
impl PracticeAppStore for Db {
    async fn get_or_create(&self, learner: &LearnerId) -> Result<PracticeAppRecord, StoreError> {
        // Read first: the application exists on every request but a learner's first, and
        // a read takes no write lock.
        let existing = sqlx::query(&format!("SELECT {COLUMNS} FROM practice_apps WHERE learner_id = ?"))
            .bind(learner.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        if let Some(row) = existing {
            return app_record(&row);
        }
        let now = now_unix();
        sqlx::query(
            "INSERT INTO practice_apps (learner_id, client_id, refresh_tokens_enabled, created_at, updated_at)
             VALUES (?, ?, 0, ?, ?) ON CONFLICT (learner_id) DO NOTHING",
        )
        .bind(learner.as_str())
        .bind(new_client_id())
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM practice_apps WHERE learner_id = ?"))
            .bind(learner.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        app_record(&row)
    }

    async fn set_refresh_tokens(
        &self,
        learner: &LearnerId,
        enabled: bool,
    ) -> Result<PracticeAppRecord, StoreError> {
        let row = sqlx::query(
            "UPDATE practice_apps SET refresh_tokens_enabled = ?, updated_at = ?
             WHERE learner_id = ? RETURNING client_id, refresh_tokens_enabled, id_token_alg",
        )
        .bind(enabled)
        .bind(now_unix())
        .bind(learner.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .ok_or_else(|| StoreError("no practice application to update".into()))?;
        app_record(&row)
    }

    async fn set_id_token_alg(
        &self,
        learner: &LearnerId,
        alg: IdTokenAlg,
    ) -> Result<PracticeAppRecord, StoreError> {
        let row = sqlx::query(&format!(
            "UPDATE practice_apps SET id_token_alg = ?, updated_at = ? WHERE learner_id = ? RETURNING {COLUMNS}"
        ))
        .bind(alg.as_str())
        .bind(now_unix())
        .bind(learner.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?
        .ok_or_else(|| StoreError("no practice application to update".into()))?;
        app_record(&row)
    }

    async fn find_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Option<(LearnerId, PracticeAppRecord)>, StoreError> {
        let row =
            sqlx::query(&format!("SELECT learner_id, {COLUMNS} FROM practice_apps WHERE client_id = ?"))
                .bind(client_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        match row {
            None => Ok(None),
            Some(row) => {
                let learner: String = row.try_get("learner_id").map_err(store_error)?;
                Ok(Some((LearnerId(learner), app_record(&row)?)))
            }
        }
    }
}
