//! The Refresh Tokens exercise page's actions.

use leptos::prelude::*;

use crate::model::{CourseData, ExerciseData, RedirectData};

#[cfg(feature = "ssr")]
const PAGE: &str = "/exercises/refresh";

/// The course on the home page, with this learner's progress.
#[server(prefix = "/fn", endpoint = "course")]
pub async fn get_course() -> Result<CourseData, ServerFnError> {
    use super::ssr::{context, failed};
    let (services, learner) = context()?;
    services.course(&learner).await.map_err(failed)
}

/// Everything the exercise page shows for this learner.
#[server(prefix = "/fn", endpoint = "exercise")]
pub async fn get_exercise() -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{context, failed};
    let (services, learner) = context()?;
    services.exercise_page_view(&learner).await.map_err(failed)
}

/// Check what the learner pasted for a step (`step` is the step's id).
#[server(prefix = "/fn", endpoint = "check_step")]
pub async fn check_step(step: String, input: String) -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, fail, failed, is_form_post};
    use crate::services::ServiceError;
    use oauthlab::exercises::refresh::Step;
    let (services, learner) = context()?;
    let step = Step::from_slug(&step)
        .ok_or_else(|| fail(http::StatusCode::NOT_FOUND, format!("There is no step called {step:?}.")))?;
    let checked = services.check_step(&learner, step, &input).await;
    let failed_check = match &checked {
        Ok(checked) => !checked.verdict.passed(),
        Err(err) => matches!(err, ServiceError::Locked(_)),
    };
    if failed_check && is_form_post() {
        // The page it goes back to puts this in the box again.
        services.keep_typed(&learner, step, &input);
    }
    let result = match checked {
        Ok(_) | Err(ServiceError::Locked(_)) => services.exercise_page(&learner).await.map_err(failed),
        Err(err) => Err(failed(err)),
    };
    back_to(&format!("{PAGE}#step-{}", step.slug()), result)
}

/// *Generate Random String*.
#[server(prefix = "/fn", endpoint = "generate_verifier")]
pub async fn generate_verifier() -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, failed};
    let (services, learner) = context()?;
    let result = match services.generate_verifier(&learner).await {
        Ok(_) => services.exercise_page(&learner).await.map_err(failed),
        Err(err) => Err(failed(err)),
    };
    back_to(&format!("{PAGE}#step-verifier"), result)
}

/// *Calculate Hash*.
#[server(prefix = "/fn", endpoint = "calculate_hash")]
pub async fn calculate_hash() -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, failed};
    let (services, learner) = context()?;
    let result = match services.calculate_hash(&learner).await {
        Ok(_) | Err(crate::services::ServiceError::Locked(_)) => {
            services.exercise_page(&learner).await.map_err(failed)
        }
        Err(err) => Err(failed(err)),
    };
    back_to(&format!("{PAGE}#step-challenge"), result)
}

/// *Reset*, once confirmed.
#[server(prefix = "/fn", endpoint = "reset_exercise")]
pub async fn reset_exercise() -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, failed};
    let (services, learner) = context()?;
    let result = match services.reset(&learner).await {
        Ok(_) => services.exercise_page(&learner).await,
        Err(err) => Err(err),
    };
    back_to(PAGE, result.map_err(failed))
}

/// The practice application's refresh-token toggle, from the exercise page: `enabled` is
/// `"true"` or `"false"`.
#[server(prefix = "/fn", endpoint = "exercise_refresh_tokens")]
pub async fn set_exercise_refresh_tokens(enabled: String) -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, failed};
    let (services, learner) = context()?;
    let enabled = super::practice::parse_enabled(&enabled)?;
    let result = match services.set_refresh_tokens(&learner, enabled).await {
        Ok(_) => services.exercise_page(&learner).await,
        Err(err) => Err(err),
    };
    back_to(&format!("{PAGE}#setup"), result.map_err(failed))
}

/// What the example application's redirect page shows for the `code` it was sent.
#[server(prefix = "/fn", endpoint = "redirect_view")]
pub async fn get_redirect_view(code: String) -> Result<RedirectData, ServerFnError> {
    use super::ssr::{context, failed};
    let (services, learner) = context()?;
    services.redirect_view(&learner, &code).await.map_err(failed)
}
