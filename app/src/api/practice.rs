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
    use super::ssr::{back_to, context, failed};
    let (services, learner) = context()?;
    let enabled = parse_enabled(&enabled)?;
    back_to("/practice/app", services.set_refresh_tokens(&learner, enabled).await.map_err(failed))
}

/// The ID token signing setting: `alg` is `"RS256"` or `"ES256"`.
#[server(prefix = "/fn", endpoint = "set_id_token_alg")]
pub async fn set_id_token_alg(alg: String) -> Result<PracticeApp, ServerFnError> {
    use super::ssr::{back_to, context, fail, failed};
    let (services, learner) = context()?;
    let Some(alg) = oauthlab::oauth::id_token::IdTokenAlg::parse(&alg) else {
        return Err(fail(
            http::StatusCode::BAD_REQUEST,
            format!("alg must be RS256 or ES256, not {:?}.", alg.chars().take(20).collect::<String>()),
        ));
    };
    back_to("/practice/app", services.set_id_token_alg(&learner, alg).await.map_err(failed))
}

/// A toggle's `enabled` field: `"true"` or `"false"` (`"on"`, `"off"` too).
#[cfg(feature = "ssr")]
pub(crate) fn parse_enabled(enabled: &str) -> Result<bool, ServerFnError> {
    match enabled {
        "true" | "on" => Ok(true),
        "false" | "off" => Ok(false),
        other => Err(super::ssr::fail(
            http::StatusCode::BAD_REQUEST,
            format!("enabled must be true or false, not {other:?}."),
        )),
    }
}

/// The public client's allowed origins, as the learner typed them (one a line).
#[server(prefix = "/fn", endpoint = "set_allowed_origins")]
pub async fn set_allowed_origins(origins: String) -> Result<PracticeApp, ServerFnError> {
    use super::ssr::{back_to, context, fail, failed};
    let (services, learner) = context()?;
    let result = match services.set_allowed_origins(&learner, &origins).await.map_err(failed)? {
        Ok(app) => Ok(app),
        Err(bad) => Err(fail(http::StatusCode::BAD_REQUEST, bad.to_string())),
    };
    back_to("/practice/app", result)
}
