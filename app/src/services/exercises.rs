//! The engine every exercise runs on. [`Exercise`] names the exercises the site serves
//! (those of `oauthlab::exercises::catalog()`); for each, its module here
//! (`getting_started`, `web_app`, `refresh`, `oidc`) gathers the facts its pure checks need and
//! builds its page, and this module does the rest the same way for all: the step ids of
//! the API, keeping a check's verdict and progress, the state the API returns, reset, the
//! verifier and challenge buttons, and the course on the home page.

use oauthlab::exercises::refresh::DecodedJwt;
use oauthlab::exercises::{
    self, client_credentials, getting_started, oidc, refresh, spa, web_app, ExerciseInfo, StepStatus,
};
use oauthlab::verdict::{Finding, Verdict};
use serde::Serialize;

use super::store::{or_log, StoredProgress};
use super::{random_verifier, Checked, LearnerId, ServiceError, Services, StoreError};
use crate::model::{
    CourseData, CourseItem, ExerciseData, ExerciseState, LastCheck, Secret, StepState, StepView,
};

/// An exercise whose checks are written, by its slug.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exercise {
    GettingStarted,
    WebApp,
    Spa,
    ClientCredentials,
    Refresh,
    Oidc,
}

impl Exercise {
    pub const ALL: [Exercise; 6] = [
        Exercise::GettingStarted,
        Exercise::WebApp,
        Exercise::Spa,
        Exercise::ClientCredentials,
        Exercise::Refresh,
        Exercise::Oidc,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Exercise::GettingStarted => getting_started::SLUG,
            Exercise::WebApp => web_app::SLUG,
            Exercise::Spa => spa::SLUG,
            Exercise::ClientCredentials => client_credentials::SLUG,
            Exercise::Refresh => refresh::SLUG,
            Exercise::Oidc => oidc::SLUG,
        }
    }

    pub fn info(self) -> ExerciseInfo {
        match self {
            Exercise::GettingStarted => getting_started::info(),
            Exercise::WebApp => web_app::info(),
            Exercise::Spa => spa::info(),
            Exercise::ClientCredentials => client_credentials::info(),
            Exercise::Refresh => refresh::info(),
            Exercise::Oidc => oidc::info(),
        }
    }

    /// The exercise called `slug`, when the site offers it (it is in the catalog).
    pub fn from_slug(slug: &str) -> Option<Exercise> {
        let offered = exercises::catalog().iter().any(|e| e.slug == slug);
        Self::ALL.into_iter().find(|e| offered && e.slug() == slug)
    }

    /// The step ids, in order.
    pub fn step_ids(self) -> Vec<&'static str> {
        self.info().steps.iter().map(|s| s.id).collect()
    }

    /// The index (from 0) of the step called `id`.
    pub fn step_index(self, id: &str) -> Option<usize> {
        self.step_ids().iter().position(|s| *s == id)
    }

    /// Whether the exercise starts with a code verifier and its challenge (steps
    /// `verifier` and `challenge`): its page has *Generate* and *Calculate Hash*.
    pub fn has_pkce_steps(self) -> bool {
        self.step_ids().starts_with(&["verifier", "challenge"])
    }
}

/// What a pure check answered, as the engine keeps it.
pub(super) struct Graded<P> {
    pub verdict: Verdict,
    /// The new progress when the check passed; `None` when it failed (nothing is lost).
    pub progress: Option<P>,
    /// The access token decoded, for the steps that take a token response.
    pub jwt: Option<DecodedJwt>,
}

/// A learner's progress in `exercise` as the API returns it.
pub fn exercise_state(exercise: Exercise, stored: &StoredProgress) -> ExerciseState {
    let ids = exercise.step_ids();
    let passed = stored.steps_passed();
    ExerciseState {
        slug: exercise.slug().to_owned(),
        completed: stored.completed(exercise.slug()),
        steps: ids
            .iter()
            .zip(exercises::statuses_of(ids.len(), passed))
            .map(|(id, status)| StepState { id: (*id).to_owned(), status })
            .collect(),
    }
}

impl Services {
    pub async fn exercise_state(
        &self,
        learner: &LearnerId,
        exercise: Exercise,
    ) -> Result<ExerciseState, StoreError> {
        let stored = self.progress.load(learner, exercise.slug()).await?;
        Ok(exercise_state(exercise, &stored))
    }

    /// Check `input` for the step at `index` of `exercise`; keep the verdict and the new
    /// progress.
    pub async fn check(
        &self,
        learner: &LearnerId,
        exercise: Exercise,
        index: usize,
        input: &str,
    ) -> Result<Checked, ServiceError> {
        match exercise {
            Exercise::GettingStarted => self.check_getting_started(learner, index, input).await,
            Exercise::WebApp => self.check_web_app(learner, index, input).await,
            Exercise::Spa => self.check_spa(learner, index, input).await,
            Exercise::ClientCredentials => self.check_client_credentials(learner, index, input).await,
            Exercise::Refresh => self.check_refresh(learner, index, input).await,
            Exercise::Oidc => self.check_oidc(learner, index, input).await,
        }
    }

