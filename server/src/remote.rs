//! Talking to the learner's own authorization server: reading its metadata and its
//! JWKS over HTTP, and checking access-token signatures with either server's keys.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::services::store::{Fetcher, JwtVerifier, Keys, StoreError};
use async_trait::async_trait;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{DecodingKey, Header};
use oauthlab::exercises::refresh::SignatureCheck;
use oauthlab::oauth::discovery::{is_local_ip, not_public, Fetched, Reach};

use crate::shared::keys::{signature_check, KeyRing};

/// The most a metadata document or JWKS may weigh.
const MAX_DOCUMENT: usize = 256 * 1024;
const TIMEOUT: Duration = Duration::from_secs(5);

/// GETs JSON documents from other servers: no redirect followed, no proxy (whatever
/// `HTTP_PROXY`, `HTTPS_PROXY` or `ALL_PROXY` say), a few seconds at most, 256 KiB at
/// most. Nothing it fetches is a secret, and nothing is logged.
#[derive(Clone)]
pub struct HttpFetcher {
    client: reqwest::Client,
    reach: Reach,
}

impl HttpFetcher {
    /// A fetcher for a site that reaches `reach`: on a public site, addresses that are
    /// not public are refused, written in the URL or found for a host name. An error
    /// when the HTTP client can't be made (no TLS roots, say): start-up fails with it.
    pub fn new(reach: Reach) -> Result<Self, reqwest::Error> {
        let client = Self::builder(reach).build()?;
        Ok(Self { client, reach })
    }

    fn builder(reach: Reach) -> reqwest::ClientBuilder {
        let builder = match reach {
            Reach::Public => reqwest::Client::builder().dns_resolver(Arc::new(PublicOnly)),
            Reach::Loopback => reqwest::Client::builder(),
        };
        builder
            // A proxy from the environment would fetch on the server's behalf, from
            // wherever it stands, past the address checks.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(3))
            // Learners' servers are asked rarely: keep no connection to them open.
            .pool_max_idle_per_host(0)
            .user_agent(concat!("OAuthLab/", env!("CARGO_PKG_VERSION")))
    }

    /// Why `url` must not be fetched by this site: an address written in it that is not
    /// public, on a public site (a host name is checked when it is resolved).
    fn refused(&self, url: &str) -> Option<String> {
        if self.reach != Reach::Public {
            return None;
        }
        let ip = match url::Url::parse(url).ok()?.host()? {
            url::Host::Ipv4(ip) => std::net::IpAddr::V4(ip),
            url::Host::Ipv6(ip) => std::net::IpAddr::V6(ip),
            url::Host::Domain(_) => return None,
        };
        not_public(ip)
            .map(|why| format!("{ip} is not a public address ({why}), which this site does not reach"))
    }
}

/// Resolves host names to their public addresses only, so that a learner can't make
/// a public site fetch from its own network by a name that points there.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<_> = found.into_iter().filter(|a| !is_local_ip(a.ip())).collect();
            if public.is_empty() {
                let reason =
                    format!("{host} has only local or private addresses, which this site does not reach");
                return Err(reason.into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// Why a request got no answer, in words for the learner.
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        return format!("no answer within {} seconds", TIMEOUT.as_secs());
    }
    let mut source: &dyn std::error::Error = err;
    while let Some(inner) = source.source() {
        source = inner;
    }
    if err.is_connect() {
        format!("could not connect: {source}")
    } else {
        format!("the request failed: {source}")
    }
}

#[async_trait]
impl Fetcher for HttpFetcher {
    async fn get(&self, url: &str) -> Fetched {
        if let Some(reason) = self.refused(url) {
            return Fetched::Failed(reason);
        }
        let request = self.client.get(url).header(reqwest::header::ACCEPT, "application/json");
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(err) => return Fetched::Failed(describe(&err)),
        };
        if response.status() != reqwest::StatusCode::OK {
            return Fetched::Status(response.status().as_u16());
        }
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) if body.len() + chunk.len() > MAX_DOCUMENT => {
                    return Fetched::Failed(format!(
                        "the document is larger than {} KiB",
                        MAX_DOCUMENT / 1024
                    ))
                }
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(err) => return Fetched::Failed(describe(&err)),
            }
        }
        match String::from_utf8(body) {
            Ok(text) => Fetched::Document(text),
            Err(_) => Fetched::Failed("the document is not UTF-8 text".to_owned()),
        }
    }
}

