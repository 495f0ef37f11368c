//! The client credentials grant (RFC 6749 §4.4) for a learner's service client, with
//! resource indicators (RFC 8707) or Auth0's `audience`: a JWT access token (RFC 9068)
//! for the practice API, whose `sub` is the client, and no refresh token.
//!
//! Scope: the service client may have `reports:read` and `reports:write`. A request that
//! names no scope gets both (what the client may have, as Auth0 does: RFC 6749 §3.3 lets
//! the server pick a default), so the grader can tell a learner to ask for the least; a
//! scope the client may not have is `invalid_scope`.
//!
//! Audience: the one resource the practice server serves is `<site>/practice-api`. A
//! request that names none still gets a token for it (RFC 9068 §3: the server uses a
//! default resource), and the record says none was named.

use oauthlab::exercises::client_credentials::{ClientKind, READ_SCOPE, WRITE_SCOPE};
use oauthlab::exercises::refresh::token_sha256;
use oauthlab::oauth::OAuthErrorCode;
use serde_json::{json, Value};

use super::access_token::{self, AccessClaims};
use super::client_auth::Client;
use super::error::{repeated, OAuthError};
use super::params::Params;
use super::{random_secret, Practice};
use crate::storage::{TokenKind, TokenRecord};
use app::services::now_unix;

/// The scopes a service client may have, in the order a token names them.
pub const SERVICE_SCOPES: [&str; 2] = [READ_SCOPE, WRITE_SCOPE];

/// The practice API's identifier (RFC 8707 resource), on the site `issuer`.
pub fn practice_api(issuer: &str) -> String {
    format!("{}/practice-api", issuer.trim_end_matches('/'))
}

/// The refusal of a grant the client may not use: the service client uses only
/// client credentials, and only the service client uses them.
pub fn not_for(kind: ClientKind, grant_type: &str) -> Option<OAuthError> {
    let unauthorized = |m: &str| Some(OAuthError::new(OAuthErrorCode::UnauthorizedClient, m));
    match (kind, grant_type) {
        (ClientKind::Service, "authorization_code" | "refresh_token") => unauthorized(
            "The service client may use the client_credentials grant only: use the web or public \
             client of the Practice app page for a login.",
        ),
        (ClientKind::Web | ClientKind::Public, "client_credentials") => unauthorized(
            "Only the service client may use the client_credentials grant: send the service client's \
             client_id and client_secret from the Practice app page.",
        ),
        _ => None,
    }
}

/// The resource the request names (RFC 8707 `resource`, or `audience`), checked: the
/// practice API's identifier, or `None` when it names none.
fn named_resource(p: &Practice, params: &Params) -> Result<Option<String>, OAuthError> {
    let resource = params.get("resource").map_err(repeated)?;
    let audience = params.get("audience").map_err(repeated)?;
    let api = practice_api(&p.issuer);
    let target = |m: String| OAuthError::new(OAuthErrorCode::InvalidTarget, m);
    if let (Some(r), Some(a)) = (resource, audience) {
        if r != a {
            return Err(target(format!(
                "resource and audience name different APIs: send one of them, {api}."
            )));
        }
    }
    let Some(named) = resource.or(audience) else { return Ok(None) };
    let shown: String = named.chars().take(80).collect();
    let absolute = url::Url::parse(named).is_ok_and(|u| u.fragment().is_none() && u.has_host());
    if resource.is_some() && !absolute {
        return Err(target(format!(
            "resource {shown:?} is not an absolute URI without a fragment (RFC 8707 §2): send resource={api}."
        )));
    }
    if named != api {
        return Err(target(format!(
            "The practice server serves one API, {api}: ask for it as resource (not {shown:?})."
        )));
    }
    Ok(Some(api))
}

