//! Where instructors, their sessions and classes are kept: the [`InstructorStore`] trait
//! and the records it reads and writes. The server crate gives the SQLite version, and
//! [`crate::services::memory`] the in-memory one used by tests.

use std::collections::BTreeMap;

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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// A learner's progress, by exercise slug: a JSON object such as `{"refresh": {...}}`.
/// A store gives the exercises the learner has a progress row for, whatever their slug;
/// the instructor service gives [`LearnerExercises::offered`]: one entry per exercise the
/// site offers, nothing yet for one not started, no other.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LearnerExercises(pub BTreeMap<String, ExerciseProgress>);

impl LearnerExercises {
    /// The progress in the exercise `slug`: nothing yet when there is none.
    pub fn of(&self, slug: &str) -> ExerciseProgress {
        self.0.get(slug).cloned().unwrap_or_default()
    }

    /// Each exercise of `oauthlab::exercises::catalog()`, with its progress or nothing yet;
    /// progress in an exercise the site does not offer is left out.
    pub fn offered(mut self) -> Self {
        Self(
            oauthlab::exercises::catalog()
                .into_iter()
                .map(|e| (e.slug.to_owned(), self.0.remove(e.slug).unwrap_or_default()))
                .collect(),
        )
    }

    /// The learner's last change in any exercise.
    pub fn updated_at(&self) -> Option<i64> {
        self.0.values().filter_map(|p| p.updated_at).max()
    }
}

/// The schema of [`LearnerExercises`]: an object of [`ExerciseProgress`] values, one
/// property for each exercise the site offers (more may come: any other is one too).
#[cfg(feature = "ssr")]
impl utoipa::PartialSchema for LearnerExercises {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
        use utoipa::openapi::Ref;
        let progress = || Ref::from_schema_name("ExerciseProgress");
        let mut object = ObjectBuilder::new().schema_type(Type::Object).description(Some(
            "A learner's progress, by exercise slug: one entry for each exercise the site offers \
             (`GET /api/v1/exercises`), `{\"steps_passed\": 0, \"completed\": false, \"updated_at\": null}` \
             for one not started.",
        ));
        for exercise in oauthlab::exercises::catalog() {
            object = object.property(exercise.slug, progress()).required(exercise.slug);
        }
        object.additional_properties(Some(AdditionalProperties::RefOr(progress().into()))).into()
    }
}

#[cfg(feature = "ssr")]
impl utoipa::ToSchema for LearnerExercises {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        schemas.push(("ExerciseProgress".to_owned(), <ExerciseProgress as utoipa::PartialSchema>::schema()));
        <ExerciseProgress as utoipa::ToSchema>::schemas(schemas);
    }
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
    /// Learners of `who`'s classes (one class when `class_id` is given), each with their
    /// progress in every exercise they have a row for, whatever its slug (read with the
    /// learners, not one query per learner or exercise).
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

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(steps_passed: i64, updated_at: i64) -> ExerciseProgress {
        ExerciseProgress { steps_passed, completed: false, updated_at: Some(updated_at) }
    }

    #[test]
    fn a_learner_s_exercises_are_every_offered_one_and_no_other() {
        let catalog = oauthlab::exercises::catalog();
        // A row for each offered exercise but the first, and one for an exercise not offered.
        let mut stored: BTreeMap<String, ExerciseProgress> = catalog
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, e)| (e.slug.to_owned(), progress(i as i64, 100 + i as i64)))
            .collect();
        stored.insert("implicit".into(), progress(2, 1_000));
        stored.insert("getting-started-2".into(), progress(1, 1_000));
        let offered = LearnerExercises(stored.clone()).offered();
        assert_eq!(
            offered.0.keys().map(String::as_str).collect::<std::collections::BTreeSet<_>>(),
            catalog.iter().map(|e| e.slug).collect(),
            "one entry per offered exercise"
        );
        for (i, e) in catalog.iter().enumerate() {
            let want = stored.get(e.slug).cloned().unwrap_or_default();
            assert_eq!(offered.of(e.slug), want, "{}", e.slug);
            if i == 0 {
                assert_eq!(want, ExerciseProgress { steps_passed: 0, completed: false, updated_at: None });
            }
        }
        assert_eq!(offered.of("implicit"), ExerciseProgress::default(), "not offered: left out");
        assert_eq!(
            offered.updated_at(),
            catalog.len().checked_sub(1).filter(|n| *n > 0).map(|n| 100 + n as i64),
            "the last change among the offered exercises"
        );
    }

    #[test]
    fn a_learner_s_exercises_are_a_json_object_keyed_by_slug() {
        let exercises = LearnerExercises(BTreeMap::from([
            (
                "refresh".to_owned(),
                ExerciseProgress { steps_passed: 3, completed: false, updated_at: Some(7) },
            ),
            ("getting-started".to_owned(), ExerciseProgress::default()),
        ]));
        let json = serde_json::to_value(&exercises).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "refresh": {"steps_passed": 3, "completed": false, "updated_at": 7},
                "getting-started": {"steps_passed": 0, "completed": false, "updated_at": null},
            })
        );
        assert_eq!(serde_json::from_value::<LearnerExercises>(json).expect("back"), exercises);
    }
}