/// How long another server's JWKS is trusted before it is read again.
const JWKS_TTL: Duration = Duration::from_secs(300);
/// A token with an unknown `kid` makes the JWKS be read again, at most this often; a
/// JWKS that could not be read is not asked again sooner either.
const JWKS_REFETCH: Duration = Duration::from_secs(30);
/// The most JWKS kept; the least recently used one makes room.
const JWKS_CACHE_ENTRIES: NonZeroUsize = match NonZeroUsize::new(256) {
    Some(n) => n,
    None => panic!("the JWKS cache holds at least one entry"),
};

/// What is known of one `jwks_uri`.
#[derive(Clone)]
struct Cached {
    /// The keys last read, and when (none yet when every read failed).
    keys: Vec<Jwk>,
    read_at: Option<Instant>,
    /// The last read, and why it failed if it did.
    tried_at: Instant,
    failure: Option<String>,
}

/// Checks signatures with the practice server's keys, or with another server's JWKS
/// (fetched and kept for a few minutes; a failed fetch is remembered for half a minute,
/// so that pasting tokens can't make the server ask a dead host again and again).
pub struct TokenVerifier {
    ring: KeyRing,
    fetcher: Arc<dyn Fetcher>,
    cache: Mutex<lru::LruCache<String, Cached>>,
}

impl TokenVerifier {
    pub fn new(ring: KeyRing, fetcher: Arc<dyn Fetcher>) -> Self {
        Self::with_capacity(ring, fetcher, JWKS_CACHE_ENTRIES)
    }

    fn with_capacity(ring: KeyRing, fetcher: Arc<dyn Fetcher>, entries: NonZeroUsize) -> Self {
        Self { ring, fetcher, cache: Mutex::new(lru::LruCache::new(entries)) }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, lru::LruCache<String, Cached>> {
        self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Read the JWKS and remember what came of it; a failure keeps the keys read before.
    async fn fetch(&self, jwks_uri: &str) -> Result<Vec<Jwk>, String> {
        let read = match self.fetcher.get(jwks_uri).await {
            Fetched::Document(body) => parse_jwks(&body),
            Fetched::Status(code) => Err(format!("HTTP {code} from {jwks_uri}")),
            Fetched::Failed(reason) => Err(reason),
        };
        let now = Instant::now();
        let mut cache = self.cache();
        let entry = match &read {
            Ok(keys) => Cached { keys: keys.clone(), read_at: Some(now), tried_at: now, failure: None },
            Err(reason) => {
                let before =
                    cache.get(jwks_uri).filter(|c| c.read_at.is_some_and(|at| at.elapsed() < JWKS_TTL));
                let (keys, read_at) = before.map(|c| (c.keys.clone(), c.read_at)).unwrap_or_default();
                Cached { keys, read_at, tried_at: now, failure: Some(reason.clone()) }
            }
        };
        cache.put(jwks_uri.to_owned(), entry);
        read
    }

    async fn published(&self, jwks_uri: &str, token: &str, header: &Header) -> SignatureCheck {
        let cached = self.cache().get(jwks_uri).cloned();
        let keys = match cached {
            Some(c)
                if c.read_at.is_some_and(|at| at.elapsed() < JWKS_TTL) && find(&c.keys, header).is_some() =>
            {
                c.keys
            }
            Some(c) if c.tried_at.elapsed() < JWKS_REFETCH => match c.failure {
                Some(reason) => return SignatureCheck::Unavailable { reason },
                None => c.keys,
            },
            _ => match self.fetch(jwks_uri).await {
                Ok(keys) => keys,
                Err(reason) => return SignatureCheck::Unavailable { reason },
            },
        };
        let Some(jwk) = find(&keys, header) else {
            return SignatureCheck::UnknownKey;
        };
        let kid = jwk.common.key_id.clone().unwrap_or_else(|| "(no kid)".to_owned());
        // A key published for one algorithm verifies no other (RFC 7517 §4.4): an RS256
        // key does not check an RS384 token. (The key's type must suit the header's
        // `alg` too, RSA for RS256 and EC for ES256: the decoding refuses a mismatch, and
        // `signature_check` refuses HS*; `none` never parses as a header.)
        if jwk.common.key_algorithm.is_some_and(|a| a.to_string() != format!("{:?}", header.alg)) {
            return SignatureCheck::Invalid;
        }
        match DecodingKey::from_jwk(jwk) {
            Ok(key) => signature_check(token, &key, header.alg, kid),
            Err(_) => SignatureCheck::Invalid,
        }
    }
}

/// The usable keys of a JWK Set: a key this library can't read (an encryption key of
/// another kind, say) is skipped, not an error.
fn parse_jwks(body: &str) -> Result<Vec<Jwk>, String> {
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|_| "the jwks_uri document is not JSON".to_owned())?;
    let keys = value
        .get("keys")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| "the jwks_uri document is not a JWK Set (no \"keys\" array)".to_owned())?;
    Ok(keys.iter().filter_map(|k| serde_json::from_value(k.clone()).ok()).collect())
}

