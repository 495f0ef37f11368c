//! The UserInfo endpoint (OpenID Connect Core §5.3): the practice user's claims for an
//! access token with the `openid` scope, sent as an RFC 6750 bearer token.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use oauthlab::exercises::refresh::token_sha256;
use serde_json::{json, Value};
use tracing::instrument;

use super::error::no_store;
use super::params::Params;
use super::Practice;
use crate::storage::TokenKind;
use app::services::now_unix;

/// Why the UserInfo endpoint refuses a request (RFC 6750 §3.1).
#[derive(Debug, PartialEq, Eq)]
pub enum BearerError {
    /// No token sent: a 401 with only the scheme and realm (§3.1: no error code).
    Missing,
    InvalidRequest(&'static str),
    InvalidToken(&'static str),
    /// The token lacks the `openid` scope.
    InsufficientScope,
    Storage,
}

impl IntoResponse for BearerError {
    fn into_response(self) -> Response {
        let (status, error, description) = match self {
            BearerError::Missing => (StatusCode::UNAUTHORIZED, None, "Send the access token in an Authorization: Bearer header."),
            BearerError::InvalidRequest(d) => (StatusCode::BAD_REQUEST, Some("invalid_request"), d),
            BearerError::InvalidToken(d) => (StatusCode::UNAUTHORIZED, Some("invalid_token"), d),
            BearerError::InsufficientScope => (
                StatusCode::FORBIDDEN,
                Some("insufficient_scope"),
                "The access token lacks the openid scope: log in with scope openid for the UserInfo endpoint.",
            ),
            BearerError::Storage => (StatusCode::INTERNAL_SERVER_ERROR, None, "The practice server failed; try again."),
        };
        let mut challenge = "Bearer realm=\"OAuth Lab practice server\"".to_owned();
        if let Some(error) = error {
            // A header value is visible ASCII (RFC 9110 §5.5; RFC 6750 §3 limits
            // error_description so): the body keeps the full text.
            let ascii: String = description
                .replace('§', "section ")
                .chars()
                .filter(|c| (' '..='~').contains(c) && *c != '"' && *c != '\\')
                .collect();
            challenge.push_str(&format!(", error=\"{error}\", error_description=\"{ascii}\""));
        }
        if status == StatusCode::FORBIDDEN {
            challenge.push_str(", scope=\"openid\"");
        }
        let body = match error {
            Some(error) => json!({"error": error, "error_description": description}),
            None => json!({"error_description": description}),
        };
        let mut res = (status, Json(body)).into_response();
        if status != StatusCode::INTERNAL_SERVER_ERROR {
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                res.headers_mut().insert(WWW_AUTHENTICATE, value);
            }
        }
        no_store(res)
    }
}

#[instrument(skip_all)]
pub async fn userinfo_get(
    State(p): State<Practice>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    respond(userinfo(&p, &headers, query.as_deref(), None).await)
}

#[instrument(skip_all)]
pub async fn userinfo_post(
    State(p): State<Practice>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    respond(userinfo(&p, &headers, query.as_deref(), Some(&body)).await)
}

fn respond(result: Result<Value, BearerError>) -> Response {
    match result {
        Ok(claims) => no_store(Json(claims).into_response()),
        Err(err) => err.into_response(),
    }
}

/// The token from the `Authorization: Bearer` header (RFC 6750 §2.1) or, for a POST, a
/// form body's `access_token` (§2.2); one way only (§2). A token in the query (§2.3) is
/// refused: URLs end up in logs.
fn bearer_token(
    headers: &HeaderMap,
    query: Option<&str>,
    body: Option<&[u8]>,
) -> Result<String, BearerError> {
    let in_query = query
        .map(|q| {
            Params::parse(q.as_bytes()).map(|p| p.pairs().any(|(k, _)| k == "access_token")).unwrap_or(true)
        })
        .unwrap_or(false);
    if in_query {
        return Err(BearerError::InvalidRequest(
            "Do not send the access token in the URL: use an Authorization: Bearer header (RFC 6750 §2.3, §5.3).",
        ));
    }
    let header = match headers.get(AUTHORIZATION) {
        None => None,
        Some(value) => {
            let value = value
                .to_str()
                .map_err(|_| BearerError::InvalidRequest("The Authorization header is not readable text."))?;
            match value.split_once(' ') {
                Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
                    Some(token.trim().to_owned())
                }
                _ => {
                    return Err(BearerError::InvalidRequest(
                        "The Authorization header must read: Bearer followed by the access token (RFC 6750 §2.1).",
                    ))
                }
            }
        }
    };
    let form = match body {
        Some(body) if !body.is_empty() && crate::shared::is_form(headers) => {
            let params = Params::parse(body)
                .map_err(|_| BearerError::InvalidRequest("The form has too many parameters."))?;
            params
                .get("access_token")
                .map_err(|_| BearerError::InvalidRequest("access_token appears more than once."))?
                .map(str::to_owned)
        }
        _ => None,
    };
    match (header, form) {
        (Some(_), Some(_)) => Err(BearerError::InvalidRequest(
            "The access token was sent twice, in the header and the body: use one way only (RFC 6750 §2).",
        )),
        (Some(token), None) | (None, Some(token)) => Ok(token),
        (None, None) => Err(BearerError::Missing),
    }
}

