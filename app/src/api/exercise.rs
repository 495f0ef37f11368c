//! Every exercise page's actions. A form names its exercise in the field `exercise` (its
//! slug; `refresh` when absent, as forms posted before there were several).

use leptos::prelude::*;

use crate::model::{CourseData, ExerciseData, RedirectData, SpaCallbackData};

/// The exercise a form names, when the site offers it.
#[cfg(feature = "ssr")]
fn named(exercise: Option<String>) -> Result<crate::services::Exercise, ServerFnError> {
    use crate::services::Exercise;
    let slug = exercise.unwrap_or_else(|| oauthlab::exercises::refresh::SLUG.to_owned());
    Exercise::from_slug(&slug).ok_or_else(|| {
        super::ssr::fail(
            http::StatusCode::NOT_FOUND,
            format!("There is no exercise called {:?}.", oauthlab::verdict::show(&slug, 64)),
        )
    })
}

/// The page of `exercise`.
#[cfg(feature = "ssr")]
fn page(exercise: crate::services::Exercise) -> String {
    format!("/exercises/{}", exercise.slug())
}

/// The course on the home page, with this learner's progress.
#[server(prefix = "/fn", endpoint = "course")]
pub async fn get_course() -> Result<CourseData, ServerFnError> {
    use super::ssr::{context, failed};
    let (services, learner) = context()?;
    services.course(&learner).await.map_err(failed)
}

/// Everything the page of `exercise` shows for this learner.
#[server(prefix = "/fn", endpoint = "exercise")]
pub async fn get_exercise(exercise: Option<String>) -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{context, failed};
    let exercise = named(exercise)?;
    let (services, learner) = context()?;
    services.exercise_page_view(&learner, exercise).await.map_err(failed)
}

/// Check what the learner pasted for a step (`step` is the step's id).
#[server(prefix = "/fn", endpoint = "check_step")]
pub async fn check_step(
    exercise: Option<String>,
    step: String,
    input: String,
) -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, fail, failed, is_form_post};
    use crate::services::ServiceError;
    let exercise = named(exercise)?;
    let (services, learner) = context()?;
    let index = exercise.step_index(&step).ok_or_else(|| {
        fail(
            http::StatusCode::NOT_FOUND,
            format!("There is no step called {:?}.", oauthlab::verdict::show(&step, 64)),
        )
    })?;
    let checked = services.check(&learner, exercise, index, &input).await;
    let failed_check = match &checked {
        Ok(checked) => !checked.verdict.passed(),
        Err(err) => matches!(err, ServiceError::Locked(_)),
    };
    if failed_check && is_form_post() {
        // The page it goes back to puts this in the box again.
        services.keep_typed(&learner, exercise, index, &input).await;
    }
    let result = match checked {
        Ok(_) | Err(ServiceError::Locked(_)) => {
            services.exercise_page(&learner, exercise).await.map_err(failed)
        }
        Err(err) => Err(failed(err)),
    };
    back_to(&format!("{}#step-{step}", page(exercise)), result)
}

/// *Generate Random String*.
#[server(prefix = "/fn", endpoint = "generate_verifier")]
pub async fn generate_verifier(exercise: Option<String>) -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, failed};
    let exercise = pkce_exercise(exercise)?;
    let (services, learner) = context()?;
    let result = match services.generate_verifier(&learner, exercise).await {
        Ok(_) => services.exercise_page(&learner, exercise).await.map_err(failed),
        Err(err) => Err(failed(err)),
    };
    back_to(&format!("{}#step-verifier", page(exercise)), result)
}

/// *Calculate Hash*.
#[server(prefix = "/fn", endpoint = "calculate_hash")]
pub async fn calculate_hash(exercise: Option<String>) -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, failed};
    let exercise = pkce_exercise(exercise)?;
    let (services, learner) = context()?;
    let result = match services.calculate_hash(&learner, exercise).await {
        Ok(_) | Err(crate::services::ServiceError::Locked(_)) => {
            services.exercise_page(&learner, exercise).await.map_err(failed)
        }
        Err(err) => Err(failed(err)),
    };
    back_to(&format!("{}#step-challenge", page(exercise)), result)
}

/// An exercise with a verifier and a challenge step, for their buttons.
#[cfg(feature = "ssr")]
fn pkce_exercise(exercise: Option<String>) -> Result<crate::services::Exercise, ServerFnError> {
    let exercise = named(exercise)?;
    if exercise.has_pkce_steps() {
        Ok(exercise)
    } else {
        Err(super::ssr::fail(
            http::StatusCode::NOT_FOUND,
            format!("{} has no code verifier to generate or hash.", exercise.info().title),
        ))
    }
}

/// *Reset*, once confirmed.
#[server(prefix = "/fn", endpoint = "reset_exercise")]
pub async fn reset_exercise(exercise: Option<String>) -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, failed};
    let exercise = named(exercise)?;
    let (services, learner) = context()?;
    let result = match services.reset(&learner, exercise).await {
        Ok(_) => services.exercise_page(&learner, exercise).await,
        Err(err) => Err(err),
    };
    back_to(&page(exercise), result.map_err(failed))
}

/// The practice application's refresh-token toggle, from the Refresh Tokens page:
/// `enabled` is `"true"` or `"false"`.
#[server(prefix = "/fn", endpoint = "exercise_refresh_tokens")]
pub async fn set_exercise_refresh_tokens(enabled: String) -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, failed};
    use crate::services::Exercise;
    let (services, learner) = context()?;
    let enabled = super::practice::parse_enabled(&enabled)?;
    let result = match services.set_refresh_tokens(&learner, enabled).await {
        Ok(_) => services.exercise_page(&learner, Exercise::Refresh).await,
        Err(err) => Err(err),
    };
    back_to(&format!("{}#setup", page(Exercise::Refresh)), result.map_err(failed))
}

/// What the example application's redirect page shows for the `code` (with `state` and
/// `iss`) it was sent.
#[server(prefix = "/fn", endpoint = "redirect_view")]
pub async fn get_redirect_view(
    code: String,
    state: Option<String>,
    iss: Option<String>,
) -> Result<RedirectData, ServerFnError> {
    use super::ssr::{context, failed};
    let (services, learner) = context()?;
    services.redirect_view(&learner, &code, state.as_deref(), iss.as_deref()).await.map_err(failed)
}

/// What the browser app's callback page shows for the `code` it received (with `state`):
/// the public client's code exchange, to make from the browser or with curl.
#[server(prefix = "/fn", endpoint = "spa_callback_view")]
pub async fn get_spa_callback_view(
    code: String,
    state: Option<String>,
) -> Result<SpaCallbackData, ServerFnError> {
    use super::ssr::{context, failed};
    let (services, learner) = context()?;
    services.spa_callback_view(&learner, &code, state.as_deref()).await.map_err(failed)
}
