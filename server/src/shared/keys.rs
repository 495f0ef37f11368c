//! Signing keys: per generation an ES256 key (access tokens, and ID tokens for a client
//! that registered ES256) and an RSA-2048 key (RS256 ID tokens: OpenID Connect Discovery
//! requires RS256). Each generation's private keys are derived from the server key, so
//! no private key is ever stored; the database lists generations and when they retired.
//! A retired generation stays published while tokens signed with it can still be live.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use app::services::store::StoreError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use rand_chacha::rand_core::SeedableRng;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
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

/// One generation's RSA-2048 key pair, which signs RS256 ID tokens. Derived from the
/// server key like [`SigningKey`], but slowly (RSA key generation): [`KeyRing`] keeps the
/// keys it derived.
pub struct RsaSigningKey {
    pub generation: i64,
    pub kid: String,
    pub encoding: EncodingKey,
    /// The modulus and public exponent, base64url (RFC 7518 §6.3.1).
    pub n: String,
    pub e: String,
}

/// The RSA modulus size: 2048 bits, the least RFC 7518 §3.3 allows.
const RSA_BITS: usize = 2048;

impl RsaSigningKey {
    /// Derive generation `generation` from the server key: RSA key generation fed by a
    /// ChaCha20 stream seeded with a MAC of the generation, so the same key comes back
    /// after a restart. Takes a while: call it off the async threads.
    pub fn derive(server_key: &ServerKey, generation: i64) -> Result<Self, StoreError> {
        let seed = server_key.mac("rs256-signing-key", &generation.to_string());
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
        let private = rsa::RsaPrivateKey::new(&mut rng, RSA_BITS)
            .map_err(|e| StoreError(format!("cannot derive the RSA signing key: {e}")))?;
        let der = private.to_pkcs1_der().map_err(|e| StoreError(format!("RSA signing key: {e}")))?;
        let n = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(format!("{n}.{e}")))[..16].to_owned();
        Ok(Self { generation, kid, encoding: EncodingKey::from_rsa_der(der.as_bytes()), n, e })
    }

    /// The public half as a JWK (RFC 7517, RFC 7518 §6.3).
    pub fn jwk(&self) -> Value {
        json!({"kty": "RSA", "n": self.n, "e": self.e, "kid": self.kid, "use": "sig", "alg": "RS256"})
    }

    pub fn decoding_key(&self) -> Result<DecodingKey, StoreError> {
        DecodingKey::from_rsa_components(&self.n, &self.e).map_err(|e| StoreError(e.to_string()))
    }
}

/// How many generations' RSA keys are kept once derived: more than are ever published at
/// once unless keys are rotated every few minutes; past it the oldest is dropped (and
/// derived again if asked for).
const RSA_KEYS_KEPT: usize = 8;

type RsaCell = Arc<tokio::sync::OnceCell<Arc<RsaSigningKey>>>;

#[derive(Clone)]
pub struct KeyRing {
    store: Arc<dyn KeyStore>,
    server_key: ServerKey,
    /// How long a token signed with a retired key can live: the access token lifetime.
    token_lifetime: i64,
    /// The RSA keys derived so far, by generation (at most [`RSA_KEYS_KEPT`]); each is
    /// derived once, however many requests ask for it at the same time.
    rsa: Arc<Mutex<HashMap<i64, RsaCell>>>,
}

impl KeyRing {
    pub fn new(store: Arc<dyn KeyStore>, server_key: ServerKey, token_lifetime: i64) -> Self {
        Self { store, server_key, token_lifetime, rsa: Arc::default() }
    }

    /// Generation `generation`'s RSA key, derived on a blocking thread the first time.
    pub async fn rsa(&self, generation: i64) -> Result<Arc<RsaSigningKey>, StoreError> {
        let cell = {
            let mut cache = self.rsa.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if !cache.contains_key(&generation) && cache.len() >= RSA_KEYS_KEPT {
                if let Some(oldest) = cache.keys().min().copied() {
                    cache.remove(&oldest);
                }
            }
            cache.entry(generation).or_default().clone()
        };
        cell.get_or_try_init(|| async {
            let server_key = self.server_key.clone();
            tokio::task::spawn_blocking(move || RsaSigningKey::derive(&server_key, generation))
                .await
                .map_err(|e| StoreError(format!("RSA key derivation stopped: {e}")))?
                .map(Arc::new)
        })
        .await
        .cloned()
    }