    /// Keep what a check of the step at `index` gave: a refusal because an earlier step
    /// has not passed (`Err`, its message), or the verdict and, when it passed, the new
    /// progress (later steps' verdicts belong to the progress just cleared).
    pub(super) async fn keep_check<P: Serialize>(
        &self,
        learner: &LearnerId,
        exercise: Exercise,
        mut stored: StoredProgress<P>,
        index: usize,
        input: &str,
        graded: Result<Graded<P>, String>,
    ) -> Result<Checked, ServiceError> {
        let slug = exercise.slug();
        let ids = exercise.step_ids();
        let id = ids.get(index).copied().unwrap_or_default();
        let graded = match graded {
            Ok(graded) => graded,
            Err(locked) => {
                count_check(slug, id, "locked");
                // Kept, so a page rendered after a plain form post can say why.
                let verdict = Verdict::new(vec![Finding::fail("step.locked", locked.clone())]);
                stored.last.insert(id.to_owned(), LastCheck { verdict, jwt: None });
                self.progress.save(learner, slug, &stored.erased()?).await?;
                return Err(ServiceError::Locked(locked));
            }
        };
        count_check(slug, id, if graded.verdict.passed() { "passed" } else { "failed" });
        let last = LastCheck { verdict: graded.verdict.clone(), jwt: graded.jwt };
        let advanced = graded.progress.is_some();
        if let Some(progress) = graded.progress {
            stored.progress = progress;
            stored.last.retain(|step, _| ids.iter().position(|i| i == step).is_some_and(|i| i <= index));
            if id == "verifier" {
                // The verifier that passed (the input as step 1 read it, trimmed) replaces
                // any other, for the page only (sealed, never stored in clear): the token
                // command on the page fills it in, so it works as copied.
                or_log(
                    "page views",
                    self.flash.put_verifier(learner, slug, oauthlab::pasted::trim(input).to_owned()).await,
                );
            }
        }
        // The decoded token is pasted content: kept sealed for the page, not with progress.
        // Progress made forgets the later steps' tokens (each call is a round trip to the
        // database: without a token of its own, one call forgets this step's too; with
        // no token kept for the exercise, there is nothing to forget).
        let step = (slug, index);
        let kept = stored.tokens_kept;
        match (advanced, last.jwt.clone()) {
            (true, None) if kept => or_log("page views", self.flash.forget_tokens(learner, slug, index).await),
            (true, Some(jwt)) => {
                if kept {
                    or_log("page views", self.flash.forget_tokens(learner, slug, index + 1).await);
                }
                or_log("page views", self.flash.put_token(learner, step, Some(jwt)).await);
                stored.tokens_kept = true;
            }
            (false, Some(jwt)) => {
                or_log("page views", self.flash.put_token(learner, step, Some(jwt)).await);
                stored.tokens_kept = true;
            }
            (false, None) if kept => or_log("page views", self.flash.put_token(learner, step, None).await),
            (_, None) => {}
        }
        stored.last.insert(id.to_owned(), LastCheck { jwt: None, ..last.clone() });
        let erased = stored.erased()?;
        self.progress.save(learner, slug, &erased).await?;
        Ok(Checked { verdict: graded.verdict, last, exercise: exercise_state(exercise, &erased) })
    }

    /// *Generate Random String*: a fresh verifier from 32 random bytes, checked as step 1.
    /// It is kept (sealed) for a while so the page can show it; never stored in clear.
    pub async fn generate_verifier(
        &self,
        learner: &LearnerId,
        exercise: Exercise,
    ) -> Result<(String, Checked), ServiceError> {
        let verifier = random_verifier();
        // A verifier that passes step 1 is kept for the page by the check.
        let checked = self.check(learner, exercise, 0, &verifier).await?;
        Ok((verifier, checked))
    }

    /// *Calculate Hash*: step 2 with the challenge of the learner's verifier.
    pub async fn calculate_hash(
        &self,
        learner: &LearnerId,
        exercise: Exercise,
    ) -> Result<Checked, ServiceError> {
        let stored = self.progress.load(learner, exercise.slug()).await?;
        // Before step 1 there is no challenge: the check is refused as locked, and says so.
        let challenge =
            stored.progress.get("challenge").and_then(|c| c.as_str()).unwrap_or_default().to_owned();
        self.check(learner, exercise, 1, &challenge).await
    }

    /// After a plain form post (JavaScript off) whose check failed, what the learner typed
    /// is kept for the page it is sent back to, so the box is not emptied. Only the last
    /// one per learner, at most [`super::flash::MAX_TYPED_BYTES`], taken by the next page
    /// view of that exercise; never stored in clear (see [`super::flash`]).
    pub async fn keep_typed(&self, learner: &LearnerId, exercise: Exercise, index: usize, input: &str) {
        or_log("page views", self.flash.put_typed(learner, (exercise.slug(), index), input.to_owned()).await);
    }

