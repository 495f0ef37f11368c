//! [`ProgressStore`] on SQLite: a learner's progress in each exercise, one row per
//! learner and exercise. The row also keeps `steps_passed` and `completed` as columns, for
//! the instructor's dashboard. [`LearnerReads`] reads it with the learner's practice
//! application and server choice, in one query.
//!
//! Writes go through one writer task ([`ProgressWriter`]): it takes every write waiting
//! in its queue (at most [`MAX_BATCH`]), commits them in one transaction, and only then
//! answers each. Many checks share a commit, and none is acknowledged before it is in
//! the database. The queue holds at most [`MAX_QUEUED`] writes; past that, a writer
//! waits for room.

use std::collections::HashMap;

use app::services::store::{LearnerReads, LearnerState, ProgressStore, StoreError, StoredProgress};
use app::services::{now_unix, LearnerId};
use async_trait::async_trait;
use sqlx::{AnyPool, Row};
use tokio::sync::{mpsc, oneshot};

use super::{store_error, Db};

/// The most writes committed in one transaction.
pub const MAX_BATCH: usize = 128;
/// The most writes waiting for the writer task.
pub const MAX_QUEUED: usize = 1024;

/// One write of a progress row.
#[derive(Clone, Debug)]
enum Change {
    Save { state: String, steps_passed: i64, completed: bool, at: i64 },
    Reset,
}

struct Write {
    learner: String,
    exercise: String,
    change: Change,
    done: oneshot::Sender<Result<(), String>>,
}

/// The queue of the task that commits progress writes (see the module's comment).
#[derive(Clone, Debug)]
pub struct ProgressWriter {
    queue: mpsc::Sender<Write>,
}

impl std::fmt::Debug for Write {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Write").field("learner", &self.learner).field("exercise", &self.exercise).finish()
    }
}

impl ProgressWriter {
    /// Start the writer task over `pool`; it ends when the last queue handle is dropped.
    pub fn start(pool: AnyPool) -> Self {
        let (queue, waiting) = mpsc::channel(MAX_QUEUED);
        tokio::spawn(write_batches(pool, waiting));
        Self { queue }
    }

    /// Queue a change and wait until it is committed.
    async fn write(&self, learner: &LearnerId, exercise: &str, change: Change) -> Result<(), StoreError> {
        let (done, committed) = oneshot::channel();
        let write =
            Write { learner: learner.as_str().to_owned(), exercise: exercise.to_owned(), change, done };
        self.queue.send(write).await.map_err(|_| StoreError("the progress writer has stopped".into()))?;
        committed.await.map_err(|_| StoreError("the progress writer has stopped".into()))?.map_err(StoreError)
    }
}

/// The writer task: each round takes what is waiting, commits it, then answers.
async fn write_batches(pool: AnyPool, mut waiting: mpsc::Receiver<Write>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match commit(&pool, &batch).await {
            Ok(()) => {
                for write in batch.drain(..) {
                    let _ = write.done.send(Ok(()));
                }
            }
            Err(_) => {
                // One bad write must not fail the others: each alone, then.
                for write in batch.drain(..) {
                    let alone = commit(&pool, std::slice::from_ref(&write)).await;
                    let _ = write.done.send(alone.map_err(|e| e.to_string()));
                }
            }
        }
    }
}

