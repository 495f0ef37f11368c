//! The JSON API v1 on its own state ([`ApiState`]), the request guard (and the client
//! address it limits by), the JSON error
//! shape ([`ApiError`]) and the extractors that answer with it.

pub mod api_v1;
pub mod assets;
pub mod client;
mod extract;
pub mod guard;
pub mod health;
pub mod instructor_api;
pub mod metrics;
pub mod openapi;

use axum::extract::FromRef;
use axum::http::header::{HeaderValue, RETRY_AFTER};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Serialize;

use app::services::failure::{self, Failure};
use app::services::instructor::Instructors;
use app::services::Services;

pub use extract::{ApiJson, ApiPath, ApiQuery, Learner};

/// What the API's handlers take from the application.
#[derive(Clone, FromRef)]
pub struct ApiState {
    pub services: Services,
    pub instructors: Instructors,
}

/// The whole API, to nest at `/api/v1`: the learners' endpoints and the instructors'.
/// Every answer it makes, its own errors included (no route, wrong method, a path, query
/// or body that does not decode), has the JSON error shape.
pub fn routes() -> Router<ApiState> {
    api_v1::routes()
        .merge(instructor_api::routes())
        .merge(openapi::routes())
        .fallback(not_found)
        // Last, so that it applies to every route above.
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no API endpoint here; see /api/v1/openapi.json.",
    )
}

/// axum adds the `Allow` header to this answer.
async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This endpoint does not take that method; see /api/v1/openapi.json.",
    )
}

/// Every JSON error: `{"error": "<code>", "message": "<for a person>"}`, with
/// `Retry-After` when waiting helps.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds, sent as `Retry-After`.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
}

/// An action's error answers as its type decides (see [`Failure`]), as the same error
/// through a server function does; logged here when it is the server's own.
impl<E: Failure> From<E> for ApiError {
    fn from(err: E) -> Self {
        failure::log(&err);
        Self {
            status: err.status(),
            code: err.code(),
            message: err.message(),
            retry_after: err.retry_after(),
        }
    }
}

/// Every JSON error: the body of an `ApiError`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody<'a> {
    /// A stable code, e.g. `step_locked`.
    pub error: &'a str,
    /// What went wrong and how to fix it, for a person.
    pub message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: self.code, message: &self.message };
        let mut res = (self.status, Json(body)).into_response();
        if let Some(wait) = self.retry_after {
            res.headers_mut().insert(RETRY_AFTER, HeaderValue::from(wait));
        }
        res
    }
}
