//! [`JobClaims`]: periodic jobs (housekeeping) that several instances sharing one
//! database run once per period, not once each. An instance claims a job with one
//! conditional upsert, which succeeds only when the job last ran a period ago or never:
//! of two instances claiming at once, exactly one wins (PostgreSQL locks the row for the
//! second, which then sees the new time; SQLite writes one at a time).

use app::services::store::StoreError;
use async_trait::async_trait;

use super::{store_error, Db};

#[async_trait]
pub trait JobClaims: Send + Sync {
    /// Claim `job` at `now` unless it last ran less than `every` seconds ago: `true` when
    /// this caller is to run it now.
    async fn claim(&self, job: &str, now: i64, every: i64) -> Result<bool, StoreError>;
}

#[async_trait]
impl JobClaims for Db {
    async fn claim(&self, job: &str, now: i64, every: i64) -> Result<bool, StoreError> {
        let claimed = sqlx::query(
            "INSERT INTO jobs (name, last_run) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run
             WHERE jobs.last_run <= $3 RETURNING name",
        )
        .bind(job)
        .bind(now)
        .bind(now.saturating_sub(every))
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(claimed.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A job is claimed once a period, whoever asks, and by one of many asking at once.
    async fn claims_once_per_period(db: &Db) {
        assert!(db.claim("housekeeping", 10_000, 3600).await.expect("claim"), "never ran: claimed");
        assert!(!db.claim("housekeeping", 10_001, 3600).await.expect("claim"), "just ran");
        assert!(!db.claim("housekeeping", 13_599, 3600).await.expect("claim"), "not a period yet");
        assert!(db.claim("other", 13_599, 3600).await.expect("claim"), "each job its own");
        let racing: Vec<_> = (0..12)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.claim("housekeeping", 13_600, 3600).await })
            })
            .collect();
        let mut won = 0;
        for task in racing {
            won += usize::from(task.await.expect("task").expect("claim"));
        }
        assert_eq!(won, 1, "one of twelve racing claims wins");
        assert!(!db.claim("housekeeping", 13_601, 3600).await.expect("claim"));
    }

    #[tokio::test]
    async fn a_job_is_claimed_once_per_period_on_sqlite() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(&format!("sqlite:{}", dir.path().join("lab.db").display())).await.expect("open");
        claims_once_per_period(&db).await;
    }

    #[tokio::test]
    async fn a_job_is_claimed_once_per_period_on_postgres() {
        let Some(url) = crate::testing::postgres_database("jobs").await else { return };
        claims_once_per_period(&Db::open(&url).await.expect("open")).await;
    }
}
