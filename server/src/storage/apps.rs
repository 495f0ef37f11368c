//! [`PracticeAppStore`] on SQLite: each learner's application on the practice server, with
//! its three clients (web, public, service). Client secrets are derived from the client
//! ids, never stored.

use app::services::store::{
    IdTokenAlg, PracticeAppRecord, PracticeAppStore, StoreError, MAX_ALLOWED_ORIGINS,
};
use app::services::{now_unix, LearnerId};
use async_trait::async_trait;
use base64::Engine;
use oauthlab::exercises::client_credentials::ClientKind;
use sqlx::Row;

use super::{flag, store_error, Backend, Db};

/// The columns [`app_record`] reads, from `practice_apps a`, given how the backend
/// aggregates the allowed origins into a JSON array in order.
macro_rules! app_columns {
    ($origins:literal) => {
        concat!(
            "a.learner_id, a.client_id, a.refresh_tokens_enabled, a.public_client_id,
             a.service_client_id, a.origins_edited, a.id_token_alg, ",
            $origins,
            " AS origins"
        )
    };
}

/// The columns [`app_record`] reads, on `backend`.
pub(crate) fn app_columns(backend: Backend) -> &'static str {
    backend.pick(
        app_columns!(
            "(SELECT json_group_array(origin) FROM (SELECT origin FROM practice_app_origins o
              WHERE o.learner_id = a.learner_id ORDER BY position))"
        ),
        app_columns!(
            "(SELECT json_agg(origin ORDER BY position)::text FROM practice_app_origins o
              WHERE o.learner_id = a.learner_id)"
        ),
    )
}

/// The application of a row with [`APP_COLUMNS`]; `None` when it has no public or service
/// client id yet (made before they existed).
pub(crate) fn app_record(row: &sqlx::any::AnyRow) -> Result<Option<PracticeAppRecord>, StoreError> {
    let public: Option<String> = row.try_get("public_client_id").map_err(store_error)?;
    let service: Option<String> = row.try_get("service_client_id").map_err(store_error)?;
    let (Some(public_client_id), Some(service_client_id)) = (public, service) else {
        return Ok(None);
    };
    let edited = flag(row, "origins_edited").map_err(store_error)?;
    let origins = if edited {
        let json: Option<String> = row.try_get("origins").map_err(store_error)?;
        let list: Vec<String> = serde_json::from_str(json.as_deref().unwrap_or("[]"))
            .map_err(|e| StoreError(format!("bad allowed origins: {e}")))?;
        Some(list)
    } else {
        None
    };
    let alg: String = row.try_get("id_token_alg").map_err(store_error)?;
    Ok(Some(PracticeAppRecord {
        client_id: row.try_get("client_id").map_err(store_error)?,
        refresh_tokens_enabled: flag(row, "refresh_tokens_enabled").map_err(store_error)?,
        public_client_id,
        service_client_id,
        origins,
        id_token_alg: IdTokenAlg::parse(&alg)
            .ok_or_else(|| StoreError(format!("unknown id_token_alg {alg:?}")))?,
    }))
}