    /// The RSA key that signs new RS256 ID tokens: the current generation's.
    pub async fn current_rsa(&self, now: i64) -> Result<Arc<RsaSigningKey>, StoreError> {
        let generation = self.current(now).await?.generation;
        self.rsa(generation).await
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

    /// The generations a verifier may need, newest first: the current one and those
    /// retired less than a token lifetime ago.
    async fn published_generations(&self, now: i64) -> Result<Vec<i64>, StoreError> {
        self.current(now).await?;
        Ok(self
            .store
            .keys()
            .await?
            .into_iter()
            .filter(|k| k.retired_at.is_none_or(|at| now < at + self.token_lifetime))
            .map(|k| k.generation)
            .collect())
    }

    /// The ES256 keys a verifier may need (see [`Self::jwks`] for all of them).
    pub async fn published(&self, now: i64) -> Result<Vec<SigningKey>, StoreError> {
        self.published_generations(now)
            .await?
            .into_iter()
            .map(|generation| SigningKey::derive(&self.server_key, generation))
            .collect()
    }

    /// The JWK Set's keys: each published generation's ES256 and RS256 keys.
    pub async fn jwks(&self, now: i64) -> Result<Vec<Value>, StoreError> {
        let mut keys = Vec::new();
        for generation in self.published_generations(now).await? {
            keys.push(SigningKey::derive(&self.server_key, generation)?.jwk());
            keys.push(self.rsa(generation).await?.jwk());
        }
        Ok(keys)
    }
}

impl KeyRing {
    /// Check a JWT's signature against the published keys: the key its `kid` names, with
    /// that key's algorithm (ES256 or RS256), whatever the header's `alg` says.
    pub async fn check(&self, token: &str, header: &Header) -> Result<SignatureCheck, StoreError> {
        let Some(kid) = header.kid.as_ref() else {
            return Ok(SignatureCheck::UnknownKey);
        };
        for generation in self.published_generations(app::services::now_unix()).await? {
            let ec = SigningKey::derive(&self.server_key, generation)?;
            if &ec.kid == kid {
                return Ok(signature_check(token, &ec.decoding_key()?, Algorithm::ES256, ec.kid.clone()));
            }
            let rsa = self.rsa(generation).await?;
            if &rsa.kid == kid {
                return Ok(signature_check(token, &rsa.decoding_key()?, Algorithm::RS256, rsa.kid.clone()));
            }
        }
        Ok(SignatureCheck::UnknownKey)
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

    #[tokio::test]
    async fn an_rsa_key_is_derived_once_per_generation_and_the_same_after_a_restart() {
        let key = ServerKey::random();
        let db = crate::storage::Db::open("sqlite::memory:").await.expect("db");
        let ring = KeyRing::new(Arc::new(db), key.clone(), 900);
        let a = ring.rsa(1).await.expect("derive");
        let cached = ring.rsa(1).await.expect("again");
        assert!(Arc::ptr_eq(&a, &cached), "derived once, then kept");
        let restarted = RsaSigningKey::derive(&key, 1).expect("derive");
        assert_eq!((a.kid.as_str(), a.n.as_str()), (restarted.kid.as_str(), restarted.n.as_str()));
        assert_eq!(URL_SAFE_NO_PAD.decode(&a.n).expect("n").len() * 8, RSA_BITS);
        let jwk = a.jwk();
        assert_eq!(
            (jwk["kty"].as_str(), jwk["alg"].as_str(), jwk["e"].as_str()),
            (Some("RSA"), Some("RS256"), Some("AQAB"))
        );
        assert!(jwk.get("d").is_none() && jwk.get("p").is_none(), "no private part in a JWK");
        // A token it signs verifies through the ring; one signed with `none` or HS256 does not.
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(ring.current_rsa(0).await.expect("current").kid.clone());
        let signed = jsonwebtoken::encode(
            &header,
            &json!({"sub": "x"}),
            &ring.current_rsa(0).await.expect("k").encoding,
        )
        .expect("sign");
        assert_eq!(
            ring.check(&signed, &header).await.expect("check"),
            SignatureCheck::Verified { kid: header.kid.clone().expect("kid") }
        );
        // A token naming the RSA key but signed otherwise is refused, whatever its `alg`:
        // HS256 with a guessed secret, or ES256 with the generation's EC key.
        let kid = header.kid.clone();
        let hs = Header { kid: kid.clone(), ..Header::new(Algorithm::HS256) };
        let hs_token =
            jsonwebtoken::encode(&hs, &json!({"sub": "x"}), &EncodingKey::from_secret(b"guess")).expect("hs");
        assert_eq!(ring.check(&hs_token, &hs).await.expect("check"), SignatureCheck::Invalid);
        let es = Header { kid, ..Header::new(Algorithm::ES256) };
        let ec = ring.current(0).await.expect("ec");
        let es_token = jsonwebtoken::encode(&es, &json!({"sub": "x"}), &ec.encoding).expect("es");
        assert_eq!(ring.check(&es_token, &es).await.expect("check"), SignatureCheck::Invalid);
    }
}
