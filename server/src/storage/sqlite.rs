use std::str::FromStr;
use std::time::Duration;

use super::store_error;
use anyhow::Context;
use app::services::store::{PracticeAppRecord, PracticeAppStore, ProgressStore, StoreError, StoredProgress};
use app::services::{now_unix, LearnerId};
use async_trait::async_trait;
use base64::Engine;
use oauthlab::exercises::refresh;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Row, SqlitePool};

/// The SQLite database.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: SqlitePool,
}

impl Db {
    /// Open (making the file and its folder when missing) and migrate.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        refuse_other_schemes(url)?;
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("cannot open database {url}: not a SQLite URL"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let path = options.get_filename().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if path.as_os_str() != ":memory:" {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot open database {url}: cannot make {}", dir.display()))?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open database {url}"))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .with_context(|| format!("cannot migrate database {url}"))?;
        Ok(Self { pool })
    }

    /// The file the database lives in, unless it is in memory.
    pub fn file_of(url: &str) -> Option<std::path::PathBuf> {
        let options = SqliteConnectOptions::from_str(url).ok()?;
        let path = options.get_filename();
        (path.as_os_str() != ":memory:" && !path.as_os_str().is_empty()).then(|| path.to_path_buf())
    }
}

/// SQLite takes `sqlite:PATH` or a bare path; an address with another scheme
/// (`postgres://…`) would otherwise be taken for a file name.
fn refuse_other_schemes(url: &str) -> anyhow::Result<()> {
    let scheme = url.split_once(':').map(|(scheme, _)| scheme).unwrap_or_default();
    let is_scheme = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if is_scheme && scheme != "sqlite" {
        anyhow::bail!(
            "cannot open database {url}: OAuth Lab stores its data in SQLite; give sqlite:PATH, \
             such as sqlite:data/oauthlab.db"
        );
    }
    Ok(())
}

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

fn app_record(row: &sqlx::sqlite::SqliteRow) -> Result<PracticeAppRecord, StoreError> {
    Ok(PracticeAppRecord {
        client_id: row.try_get("client_id").map_err(store_error)?,
        refresh_tokens_enabled: row.try_get("refresh_tokens_enabled").map_err(store_error)?,
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
        let row =
            sqlx::query("SELECT client_id, refresh_tokens_enabled FROM practice_apps WHERE learner_id = ?")
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
             WHERE learner_id = ? RETURNING client_id, refresh_tokens_enabled",
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

    async fn find_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Option<(LearnerId, PracticeAppRecord)>, StoreError> {
        let row = sqlx::query(
            "SELECT learner_id, client_id, refresh_tokens_enabled FROM practice_apps WHERE client_id = ?",
        )
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