/// The scope granted: the one asked for, each a scope the service client may have; both
/// when none is asked for.
fn granted(params: &Params) -> Result<(String, String), OAuthError> {
    let asked = params.get("scope").map_err(repeated)?.unwrap_or_default();
    let scopes: Vec<&str> = asked.split(' ').filter(|s| !s.is_empty()).collect();
    if let Some(other) = scopes.iter().find(|s| !SERVICE_SCOPES.contains(s)) {
        let shown: String = other.chars().take(40).collect();
        return Err(OAuthError::new(
            OAuthErrorCode::InvalidScope,
            format!(
                "The service client may not have the scope {shown:?}: ask for {READ_SCOPE} (or \
                 {WRITE_SCOPE}), the practice API's scopes."
            ),
        ));
    }
    let granted: Vec<&str> = if scopes.is_empty() {
        SERVICE_SCOPES.to_vec()
    } else {
        SERVICE_SCOPES.into_iter().filter(|s| scopes.contains(s)).collect()
    };
    Ok((scopes.join(" "), granted.join(" ")))
}

/// Issue the service client's token.
pub async fn grant(p: &Practice, client: &Client, params: &Params) -> Result<Value, OAuthError> {
    let resource = named_resource(p, params)?;
    let (asked, scope) = granted(params)?;
    let now = now_unix();
    let key = p.keys.current(now).await?;
    let jti = random_secret();
    let exp = now + p.lifetimes.access_token;
    let claims = AccessClaims {
        iss: &p.issuer,
        // RFC 9068 §2.2: with no resource owner, the client is the subject.
        sub: &client.client_id,
        aud: resource.clone().unwrap_or_else(|| practice_api(&p.issuer)),
        exp,
        iat: now,
        nbf: now,
        jti: &jti,
        client_id: &client.client_id,
        scope: &scope,
    };
    let access_token = access_token::sign(&key, &claims)?;
    let record = TokenRecord {
        token_sha256: token_sha256(&access_token),
        kind: TokenKind::Access,
        // No code starts it: the token is a family of its own.
        family: format!("client_credentials:{jti}"),
        client_id: client.client_id.clone(),
        learner_id: client.learner.as_str().to_owned(),
        scope: asked,
        grant_type: "client_credentials".into(),
        code_challenge: String::new(),
        parent_sha256: None,
        refresh_enabled: false,
        jti: Some(jti.clone()),
        issued_at: now,
        expires_at: exp,
        absolute_expires_at: exp,
        used_at: None,
        revoked_at: None,
        client_auth: Some(client.auth_method.to_owned()),
        redirect_uri: None,
        nonce_sha256: None,
        granted_scope: Some(scope.clone()),
        pkce_method: None,
        code_reused: false,
        resource,
        audience: Some(claims.aud.clone()),
    };
    p.tokens.insert_token(&record).await?;
    Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": p.lifetimes.access_token,
        "scope": scope,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(body: &str) -> Params {
        Params::parse(body.as_bytes()).expect("params")
    }

    #[test]
    fn the_scope_granted_is_what_the_service_client_may_have() {
        let cases = [
            ("", ("", "reports:read reports:write")),
            ("scope=reports:read", ("reports:read", "reports:read")),
            (
                "scope=reports:write+reports:read",
                ("reports:write reports:read", "reports:read reports:write"),
            ),
        ];
        for (body, (asked, scope)) in cases {
            assert_eq!(granted(&params(body)).ok(), Some((asked.to_owned(), scope.to_owned())), "{body}");
        }
        for body in ["scope=openid", "scope=reports:read+offline_access", "scope=reports:delete"] {
            let refused = granted(&params(body)).err().map(|e| e.code);
            assert_eq!(refused, Some(OAuthErrorCode::InvalidScope), "{body}");
        }
    }

    #[test]
    fn only_the_service_client_uses_client_credentials_and_nothing_else() {
        for (kind, grant, refused) in [
            (ClientKind::Service, "client_credentials", false),
            (ClientKind::Service, "authorization_code", true),
            (ClientKind::Service, "refresh_token", true),
            (ClientKind::Web, "client_credentials", true),
            (ClientKind::Public, "client_credentials", true),
            (ClientKind::Web, "authorization_code", false),
            (ClientKind::Public, "refresh_token", false),
            (ClientKind::Service, "password", false),
        ] {
            let got = not_for(kind, grant).map(|e| e.code);
            assert_eq!(got.is_some(), refused, "{kind:?} {grant}");
            if refused {
                assert_eq!(got, Some(OAuthErrorCode::UnauthorizedClient));
            }
        }
    }
}
