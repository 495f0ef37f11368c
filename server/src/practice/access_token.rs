//! RFC 9068 access tokens: the claims every access token of the practice server carries,
//! and their signing, for the token endpoint's grants alike.

use jsonwebtoken::{Algorithm, Header};
use serde::Serialize;

use super::error::OAuthError;
use crate::shared::keys::SigningKey;

/// RFC 9068 §2.2 access token claims.
#[derive(Serialize)]
pub struct AccessClaims<'a> {
    pub iss: &'a str,
    pub sub: &'a str,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: &'a str,
    pub client_id: &'a str,
    pub scope: &'a str,
}

/// The access token: `claims` signed ES256 with `key`, typed `at+jwt` (RFC 9068 §2.1).
pub fn sign(key: &SigningKey, claims: &AccessClaims<'_>) -> Result<String, OAuthError> {
    let mut header = Header::new(Algorithm::ES256);
    header.typ = Some("at+jwt".into());
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).map_err(|e| {
        tracing::error!(error = %e, "signing failed");
        OAuthError::server_error()
    })
}
