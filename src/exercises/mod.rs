//! The exercises, one file each.

/// What the engine needs of any exercise's step type: its number on the page (for
/// [`StepLocked`]'s message).
pub trait ExerciseStep: Copy + Eq + std::fmt::Debug + 'static {
    /// 1-based number, as the page shows it.
    fn number(self) -> usize;
}

/// A step was checked before its predecessor passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Complete step {} first.", .needed.number())]
pub struct StepLocked<S: ExerciseStep> {
    pub needed: S,
}

/// Declares an exercise's `Step` enum from its steps in order, each with its id (the
/// API's `{step}`, its serde name too) and its title: `ALL`, `slug`, `from_slug`,
/// `title`, `index`, `number`, `infos` (for the exercise's [`ExerciseInfo`]) and
/// `unlocked`, and the module's `statuses` and `completed` of its `Progress` (which has
/// `steps_passed`), written once for every exercise.
macro_rules! steps {
    ($(#[$meta:meta])* pub enum Step { $($variant:ident => ($id:literal, $title:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum Step {
            $(#[serde(rename = $id)] $variant),+
        }

        impl Step {
            pub const ALL: [Step; [$($id),+].len()] = [$(Step::$variant),+];
            /// The id used in URLs and the API.
            pub fn slug(self) -> &'static str {
                match self { $(Step::$variant => $id),+ }
            }
            pub fn from_slug(slug: &str) -> Option<Step> {
                Step::ALL.into_iter().find(|s| s.slug() == slug)
            }
            pub fn title(self) -> &'static str {
                match self { $(Step::$variant => $title),+ }
            }
            /// 0-based position.
            pub fn index(self) -> usize {
                self as usize
            }
            /// 1-based number, as the page shows it.
            pub fn number(self) -> usize {
                self.index() + 1
            }
            /// The steps as the API lists them.
            pub fn infos() -> Vec<$crate::exercises::StepInfo> {
                Step::ALL.into_iter().map(|s| $crate::exercises::StepInfo { id: s.slug(), title: s.title() }).collect()
            }
        }

        impl Step {
            /// `Ok` when this step may be checked after the first `passed` steps passed
            /// (it is one of them, or the next); else which step must pass first.
            pub fn unlocked(self, passed: usize) -> Result<(), StepLocked> {
                if self.index() <= passed {
                    return Ok(());
                }
                Err(StepLocked { needed: Step::ALL.get(passed).copied().unwrap_or(Step::ALL[0]) })
            }
        }

        /// The status of every step for a given progress, in order.
        pub fn statuses(progress: &Progress) -> Vec<$crate::exercises::StepStatus> {
            $crate::exercises::statuses_of(Step::ALL.len(), progress.steps_passed)
        }

        /// True when every step has passed.
        pub fn completed(progress: &Progress) -> bool {
            progress.steps_passed >= Step::ALL.len()
        }

        impl $crate::exercises::ExerciseStep for Step {
            fn number(self) -> usize {
                Step::number(self)
            }
        }

        /// A step was checked before its predecessor passed.
        pub type StepLocked = $crate::exercises::StepLocked<Step>;
    };
}

pub mod client_credentials;
pub mod getting_started;
pub mod oidc;
pub mod refresh;
pub mod spa;
pub mod web_app;

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

impl StepStatus {
    /// The status of the step at `index` (from 0) when the first `passed` steps have
    /// passed, in order: those before are passed, that one is current, the rest locked.
    pub fn of(index: usize, passed: usize) -> StepStatus {
        match index.cmp(&passed) {
            std::cmp::Ordering::Less => StepStatus::Passed,
            std::cmp::Ordering::Equal => StepStatus::Current,
            std::cmp::Ordering::Greater => StepStatus::Locked,
        }
    }
}

/// The status of each of `count` steps when the first `passed` have passed, in order.
pub fn statuses_of(count: usize, passed: usize) -> Vec<StepStatus> {
    (0..count).map(|i| StepStatus::of(i, passed)).collect()
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

/// The result of checking one step of an exercise whose steps take at most an access
/// token to show (Refresh Tokens, Web Applications, Single-Page Apps, Machine-to-Machine):
/// each names it `Outcome` for its own `Progress`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome<P> {
    pub verdict: crate::verdict::Verdict,
    /// The new progress when the check passed (later steps are cleared: they depended
    /// on this one); `None` when it failed, so nothing is lost.
    pub progress: Option<P>,
    /// The access token's decoded JWT header and claims, for the steps that take a token
    /// response.
    pub jwt: Option<refresh::DecodedJwt>,
}

