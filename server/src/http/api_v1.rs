//! The JSON API v1 (`../shared/spec/http-api.md`): thin handlers over the same services
//! and core checks as the pages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tracing::instrument;
use utoipa::ToSchema;

use app::model::{ExerciseState, PracticeApp, ServerData};
use app::services::{Exercise, Services};
use oauthlab::exercises::refresh::DecodedJwt;
use oauthlab::exercises::{catalog, ExerciseInfo};
use oauthlab::pkce;
use oauthlab::verdict::{show, Finding};

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
        .route("/practice/app/allowed-origins", put(allowed_origins_put))
}

/// A body that must be a JSON object, whatever it holds.
type AnyObject = ApiJson<serde_json::Map<String, serde_json::Value>>;

/// The most characters of a name from the path said back in an error: the path may be
/// tens of kilobytes long.
const NAME_SHOWN: usize = 64;

fn known_exercise(slug: &str) -> Result<Exercise, ApiError> {
    Exercise::from_slug(slug).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_exercise",
            format!("There is no exercise called \"{}\".", show(slug, NAME_SHOWN)),
        )
    })
}

/// Every exercise the site offers, with its steps
#[utoipa::path(
    get, path = "/api/v1/exercises", tag = "exercises", operation_id = "listExercises",
    responses(
        (status = 200, description = "The exercises, in the order the home page lists them.",
         body = Vec<ExerciseInfo>),
    ),
)]
async fn exercises_get() -> Json<Vec<ExerciseInfo>> {
    Json(catalog())
}