/// A new client id: `lab_` and 16 random bytes in base64url. The three clients' ids look
/// alike: only the store says which one an id is.
fn new_client_id() -> String {
    let bytes: [u8; 16] = rand::random();
    format!("lab_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

impl Db {
    async fn read_app(&self, learner: &LearnerId) -> Result<Option<sqlx::any::AnyRow>, StoreError> {
        sqlx::query(&format!("SELECT {} FROM practice_apps a WHERE a.learner_id = $1", app_columns(self.backend)))
            .bind(learner.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn app_of(&self, learner: &LearnerId) -> Result<PracticeAppRecord, StoreError> {
        let row =
            self.read_app(learner).await?.ok_or_else(|| StoreError("no practice application".into()))?;
        app_record(&row)?.ok_or_else(|| StoreError("practice application without its clients".into()))
    }
}

#[async_trait]
impl PracticeAppStore for Db {
    async fn get_or_create(&self, learner: &LearnerId) -> Result<PracticeAppRecord, StoreError> {
        // Read first: the application exists on every request but a learner's first, and
        // a read takes no write lock.
        if let Some(row) = self.read_app(learner).await? {
            if let Some(app) = app_record(&row)? {
                return Ok(app);
            }
            // Made before the public and service clients existed: they get ids now (once:
            // a concurrent first read keeps the ids the other one gave).
            sqlx::query(
                "UPDATE practice_apps SET public_client_id = COALESCE(public_client_id, $1),
                 service_client_id = COALESCE(service_client_id, $2), updated_at = $3 WHERE learner_id = $4",
            )
            .bind(new_client_id())
            .bind(new_client_id())
            .bind(now_unix())
            .bind(learner.as_str())
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
            return self.app_of(learner).await;
        }
        let now = now_unix();
        sqlx::query(
            "INSERT INTO practice_apps (learner_id, client_id, refresh_tokens_enabled, public_client_id,
             service_client_id, created_at, updated_at)
             VALUES ($1, $2, 0, $3, $4, $5, $6) ON CONFLICT (learner_id) DO NOTHING",
        )
        .bind(learner.as_str())
        .bind(new_client_id())
        .bind(new_client_id())
        .bind(new_client_id())
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        self.app_of(learner).await
    }

    async fn set_refresh_tokens(
        &self,
        learner: &LearnerId,
        enabled: bool,
    ) -> Result<PracticeAppRecord, StoreError> {
        let done = sqlx::query(
            "UPDATE practice_apps SET refresh_tokens_enabled = $1, updated_at = $2 WHERE learner_id = $3",
        )
        .bind(i64::from(enabled))
        .bind(now_unix())
        .bind(learner.as_str())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError("no practice application to update".into()));
        }
        self.get_or_create(learner).await
    }

    async fn set_id_token_alg(
        &self,
        learner: &LearnerId,
        alg: IdTokenAlg,
    ) -> Result<PracticeAppRecord, StoreError> {
        let done =
            sqlx::query("UPDATE practice_apps SET id_token_alg = $1, updated_at = $2 WHERE learner_id = $3")
                .bind(alg.as_str())
                .bind(now_unix())
                .bind(learner.as_str())
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError("no practice application to update".into()));
        }
        self.get_or_create(learner).await
    }

    async fn find_client(
        &self,
        client_id: &str,
    ) -> Result<Option<(LearnerId, PracticeAppRecord, ClientKind)>, StoreError> {
        // Each id column is unique and indexed: three indexed lookups in one statement.
        let row = sqlx::query(&format!(
            "SELECT {} FROM practice_apps a
             WHERE a.client_id = $1 OR a.public_client_id = $1 OR a.service_client_id = $1 LIMIT 1",
            app_columns(self.backend)
        ))
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        let learner: String = row.try_get("learner_id").map_err(store_error)?;
        let learner = LearnerId(learner);
        let app = match app_record(&row)? {
            Some(app) => app,
            // The web client of an application made before the others: give them ids.
            None => self.get_or_create(&learner).await?,
        };
        Ok(app.kind_of(client_id).map(|kind| (learner, app, kind)))
    }

    async fn set_allowed_origins(
        &self,
        learner: &LearnerId,
        origins: &[String],
    ) -> Result<PracticeAppRecord, StoreError> {
        let mut kept: Vec<&String> = Vec::new();
        for origin in origins {
            if kept.len() < MAX_ALLOWED_ORIGINS && !kept.contains(&origin) {
                kept.push(origin);
            }
        }
        let mut tx = self.pool.begin().await.map_err(store_error)?;
        let done =
            sqlx::query("UPDATE practice_apps SET origins_edited = 1, updated_at = $1 WHERE learner_id = $2")
                .bind(now_unix())
                .bind(learner.as_str())
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError("no practice application to update".into()));
        }
        sqlx::query("DELETE FROM practice_app_origins WHERE learner_id = $1")
            .bind(learner.as_str())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        for (position, origin) in kept.iter().enumerate() {
            sqlx::query("INSERT INTO practice_app_origins (learner_id, position, origin) VALUES ($1, $2, $3)")
                .bind(learner.as_str())
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(origin.as_str())
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        self.app_of(learner).await
    }

    async fn origin_allowed(&self, origin: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS found FROM (SELECT 1 FROM practice_app_origins WHERE origin = $1 LIMIT 1) AS one")
            .bind(origin)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(row.try_get::<i64, _>("found").map_err(store_error)? > 0)
    }
}

#[cfg(test)]
mod tests {
    use app::services::store::PracticeAppStore;
    use app::services::LearnerId;
    use oauthlab::exercises::client_credentials::ClientKind;

    use crate::storage::Db;

    /// An application made before the public and service clients existed gets their ids on
    /// first read, whichever read comes first, and keeps them.
    #[tokio::test]
    async fn an_application_from_before_the_three_clients_gets_ids_on_first_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(&format!("sqlite:{}", dir.path().join("lab.db").display())).await.expect("open");
        for (learner, client) in [("ada", "lab_old_a"), ("bob", "lab_old_b")] {
            sqlx::query(
                "INSERT INTO practice_apps (learner_id, client_id, refresh_tokens_enabled, created_at, updated_at)
                 VALUES ($1, $2, 1, 100, 100)",
            )
            .bind(learner)
            .bind(client)
            .execute(&db.pool)
            .await
            .expect("an old row");
        }
        let ada = LearnerId("ada".into());
        let app = db.get_or_create(&ada).await.expect("read");
        assert_eq!((app.client_id.as_str(), app.refresh_tokens_enabled), ("lab_old_a", true), "kept");
        assert!(app.public_client_id.starts_with("lab_") && app.service_client_id.starts_with("lab_"));
        assert_ne!(app.public_client_id, app.service_client_id);
        assert_eq!(db.get_or_create(&ada).await.expect("again"), app, "the same ids after");
        // The web client's id, looked up first, gives the others their ids too.
        let (learner, bobs, kind) = db.find_client("lab_old_b").await.expect("find").expect("found");
        assert_eq!((learner.as_str(), kind), ("bob", ClientKind::Web));
        assert!(bobs.public_client_id.starts_with("lab_"));
        let public = db.find_client(&bobs.public_client_id).await.expect("find").map(|f| f.2);
        assert_eq!(public, Some(ClientKind::Public));
    }
}
