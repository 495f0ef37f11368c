//! The exercises, one file each.

pub mod refresh;

use serde::{Deserialize, Serialize};

/// How a step looks on the page and in the API, in every exercise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Locked,
    Current,
    Passed,
}

/// The status of each of `count` steps when the first `passed` have passed, in order.
pub fn statuses_of(count: usize, passed: usize) -> Vec<StepStatus> {
    (0..count)
        .map(|i| match i.cmp(&passed) {
            std::cmp::Ordering::Less => StepStatus::Passed,
            std::cmp::Ordering::Equal => StepStatus::Current,
            std::cmp::Ordering::Greater => StepStatus::Locked,
        })
        .collect()
}

/// A step of an exercise as listed by `GET /api/v1/exercises`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepInfo {
    #[cfg_attr(feature = "openapi", schema(examples("verifier")))]
    pub id: &'static str,
    #[cfg_attr(feature = "openapi", schema(examples("Code verifier")))]
    pub title: &'static str,
}

/// An exercise as listed on the home page and by `GET /api/v1/exercises`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ExerciseListItem))]
pub struct ExerciseInfo {
    #[cfg_attr(feature = "openapi", schema(examples("refresh")))]
    pub slug: &'static str,
    #[cfg_attr(feature = "openapi", schema(examples("Refresh Tokens")))]
    pub title: &'static str,
    #[serde(skip)]
    pub summary: &'static str,
    #[serde(skip)]
    pub minutes: u32,
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub steps: Vec<StepInfo>,
}

/// Every exercise the site offers, in the order the home page lists them.
pub fn catalog() -> Vec<ExerciseInfo> {
    vec![refresh::info()]
}