/// The key the token names by `kid`; without a `kid`, the one signing key there is.
fn find<'a>(keys: &'a [Jwk], header: &Header) -> Option<&'a Jwk> {
    let signing = |k: &&Jwk| k.common.public_key_use != Some(jsonwebtoken::jwk::PublicKeyUse::Encryption);
    match &header.kid {
        Some(kid) => keys.iter().find(|k| k.common.key_id.as_ref() == Some(kid)),
        None => {
            let mut candidates = keys.iter().filter(signing);
            match (candidates.next(), candidates.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        }
    }
}

#[async_trait]
impl JwtVerifier for TokenVerifier {
    /// The signature only: the grader checks `iss` and `exp` itself, and says so.
    async fn verify(&self, token: &str, keys: Keys<'_>) -> Result<Option<SignatureCheck>, StoreError> {
        let Ok(header) = jsonwebtoken::decode_header(token) else {
            // A JWT whose header names no algorithm a key can verify (`"alg": "none"`,
            // say) is not signed by the server, whoever's keys are asked.
            let is_jwt = oauthlab::oauth::jwt::decode_unverified(token).is_some();
            return Ok(is_jwt.then_some(SignatureCheck::Invalid));
        };
        Ok(Some(match keys {
            Keys::Builtin => self.ring.check(token, &header).await?,
            Keys::Published(jwks_uri) => self.published(jwks_uri, token, &header).await,
        }))
    }