async fn userinfo(
    p: &Practice,
    headers: &HeaderMap,
    query: Option<&str>,
    body: Option<&[u8]>,
) -> Result<Value, BearerError> {
    let token = bearer_token(headers, query, body)?;
    let record = p.tokens.find_token(&token_sha256(&token)).await.map_err(|e| {
        tracing::error!(error = %e, "practice server storage failed");
        BearerError::Storage
    })?;
    let Some(record) = record.filter(|t| t.kind == TokenKind::Access) else {
        return Err(BearerError::InvalidToken("This is not an access token the practice server issued."));
    };
    if record.revoked_at.is_some() {
        return Err(BearerError::InvalidToken("The access token was revoked: log in again for a new one."));
    }
    if !record.is_active(now_unix()) {
        return Err(BearerError::InvalidToken("The access token expired: refresh it or log in again."));
    }
    let scope = record.granted_scope.as_deref().unwrap_or(&record.scope);
    let has = |name: &str| scope.split(' ').any(|s| s == name);
    if !has("openid") {
        return Err(BearerError::InsufficientScope);
    }
    let user = oauthlab::practice_user::practice_user(&p.secrets.user_digest(&record.learner_id));
    let mut claims = json!({"sub": user.sub});
    if has("profile") {
        claims["name"] = json!(user.name);
    }
    if has("email") {
        claims["email"] = json!(user.email);
        claims["email_verified"] = json!(true);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_auth(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(value).expect("header"));
        h
    }

    #[test]
    fn the_token_comes_from_the_bearer_header_or_a_posted_form_and_never_the_query() {
        assert_eq!(bearer_token(&with_auth("Bearer abc"), None, None), Ok("abc".into()));
        assert_eq!(
            bearer_token(&with_auth("bearer abc"), None, None),
            Ok("abc".into()),
            "the scheme is case-insensitive"
        );
        assert_eq!(bearer_token(&HeaderMap::new(), None, None), Err(BearerError::Missing));
        assert!(matches!(
            bearer_token(&with_auth("Basic abc"), None, None),
            Err(BearerError::InvalidRequest(_))
        ));
        assert!(matches!(
            bearer_token(&HeaderMap::new(), Some("access_token=abc"), None),
            Err(BearerError::InvalidRequest(m)) if m.contains("URL")
        ));
        let mut form = HeaderMap::new();
        form.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        assert_eq!(bearer_token(&form, None, Some(b"access_token=abc")), Ok("abc".into()));
        let mut both = form.clone();
        both.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert!(matches!(
            bearer_token(&both, None, Some(b"access_token=abc")),
            Err(BearerError::InvalidRequest(_))
        ));
    }
}
