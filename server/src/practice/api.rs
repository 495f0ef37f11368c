//! The practice API: a protected resource (RFC 6750) at `<site>/practice-api`, whose one
//! endpoint `GET /practice-api/reports` answers a valid access token for it with sample
//! reports and a one-time receipt. The receipt (stored as a digest, with the token's
//! digest and how the token was sent) lets the grader tell how the call was made.
//!
//! The token goes in the `Authorization: Bearer` header only (RFC 6750 §2.1): one in the
//! `access_token` query parameter (§2.3, which RFC 9700 §2.4 says not to use) is refused
//! with `invalid_request`, as is a token sent both ways.

use axum::extract::{RawQuery, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jsonwebtoken::{Algorithm, Validation};
use oauthlab::exercises::client_credentials::{Receipt, TokenVia, READ_SCOPE};
use oauthlab::exercises::refresh::token_sha256;
use serde::Deserialize;
use serde_json::{json, Value};
use tracing::instrument;

use super::client_credentials::practice_api;
use super::error::no_store;
use super::params::Params;
use super::{random_secret, Practice};
use app::services::now_unix;

/// The realm the practice API names in `WWW-Authenticate`.
pub const REALM: &str = "OAuth Lab practice API";
/// How long a receipt can be graded.
pub const RECEIPT_LIFETIME: i64 = 24 * 3600;
/// The longest access token read (the practice server's are well under 1 KiB).
pub const MAX_TOKEN_BYTES: usize = 4096;

/// The claims the practice API reads from an access token.
#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    client_id: String,
}

/// Why a call is refused (RFC 6750 §3.1).
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    /// No token at all: a plain challenge, no error code (§3.1).
    NoToken,
    InvalidRequest(&'static str),
    InvalidToken(&'static str),
    InsufficientScope,
}

/// RFC 6750 §3: `error_description` holds printable ASCII but `"` and `\`.
fn header_safe(text: &str) -> String {
    text.chars().filter(|c| matches!(c, ' '..='~') && *c != '"' && *c != '\\').collect()
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, code, description) = match self {
            Refusal::NoToken => (
                StatusCode::UNAUTHORIZED,
                None,
                "The request has no access token: send it as Authorization: Bearer <token>.",
            ),
            Refusal::InvalidRequest(d) => (StatusCode::BAD_REQUEST, Some("invalid_request"), d),
            Refusal::InvalidToken(d) => (StatusCode::UNAUTHORIZED, Some("invalid_token"), d),
            Refusal::InsufficientScope => (
                StatusCode::FORBIDDEN,
                Some("insufficient_scope"),
                "The token lacks the scope reports:read: get a token with scope=reports:read.",
            ),
        };
        let mut challenge = format!("Bearer realm=\"{REALM}\"");
        if let Some(code) = code {
            challenge
                .push_str(&format!(", error=\"{code}\", error_description=\"{}\"", header_safe(description)));
        }
        if code == Some("insufficient_scope") {
            challenge.push_str(&format!(", scope=\"{READ_SCOPE}\""));
        }
        let body = match code {
            Some(code) => json!({"error": code, "error_description": description}),
            None => json!({"error_description": description}),
        };
        let mut res = (status, Json(body)).into_response();
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            res.headers_mut().insert(WWW_AUTHENTICATE, v);
        }
        no_store(res)
    }
}

/// The bearer token of the `Authorization` header: `Ok(None)` without the header.
fn bearer(headers: &HeaderMap) -> Result<Option<&str>, Refusal> {
    let Some(value) = headers.get(AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| Refusal::InvalidToken("The Authorization header is not text."))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("Bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim()))
        }
        // Another scheme (Basic, say) is no token for this API: the plain challenge says
        // which to use.
        _ => Err(Refusal::NoToken),
    }
}

