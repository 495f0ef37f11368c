//! The exercises, one file each.

pub mod refresh;

use serde::Serialize;

/// A step of an exercise as listed by `GET /api/v1/exercises`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StepInfo {
    pub id: &'static str,
    pub title: &'static str,
}

/// An exercise as listed on the home page and by `GET /api/v1/exercises`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExerciseInfo {
    pub slug: &'static str,
    pub title: &'static str,
    #[serde(skip)]
    pub summary: &'static str,
    #[serde(skip)]
    pub minutes: u32,
    pub steps: Vec<StepInfo>,
}

/// Every exercise the site offers, in the order the home page lists them.
pub fn catalog() -> Vec<ExerciseInfo> {
    vec![refresh::info()]
}