    /// *Reset*: this learner's progress in the exercise is gone, and so is what the page
    /// view held for it.
    pub async fn reset(&self, learner: &LearnerId, exercise: Exercise) -> Result<ExerciseState, StoreError> {
        self.progress.reset(learner, exercise.slug()).await?;
        or_log("page views", self.flash.take_verifier(learner, exercise.slug()).await);
        or_log("page views", self.flash.forget_tokens(learner, exercise.slug(), 0).await);
        Ok(exercise_state(exercise, &StoredProgress::default()))
    }

    /// Forget this learner's progress in the exercise called `slug` (an instructor's reset).
    pub async fn reset_exercise(&self, learner: &LearnerId, slug: &str) -> Result<(), StoreError> {
        match Exercise::from_slug(slug) {
            Some(exercise) => self.reset(learner, exercise).await.map(|_| ()),
            None => self.progress.reset(learner, slug).await,
        }
    }

    /// Everything the page of `exercise` shows.
    pub async fn exercise_page(
        &self,
        learner: &LearnerId,
        exercise: Exercise,
    ) -> Result<ExerciseData, StoreError> {
        match exercise {
            Exercise::GettingStarted => self.getting_started_page(learner).await,
            Exercise::WebApp => self.web_app_page(learner).await,
            Exercise::Spa => self.spa_page(learner).await,
            Exercise::ClientCredentials => self.client_credentials_page(learner).await,
            Exercise::Refresh => self.refresh_page(learner).await,
            Exercise::Oidc => self.oidc_page(learner).await,
        }
    }

    /// The page for a page view: with what was typed in a failed plain form post put back
    /// in its box, once.
    pub async fn exercise_page_view(
        &self,
        learner: &LearnerId,
        exercise: Exercise,
    ) -> Result<ExerciseData, StoreError> {
        let mut page = self.exercise_page(learner, exercise).await?;
        if let Some((index, typed)) =
            or_log("page views", self.flash.take_typed(learner, exercise.slug()).await)
        {
            if let Some(view) = page.steps.get_mut(index) {
                view.typed = Some(Secret::new(typed));
            }
        }
        Ok(page)
    }

    /// The step cards of `exercise` for a progress with `steps_passed` and these last
    /// verdicts, each with its decoded token when the page still holds it.
    pub(super) async fn step_views(
        &self,
        learner: &LearnerId,
        exercise: Exercise,
        steps_passed: usize,
        last: &std::collections::BTreeMap<String, LastCheck>,
    ) -> Vec<StepView> {
        let tokens = or_log("page views", self.flash.peek_tokens(learner, exercise.slug()).await);
        let info = exercise.info();
        info.steps
            .iter()
            .enumerate()
            .map(|(index, step)| StepView {
                id: step.id.to_owned(),
                title: step.title.to_owned(),
                number: index + 1,
                status: StepStatus::of(index, steps_passed),
                last: last
                    .get(step.id)
                    .map(|last| LastCheck { jwt: tokens.get(&index).cloned(), ..last.clone() }),
                typed: None,
            })
            .collect()
    }

    /// The course with this learner's progress in each exercise, and the next one to do.
    pub async fn course(&self, learner: &LearnerId) -> Result<CourseData, StoreError> {
        let mut items = Vec::new();
        for entry in exercises::course() {
            let (steps, steps_passed, completed) = match Exercise::from_slug(entry.slug) {
                Some(exercise) => {
                    let stored = self.progress.load(learner, exercise.slug()).await?;
                    let steps = exercise.step_ids().len();
                    (steps, stored.steps_passed().min(steps), stored.completed(exercise.slug()))
                }
                None => (0, 0, false),
            };
            items.push(CourseItem {
                slug: entry.slug.to_owned(),
                title: entry.title.to_owned(),
                summary: entry.summary.to_owned(),
                minutes: entry.minutes,
                offered: entry.exercise.is_some(),
                steps,
                steps_passed,
                completed,
                next: false,
            });
        }
        if let Some(next) = items.iter_mut().find(|i| i.offered && !i.completed) {
            next.next = true;
        }
        Ok(CourseData { items })
    }
}

/// A core check's answer as the engine keeps it: `Ok` with the verdict, the new progress
/// and the decoded token, or `Err` with the message saying which step to complete first.
pub(super) fn graded<P, L: std::fmt::Display>(
    result: Result<(Verdict, Option<P>, Option<DecodedJwt>), L>,
) -> Result<Graded<P>, String> {
    result
        .map(|(verdict, progress, jwt)| Graded { verdict, progress, jwt })
        .map_err(|locked| locked.to_string())
}

/// Count a check in `oauthlab_checks_total` (a no-op unless the server installed a
/// metrics recorder). Labels are the catalog's slug and step id only, never input.
fn count_check(exercise: &'static str, step: &'static str, verdict: &'static str) {
    #[cfg(feature = "ssr")]
    metrics::counter!("oauthlab_checks_total", "exercise" => exercise, "step" => step, "verdict" => verdict)
        .increment(1);
    #[cfg(not(feature = "ssr"))]
    let _ = (exercise, step, verdict);
}
