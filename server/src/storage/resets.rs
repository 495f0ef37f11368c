//! [`RecentResets`] in the database (`instructor_resets`): every instance's dashboard says
//! "reset just now" alike.
//!
//! Bounded: a record gives its row a new `seq` (delete, then insert) and, right after,
//! deletes the rows more than [`MAX_RESETS`] behind it (the reset recorded
//! longest ago goes first, one range delete on the primary key); the hourly housekeeping
//! forgets resets older than [`RESETS_KEPT_FOR`] ([`forget_old`]).

use std::collections::HashMap;

use app::services::instructor::{InstructorId, RecentResets, MAX_RESETS, RESETS_KEPT_FOR};
use app::services::store::StoreError;
use async_trait::async_trait;
use sqlx::Row;

use super::{store_error, Db};

/// The most learner ids asked about in one query (a dashboard page has far fewer).
const IDS_PER_QUERY: usize = 200;

/// Record a reset, keeping at most `cap` rows.
async fn record_capped(
    db: &Db,
    who: InstructorId,
    learner_id: &str,
    at: i64,
    cap: usize,
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await.map_err(store_error)?;
    sqlx::query("DELETE FROM instructor_resets WHERE instructor_id = $1 AND learner_id = $2")
        .bind(who.0)
        .bind(learner_id)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
    let row = sqlx::query(
        "INSERT INTO instructor_resets (instructor_id, learner_id, reset_at) VALUES ($1, $2, $3)
         ON CONFLICT (instructor_id, learner_id) DO UPDATE SET reset_at = excluded.reset_at
         RETURNING seq",
    )
    .bind(who.0)
    .bind(learner_id)
    .bind(at)
    .fetch_one(&mut *tx)
    .await
    .map_err(store_error)?;
    let seq: i64 = row.try_get("seq").map_err(store_error)?;
    tx.commit().await.map_err(store_error)?;
    // After the commit, on its own: no transaction holds a row while it waits on a trim.
    sqlx::query("DELETE FROM instructor_resets WHERE seq <= $1")
        .bind(seq.saturating_sub(i64::try_from(cap).unwrap_or(i64::MAX).max(1)))
        .execute(&db.pool)
        .await
        .map_err(store_error)?;
    Ok(())
}

#[async_trait]
impl RecentResets for Db {
    async fn record(&self, who: InstructorId, learner_id: &str, at: i64) -> Result<(), StoreError> {
        record_capped(self, who, learner_id, at, MAX_RESETS).await
    }

    async fn last_of(
        &self,
        who: InstructorId,
        learner_ids: &[&str],
    ) -> Result<HashMap<String, i64>, StoreError> {
        let mut found = HashMap::new();
        for ids in learner_ids.chunks(IDS_PER_QUERY) {
            let places: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT learner_id, reset_at FROM instructor_resets
                 WHERE instructor_id = $1 AND learner_id IN ({})",
                places.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(who.0);
            for id in ids {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&self.pool).await.map_err(store_error)? {
                let id: String = row.try_get("learner_id").map_err(store_error)?;
                found.insert(id, row.try_get::<i64, _>("reset_at").map_err(store_error)?);
            }
        }
        Ok(found)
    }
}

/// Forget the resets older than [`RESETS_KEPT_FOR`] at `now`: the number forgotten.
pub(super) async fn forget_old(db: &Db, now: i64) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM instructor_resets WHERE reset_at < $1")
        .bind(now - RESETS_KEPT_FOR)
        .execute(&db.pool)
        .await
        .map_err(store_error)?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_table_keeps_at_most_its_cap_and_the_latest_resets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(&format!("sqlite:{}", dir.path().join("lab.db").display())).await.expect("open");
        let ada = InstructorId(1);
        for n in 0..50 {
            record_capped(&db, ada, &format!("learner{n}"), 1_000 + n, 10).await.expect("record");
        }
        // Reset again: the oldest kept becomes the newest, and the table stays at its cap.
        record_capped(&db, ada, "learner40", 2_000, 10).await.expect("record");
        record_capped(&db, ada, "learner50", 2_001, 10).await.expect("record");
        let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM instructor_resets")
            .fetch_one(&db.pool)
            .await
            .expect("count");
        assert_eq!(rows, 10);
        let ids = ["learner49", "learner42", "learner41", "learner40", "learner39"];
        let found = db.last_of(ada, &ids).await.expect("last");
        assert_eq!(found.get("learner49"), Some(&1_049));
        assert_eq!(found.get("learner42"), Some(&1_042));
        assert_eq!(found.get("learner40"), Some(&2_000), "kept: reset again since");
        assert_eq!(found.get("learner41"), None, "the oldest went first");
        assert_eq!(found.get("learner39"), None);
    }
}
