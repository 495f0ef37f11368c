//! The JSON API v1 (`../shared/spec/http-api.md`): thin handlers over the same services
//! and core checks as the pages.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;
use tracing::instrument;

use app::services::{LearnerId, ServiceError, Services};
use oauthlab::exercises::{catalog, refresh};
use oauthlab::json::{self, JsonError};
use oauthlab::pkce;

use super::ApiError;
use crate::startup::AppState;

pub fn routes() -> Router<AppState> {
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
        .merge(super::instructor_api::routes())
        .fallback(not_found)
        .layer(axum::middleware::map_response(json_errors))
}

/// Errors made by axum itself (405, a path that does not decode) get the API's JSON shape.
async fn json_errors(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            ("method_not_allowed", "This endpoint does not take that method; see /api/v1/openapi.json.")
        }
        s if s.is_server_error() => {
            ("server_error", "Something went wrong on the server. Try again in a moment.")
        }
        _ => ("invalid_request", "The request could not be read: check the path and the body."),
    };
    let mut out = ApiError::new(status, code, message).into_response();
    if let Some(allow) = res.headers().get(axum::http::header::ALLOW) {
        out.headers_mut().insert(axum::http::header::ALLOW, allow.clone());
    }
    out
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no API endpoint here; see /api/v1/openapi.json.",
    )
}

/// Parse a JSON body; an empty body counts as `{}`. A byte order mark or another
/// invisible character around the JSON is named, as serde_json would only say what it
/// expected there.
pub(crate) fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let not_json = |why: String| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("The request body is not JSON: {why}."),
        )
    };
    if bytes.starts_with("\u{FEFF}".as_bytes()) {
        return Err(not_json(JsonError::ByteOrderMark.to_string()));
    }
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { bytes };
    serde_json::from_slice(text).map_err(|e| {
        let invisible = (!e.is_data())
            .then(|| std::str::from_utf8(text).ok().and_then(json::invisible_outside_strings))
            .flatten();
        if let Some(invisible) = invisible {
            return not_json(invisible.fix());
        }
        let code = if e.is_data() { "invalid_request" } else { "invalid_json" };
        ApiError::new(
            StatusCode::BAD_REQUEST,
            code,
            format!("The request body is not what this endpoint takes: {e}."),
        )
    })
}

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
    Extension(learner): Extension<LearnerId>,
    Path(slug): Path<String>,
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
    Extension(learner): Extension<LearnerId>,
    Path((slug, step)): Path<(String, String)>,
    bytes: Bytes,
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
    let CheckBody { input } = body(&bytes)?;
    match services.check_step(&learner, step, &input).await {
        Ok(checked) => Ok(Json(json!({
            "passed": checked.verdict.passed(),
            "findings": checked.verdict.findings,
            "exercise": checked.exercise,
            "jwt": checked.last.jwt,
        }))
        .into_response()),
        Err(ServiceError::Locked(locked)) => {
            Err(ApiError::new(StatusCode::CONFLICT, "step_locked", locked.to_string()))
        }
        Err(ServiceError::Store(err)) => Err(err.into()),
    }
}

async fn exercise_reset_post(
    State(services): State<Services>,
    Extension(learner): Extension<LearnerId>,
    Path(slug): Path<String>,
    bytes: Bytes,
) -> Result<StatusCode, ApiError> {
    known_exercise(&slug)?;
    let _: serde_json::Map<String, serde_json::Value> = body(&bytes)?;
    services.reset(&learner).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The authorization server this learner works against (built-in, or their own).
async fn exercise_provider_get(
    State(services): State<Services>,
    Extension(learner): Extension<LearnerId>,
    Path(slug): Path<String>,
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
    Extension(learner): Extension<LearnerId>,
    Path(slug): Path<String>,
    bytes: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    known_exercise(&slug)?;
    let ProviderBody { issuer, client_id, redirect_uri } = body(&bytes)?;
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
    Extension(learner): Extension<LearnerId>,
    Path(slug): Path<String>,
) -> Result<StatusCode, ApiError> {
    known_exercise(&slug)?;
    services.use_builtin_server(&learner).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn pkce_generate_post(bytes: Bytes) -> Result<Json<serde_json::Value>, ApiError> {
    let _: serde_json::Map<String, serde_json::Value> = body(&bytes)?;
    let verifier = app::services::random_verifier();
    let challenge = pkce::challenge_s256(&verifier);
    Ok(Json(json!({"verifier": verifier, "challenge": challenge})))
}

#[derive(Deserialize)]
struct ChallengeBody {
    verifier: String,
}

#[instrument(skip_all)]
async fn pkce_challenge_post(bytes: Bytes) -> Result<Json<serde_json::Value>, ApiError> {
    let ChallengeBody { verifier } = body(&bytes)?;
    // Trimmed as step 1 trims it, so the helper and the step agree on every input.
    let verifier = pkce::Verifier::parse_pasted(&verifier)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_verifier", e.to_string()))?;
    Ok(Json(json!({"challenge": verifier.challenge()})))
}

async fn practice_app_get(
    State(services): State<Services>,
    Extension(learner): Extension<LearnerId>,
) -> Result<Json<app::model::PracticeApp>, ApiError> {
    Ok(Json(services.practice_app(&learner).await?))
}

#[derive(Deserialize)]
struct ToggleBody {
    refresh_tokens_enabled: bool,
}

async fn practice_app_put(
    State(services): State<Services>,
    Extension(learner): Extension<LearnerId>,
    bytes: Bytes,
) -> Result<Json<app::model::PracticeApp>, ApiError> {
    let ToggleBody { refresh_tokens_enabled } = body(&bytes)?;
    Ok(Json(services.set_refresh_tokens(&learner, refresh_tokens_enabled).await?))
}

/// The API described as OpenAPI 3.1.
async fn openapi_get() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], include_str!("../../../docs/openapi.json"))
}
