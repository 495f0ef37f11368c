//! The token endpoint (RFC 6749 §3.2, §4.1.3, §6; RFC 7636 §4.5–4.6; RFC 9700 §4.14).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jsonwebtoken::{Algorithm, Header};
use oauthlab::exercises::refresh::token_sha256;
use oauthlab::oauth::id_token::IdTokenAlg;
use oauthlab::oauth::left_half_hash;
use oauthlab::oauth::OAuthErrorCode;
use oauthlab::pkce::{challenge_s256, Verifier};
use serde::Serialize;
use serde_json::{json, Value};
use tracing::instrument;

use super::access_token::{self, AccessClaims};
use super::client_auth::Client;
use super::error::{no_store, OAuthError};
use super::params::{Params, Repeated};
use super::scope::granted_scope;
use super::{random_secret, Practice};
use crate::storage::{FamilyRevocation, Redeemed, TokenKind, TokenRecord};
use app::services::now_unix;

/// OpenID Connect ID token claims (Core §2), for a request with the `openid` scope.
/// `c_hash` is never sent: only response_type=code is supported, and a code comes with
/// an ID token only in the hybrid flow (Core §3.3.2.11).
#[derive(Serialize)]
struct IdClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
    /// When the practice user last logged in (consented) for this client.
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    /// The left half of the access token's hash (Core §3.1.3.6).
    #[serde(skip_serializing_if = "Option::is_none")]
    at_hash: Option<String>,
    /// With the `profile` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    /// With the `email` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
}

pub async fn token_post(State(p): State<Practice>, headers: HeaderMap, body: Bytes) -> Response {
    let res = match token(&p, &headers, &body).await {
        Ok(json) => Json(json).into_response(),
        Err(err) => err.into_response(),
    };
    let res = super::cors::token_answer(&p, &headers, &body, res).await;
    no_store(res)
}

pub use super::error::repeated;

/// Read a form body, refusing any other kind and repeated parameters.
pub fn form(headers: &HeaderMap, body: &[u8]) -> Result<Params, OAuthError> {
    if !crate::shared::is_form(headers) {
        return Err(OAuthError::invalid_request(
            "Send the parameters as a form: Content-Type: application/x-www-form-urlencoded.",
        ));
    }
    let params = Params::parse(body).map_err(|too_many| OAuthError::invalid_request(too_many.to_string()))?;
    if let Some(name) = params.repeated() {
        return Err(repeated(Repeated(name.to_owned())));
    }
    Ok(params)
}

fn required<'a>(params: &'a Params, name: &str) -> Result<&'a str, OAuthError> {
    params
        .get(name)
        .map_err(repeated)?
        .ok_or_else(|| OAuthError::invalid_request(format!("{name} is missing.")))
}

#[instrument(skip_all)]
async fn token(p: &Practice, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
    let params = form(headers, body)?;
    let client = p.authenticate(headers, &params).await?;
    let grant_type = params.get("grant_type").map_err(repeated)?;
    if let Some(refused) = grant_type.and_then(|g| super::client_credentials::not_for(client.kind, g)) {
        return Err(refused);
    }
    match grant_type {
        Some("authorization_code") => code_grant(p, &client, &params).await,
        Some("refresh_token") => refresh_grant(p, &client, &params).await,
        Some("client_credentials") => super::client_credentials::grant(p, &client, &params).await,
        None => Err(OAuthError::invalid_request("grant_type is missing.")),
        Some(other) => Err(OAuthError::new(
            OAuthErrorCode::UnsupportedGrantType,
            format!(
                "grant_type {:?} is not supported here: use authorization_code, refresh_token or \
                 client_credentials.",
                other.chars().take(40).collect::<String>()
            ),
        )),
    }
}

