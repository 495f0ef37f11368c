//! ES256 signing keys. Each generation's private key is derived from the server key, so
//! no private key is ever stored; the database lists generations and when they retired.
//! A retired key stays published while tokens signed with it can still be live.

use std::sync::Arc;

use app::services::store::StoreError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use oauthlab::exercises::refresh::SignatureCheck;

use crate::storage::{KeyRecord, KeyStore, ServerKey};

/// One generation's key pair.
pub struct SigningKey {
    pub generation: i64,
    pub kid: String,
    pub encoding: EncodingKey,
    pub x: String,
    pub y: String,
}

impl SigningKey {
    /// Derive generation `generation` from the server key.
    pub fn derive(server_key: &ServerKey, generation: i64) -> Result<Self, StoreError> {
        // A 32-byte string is a valid P-256 scalar unless it is 0 or >= n (odds ~2^-32).
        let secret = (0..16)
            .find_map(|attempt| {
                let bytes = server_key.mac("es256-signing-key", &format!("{generation}/{attempt}"));
                p256::SecretKey::from_slice(&bytes).ok()
            })
            .ok_or_else(|| StoreError("cannot derive a signing key".into()))?;
        let der = secret.to_pkcs8_der().map_err(|e| StoreError(format!("signing key: {e}")))?;
        let point = secret.public_key().to_encoded_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            return Err(StoreError("signing key: no public point".into()));
        };
        let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(format!("{x}.{y}")))[..16].to_owned();
        Ok(Self { generation, kid, encoding: EncodingKey::from_ec_der(der.as_bytes()), x, y })
    }

    /// The public half as a JWK (RFC 7517).
    pub fn jwk(&self) -> Value {
        json!({"kty": "EC", "crv": "P-256", "x": self.x, "y": self.y, "kid": self.kid,
               "use": "sig", "alg": "ES256"})
    }

    pub fn decoding_key(&self) -> Result<DecodingKey, StoreError> {
        DecodingKey::from_ec_components(&self.x, &self.y).map_err(|e| StoreError(e.to_string()))
    }
}

#[derive(Clone)]
pub struct KeyRing {
    store: Arc<dyn KeyStore>,
    server_key: ServerKey,
    /// How long a token signed with a retired key can live: the access token lifetime.
    token_lifetime: i64,
}

impl KeyRing {
    pub fn new(store: Arc<dyn KeyStore>, server_key: ServerKey, token_lifetime: i64) -> Self {
        Self { store, server_key, token_lifetime }
    }

    /// The key that signs new tokens; the first is made on first use.
    pub async fn current(&self, now: i64) -> Result<SigningKey, StoreError> {
        let keys = self.store.keys().await?;
        match keys.iter().find(|k| k.retired_at.is_none()) {
            Some(k) => SigningKey::derive(&self.server_key, k.generation),
            None => {
                let generation = keys.first().map_or(1, |k| k.generation + 1);
                self.add(generation, now).await
            }
        }
    }

    async fn add(&self, generation: i64, now: i64) -> Result<SigningKey, StoreError> {
        let key = SigningKey::derive(&self.server_key, generation)?;
        self.store
            .insert_key(&KeyRecord { generation, kid: key.kid.clone(), created_at: now, retired_at: None })
            .await?;
        Ok(key)
    }

    /// Retire the current key and start signing with a new one.
    pub async fn rotate(&self, now: i64) -> Result<SigningKey, StoreError> {
        let current = self.current(now).await?;
        self.store.retire_key(current.generation, now).await?;
        self.add(current.generation + 1, now).await
    }

    /// The keys a verifier may need: the current one and those retired less than a token
    /// lifetime ago.
    pub async fn published(&self, now: i64) -> Result<Vec<SigningKey>, StoreError> {
        self.current(now).await?;
        self.store
            .keys()
            .await?
            .into_iter()
            .filter(|k| k.retired_at.is_none_or(|at| now < at + self.token_lifetime))
            .map(|k| SigningKey::derive(&self.server_key, k.generation))
            .collect()
    }
}

impl KeyRing {
    /// Check an ES256 JWT's signature against the published keys.
    pub async fn check(&self, token: &str, header: &Header) -> Result<SignatureCheck, StoreError> {
        let keys = self.published(app::services::now_unix()).await?;
        let Some(key) = keys.iter().find(|k| Some(&k.kid) == header.kid.as_ref()) else {
            return Ok(SignatureCheck::UnknownKey);
        };
        Ok(signature_check(token, &key.decoding_key()?, Algorithm::ES256, key.kid.clone()))
    }
}

/// Whether `token` is signed by `key` with `alg` (signature only; `exp`, `aud` and the
/// other claims are the grader's to judge). Symmetric algorithms are refused: a public
/// JWKS can't verify them.
pub fn signature_check(token: &str, key: &DecodingKey, alg: Algorithm, kid: String) -> SignatureCheck {
    if matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
        return SignatureCheck::Invalid;
    }
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    match jsonwebtoken::decode::<serde_json::Value>(token, key, &validation) {
        Ok(_) => SignatureCheck::Verified { kid },
        Err(_) => SignatureCheck::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generation_always_derives_the_same_key_and_generations_differ() {
        let key = ServerKey::random();
        let a = SigningKey::derive(&key, 1).expect("derive");
        let again = SigningKey::derive(&key, 1).expect("derive");
        let b = SigningKey::derive(&key, 2).expect("derive");
        assert_eq!((a.kid.as_str(), a.x.as_str()), (again.kid.as_str(), again.x.as_str()));
        assert_ne!(a.kid, b.kid);
        let jwk = a.jwk();
        assert_eq!(jwk["kty"], "EC");
        assert!(jwk.get("d").is_none(), "no private part in a JWK");
    }
}
