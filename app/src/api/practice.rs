//! The practice application dashboard's actions.

use leptos::prelude::*;

use crate::model::PracticeApp;

/// This learner's practice application.
#[server(prefix = "/fn", endpoint = "practice_app")]
pub async fn get_practice_app() -> Result<PracticeApp, ServerFnError> {
    use super::ssr::{context, failed};
    let (services, learner) = context()?;
    services.practice_app(&learner).await.map_err(failed)
}

/// The refresh-token toggle: `enabled` is `"true"` or `"false"`.
#[server(prefix = "/fn", endpoint = "set_refresh_tokens")]
pub async fn set_refresh_tokens(enabled: String) -> Result<PracticeApp, ServerFnError> {
    use super::ssr::{back_to, context, fail, failed};
    let (services, learner) = context()?;
    let enabled = match enabled.as_str() {
        "true" | "on" => true,
        "false" | "off" => false,
        other => {
            let message = format!("`enabled` must be true or false, not {other:?}.");
            return Err(fail(http::StatusCode::BAD_REQUEST, message));
        }
    };
    back_to("/practice/app", services.set_refresh_tokens(&learner, enabled).await.map_err(failed))
}
