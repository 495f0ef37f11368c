//! HTTP pieces: the JSON API v1, the request guard, and the JSON error shape.

pub mod api_v1;
pub mod guard;
pub mod html;
pub mod instructor_api;
pub mod openapi;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// The request's media type is `mime` (parameters such as `charset` aside).
pub fn content_type_is(headers: &axum::http::HeaderMap, mime: &str) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(mime))
}

/// Every JSON error: `{"error": "<code>", "message": "<for a person>"}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Something went wrong on the server. Try again in a moment.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": self.code, "message": self.message}))).into_response()
    }
}

impl From<app::services::store::StoreError> for ApiError {
    fn from(err: app::services::store::StoreError) -> Self {
        tracing::error!(error = %err, "storage failed");
        Self::internal()
    }
}