/// Commit `writes` in one transaction: for each row, its last change.
async fn commit(pool: &AnyPool, writes: &[Write]) -> Result<(), sqlx::Error> {
    let mut last: HashMap<(&str, &str), &Change> = HashMap::with_capacity(writes.len());
    for write in writes {
        last.insert((write.learner.as_str(), write.exercise.as_str()), &write.change);
    }
    // In one order, so that two instances' batches on PostgreSQL lock shared rows in the
    // same order and never wait for each other in a circle.
    let mut last: Vec<_> = last.into_iter().collect();
    last.sort_unstable_by_key(|(key, _)| *key);
    let mut tx = pool.begin().await?;
    let mut saves = Vec::with_capacity(last.len());
    for ((learner, exercise), change) in &last {
        match change {
            Change::Reset => {
                sqlx::query("DELETE FROM progress WHERE learner_id = $1 AND exercise = $2")
                    .bind(*learner)
                    .bind(*exercise)
                    .execute(&mut *tx)
                    .await?;
            }
            Change::Save { state, steps_passed, completed, at } => {
                saves.push((*learner, *exercise, state, *steps_passed, *completed, *at))
            }
        }
    }
    if !saves.is_empty() {
        let sql = upsert_sql(saves.len());
        let mut insert = sqlx::query(&sql).persistent(false);
        for (learner, exercise, state, steps_passed, completed, at) in saves {
            insert = insert
                .bind(learner)
                .bind(exercise)
                .bind(state.as_str())
                .bind(steps_passed)
                .bind(i64::from(completed))
                .bind(at);
        }
        insert.execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// The upsert of `rows` progress rows: `$1…$6` for the first, `$7…$12` for the next.
/// (sqlx's query builder writes `?` for the Any driver, which PostgreSQL does not take.)
fn upsert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO progress (learner_id, exercise, state, steps_passed, completed, updated_at) VALUES ",
    );
    for row in 0..rows {
        let n = row * 6;
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("(${}, ${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5, n + 6));
    }
    sql.push_str(
        " ON CONFLICT (learner_id, exercise) DO UPDATE SET
           state = excluded.state, steps_passed = excluded.steps_passed,
           completed = excluded.completed, updated_at = excluded.updated_at",
    );
    sql
}

fn progress_of(state: &str) -> Result<StoredProgress, StoreError> {
    serde_json::from_str(state).map_err(|e| StoreError(format!("bad progress row: {e}")))
}

#[async_trait]
impl ProgressStore for Db {
    async fn load(&self, learner: &LearnerId, exercise: &str) -> Result<StoredProgress, StoreError> {
        let row = sqlx::query("SELECT state FROM progress WHERE learner_id = $1 AND exercise = $2")
            .bind(learner.as_str())
            .bind(exercise)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        match row {
            None => Ok(StoredProgress::default()),
            Some(row) => progress_of(&row.try_get::<String, _>("state").map_err(store_error)?),
        }
    }

    async fn save(
        &self,
        learner: &LearnerId,
        exercise: &str,
        progress: &StoredProgress,
    ) -> Result<(), StoreError> {
        let state = serde_json::to_string(progress).map_err(|e| StoreError(e.to_string()))?;
        let steps_passed = i64::try_from(progress.steps_passed()).unwrap_or(i64::MAX);
        let completed = progress.completed(exercise);
        let change = Change::Save { state, steps_passed, completed, at: now_unix() };
        self.progress_writer.write(learner, exercise, change).await
    }

    async fn reset(&self, learner: &LearnerId, exercise: &str) -> Result<(), StoreError> {
        self.progress_writer.write(learner, exercise, Change::Reset).await
    }
}

#[async_trait]
impl LearnerReads for Db {
    async fn learner_state(&self, learner: &LearnerId, exercise: &str) -> Result<LearnerState, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT (SELECT state FROM progress WHERE learner_id = $1 AND exercise = $2) AS state,
                    (SELECT choice FROM learner_servers WHERE learner_id = $1) AS choice,
                    {}
             FROM (SELECT 1) AS one LEFT JOIN practice_apps a ON a.learner_id = $1",
            super::apps::app_columns(self.backend)
        ))
        .bind(learner.as_str())
        .bind(exercise)
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        let progress = match row.try_get::<Option<String>, _>("state").map_err(store_error)? {
            None => StoredProgress::default(),
            Some(state) => progress_of(&state)?,
        };
        let choice = match row.try_get::<Option<String>, _>("choice").map_err(store_error)? {
            None => Default::default(),
            Some(choice) => super::servers::choice_of(&choice)?,
        };
        // None also for an application made before its public and service clients: the
        // services then make them (`get_or_create`).
        let app = super::apps::app_record(&row)?;
        Ok(LearnerState { progress, app, choice })
    }
}