async fn code_grant(p: &Practice, client: &Client, params: &Params) -> Result<Value, OAuthError> {
    let code = required(params, "code")?;
    let redirect_uri = required(params, "redirect_uri")?;
    let verifier = params.get("code_verifier").map_err(repeated)?.ok_or_else(|| {
        OAuthError::invalid_request("code_verifier is missing: this server requires PKCE (RFC 7636 §4.5).")
    })?;
    let verifier = Verifier::parse(verifier).map_err(|e| OAuthError::invalid_request(e.to_string()))?;
    let now = now_unix();
    let record = match p.codes.redeem_code(&token_sha256(code), now).await? {
        Redeemed::Unknown => {
            return Err(OAuthError::invalid_grant(
                "The authorization code is not valid: copy the code from the redirect exactly.",
            ))
        }
        Redeemed::Reused(record) => {
            // Recorded as a replayed code, so the grader can tell it from a revocation.
            p.tokens.revoke_family(&record.code_sha256, FamilyRevocation::CodeRedeemedTwice, now).await?;
            tracing::warn!(client_id = %record.client_id, "authorization code reused; its tokens are revoked");
            return Err(OAuthError::invalid_grant(
                "The authorization code was already used. Codes are single-use, and the tokens \
                 issued from this one are now revoked (RFC 9700): log in again for a new code.",
            ));
        }
        Redeemed::Fresh(record) => record,
    };
    // The code is spent now, whatever follows (RFC 6749 §4.1.2: use it once).
    const SPENT: &str = "The code is used up now: log in again for a new one.";
    if record.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(format!(
            "The authorization code was issued to another client. {SPENT}"
        )));
    }
    if now >= record.expires_at {
        return Err(OAuthError::invalid_grant(format!(
            "The authorization code expired ({} seconds after it was issued): log in again for a new one.",
            p.lifetimes.code
        )));
    }
    if record.redirect_uri != redirect_uri {
        return Err(OAuthError::invalid_grant(format!(
            "redirect_uri does not match the one in the authorization request (RFC 6749 §4.1.3). {SPENT}"
        )));
    }
    if challenge_s256(verifier.as_str()) != record.code_challenge {
        return Err(OAuthError::invalid_grant(format!(
            "code_verifier does not match the code_challenge of the authorization request \
             (RFC 7636 §4.6). {SPENT}"
        )));
    }
    let grant = Grant {
        family: &record.code_sha256,
        learner_id: &record.learner_id,
        scope: &record.scope,
        code_challenge: &record.code_challenge,
        grant_type: "authorization_code",
        parent: None,
        absolute_expires_at: now + p.lifetimes.refresh_absolute,
        nonce: record.nonce.as_deref(),
        redirect_uri: Some(&record.redirect_uri),
        nonce_sha256: record.nonce.as_deref().map(token_sha256),
        // The authorization endpoint accepts no other method.
        pkce_method: Some(PKCE_METHOD),
    };
    issue(p, client, &grant, now).await
}

async fn refresh_grant(p: &Practice, client: &Client, params: &Params) -> Result<Value, OAuthError> {
    let refresh_token = required(params, "refresh_token")?;
    if !client.app.refresh_tokens_enabled {
        return Err(OAuthError::new(
            OAuthErrorCode::UnauthorizedClient,
            "Refresh tokens are off for this application: tick the Refresh Token grant on the Practice app page.",
        ));
    }
    let asked = params.get("scope").map_err(repeated)?;
    let digest = token_sha256(refresh_token);
    // A scope the token cannot have is refused before an unused token is spent, so that
    // the corrected request does not look like a reuse. (A used one goes on to the reuse
    // detection below.)
    if asked.is_some() {
        if let Some(t) = p.tokens.find_token(&digest).await?.filter(|t| {
            t.kind == TokenKind::Refresh && t.client_id == client.client_id && t.used_at.is_none()
        }) {
            narrowed_scope(&t.scope, asked)?;
        }
    }
    let now = now_unix();
    let old = match p.tokens.redeem_refresh(&digest, &client.client_id, now).await? {
        Redeemed::Unknown => {
            return Err(OAuthError::invalid_grant("The refresh token is not valid for this client."))
        }
        Redeemed::Reused(old) if old.revoked_at.is_some() => {
            return Err(OAuthError::invalid_grant(
                "The refresh token was revoked: log in again for a new one.",
            ))
        }
        Redeemed::Reused(old) => {
            p.tokens.revoke_family(&old.family, FamilyRevocation::RefreshTokenRedeemedTwice, now).await?;
            tracing::warn!(client_id = %old.client_id, "refresh token reused; its family is revoked");
            return Err(OAuthError::invalid_grant(
                "The refresh token was already used. This server rotates refresh tokens: each \
                 refresh returns a new one. Using an old one again looks like theft, so every \
                 token from that login is now revoked: log in again.",
            ));
        }
        Redeemed::Fresh(old) => old,
    };
    if now >= old.expires_at || now >= old.absolute_expires_at {
        return Err(OAuthError::invalid_grant("The refresh token expired: log in again for a new one."));
    }
    let scope = narrowed_scope(&old.scope, asked)?;
    let grant = Grant {
        family: &old.family,
        learner_id: &old.learner_id,
        scope: &scope,
        code_challenge: &old.code_challenge,
        grant_type: "refresh_token",
        parent: Some(&old.token_sha256),
        absolute_expires_at: old.absolute_expires_at,
        nonce: None,
        // A refresh keeps the record of the authorization request the family started from.
        redirect_uri: old.redirect_uri.as_deref(),
        nonce_sha256: old.nonce_sha256.clone(),
        pkce_method: old.pkce_method.as_deref(),
    };
    issue(p, client, &grant, now).await
}

/// The scope of a refresh: the one granted, or the narrower one `asked` for (RFC 6749 §6).
fn narrowed_scope(granted: &str, asked: Option<&str>) -> Result<String, OAuthError> {
    let Some(asked) = asked else { return Ok(granted.to_owned()) };
    let granted: Vec<&str> = granted.split(' ').collect();
    if let Some(extra) = asked.split(' ').find(|s| !s.is_empty() && !granted.contains(s)) {
        return Err(OAuthError::new(
            OAuthErrorCode::InvalidScope,
            format!("A refresh cannot add scope {extra:?}: ask only for scopes granted at login."),
        ));
    }
    Ok(asked.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" "))
}

