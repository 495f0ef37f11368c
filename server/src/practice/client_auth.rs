//! Client authentication at the token, revocation and introspection endpoints:
//! `client_secret_basic` or `client_secret_post`, secrets compared in constant time; a
//! public client (`none`) sends its `client_id` only, and any secret it sends is refused.

use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use subtle::ConstantTimeEq;

use super::error::OAuthError;
use super::params::Params;
use super::Practice;
use app::services::store::PracticeAppRecord;
use app::services::LearnerId;
use oauthlab::exercises::client_credentials::ClientKind;

/// An authenticated client.
pub struct Client {
    pub client_id: String,
    pub learner: LearnerId,
    pub app: PracticeAppRecord,
    /// How it authenticated: `client_secret_basic`, `client_secret_post`, or `none` for
    /// the public client (RFC 7591 §2).
    pub auth_method: &'static str,
    /// Which of the learner's three clients it is.
    pub kind: ClientKind,
}

/// The credentials a request carries, and how. `Debug` leaves the secret out.
#[derive(PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    pub secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("secret", &"(redacted)")
            .finish()
    }
}

fn form_decode(part: &str) -> String {
    form_urlencoded::parse(format!("v={part}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Read the credentials: one method only (RFC 6749 §2.3).
pub fn credentials(headers: &HeaderMap, params: &Params) -> Result<Credentials, OAuthError> {
    let repeated = |r: super::params::Repeated| {
        OAuthError::invalid_request(format!("The {} parameter appears more than once.", r.0))
    };
    let body_id = params.get("client_id").map_err(repeated)?;
    let body_secret = params.get("client_secret").map_err(repeated)?;
    if let Some(header) = headers.get(AUTHORIZATION) {
        let basic = header
            .to_str()
            .ok()
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Basic"))
            .and_then(|(_, b64)| STANDARD.decode(b64.trim()).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok());
        let Some(decoded) = basic else {
            return Err(OAuthError::invalid_client(
                "The Authorization header is not HTTP Basic with base64 of client_id:client_secret.",
            ));
        };
        if body_secret.is_some() {
            return Err(OAuthError::invalid_request(
                "Use one client authentication method: HTTP Basic or client_secret in the body, not both.",
            ));
        }
        let Some((id, secret)) = decoded.split_once(':') else {
            return Err(OAuthError::invalid_client("HTTP Basic credentials need client_id:client_secret."));
        };
        let client_id = form_decode(id);
        if body_id.is_some_and(|b| b != client_id) {
            return Err(OAuthError::invalid_request(
                "client_id in the body differs from the one in HTTP Basic.",
            ));
        }
        return Ok(Credentials { client_id, secret: form_decode(secret) });
    }
    match (body_id, body_secret) {
        (Some(id), Some(secret)) => {
            Ok(Credentials { client_id: id.to_owned(), secret: secret.to_owned() })
        }
        (_, None) => Err(OAuthError::invalid_client(
            "Client authentication is required: send client_id and client_secret (HTTP Basic or in the body).",
        )),
        (None, Some(_)) => Err(OAuthError::invalid_client("client_id is missing.")),
    }
}

/// What a public client's request that carries a secret is told.
pub const PUBLIC_CLIENT_SECRET: &str = "This is a public client, and a public client has none: send only \
     client_id (no client_secret, no HTTP Basic) and prove the request with PKCE's code_verifier.";

/// The `client_id` a request names, in the body or in HTTP Basic, without judging it.
pub fn named_client_id(headers: &HeaderMap, params: &Params) -> Option<String> {
    credentials(headers, params)
        .ok()
        .map(|c| c.client_id)
        .or_else(|| params.get("client_id").ok().flatten().map(str::to_owned))
}

impl Practice {
    /// Authenticate the client a request speaks for: a confidential client (web or
    /// service) by its secret; the public client by its `client_id` alone.
    pub async fn authenticate(&self, headers: &HeaderMap, params: &Params) -> Result<Client, OAuthError> {
        // A public client sends no secret: its client_id is in the body, alone.
        let body_id = params.get("client_id").ok().flatten();
        let sends_secret = headers.contains_key(AUTHORIZATION)
            || params.get("client_secret").map_or(true, |secret| secret.is_some());
        if let (Some(id), false) = (body_id, sends_secret) {
            return match self.apps.find_client(id).await? {
                Some((learner, app, ClientKind::Public)) => Ok(Client {
                    client_id: id.to_owned(),
                    learner,
                    app,
                    auth_method: "none",
                    kind: ClientKind::Public,
                }),
                _ => Err(OAuthError::invalid_client(
                    "Client authentication is required: send client_id and client_secret (HTTP Basic or in the body).",
                )),
            };
        }
        let creds = credentials(headers, params)?;
        // `credentials` takes one method only: the header, or else the body.
        let auth_method =
            if headers.contains_key(AUTHORIZATION) { "client_secret_basic" } else { "client_secret_post" };
        let found = self.apps.find_client(&creds.client_id).await?;
        if let Some((_, _, ClientKind::Public)) = found {
            return Err(OAuthError::invalid_client(PUBLIC_CLIENT_SECRET));
        }
        // Compare against something even for an unknown client, so timing says nothing.
        let expected = self.secrets.secret_for(&creds.client_id);
        let matches: bool = expected.as_bytes().ct_eq(creds.secret.as_bytes()).into();
        match found {
            Some((learner, app, kind)) if matches => {
                Ok(Client { client_id: creds.client_id, learner, app, auth_method, kind })
            }
            _ => Err(OAuthError::invalid_client(
                "Client authentication failed: check client_id and client_secret on the Practice app page.",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn basic(id: &str, secret: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        let v = format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
        h.insert(AUTHORIZATION, HeaderValue::from_str(&v).expect("header"));
        h
    }

    #[test]
    fn credentials_come_from_basic_or_the_body_but_not_both() {
        let none = Params::parse(b"").expect("params");
        assert_eq!(
            credentials(&basic("lab_a", "s%3Acret"), &none).ok(),
            Some(Credentials { client_id: "lab_a".into(), secret: "s:cret".into() })
        );
        let body = Params::parse(b"client_id=lab_a&client_secret=x").expect("params");
        assert_eq!(
            credentials(&HeaderMap::new(), &body).ok(),
            Some(Credentials { client_id: "lab_a".into(), secret: "x".into() })
        );
        assert!(credentials(&basic("lab_a", "x"), &body).is_err());
        let missing =
            credentials(&HeaderMap::new(), &Params::parse(b"client_id=lab_a").expect("params")).err();
        assert_eq!(missing.map(|e| e.code), Some(oauthlab::oauth::OAuthErrorCode::InvalidClient));
        let mut garbage = HeaderMap::new();
        garbage.insert(AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        let refused = credentials(&garbage, &none).err();
        assert_eq!(refused.map(|e| e.code), Some(oauthlab::oauth::OAuthErrorCode::InvalidClient));
    }

    #[test]
    fn the_basic_scheme_name_is_case_insensitive() {
        let encoded = STANDARD.encode("lab_a:x");
        for scheme in ["Basic", "basic", "BASIC", "bAsIc"] {
            let mut h = HeaderMap::new();
            h.insert(AUTHORIZATION, HeaderValue::from_str(&format!("{scheme} {encoded}")).expect("header"));
            assert_eq!(
                credentials(&h, &Params::parse(b"").expect("params")).map(|c| c.client_id).ok(),
                Some("lab_a".into())
            );
        }
        let mut bearer = HeaderMap::new();
        bearer.insert(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {encoded}")).expect("header"));
        assert!(credentials(&bearer, &Params::parse(b"").expect("params")).is_err());
    }
}
