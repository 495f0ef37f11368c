//! Token revocation (RFC 7009) and introspection (RFC 7662), both for authenticated
//! clients and only about their own tokens.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use oauthlab::exercises::refresh::token_sha256;
use oauthlab::oauth::OAuthErrorCode;
use serde_json::{json, Value};
use tracing::instrument;

use super::error::{no_store, OAuthError};
use super::scope::granted_scope;
use super::token::{form, repeated};
use super::Practice;
use crate::storage::{FamilyRevocation, TokenKind};
use app::services::now_unix;

/// Both endpoints take an authenticated client and a `token`.
async fn client_and_token(
    p: &Practice,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(super::client_auth::Client, String), OAuthError> {
    let params = form(headers, body)?;
    let client = p.authenticate(headers, &params).await?;
    let token = params
        .get("token")
        .map_err(repeated)?
        .ok_or_else(|| OAuthError::invalid_request("token is missing."))?;
    Ok((client, token.to_owned()))
}

#[instrument(skip_all)]
pub async fn revoke_post(State(p): State<Practice>, headers: HeaderMap, body: Bytes) -> Response {
    let res = match revoke(&p, &headers, &body).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(err) => err.into_response(),
    };
    no_store(res)
}

async fn revoke(p: &Practice, headers: &HeaderMap, body: &[u8]) -> Result<(), OAuthError> {
    let (client, token) = client_and_token(p, headers, body).await?;
    let now = now_unix();
    // An unknown token gets 200 (RFC 7009 §2.2); another client's is refused (§2.1).
    let Some(record) = p.tokens.find_token(&token_sha256(&token)).await? else { return Ok(()) };
    if record.client_id != client.client_id {
        return Err(OAuthError::new(
            OAuthErrorCode::UnauthorizedClient,
            "This token was issued to another client: a client may revoke only its own tokens \
             (RFC 7009 §2.1).",
        ));
    }
    match record.kind {
        // A revoked refresh token takes its whole grant with it.
        TokenKind::Refresh => {
            p.tokens.revoke_family(&record.family, FamilyRevocation::RevokedByClient, now).await?
        }
        TokenKind::Access => p.tokens.revoke_token(&record.token_sha256, now).await?,
    }
    Ok(())
}

#[instrument(skip_all)]
pub async fn introspect_post(State(p): State<Practice>, headers: HeaderMap, body: Bytes) -> Response {
    let res = match introspect(&p, &headers, &body).await {
        Ok(value) => Json(value).into_response(),
        Err(err) => err.into_response(),
    };
    no_store(res)
}

async fn introspect(p: &Practice, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
    let (client, token) = client_and_token(p, headers, body).await?;
    let now = now_unix();
    let Some(t) = p.tokens.find_token(&token_sha256(&token)).await? else {
        return Ok(json!({"active": false}));
    };
    if t.client_id != client.client_id || !t.is_active(now) {
        return Ok(json!({"active": false}));
    }
    let mut answer = json!({
        "active": true,
        "scope": granted_scope(&t.scope, t.refresh_enabled),
        "client_id": t.client_id,
        // The practice user's, as in the token itself; never the learner's id.
        "sub": oauthlab::practice_user::practice_user(&p.secrets.user_digest(&t.learner_id)).sub,
        "iss": p.issuer,
        "iat": t.issued_at,
        "exp": t.expires_at.min(t.absolute_expires_at),
    });
    // token_type is a type of access token (RFC 7662 §2.2, RFC 6749 §7.1).
    if t.kind == TokenKind::Access {
        answer["token_type"] = json!("Bearer");
    }
    if let Some(jti) = t.jti {
        answer["jti"] = json!(jti);
        answer["aud"] = json!(format!("{}/practice-api", p.issuer));
    }
    Ok(answer)
}