struct Grant<'a> {
    family: &'a str,
    learner_id: &'a str,
    scope: &'a str,
    code_challenge: &'a str,
    grant_type: &'static str,
    parent: Option<&'a str>,
    absolute_expires_at: i64,
    /// The authorization request's nonce (the code exchange only).
    nonce: Option<&'a str>,
    /// For the record (digests only): the redirect URI, the nonce's digest and the PKCE
    /// method of the authorization request the family started from.
    redirect_uri: Option<&'a str>,
    nonce_sha256: Option<String>,
    pkce_method: Option<&'a str>,
}

/// The one PKCE method the authorization endpoint accepts.
const PKCE_METHOD: &str = "S256";

/// Sign an ID token with the algorithm the client registered: the current generation's
/// RSA key for RS256 (the default), its EC key for ES256.
async fn sign_id_token(
    p: &Practice,
    claims: &IdClaims<'_>,
    alg: IdTokenAlg,
    now: i64,
) -> Result<String, OAuthError> {
    let signed = match alg {
        IdTokenAlg::Rs256 => {
            let key = p.keys.current_rsa(now).await?;
            let header = Header { kid: Some(key.kid.clone()), ..Header::new(Algorithm::RS256) };
            jsonwebtoken::encode(&header, claims, &key.encoding)
        }
        IdTokenAlg::Es256 => {
            let key = p.keys.current(now).await?;
            let header = Header { kid: Some(key.kid.clone()), ..Header::new(Algorithm::ES256) };
            jsonwebtoken::encode(&header, claims, &key.encoding)
        }
    };
    signed.map_err(|e| {
        tracing::error!(error = %e, "signing failed");
        OAuthError::server_error()
    })
}

/// Sign an access token, and make a refresh token when `offline_access` was granted (asked
/// for, and the application allows refresh tokens).
async fn issue(p: &Practice, client: &Client, g: &Grant<'_>, now: i64) -> Result<Value, OAuthError> {
    let key = p.keys.current(now).await?;
    // The practice user the learner logged in as: its tokens name it, not the learner.
    let user = oauthlab::practice_user::practice_user(&p.secrets.user_digest(g.learner_id));
    let jti = random_secret();
    let scope = granted_scope(g.scope, client.app.refresh_tokens_enabled);
    let exp = now + p.lifetimes.access_token;
    let claims = AccessClaims {
        iss: &p.issuer,
        sub: &user.sub,
        aud: super::client_credentials::practice_api(&p.issuer),
        exp,
        iat: now,
        nbf: now,
        jti: &jti,
        client_id: &client.client_id,
        scope: &scope,
    };
    let access_token = access_token::sign(&key, &claims)?;
    let record = |token: &str, kind, expires_at| TokenRecord {
        token_sha256: token_sha256(token),
        kind,
        family: g.family.to_owned(),
        client_id: client.client_id.clone(),
        learner_id: g.learner_id.to_owned(),
        scope: g.scope.to_owned(),
        grant_type: g.grant_type.to_owned(),
        code_challenge: g.code_challenge.to_owned(),
        parent_sha256: g.parent.map(str::to_owned),
        refresh_enabled: client.app.refresh_tokens_enabled,
        jti: (kind == TokenKind::Access).then(|| jti.clone()),
        issued_at: now,
        expires_at,
        absolute_expires_at: if kind == TokenKind::Access { exp } else { g.absolute_expires_at },
        used_at: None,
        revoked_at: None,
        client_auth: Some(client.auth_method.to_owned()),
        redirect_uri: g.redirect_uri.map(str::to_owned),
        nonce_sha256: g.nonce_sha256.clone(),
        granted_scope: Some(scope.clone()),
        pkce_method: g.pkce_method.map(str::to_owned),
        code_reused: false,
        resource: None,
        audience: (kind == TokenKind::Access).then(|| claims.aud.clone()),
    };
    p.tokens.insert_token(&record(&access_token, TokenKind::Access, exp)).await?;
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": p.lifetimes.access_token,
        "scope": scope,
    });
    if g.scope.split(' ').any(|s| s == "openid") {
        let auth_time = p.consents.consent(g.learner_id, &client.client_id).await?.map(|c| c.at);
        let has = |name: &str| g.scope.split(' ').any(|s| s == name);
        let claims = IdClaims {
            iss: &p.issuer,
            sub: &user.sub,
            aud: &client.client_id,
            exp,
            iat: now,
            auth_time,
            nonce: g.nonce,
            at_hash: left_half_hash(client.app.id_token_alg.as_str(), &access_token),
            name: has("profile").then_some(user.name.as_str()),
            email: has("email").then_some(user.email.as_str()),
            email_verified: has("email").then_some(true),
        };
        body["id_token"] = json!(sign_id_token(p, &claims, client.app.id_token_alg, now).await?);
    }
    if scope.split(' ').any(|s| s == "offline_access") {
        let refresh_token = random_secret();
        let idle_end = (now + p.lifetimes.refresh_idle).min(g.absolute_expires_at);
        p.tokens.insert_token(&record(&refresh_token, TokenKind::Refresh, idle_end)).await?;
        body["refresh_token"] = json!(refresh_token);
    }
    Ok(body)
}
