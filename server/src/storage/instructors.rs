//! [`InstructorStore`] on SQLite: instructors, their sessions (by digest), their classes
//! and who joined which; the learner list reads each learner's progress (every exercise
//! in the same query) and server.

use app::services::instructor::{
    ClassRecord, ExerciseProgress, InstructorId, InstructorStore, JoinTarget, LearnerExercises, LearnerRow,
};
use app::services::store::StoreError;
use app::services::{now_unix, LearnerId};
use async_trait::async_trait;
use sqlx::Row;

use super::{store_error, Backend, Db};

#[async_trait]
impl InstructorStore for Db {
    async fn instructor_by_email(&self, email: &str) -> Result<Option<(InstructorId, String)>, StoreError> {
        let row = sqlx::query("SELECT id, password_hash FROM instructors WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.map(|r| Ok((InstructorId(r.try_get("id")?), r.try_get("password_hash")?)))
            .transpose()
            .map_err(store_error)
    }

    async fn upsert_instructor(&self, email: &str, password_hash: &str) -> Result<InstructorId, StoreError> {
        let row = sqlx::query(
            "INSERT INTO instructors (email, password_hash, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash RETURNING id",
        )
        .bind(email)
        .bind(password_hash)
        .bind(now_unix())
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        let id: i64 = row.try_get("id").map_err(store_error)?;
        // A new password signs the instructor out everywhere: the old one may have leaked.
        sqlx::query("DELETE FROM instructor_sessions WHERE instructor_id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(InstructorId(id))
    }

    async fn create_session(
        &self,
        token_sha256: &str,
        who: InstructorId,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM instructor_sessions WHERE expires_at <= $1")
            .bind(now_unix())
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO instructor_sessions (token_sha256, instructor_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(token_sha256)
        .bind(who.0)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn session(&self, token_sha256: &str, now: i64) -> Result<Option<InstructorId>, StoreError> {
        let row = sqlx::query(
            "SELECT instructor_id FROM instructor_sessions WHERE token_sha256 = $1 AND expires_at > $2",
        )
        .bind(token_sha256)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(|r| r.try_get("instructor_id").map(InstructorId)).transpose().map_err(store_error)
    }

    async fn delete_session(&self, token_sha256: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM instructor_sessions WHERE token_sha256 = $1")
            .bind(token_sha256)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn create_class(&self, who: InstructorId, class: &ClassRecord) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO classes (class_id, instructor_id, name, join_code, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&class.class_id)
            .bind(who.0)
            .bind(&class.name)
            .bind(&class.join_code)
            .bind(now_unix())
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn classes(&self, who: InstructorId) -> Result<Vec<ClassRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.class_id, c.name, c.join_code, COUNT(m.learner_id) AS learners
             FROM classes c LEFT JOIN class_members m ON m.class_id = c.class_id
             WHERE c.instructor_id = $1 GROUP BY c.class_id ORDER BY c.created_at, c.class_id",
        )
        .bind(who.0)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter()
            .map(|r| {
                Ok(ClassRecord {
                    class_id: r.try_get("class_id")?,
                    name: r.try_get("name")?,
                    join_code: r.try_get("join_code")?,
                    learners: r.try_get("learners")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(store_error)
    }

    async fn class_by_code(&self, join_code: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT class_id FROM classes WHERE join_code = $1")
            .bind(join_code)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        row.map(|r| r.try_get("class_id")).transpose().map_err(store_error)
    }

    async fn join_target(
        &self,
        learner: &LearnerId,
        join_code: &str,
    ) -> Result<Option<JoinTarget>, StoreError> {
        let row = sqlx::query(
            "SELECT c.class_id, c.name, m.class_id AS current_class
             FROM classes c LEFT JOIN class_members m ON m.learner_id = $1
             WHERE c.join_code = $2",
        )
        .bind(learner.as_str())
        .bind(join_code)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(|r| {
            Ok(JoinTarget {
                class_id: r.try_get("class_id")?,
                name: r.try_get("name")?,
                current_class: r.try_get("current_class")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| store_error(e))
    }

    async fn join_class(
        &self,
        learner: &LearnerId,
        class_id: &str,
        display_name: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO class_members (learner_id, class_id, display_name, joined_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (learner_id) DO UPDATE SET class_id = excluded.class_id,
             display_name = COALESCE(excluded.display_name, class_members.display_name)",
        )
        .bind(learner.as_str())
        .bind(class_id)
        .bind(display_name)
        .bind(now_unix())
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn learners(
        &self,
        who: InstructorId,
        class_id: Option<&str>,
    ) -> Result<Vec<LearnerRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "{} WHERE c.instructor_id = $1 AND ($2 IS NULL OR m.class_id = $3)
             ORDER BY m.joined_at, m.learner_id",
            learner_rows(self.backend)
        ))
        .bind(who.0)
        .bind(class_id)
        .bind(class_id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.iter().map(learner_row).collect::<Result<_, sqlx::Error>>().map_err(store_error)
    }

    async fn learners_page(
        &self,
        who: InstructorId,
        class_id: &str,
        search: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<LearnerRow>, u64), StoreError> {
        // `LIKE` with the search's own % and _ taken as they are.
        let pattern =
            search.map(|s| format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
        let matching = "WHERE c.instructor_id = $1 AND m.class_id = $2
                        AND ($3 IS NULL OR LOWER(m.display_name) LIKE LOWER($4) ESCAPE '\\')";
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM class_members m JOIN classes c ON c.class_id = m.class_id {matching}"
        ))
        .bind(who.0)
        .bind(class_id)
        .bind(pattern.as_deref())
        .bind(pattern.as_deref())
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        let rows = sqlx::query(&format!(
            "{} {matching} ORDER BY m.joined_at, m.learner_id LIMIT $5 OFFSET $6",
            learner_rows(self.backend)
        ))
        .bind(who.0)
        .bind(class_id)
        .bind(pattern.as_deref())
        .bind(pattern.as_deref())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        let rows = rows.iter().map(learner_row).collect::<Result<_, sqlx::Error>>().map_err(store_error)?;
        Ok((rows, u64::try_from(total).unwrap_or(0)))
    }

    async fn owns_class(&self, who: InstructorId, class_id: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM classes WHERE class_id = $1 AND instructor_id = $2")
            .bind(class_id)
            .bind(who.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(row.is_some())
    }
}

/// A learner row of an instructor's classes, with their progress in every exercise they
/// have a row for (one JSON array of `[exercise, steps_passed, completed, updated_at]`, read
/// by the same query through the progress table's primary key) and their own server; a
/// query adds its `WHERE`.
macro_rules! learner_rows {
    ($progress:literal, $server:literal) => {
        concat!(
            "SELECT m.learner_id, m.display_name, m.class_id, ",
            $progress,
            " AS progress, ",
            $server,
            " AS server
             FROM class_members m JOIN classes c ON c.class_id = m.class_id
             LEFT JOIN learner_servers s ON s.learner_id = m.learner_id"
        )
    };
}

/// The select [`learner_row`] reads, on `backend`: each learner's progress in every
/// exercise as a JSON array of `[exercise, steps_passed, completed, updated_at]`, and the
/// issuer of their own server.
fn learner_rows(backend: Backend) -> &'static str {
    backend.pick(
        learner_rows!(
            "(SELECT json_group_array(json_array(p.exercise, p.steps_passed, p.completed, p.updated_at))
              FROM progress p WHERE p.learner_id = m.learner_id)",
            "json_extract(s.choice, '$.own.metadata.issuer')"
        ),
        learner_rows!(
            "(SELECT json_agg(json_build_array(p.exercise, p.steps_passed, p.completed, p.updated_at))::text
              FROM progress p WHERE p.learner_id = m.learner_id)",
            "(s.choice::json #>> '{own,metadata,issuer}')"
        ),
    )
}

fn learner_row(r: &sqlx::any::AnyRow) -> Result<LearnerRow, sqlx::Error> {
    let progress: Option<String> = r.try_get("progress")?;
    let rows: Vec<(String, i64, i64, i64)> = match progress {
        Some(json) => serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        None => Vec::new(),
    };
    let exercises = rows
        .into_iter()
        .map(|(exercise, steps_passed, completed, updated_at)| {
            (
                exercise,
                ExerciseProgress { steps_passed, completed: completed != 0, updated_at: Some(updated_at) },
            )
        })
        .collect();
    Ok(LearnerRow {
        learner_id: r.try_get("learner_id")?,
        display_name: r.try_get("display_name")?,
        class_id: r.try_get("class_id")?,
        exercises: LearnerExercises(exercises),
        server: r.try_get("server")?,
    })
}
