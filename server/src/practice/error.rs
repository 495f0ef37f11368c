//! OAuth errors (RFC 6749 §5.2) and the one response they all make.

use axum::http::header::{CACHE_CONTROL, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use oauthlab::oauth::OAuthErrorCode;
use serde_json::json;

#[derive(Debug)]
pub struct OAuthError {
    pub code: OAuthErrorCode,
    pub description: String,
}

impl OAuthError {
    pub fn new(code: OAuthErrorCode, description: impl Into<String>) -> Self {
        Self { code, description: description.into() }
    }
    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidRequest, d)
    }
    pub fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidGrant, d)
    }
    pub fn invalid_client(d: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidClient, d)
    }
    pub fn server_error() -> Self {
        Self::new(OAuthErrorCode::ServerError, "The practice server failed; try again.")
    }
}

impl From<app::services::store::StoreError> for OAuthError {
    fn from(err: app::services::store::StoreError) -> Self {
        tracing::error!(error = %err, "practice server storage failed");
        Self::server_error()
    }
}

/// `Cache-Control: no-store` and `Pragma: no-cache` on every token endpoint answer.
pub fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = match self.code {
            OAuthErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
            OAuthErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        let mut res =
            (status, Json(json!({"error": self.code.as_str(), "error_description": self.description})))
                .into_response();
        // A 401 names the scheme to use (RFC 7235 §3.1), whichever way the client tried.
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"OAuth Lab practice server\", charset=\"UTF-8\""),
            );
        }
        no_store(res)
    }
}

/// A parameter sent twice: `invalid_request`, naming it.
pub fn repeated(r: super::params::Repeated) -> OAuthError {
    OAuthError::invalid_request(format!("The {} parameter appears more than once (RFC 6749 §3.2).", r.0))
}
