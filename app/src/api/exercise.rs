//! The Refresh Tokens exercise page's actions.

use leptos::prelude::*;

use crate::model::ExerciseData;

#[cfg(feature = "ssr")]
const PAGE: &str = "/exercises/refresh";

/// Everything the exercise page shows for this learner.
#[server(prefix = "/fn", endpoint = "exercise")]
pub async fn get_exercise() -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{context, store_error};
    let (services, learner) = context()?;
    services.exercise_page(&learner).await.map_err(store_error)
}

/// Check what the learner pasted for a step (`step` is the step's id).
#[server(prefix = "/fn", endpoint = "check_step")]
pub async fn check_step(step: String, input: String) -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, fail, service_error, store_error};
    use oauthlab::exercises::refresh::Step;
    let (services, learner) = context()?;
    let step = Step::from_slug(&step)
        .ok_or_else(|| fail(http::StatusCode::NOT_FOUND, format!("There is no step called {step:?}.")))?;
    back_to(&format!("{PAGE}#step-{}", step.slug()));
    match services.check_step(&learner, step, &input).await {
        Ok(_) | Err(crate::services::ServiceError::Locked(_)) => {}
        Err(err) => return Err(service_error(err)),
    }
    services.exercise_page(&learner).await.map_err(store_error)
}

/// *Generate Random String*.
#[server(prefix = "/fn", endpoint = "generate_verifier")]
pub async fn generate_verifier() -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, service_error, store_error};
    let (services, learner) = context()?;
    back_to(&format!("{PAGE}#step-verifier"));
    services.generate_verifier(&learner).await.map_err(service_error)?;
    services.exercise_page(&learner).await.map_err(store_error)
}

/// *Calculate Hash*.
#[server(prefix = "/fn", endpoint = "calculate_hash")]
pub async fn calculate_hash() -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, service_error, store_error};
    let (services, learner) = context()?;
    back_to(&format!("{PAGE}#step-challenge"));
    match services.calculate_hash(&learner).await {
        Ok(_) | Err(crate::services::ServiceError::Locked(_)) => {}
        Err(err) => return Err(service_error(err)),
    }
    services.exercise_page(&learner).await.map_err(store_error)
}

/// *Reset*, once confirmed.
#[server(prefix = "/fn", endpoint = "reset_exercise")]
pub async fn reset_exercise() -> Result<ExerciseData, ServerFnError> {
    use super::ssr::{back_to, context, store_error};
    let (services, learner) = context()?;
    back_to(PAGE);
    services.reset(&learner).await.map_err(store_error)?;
    services.exercise_page(&learner).await.map_err(store_error)
}