    async fn signing_kid(&self) -> Result<Option<String>, StoreError> {
        Ok(Some(self.ring.current(app::services::now_unix()).await?.kid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as URL_SAFE_NO_PAD_ENGINE;
    use base64::Engine;

    const EC: &str = r#"{"kty":"EC","crv":"P-256","kid":"sig-1","use":"sig","alg":"ES256",
        "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
    const ENC: &str = r#"{"kty":"EC","crv":"P-256","kid":"enc-1","use":"enc",
        "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;

    fn header(kid: Option<&str>) -> Header {
        Header { kid: kid.map(str::to_owned), ..Header::new(jsonwebtoken::Algorithm::ES256) }
    }

    #[tokio::test]
    async fn a_public_site_refuses_names_that_point_into_its_own_network() {
        use reqwest::dns::Resolve;
        let name: reqwest::dns::Name = "localhost".parse().expect("name");
        let err = PublicOnly.resolve(name).await.err().expect("refused");
        assert!(err.to_string().contains("only local or private addresses"), "{err}");
        // And through a real request: the reason reaches the learner.
        let fetched = HttpFetcher::new(Reach::Public)
            .expect("client")
            .get("http://localhost:9/.well-known/openid-configuration")
            .await;
        match fetched {
            Fetched::Failed(reason) => {
                assert!(reason.contains("only local or private addresses"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_public_site_refuses_non_public_address_literals_without_connecting() {
        let public = HttpFetcher::new(Reach::Public).expect("client");
        for (url, range) in [
            ("https://100.64.0.1/keys", "100.64.0.0/10"),
            ("http://127.0.0.1:9/keys", "127.0.0.0/8"),
            ("https://[::ffff:10.0.0.1]/keys", "10.0.0.0/8"),
            ("https://[64:ff9b::a9fe:a9fe]/keys", "169.254.0.0/16"),
            ("https://[2002:a00:1::1]/keys", "2002::/16"),
        ] {
            match public.get(url).await {
                Fetched::Failed(reason) => {
                    assert!(
                        reason.contains("not a public address") && reason.contains(range),
                        "{url}: {reason}"
                    )
                }
                other => panic!("{url}: {other:?}"),
            }
        }
        let loopback = HttpFetcher::new(Reach::Loopback).expect("client");
        assert_eq!(loopback.refused("http://127.0.0.1:9/keys"), None, "a learner's own machine reaches it");
        assert_eq!(public.refused("https://8.8.8.8/keys"), None);
        assert_eq!(public.refused("https://kc.example/keys"), None, "names are checked when resolved");
    }

    /// Answers every GET with the same thing, and counts them.
    struct Counting {
        answer: Mutex<Fetched>,
        gets: std::sync::atomic::AtomicUsize,
    }

    impl Counting {
        fn new(answer: Fetched) -> Arc<Self> {
            Arc::new(Self { answer: Mutex::new(answer), gets: Default::default() })
        }
        fn gets(&self) -> usize {
            self.gets.load(std::sync::atomic::Ordering::SeqCst)
        }
    }

    #[async_trait]
    impl Fetcher for Counting {
        async fn get(&self, _: &str) -> Fetched {
            self.gets.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.answer.lock().expect("answer").clone()
        }
    }

    async fn ring() -> KeyRing {
        let db = crate::storage::Db::open("sqlite::memory:").await.expect("db");
        KeyRing::new(Arc::new(db), crate::storage::ServerKey::random(), 900)
    }

    #[tokio::test]
    async fn a_published_key_verifies_only_its_own_algorithm() {
        let jwks = |alg: &str, kty: &str| {
            Fetched::Document(format!(
                r#"{{"keys": [{{"kty":"{kty}","kid":"rsa-1","use":"sig","alg":"{alg}","n":"{RS256_N}","e":"AQAB"}}]}}"#
            ))
        };
        let keys = Keys::Published("https://kc.example/keys");
        let verify = |answer: Fetched| async move {
            let verifier = TokenVerifier::new(ring().await, Counting::new(answer));
            verifier.verify(RS256_TOKEN, keys).await.expect("verify")
        };
        assert_eq!(
            verify(jwks("RS256", "RSA")).await,
            Some(SignatureCheck::Verified { kid: "rsa-1".into() })
        );
        assert_eq!(
            verify(jwks("RS384", "RSA")).await,
            Some(SignatureCheck::Invalid),
            "another RSA algorithm"
        );
        assert_eq!(verify(jwks("ES256", "RSA")).await, Some(SignatureCheck::Invalid), "an EC algorithm");
    }

    #[tokio::test]
    async fn a_jwks_that_could_not_be_read_is_not_asked_again_for_a_while() {
        let fetcher = Counting::new(Fetched::Failed("could not connect: refused".into()));
        let verifier = TokenVerifier::new(ring().await, fetcher.clone());
        let keys = Keys::Published("https://dead.example/keys");
        for _ in 0..5 {
            let check = verifier.verify(RS256_TOKEN, keys).await.expect("verify");
            assert_eq!(
                check,
                Some(SignatureCheck::Unavailable { reason: "could not connect: refused".into() })
            );
        }
        assert_eq!(fetcher.gets(), 1, "one read for five tokens");
        // Once the half minute is over, it is read again.
        if let Some(c) = verifier.cache().get_mut("https://dead.example/keys") {
            c.tried_at -= JWKS_REFETCH;
        }
        *fetcher.answer.lock().expect("answer") = Fetched::Document(format!(
            r#"{{"keys": [{{"kty":"RSA","kid":"rsa-1","use":"sig","alg":"RS256","n":"{RS256_N}","e":"AQAB"}}]}}"#
        ));
        let check = verifier.verify(RS256_TOKEN, keys).await.expect("verify");
        assert_eq!(check, Some(SignatureCheck::Verified { kid: "rsa-1".into() }));
        assert_eq!(fetcher.gets(), 2);
        // A failure after that keeps the keys read before for the tokens they sign.
        if let Some(c) = verifier.cache().get_mut("https://dead.example/keys") {
            c.tried_at -= JWKS_REFETCH;
            c.read_at = c.read_at.map(|at| at - JWKS_REFETCH);
        }
        *fetcher.answer.lock().expect("answer") = Fetched::Status(503);
        let other_kid = format!(
            "{}.{}",
            URL_SAFE_NO_PAD_ENGINE.encode(r#"{"alg":"RS256","kid":"rsa-2"}"#),
            RS256_TOKEN.split_once('.').map(|(_, rest)| rest).unwrap_or_default()
        );
        let check = verifier.verify(&other_kid, keys).await.expect("verify");
        assert_eq!(
            check,
            Some(SignatureCheck::Unavailable { reason: "HTTP 503 from https://dead.example/keys".into() })
        );
        let check = verifier.verify(RS256_TOKEN, keys).await.expect("verify");
        assert_eq!(check, Some(SignatureCheck::Verified { kid: "rsa-1".into() }));
        assert_eq!(fetcher.gets(), 3);
    }

    #[tokio::test]
    async fn the_jwks_cache_is_bounded_and_makes_room_by_dropping_the_least_recently_used() {
        let fetcher = Counting::new(Fetched::Status(503));
        let two = NonZeroUsize::new(2).expect("two");
        let verifier = TokenVerifier::with_capacity(ring().await, fetcher.clone(), two);
        let check = |uri: &'static str| verifier.verify(RS256_TOKEN, Keys::Published(uri));
        check("https://a.example/keys").await.expect("verify");
        check("https://b.example/keys").await.expect("verify");
        check("https://a.example/keys").await.expect("verify"); // a is now the most recent
        assert_eq!(fetcher.gets(), 2);
        check("https://c.example/keys").await.expect("verify"); // b makes room
        assert_eq!(fetcher.gets(), 3);
        assert_eq!(verifier.cache().len(), 2);
        check("https://a.example/keys").await.expect("verify");
        assert_eq!(fetcher.gets(), 3, "a was kept");
        check("https://b.example/keys").await.expect("verify");
        assert_eq!(fetcher.gets(), 4, "b was dropped");
        assert_eq!(JWKS_CACHE_ENTRIES.get(), 256);
    }

    /// An RS256 token and its key, as Okta, Auth0 and Keycloak sign (made once with
    /// `openssl genrsa` and `openssl dgst -sha256 -sign`; the private key was discarded).
    const RS256_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2tjLmV4YW1wbGUvcmVhbG1zL2xhYiIsInN1YiI6ImxlYXJuZXItNyIsImF1ZCI6ImFjY291bnQiLCJpYXQiOjE3NjcyMjU2MDAsImV4cCI6MTc2NzIyOTIwMCwic2NvcGUiOiJvcGVuaWQgb2ZmbGluZV9hY2Nlc3MifQ.DHhI48hwSc9ENw5xrnnhowvGghlo0VstQtW3PYon4jtBbP5qL14yWxOvr8HHb3akgR5rBtvvE4azq-fij7XHNukwl748aBrAqWKmcFl0Pq3wgGuOtk-kItd78GzZNCEpQH-INWFjXCyN744ObgDr5rJIanpCWDaz_C7pV5Pvb6VZl0ApI8B83Dq4iTd_Q-0DigyJuuNaLjLhvm5BW6TZukrwjFKCuXki96T-3E6gORNUtY6qpxp5N3xSxIdh1Z7RM031gDWm-KKyjQJg8YBvfVu5RHr3Mh1vPksltnxwK7aOgepjEwZONC3Pt2O_Ba93h4rRbQVeRIb9B8BSykMGSw";
    const RS256_N: &str = "q0GeoNdAo5-XkfoCuZqhq44Wc9Vj-uB1mNdqx7tPDaNW7XWrQuhiHPj5H7q1C86hqRVl0HZCic8EGk-dUD1bqsP1T4DdTKTDm_wqFmddTSUXEJpLHHssDv_k2M1k7ClK4-GPMH3NDHneaFWBJ6ZKhjP7gXdlxa_3qD-vYthNvcE1cZAGZBLxkzknaPsJANO8rgKZ-VJm635-deq9eic_lPeMdGGJ4e1N5pIxynmaIiOG9KMXXlS9HwYcRpWuCdqIw0er8-53I_ONvwFvCv75FkMvsYmgbmy11mEdf2-4hFIDI-JrLRo4eLoEG_q2l_FQZrxjcLsTGqsszJB8SVZdRw";

    #[tokio::test]
    async fn another_servers_rs256_token_is_checked_against_its_published_jwks() {
        use app::services::memory::Documents;
        let db = crate::storage::Db::open("sqlite::memory:").await.expect("db");
        let ring = KeyRing::new(Arc::new(db), crate::storage::ServerKey::random(), 900);
        let documents = Arc::new(Documents::default());
        let jwks = format!(
            r#"{{"keys": [{ENC}, {{"kty":"RSA","kid":"rsa-1","use":"sig","alg":"RS256","n":"{RS256_N}","e":"AQAB"}}]}}"#
        );
        documents.put("https://kc.example/certs", Fetched::Document(jwks));
        let verifier = TokenVerifier::new(ring, documents.clone());
        let keys = Keys::Published("https://kc.example/certs");

        let verdict = verifier.verify(RS256_TOKEN, keys).await.expect("verify");
        assert_eq!(verdict, Some(SignatureCheck::Verified { kid: "rsa-1".into() }));
        // A changed payload no longer verifies.
        let mut parts: Vec<&str> = RS256_TOKEN.split('.').collect();
        let forged =
            URL_SAFE_NO_PAD_ENGINE.encode(r#"{"iss":"https://kc.example/realms/lab","sub":"admin"}"#);
        parts[1] = &forged;
        assert_eq!(
            verifier.verify(&parts.join("."), keys).await.expect("verify"),
            Some(SignatureCheck::Invalid)
        );
        // Keys are kept a while: the JWKS going away does not matter for a known kid...
        documents.put("https://kc.example/certs", Fetched::Status(503));
        assert!(matches!(
            verifier.verify(RS256_TOKEN, keys).await,
            Ok(Some(SignatureCheck::Verified { .. }))
        ));
        // ...and a JWKS that can't be read is said to be unavailable, with why.
        let elsewhere = Keys::Published("https://kc.example/other-certs");
        let unavailable = verifier.verify(RS256_TOKEN, elsewhere).await.expect("verify");
        assert_eq!(
            unavailable,
            Some(SignatureCheck::Unavailable {
                reason: "HTTP 404 from https://kc.example/other-certs".into()
            })
        );
        // An opaque token is not checked at all.
        assert_eq!(verifier.verify("opaque-token", keys).await.expect("verify"), None);
    }

    #[test]
    fn a_jwk_set_keeps_the_keys_it_can_read_and_skips_the_rest() {
        let body = format!(r#"{{"keys": [{EC}, {{"kty":"weird"}}, {ENC}]}}"#);
        let keys = parse_jwks(&body).expect("jwks");
        let kids: Vec<_> = keys.iter().filter_map(|k| k.common.key_id.clone()).collect();
        assert_eq!(kids, ["sig-1", "enc-1"]);
        for (bad, why) in [("nope", "not JSON"), (r#"{"keys": 1}"#, "not a JWK Set"), ("[]", "not a JWK Set")]
        {
            assert!(parse_jwks(bad).is_err_and(|e| e.contains(why)), "{bad}");
        }
    }

    #[test]
    fn the_key_is_found_by_kid_or_as_the_one_signing_key() {
        let keys = parse_jwks(&format!(r#"{{"keys": [{EC}, {ENC}]}}"#)).expect("jwks");
        let kid = |k: Option<&Jwk>| k.and_then(|k| k.common.key_id.clone());
        assert_eq!(kid(find(&keys, &header(Some("sig-1")))).as_deref(), Some("sig-1"));
        assert_eq!(kid(find(&keys, &header(Some("other")))), None);
        assert_eq!(kid(find(&keys, &header(None))).as_deref(), Some("sig-1"), "the one signing key");
        let two =
            parse_jwks(&format!(r#"{{"keys": [{EC}, {}]}}"#, EC.replace("sig-1", "sig-2"))).expect("jwks");
        assert_eq!(kid(find(&two, &header(None))), None, "no kid and two signing keys: which?");
    }
}