/// Every exercise the site offers, in the order the home page lists them: the ones whose
/// pages, API and progress the web layer serves.
pub fn catalog() -> Vec<ExerciseInfo> {
    vec![
        getting_started::info(),
        web_app::info(),
        spa::info(),
        client_credentials::info(),
        refresh::info(),
        oidc::info(),
    ]
}

/// How many steps the exercise called `slug` has, for every exercise whose checks are
/// written (offered or not yet); `None` for any other slug.
pub fn step_count(slug: &str) -> Option<usize> {
    match slug {
        getting_started::SLUG => Some(getting_started::Step::ALL.len()),
        web_app::SLUG => Some(web_app::Step::ALL.len()),
        refresh::SLUG => Some(refresh::Step::ALL.len()),
        spa::SLUG => Some(spa::Step::ALL.len()),
        client_credentials::SLUG => Some(client_credentials::Step::ALL.len()),
        oidc::SLUG => Some(oidc::Step::ALL.len()),
        _ => None,
    }
}

/// An exercise of the course as the home page lists it, playable or still to come.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseEntry {
    pub slug: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    /// Roughly how long it takes.
    pub minutes: u32,
    /// The exercise, once the site offers it ([`catalog`]); `None` while it is to come.
    pub exercise: Option<ExerciseInfo>,
}

/// The course: its six exercises in the order they are best done.
pub fn course() -> Vec<CourseEntry> {
    const COURSE: [(&str, &str, &str, u32); 6] = [
        (
            "getting-started",
            "Getting Started",
            "Find your authorization server's issuer, endpoints and signing key in its metadata.",
            10,
        ),
        (
            web_app::SLUG,
            web_app::TITLE,
            "Log a user in with the authorization code flow and PKCE, as a server-side web app does.",
            20,
        ),
        (
            spa::SLUG,
            spa::TITLE,
            "Do the same from the browser as a public client, with no secret to keep.",
            20,
        ),
        (
            "client-credentials",
            "Machine-to-Machine",
            "Get a token for a service with the client credentials grant, and call an API with it.",
            10,
        ),
        (refresh::SLUG, refresh::TITLE, "", 15),
        (
            oidc::SLUG,
            oidc::TITLE,
            "Sign a user in: get an ID token and check it as a relying party must.",
            20,
        ),
    ];
    let offered = catalog();
    COURSE
        .into_iter()
        .map(|(slug, title, summary, minutes)| {
            let exercise = offered.iter().find(|e| e.slug == slug).cloned();
            match exercise {
                Some(e) => CourseEntry {
                    slug,
                    title: e.title,
                    summary: e.summary,
                    minutes: e.minutes,
                    exercise: Some(e),
                },
                None => CourseEntry { slug, title, summary, minutes, exercise: None },
            }
        })
        .collect()
}

/// What the exercises' tests read from any outcome: its verdict's blocking findings, and
/// one finding by id.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::verdict::{Finding, Verdict};

    /// An exercise's outcome of a check: each has a verdict.
    pub trait Judged {
        fn verdict(&self) -> &Verdict;
    }

    impl<P> Judged for super::Outcome<P> {
        fn verdict(&self) -> &Verdict {
            &self.verdict
        }
    }

    impl Judged for super::oidc::Outcome {
        fn verdict(&self) -> &Verdict {
            &self.verdict
        }
    }

    impl Judged for super::getting_started::Outcome {
        fn verdict(&self) -> &Verdict {
            &self.verdict
        }
    }

    /// Ids of the findings that fail the check.
    pub fn blocking(outcome: &impl Judged) -> Vec<&str> {
        outcome.verdict().findings.iter().filter(|f| f.is_blocking()).map(|f| f.id.as_str()).collect()
    }

    /// The finding `id`; a test that expects it fails naming every finding there was.
    pub fn finding<'a>(outcome: &'a impl Judged, id: &str) -> &'a Finding {
        let verdict = outcome.verdict();
        verdict.find(id).unwrap_or_else(|| panic!("no finding {id} in {:#?}", verdict.findings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_course_lists_six_exercises_in_order_and_every_offered_one_is_in_it() {
        let course = course();
        let slugs: Vec<&str> = course.iter().map(|e| e.slug).collect();
        assert_eq!(slugs, ["getting-started", "web-app", "spa", "client-credentials", "refresh", "oidc"]);
        for offered in catalog() {
            let entry = course
                .iter()
                .find(|e| e.slug == offered.slug)
                .expect("every offered exercise is in the course");
            assert_eq!(entry.exercise.as_ref(), Some(&offered));
            assert_eq!((entry.title, entry.minutes), (offered.title, offered.minutes));
        }
        assert!(course.iter().all(|e| !e.summary.is_empty() && e.minutes > 0));
    }
}
