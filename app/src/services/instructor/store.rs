//! Where instructors, their sessions and classes are kept: the [`InstructorStore`] trait
//! and the records it reads and writes. The server crate gives the SQLite version, and
//! [`crate::services::memory`] the in-memory one used by tests.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::services::store::StoreError;
use crate::services::LearnerId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstructorId(pub i64);

/// A class as its instructor sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClassSummary {
    #[cfg_attr(feature = "ssr", schema(examples("cls_q1w2e3r4t5y6")))]
    pub class_id: String,
    pub name: String,
    /// `<public URL>/join/<join code>`.
    #[cfg_attr(feature = "ssr", schema(format = Uri))]
    pub join_url: String,
    /// How many learners have joined.
    #[cfg_attr(feature = "ssr", schema(minimum = 0))]
    pub learners: i64,
}

/// A learner's progress in one exercise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ExerciseProgress {
    #[cfg_attr(feature = "ssr", schema(minimum = 0))]
    pub steps_passed: i64,
    /// True when every step passed.
    pub completed: bool,
    /// Unix seconds of the last change; null before the first.
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub updated_at: Option<i64>,
}

/// A learner's progress, by exercise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LearnerExercises {
    pub refresh: ExerciseProgress,
}

/// A learner of one of the instructor's classes, as the API lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LearnerRow {
    /// 16 base64url characters, stable and opaque; derived from the learner's cookie but
    /// not it.
    pub learner_id: String,
    /// The name the learner gave when joining, or null.
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub display_name: Option<String>,
    pub class_id: String,
    #[cfg_attr(feature = "ssr", schema(inline))]
    pub exercises: LearnerExercises,
    /// The issuer of the learner's own authorization server; null while they use the
    /// built-in practice server.
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub server: Option<String>,
}

/// The class a join code opens, and the class the learner who opened it is in now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinTarget {
    pub class_id: String,
    pub name: String,
    /// The learner's class now, when they are in one (this one or another).
    pub current_class: Option<String>,
}

/// A class row as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassRecord {
    pub class_id: String,
    pub name: String,
    pub join_code: String,
    pub learners: i64,
}

#[async_trait]
pub trait InstructorStore: Send + Sync {
    async fn instructor_by_email(&self, email: &str) -> Result<Option<(InstructorId, String)>, StoreError>;
    /// Add an instructor, or give one a new password and end all their sessions.
    async fn upsert_instructor(&self, email: &str, password_hash: &str) -> Result<InstructorId, StoreError>;
    async fn create_session(
        &self,
        token_sha256: &str,
        who: InstructorId,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    async fn session(&self, token_sha256: &str, now: i64) -> Result<Option<InstructorId>, StoreError>;
    async fn delete_session(&self, token_sha256: &str) -> Result<(), StoreError>;
    async fn create_class(&self, who: InstructorId, class: &ClassRecord) -> Result<(), StoreError>;
    async fn classes(&self, who: InstructorId) -> Result<Vec<ClassRecord>, StoreError>;
    async fn class_by_code(&self, join_code: &str) -> Result<Option<String>, StoreError>;
    /// The class with `join_code`, with the class `learner` is in now; `None` when no
    /// class has the code.
    async fn join_target(
        &self,
        learner: &LearnerId,
        join_code: &str,
    ) -> Result<Option<JoinTarget>, StoreError>;
    async fn join_class(
        &self,
        learner: &LearnerId,
        class_id: &str,
        display_name: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Learners of `who`'s classes (one class when `class_id` is given).
    async fn learners(
        &self,
        who: InstructorId,
        class_id: Option<&str>,
    ) -> Result<Vec<LearnerRow>, StoreError>;
    /// One page of a class's learners, in the order they first joined: at most `limit`
    /// after skipping `offset`, of those whose display name contains `search` (any case)
    /// when it is given; and how many match in all. Nothing when the class is not `who`'s.
    async fn learners_page(
        &self,
        who: InstructorId,
        class_id: &str,
        search: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<LearnerRow>, u64), StoreError>;
    async fn owns_class(&self, who: InstructorId, class_id: &str) -> Result<bool, StoreError>;
}
