//! The JSON API v1 (`../shared/spec/http-api.md`): thin handlers over the same services
//! and core checks as the pages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tracing::instrument;

use app::services::Services;
use oauthlab::exercises::{catalog, refresh};
use oauthlab::pkce;

use super::{ApiError, ApiJson, ApiPath, ApiState, Learner};

/// The learners' endpoints.
pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/exercises", get(exercises_get))
        .route("/exercises/{slug}", get(exercise_get))
        .route("/exercises/{slug}/steps/{step}/check", post(step_check_post))
        .route("/exercises/{slug}/reset", post(exercise_reset_post))
        .route(
            "/exercises/{slug}/provider",
            get(exercise_provider_get).put(exercise_provider_put).delete(exercise_provider_delete),
        )
        .route("/pkce/generate", post(pkce_generate_post))
        .route("/pkce/challenge", post(pkce_challenge_post))
        .route("/practice/app", get(practice_app_get).put(practice_app_put))
        .route("/openapi.json", get(openapi_get))
}

/// A body that must be a JSON object, whatever it holds.
type AnyObject = ApiJson<serde_json::Map<String, serde_json::Value>>;

fn known_exercise(slug: &str) -> Result<(), ApiError> {
    if slug == refresh::SLUG {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_exercise",
            format!("There is no exercise called {slug:?}."),
        ))
    }
}

async fn exercises_get() -> Json<serde_json::Value> {
    Json(json!(catalog()))
}

async fn exercise_get(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    known_exercise(&slug)?;
    Ok(Json(services.exercise_state(&learner).await?).into_response())
}

#[derive(Deserialize)]
struct CheckBody {
    input: String,
}

#[instrument(skip_all, fields(step = %step))]
async fn step_check_post(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiPath((slug, step)): ApiPath<(String, String)>,
    ApiJson(CheckBody { input }): ApiJson<CheckBody>,
) -> Result<Response, ApiError> {
    known_exercise(&slug)?;
    let step = refresh::Step::from_slug(&step).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_step",
            format!(
                "There is no step {step:?}; the steps are verifier, challenge, authorization-url, \
                 token-response, refresh-response."
            ),
        )
    })?;
    let checked = services.check_step(&learner, step, &input).await?;
    Ok(Json(json!({
        "passed": checked.verdict.passed(),
        "findings": checked.verdict.findings,
        "exercise": checked.exercise,
        "jwt": checked.last.jwt,
    }))
    .into_response())
}

async fn exercise_reset_post(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiPath(slug): ApiPath<String>,
    _: AnyObject,
) -> Result<StatusCode, ApiError> {
    known_exercise(&slug)?;
    services.reset(&learner).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The authorization server this learner works against (built-in, or their own).
async fn exercise_provider_get(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<app::model::ServerData>, ApiError> {
    known_exercise(&slug)?;
    Ok(Json(services.server(&learner).await?))
}

#[derive(Deserialize)]
struct ProviderBody {
    issuer: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
}

/// Use the learner's own server, found from its issuer URL: the verdict says what was
/// found; only a server that passes replaces the current one.
#[instrument(skip_all)]
async fn exercise_provider_put(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiPath(slug): ApiPath<String>,
    ApiJson(ProviderBody { issuer, client_id, redirect_uri }): ApiJson<ProviderBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    known_exercise(&slug)?;
    let mut server = services.set_own_server(&learner, &issuer, &client_id, &redirect_uri).await?;
    let verdict = server.last_attempt.take().map(|a| a.verdict).unwrap_or_default();
    Ok(Json(json!({
        "passed": verdict.passed(),
        "findings": verdict.findings,
        "provider": server,
        "exercise": services.exercise_state(&learner).await?,
    })))
}

/// Back to the built-in practice server.
async fn exercise_provider_delete(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiPath(slug): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    known_exercise(&slug)?;
    services.use_builtin_server(&learner).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn pkce_generate_post(_: AnyObject) -> Result<Json<serde_json::Value>, ApiError> {
    let verifier = app::services::random_verifier();
    let challenge = pkce::challenge_s256(&verifier);
    Ok(Json(json!({"verifier": verifier, "challenge": challenge})))
}

#[derive(Deserialize)]
struct ChallengeBody {
    verifier: String,
}

#[instrument(skip_all)]
async fn pkce_challenge_post(
    ApiJson(ChallengeBody { verifier }): ApiJson<ChallengeBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    // Trimmed as step 1 trims it, so the helper and the step agree on every input.
    let verifier = pkce::Verifier::parse_pasted(&verifier)
        .map_err(|e| ApiError::bad_request("invalid_verifier", e.to_string()))?;
    Ok(Json(json!({"challenge": verifier.challenge()})))
}

async fn practice_app_get(
    State(services): State<Services>,
    Learner(learner): Learner,
) -> Result<Json<app::model::PracticeApp>, ApiError> {
    Ok(Json(services.practice_app(&learner).await?))
}

#[derive(Deserialize)]
struct ToggleBody {
    refresh_tokens_enabled: bool,
}

async fn practice_app_put(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiJson(ToggleBody { refresh_tokens_enabled }): ApiJson<ToggleBody>,
) -> Result<Json<app::model::PracticeApp>, ApiError> {
    Ok(Json(services.set_refresh_tokens(&learner, refresh_tokens_enabled).await?))
}

/// The API described as OpenAPI 3.1.
async fn openapi_get() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], include_str!("../../../docs/openapi.json"))
}