/// This learner's progress in an exercise
#[utoipa::path(
    get, path = "/api/v1/exercises/{slug}", tag = "exercises", operation_id = "getExercise",
    responses(
        (status = 200, description = "The status of every step.", body = ExerciseState),
        (status = 404, response = super::openapi::responses::UnknownExercise),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn exercise_get(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    let exercise = known_exercise(&slug)?;
    Ok(Json(services.exercise_state(&learner, exercise).await?).into_response())
}

#[derive(Deserialize, ToSchema)]
#[schema(as = CheckRequest)]
struct CheckBody {
    /// What the learner pasted for this step.
    input: String,
}

/// The verdict of a check, and the exercise's state after it.
#[derive(Serialize, ToSchema)]
#[schema(as = Verdict)]
struct CheckAnswer {
    /// True when no finding of level `error` failed.
    passed: bool,
    /// Failed errors first, then warnings, then what passed.
    findings: Vec<Finding>,
    exercise: ExerciseState,
    /// For the token-response and refresh-response steps, the access token decoded when it
    /// is a JWT; otherwise null.
    #[schema(required = true)]
    jwt: Option<DecodedJwt>,
}

/// Check the learner's input for a step
///
/// Grades `input` for `step` and keeps the result. A step may be checked again after it
/// passed; passing it again clears what the later steps recorded. Outer ASCII whitespace
/// (space, tab, line breaks) of the input is ignored; any other character at either end is
/// graded.
#[utoipa::path(
    post, path = "/api/v1/exercises/{slug}/steps/{step}/check", tag = "exercises", operation_id = "checkStep",
    request_body(content = CheckBody, example = json!({"input": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"})),
    responses(
        (status = 200, description = "The verdict, whether or not the step passed, and the exercise's state after it.",
         body = CheckAnswer),
        (status = 400, response = super::openapi::responses::BadRequest),
        (status = 404, description = "No such exercise (`unknown_exercise`) or step (`unknown_step`).",
         body = super::ErrorBody,
         example = json!({"error": "unknown_step", "message": "There is no step \"verify\"; the steps are verifier, challenge, authorization-url, token-response, refresh-response."})),
        (status = 409, description = "`step_locked`: an earlier step has not passed yet.",
         body = super::ErrorBody, example = json!({"error": "step_locked", "message": "Complete step 1 first."})),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
#[instrument(skip_all, fields(step = %step))]
async fn step_check_post(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiPath((slug, step)): ApiPath<(String, String)>,
    ApiJson(CheckBody { input }): ApiJson<CheckBody>,
) -> Result<Response, ApiError> {
    let exercise = known_exercise(&slug)?;
    let index = exercise.step_index(&step).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_step",
            format!(
                "There is no step \"{}\"; the steps are {}.",
                show(&step, NAME_SHOWN),
                exercise.step_ids().join(", ")
            ),
        )
    })?;
    let checked = services.check(&learner, exercise, index, &input).await?;
    Ok(Json(CheckAnswer {
        passed: checked.verdict.passed(),
        findings: checked.verdict.findings,
        exercise: checked.exercise,
        jwt: checked.last.jwt,
    })
    .into_response())
}

/// Forget this learner's progress in an exercise
#[utoipa::path(
    post, path = "/api/v1/exercises/{slug}/reset", tag = "exercises", operation_id = "resetExercise",
    request_body(content = super::openapi::responses::EmptyBody, description = "`{}`; an empty body counts as `{}`.", example = json!({})),
    responses(
        (status = 204, description = "The progress is gone; the first step is current again."),
        (status = 400, response = super::openapi::responses::BadRequest),
        (status = 404, response = super::openapi::responses::UnknownExercise),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn exercise_reset_post(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiPath(slug): ApiPath<String>,
    _: AnyObject,
) -> Result<StatusCode, ApiError> {
    let exercise = known_exercise(&slug)?;
    services.reset(&learner, exercise).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The authorization server this learner works against
///
/// The built-in practice server unless the learner set up their own (Okta, Auth0,
/// Keycloak...) by issuer URL. Holds no secret.
#[utoipa::path(
    get, path = "/api/v1/exercises/{slug}/provider", tag = "exercises", operation_id = "getProvider",
    responses(
        (status = 200, description = "The server in use, and the last attempt to set one up.", body = ServerData),
        (status = 404, response = super::openapi::responses::UnknownExercise),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn exercise_provider_get(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<ServerData>, ApiError> {
    known_exercise(&slug)?;
    Ok(Json(services.server(&learner).await?))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = ProviderUpdate)]
struct ProviderBody {
    /// The issuer URL, e.g. https://dev-123456.okta.com/oauth2/default
    #[schema(examples("https://dev-123456.okta.com/oauth2/default"))]
    issuer: String,
    /// Optional: the application's client id there; step 3 then checks it.
    #[serde(default)]
    client_id: String,
    /// Optional: a redirect URI registered for it; step 3 then checks it.
    #[serde(default)]
    redirect_uri: String,
}

/// What setting up the learner's own server found.
#[derive(Serialize, ToSchema)]
#[schema(as = ProviderSetup)]
struct ProviderAnswer {
    /// Whether the server is now in use.
    passed: bool,
    /// Ids provider.issuer, provider.metadata, provider.issuer_match, provider.endpoints,
    /// provider.pkce, provider.refresh_token, provider.offline_access, provider.jwks,
    /// provider.client_id, provider.redirect_uri, provider.progress.
    findings: Vec<Finding>,
    provider: ServerData,
    exercise: ExerciseState,
}

/// Use the learner's own authorization server, found from its issuer URL
///
/// OAuth Lab reads the server's metadata (RFC 8414 `/.well-known/oauth-authorization-server`,
/// inserted then appended, then OpenID Connect `/.well-known/openid-configuration`), judges
/// it, and on success grades steps 3-5 against it, checking JWT access tokens with its
/// `jwks_uri`. A server that does not pass leaves the current one in place. Switching
/// servers starts steps 3-5 over. Plain `http` issuers are accepted only on loopback hosts,
/// and only when the site's public URL is itself on loopback; a site on a public address
/// refuses private and local addresses. No client secret is asked for.
#[utoipa::path(
    put, path = "/api/v1/exercises/{slug}/provider", tag = "exercises", operation_id = "setOwnProvider",
    request_body = ProviderBody,
    responses(
        (status = 200, description = "What was found; `passed` says whether the server is now in use.",
         body = ProviderAnswer),
        (status = 400, response = super::openapi::responses::BadRequest),
        (status = 404, response = super::openapi::responses::UnknownExercise),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
#[instrument(skip_all)]
async fn exercise_provider_put(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiPath(slug): ApiPath<String>,
    ApiJson(ProviderBody { issuer, client_id, redirect_uri }): ApiJson<ProviderBody>,
) -> Result<Json<ProviderAnswer>, ApiError> {
    let exercise = known_exercise(&slug)?;
    let mut server = services.set_own_server(&learner, &issuer, &client_id, &redirect_uri).await?;
    let verdict = server.last_attempt.take().map(|a| a.verdict).unwrap_or_default();
    Ok(Json(ProviderAnswer {
        passed: verdict.passed(),
        findings: verdict.findings,
        provider: server,
        exercise: services.exercise_state(&learner, exercise).await?,
    }))
}

/// Go back to the built-in practice server
#[utoipa::path(
    delete, path = "/api/v1/exercises/{slug}/provider", tag = "exercises", operation_id = "useBuiltinProvider",
    responses(
        (status = 204, description = "The built-in server is in use; steps 3-5 start over if another server was."),
        (status = 404, response = super::openapi::responses::UnknownExercise),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn exercise_provider_delete(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiPath(slug): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    known_exercise(&slug)?;
    services.use_builtin_server(&learner).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A code verifier and its S256 challenge.
#[derive(Serialize, ToSchema)]
#[schema(as = PkcePair)]
struct PkcePair {
    #[schema(pattern = "^[A-Za-z0-9._~-]{43,128}$")]
    verifier: String,
    /// BASE64URL(SHA256(verifier)), no padding.
    challenge: String,
}

/// A fresh code verifier and its S256 challenge
///
/// Stateless: nothing is recorded; the verifier comes from 32 random bytes,
/// base64url-encoded.
#[utoipa::path(
    post, path = "/api/v1/pkce/generate", tag = "pkce", operation_id = "generatePkce",
    security(()),
    request_body(content = super::openapi::responses::EmptyBody, description = "`{}`; an empty body counts as `{}`.", example = json!({})),
    responses(
        (status = 200, description = "A verifier and its challenge.", body = PkcePair,
         example = json!({
             "verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
             "challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
         })),
        (status = 400, response = super::openapi::responses::BadRequest),
    ),
)]
async fn pkce_generate_post(_: AnyObject) -> Json<PkcePair> {
    let verifier = app::services::random_verifier();
    let challenge = pkce::challenge_s256(&verifier);
    Json(PkcePair { verifier, challenge })
}

#[derive(Deserialize, ToSchema)]
#[schema(as = ChallengeRequest)]
struct ChallengeBody {
    verifier: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ChallengeResponse)]
struct ChallengeAnswer {
    /// BASE64URL(SHA256(verifier)), no padding.
    challenge: String,
}

/// The S256 challenge of a code verifier
///
/// Stateless: nothing is recorded. Outer ASCII whitespace of the verifier is ignored, as
/// step 1 ignores it.
#[utoipa::path(
    post, path = "/api/v1/pkce/challenge", tag = "pkce", operation_id = "pkceChallenge",
    security(()),
    request_body(content = ChallengeBody, example = json!({"verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"})),
    responses(
        (status = 200, description = "BASE64URL(SHA256(verifier)), without padding.", body = ChallengeAnswer,
         example = json!({"challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"})),
        (status = 400, description = "The body is not JSON (`invalid_json`) or not `{\"verifier\": <string>}` \
         (`invalid_request`), or the verifier breaks RFC 7636 §4.1 (`invalid_verifier`, with the reason).",
         body = super::ErrorBody,
         example = json!({"error": "invalid_verifier", "message": "The code verifier is 12 characters long; RFC 7636 §4.1 needs 43 to 128."})),
    ),
)]
#[instrument(skip_all)]
async fn pkce_challenge_post(
    ApiJson(ChallengeBody { verifier }): ApiJson<ChallengeBody>,
) -> Result<Json<ChallengeAnswer>, ApiError> {
    // Trimmed as step 1 trims it, so the helper and the step agree on every input.
    let verifier = pkce::Verifier::parse_pasted(&verifier)
        .map_err(|e| ApiError::bad_request("invalid_verifier", e.to_string()))?;
    Ok(Json(ChallengeAnswer { challenge: verifier.challenge() }))
}

/// This learner's practice application
///
/// Made on first use, with refresh tokens off. The client secret is the learner's own.
#[utoipa::path(
    get, path = "/api/v1/practice/app", tag = "practice", operation_id = "getPracticeApp",
    responses(
        (status = 200, description = "The application.", body = PracticeApp),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn practice_app_get(
    State(services): State<Services>,
    Learner(learner): Learner,
) -> Result<Json<PracticeApp>, ApiError> {
    Ok(Json(services.practice_app(&learner).await?))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = PracticeAppUpdate)]
struct ToggleBody {
    refresh_tokens_enabled: bool,
}

/// Allow or forbid refresh tokens for the practice application
///
/// The seeds' toggle: *Refresh Token* grant (Okta) / *Allow Offline Access* (Auth0).
#[utoipa::path(
    put, path = "/api/v1/practice/app", tag = "practice", operation_id = "setPracticeAppRefreshTokens",
    request_body(content = ToggleBody, example = json!({"refresh_tokens_enabled": true})),
    responses(
        (status = 200, description = "The application after the change.", body = PracticeApp),
        (status = 400, response = super::openapi::responses::BadRequest),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn practice_app_put(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiJson(ToggleBody { refresh_tokens_enabled }): ApiJson<ToggleBody>,
) -> Result<Json<PracticeApp>, ApiError> {
    Ok(Json(services.set_refresh_tokens(&learner, refresh_tokens_enabled).await?))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = AllowedOriginsUpdate)]
struct OriginsBody {
    /// Each an http(s) origin without path (`scheme://host[:port]`), at most 10.
    #[schema(max_items = 10)]
    allowed_origins: Vec<String>,
}

/// Set the public client's allowed origins
///
/// The token endpoint answers CORS for these origins only (never `*`). At most 10, each an
/// absolute http(s) origin without path, query or user; duplicates are dropped.
#[utoipa::path(
    put, path = "/api/v1/practice/app/allowed-origins", tag = "practice",
    operation_id = "setPracticeAppAllowedOrigins",
    request_body(content = OriginsBody, example = json!({"allowed_origins": ["http://localhost:5173"]})),
    responses(
        (status = 200, description = "The application after the change.", body = PracticeApp),
        (status = 400, response = super::openapi::responses::BadRequest),
        (status = 503, response = super::openapi::responses::ServerError),
    ),
)]
async fn allowed_origins_put(
    State(services): State<Services>,
    Learner(learner): Learner,
    ApiJson(OriginsBody { allowed_origins }): ApiJson<OriginsBody>,
) -> Result<Json<PracticeApp>, ApiError> {
    if allowed_origins.len() > app::services::store::MAX_ALLOWED_ORIGINS {
        return Err(ApiError::bad_request(
            "invalid_origin",
            format!("Give at most {} origins.", app::services::store::MAX_ALLOWED_ORIGINS),
        ));
    }
    // One rule for the page's text and the API's list: the parser reads them alike.
    if let Some(blank) = allowed_origins.iter().find(|o| o.trim().is_empty() || o.contains([' ', ',', '\n']))
    {
        let shown: String = blank.chars().take(60).collect();
        return Err(ApiError::bad_request(
            "invalid_origin",
            format!("{shown:?} is not one origin: give each as scheme://host[:port]."),
        ));
    }
    match services.set_allowed_origins(&learner, &allowed_origins.join("\n")).await? {
        Ok(app) => Ok(Json(app)),
        Err(bad) => Err(ApiError::bad_request("invalid_origin", bad.to_string())),
    }
}
