//! The Refresh Tokens exercise page's actions.

use leptos::prelude::*;

use crate::model::ExerciseData;

#[cfg(feature = "ssr")]
const PAGE: &str = "/exercises/refresh";

/// Everything the exercise page shows for this learner.
#[server(prefix = "/fn", endpoint = "exercise")]
pub async fn get_exercise() -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{context, failed};
    let (services, learner) = context()?;
    services.exercise_page(&learner).await.map_err(failed)
}

/// Check what the learner pasted for a step (`step` is the step's id).
#[server(prefix = "/fn", endpoint = "check_step")]
pub async fn check_step(step: String, input: String) -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, fail, failed};
    use oauthlab::exercises::refresh::Step;
    let (services, learner) = context()?;
    let step = Step::from_slug(&step)
        .ok_or_else(|| fail(http::StatusCode::NOT_FOUND, format!("There is no step called {step:?}.")))?;
    let result = match services.check_step(&learner, step, &input).await {
        Ok(_) | Err(crate::services::ServiceError::Locked(_)) => {
            services.exercise_page(&learner).await.map_err(failed)
        }
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