impl Practice {
    /// The token's claims when it is a valid access token for the practice API: signed
    /// by the practice server, unexpired, from its issuer, for this API, not revoked.
    async fn validate(&self, token: &str, now: i64) -> Result<Claims, Refusal> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Refusal::InvalidToken(
                "The access token is too long to be one of the practice server's.",
            ));
        }
        let not_ours = Refusal::InvalidToken(
            "The access token is not a JWT the practice server signed: send the access_token of a token response, unchanged.",
        );
        let header = jsonwebtoken::decode_header(token).map_err(|_| not_ours)?;
        if header.typ.as_deref().is_none_or(|t| !t.eq_ignore_ascii_case("at+jwt")) {
            return Err(Refusal::InvalidToken(
                "The token is not an access token (its typ is not at+jwt, RFC 9068): send the access_token, not the id_token.",
            ));
        }
        let keys = self.keys.published(now).await.map_err(|e| {
            tracing::error!(error = %e, "signing keys unreadable");
            Refusal::InvalidToken("The practice server could not read its keys: try again.")
        })?;
        let key = keys.iter().find(|k| Some(&k.kid) == header.kid.as_ref()).ok_or(Refusal::InvalidToken(
            "The token's kid names no key of the practice server: send a token it issued recently.",
        ))?;
        let decoding = key
            .decoding_key()
            .map_err(|_| Refusal::InvalidToken("The practice server could not read its keys: try again."))?;
        let mut validation = Validation::new(Algorithm::ES256);
        validation.leeway = 0;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[practice_api(&self.issuer)]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims = jsonwebtoken::decode::<Claims>(token, &decoding, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            Refusal::InvalidToken(match e.kind() {
                ErrorKind::ExpiredSignature => "The access token expired: get a new one.",
                ErrorKind::InvalidAudience => {
                    "The token is not for the practice API: ask for it with resource=<site>/practice-api."
                }
                ErrorKind::InvalidIssuer => "The token comes from another issuer than the practice server.",
                ErrorKind::InvalidSignature => "The token's signature is not valid: send it unchanged.",
                _ => "The access token is not valid: send the access_token of a token response, unchanged.",
            })
        })?;
        let revoked = self
            .tokens
            .find_token(&token_sha256(token))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "token lookup failed");
                Refusal::InvalidToken("The practice server could not check the token: try again.")
            })?
            .is_some_and(|t| t.revoked_at.is_some());
        if revoked {
            return Err(Refusal::InvalidToken("The access token was revoked: get a new one."));
        }
        Ok(claims.claims)
    }
}

/// A few sample reports, the same for everyone.
fn sample_reports() -> Value {
    json!([
        {"id": "r-1001", "title": "Weekly sign-ins", "status": "ready"},
        {"id": "r-1002", "title": "Token lifetimes", "status": "ready"},
        {"id": "r-1003", "title": "Failed logins by hour", "status": "draft"},
    ])
}

/// `GET /practice-api/reports`.
#[instrument(skip_all)]
pub async fn reports_get(
    State(p): State<Practice>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    match reports(&p, &headers, query.as_deref().unwrap_or_default()).await {
        Ok(body) => no_store(Json(body).into_response()),
        Err(refusal) => refusal.into_response(),
    }
}

async fn reports(p: &Practice, headers: &HeaderMap, query: &str) -> Result<Value, Refusal> {
    let params = Params::parse(query.as_bytes())
        .map_err(|_| Refusal::InvalidRequest("The query has too many parameters."))?;
    let in_query = params.get("access_token").map_or(true, |t| t.is_some());
    let in_header = bearer(headers)?;
    if in_query {
        return Err(Refusal::InvalidRequest(if in_header.is_some() {
            "Send the access token once, in the Authorization: Bearer header, not also in the query."
        } else {
            "The practice API takes no access_token in the URL, where logs keep it: send it as Authorization: Bearer <token>."
        }));
    }
    let token = in_header.ok_or(Refusal::NoToken)?;
    let now = now_unix();
    let claims = p.validate(token, now).await?;
    if !claims.scope.split(' ').any(|s| s == READ_SCOPE) {
        return Err(Refusal::InsufficientScope);
    }
    let receipt = random_secret();
    let record = Receipt { token_sha256: token_sha256(token), via: TokenVia::Header, used: false };
    if let Err(e) =
        p.receipts.insert_receipt(&token_sha256(&receipt), &record, now, now + RECEIPT_LIFETIME).await
    {
        tracing::error!(error = %e, "receipt not stored");
        return Err(Refusal::InvalidRequest("The practice API could not record the call: try again."));
    }
    Ok(json!({
        "sub": claims.sub,
        "scope": claims.scope,
        "client_id": claims.client_id,
        "reports": sample_reports(),
        "receipt": receipt,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_in_the_challenge_is_quoted_text_only() {
        assert_eq!(header_safe("a \"b\" \\ c§d"), "a b  cd");
    }

    #[test]
    fn each_refusal_has_its_status_and_challenge() {
        let cases = [
            (Refusal::NoToken, 401, "Bearer realm=\"OAuth Lab practice API\""),
            (
                Refusal::InvalidToken("x"),
                401,
                "Bearer realm=\"OAuth Lab practice API\", error=\"invalid_token\", error_description=\"x\"",
            ),
            (
                Refusal::InvalidRequest("y"),
                400,
                "Bearer realm=\"OAuth Lab practice API\", error=\"invalid_request\", error_description=\"y\"",
            ),
        ];
        for (refusal, status, challenge) in cases {
            let res = refusal.into_response();
            assert_eq!(res.status().as_u16(), status);
            assert_eq!(res.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()), Some(challenge));
        }
        let res = Refusal::InsufficientScope.into_response();
        assert_eq!(res.status().as_u16(), 403);
        let challenge = res.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(
            challenge.contains("error=\"insufficient_scope\"")
                && challenge.ends_with("scope=\"reports:read\"")
        );
    }
}
