//! The practice server as an OpenID provider, driven by a real relying party library
//! (`openidconnect`): discovery, a code flow with PKCE and a nonce, the ID token verified
//! through the JWKS, UserInfo; `prompt`, `max_age` and `auth_time`; ES256 registration.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    Scope, TokenResponse,
};
use serde_json::Value;

use crate::helpers::{oauth_http, query_param, TestApp};

type Rp = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The learner's practice application as a relying party, from the discovery document.
async fn relying_party(app: &TestApp) -> Rp {
    let practice = app.practice_app().await;
    let issuer = IssuerUrl::new(app.base.clone()).expect("issuer");
    let metadata = CoreProviderMetadata::discover_async(issuer, &oauth_http()).await.expect("discovery");
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(practice["client_id"].as_str().expect("id").into()),
        Some(ClientSecret::new(practice["client_secret"].as_str().expect("secret").into())),
    )
    .set_redirect_uri(RedirectUrl::new(app.url("/redirect")).expect("redirect"))
}

/// An authorization URL with PKCE and a nonce, plus `extra` query parameters.
fn authorize(rp: &Rp, scopes: &[&str], extra: &str) -> (String, PkceCodeVerifier, Nonce, CsrfToken) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = rp
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .set_pkce_challenge(challenge);
    for s in scopes {
        req = req.add_scope(Scope::new((*s).to_owned()));
    }
    let (url, state, nonce) = req.url();
    (format!("{url}{extra}"), verifier, nonce, state)
}

type Tokens = openidconnect::core::CoreTokenResponse;

async fn exchange(rp: &Rp, code: String, verifier: PkceCodeVerifier) -> Tokens {
    rp.exchange_code(AuthorizationCode::new(code))
        .expect("token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("token response")
}

/// A whole login: the token response and the nonce sent.
async fn login(app: &TestApp, rp: &Rp, scopes: &[&str], extra: &str) -> (Tokens, Nonce) {
    let (url, verifier, nonce, _) = authorize(rp, scopes, extra);
    let login = app.login(&url).await;
    (exchange(rp, login.code, verifier).await, nonce)
}

/// The ID token's claims, checked as a relying party must (signature through the JWKS,
/// iss, aud, exp, nonce) and its at_hash; with the algorithm it was signed with.
fn verified_claims(
    rp: &Rp,
    tokens: &Tokens,
    nonce: &Nonce,
    algs: Vec<CoreJwsSigningAlgorithm>,
) -> (openidconnect::core::CoreIdTokenClaims, CoreJwsSigningAlgorithm) {
    let id_token = tokens.id_token().expect("an ID token for openid");
    let verifier = rp.id_token_verifier().set_allowed_algs(algs);
    let claims = id_token.claims(&verifier, nonce).expect("a valid ID token").clone();
    let alg = id_token.signing_alg().expect("alg");
    let expected = claims.access_token_hash().expect("at_hash is sent with an access token");
    let actual = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().expect("alg"),
        id_token.signing_key(&verifier).expect("key"),
    )
    .expect("hash");
    assert_eq!(&actual, expected, "at_hash");
    (claims, alg.clone())
}

/// The ID token's payload, unverified (for what the library does not expose).
fn payload(tokens: &Tokens) -> Value {
    let jwt = tokens.id_token().expect("id token").to_string();
    oauthlab::oauth::jwt::decode_unverified(&jwt).map(|j| Value::Object(j.claims)).expect("jwt")
}

#[tokio::test]
async fn a_relying_party_discovers_logs_in_and_verifies_an_rs256_id_token_and_userinfo() {
    let app = TestApp::spawn().await;
    let meta = app.get_json("/.well-known/openid-configuration").await;
    assert_eq!(meta["userinfo_endpoint"], app.url("/oauth2/userinfo"));
    assert_eq!(meta["id_token_signing_alg_values_supported"], serde_json::json!(["RS256", "ES256"]));
    assert_eq!(meta["claims_parameter_supported"], false);
    for claim in ["sub", "name", "email", "email_verified", "auth_time", "nonce", "at_hash"] {
        assert!(meta["claims_supported"].as_array().expect("claims").iter().any(|c| c == claim), "{claim}");
    }
    assert_eq!(app.get_json("/.well-known/oauth-authorization-server").await, meta, "one document");

    let rp = relying_party(&app).await;
    let before = app::services::now_unix();
    let (tokens, nonce) = login(&app, &rp, &["profile", "email"], "").await;
    let (claims, alg) =
        verified_claims(&rp, &tokens, &nonce, vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]);
    assert_eq!(alg, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, "RS256 by default");
    let user = app.practice_app().await["user"].clone();
    assert_eq!(claims.subject().as_str(), user["sub"], "the practice user, never the learner");
    assert_eq!(claims.email().map(|e| e.as_str()), user["email"].as_str());
    assert_eq!(claims.email_verified(), Some(true));
    let name = claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_owned());
    assert_eq!(name.as_deref(), user["name"].as_str());
    let auth_time = claims.auth_time().expect("auth_time").timestamp();
    assert!(auth_time >= before && auth_time <= app::services::now_unix(), "{auth_time}");
    assert!(
        payload(&tokens).get("c_hash").is_none(),
        "no c_hash: response_type=code returns no ID token with the code"
    );
    // The access token stays an ES256 RFC 9068 token.
    let header = jsonwebtoken::decode_header(tokens.access_token().secret()).expect("header");
    assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);

    let info: CoreUserInfoClaims = rp
        .user_info(tokens.access_token().clone(), None)
        .expect("userinfo endpoint")
        .request_async(&oauth_http())
        .await
        .expect("userinfo");
    assert_eq!(info.subject(), claims.subject(), "UserInfo's sub is the ID token's");
    assert_eq!(info.email().map(|e| e.as_str()), user["email"].as_str());

    // Without profile and email: sub only, in the ID token and from UserInfo.
    let (tokens, nonce) = login(&app, &rp, &[], "").await;
    let (claims, _) =
        verified_claims(&rp, &tokens, &nonce, vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]);
    assert!(claims.email().is_none() && claims.name().is_none());
    let res = app
        .client
        .get(app.url("/oauth2/userinfo"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .expect("userinfo");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body, serde_json::json!({"sub": user["sub"]}));
}

#[tokio::test]
async fn an_application_that_registers_es256_gets_es256_id_tokens() {
    let app = TestApp::spawn().await;
    assert_eq!(app.practice_app().await["id_token_signed_response_alg"], "RS256");
    // The dashboard's form.
    let res = app
        .client
        .post(app.url("/fn/set_id_token_alg"))
        .header("origin", app.base.clone())
        .form(&[("alg", "ES256")])
        .send()
        .await
        .expect("post");
    assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
    assert_eq!(app.practice_app().await["id_token_signed_response_alg"], "ES256");

    let rp = relying_party(&app).await;
    let (tokens, nonce) = login(&app, &rp, &["email"], "").await;
    let (_, alg) = verified_claims(&rp, &tokens, &nonce, vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256]);
    assert_eq!(alg, CoreJwsSigningAlgorithm::EcdsaP256Sha256);
    let rs256_only =
        rp.id_token_verifier().set_allowed_algs(vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]);
    assert!(
        tokens.id_token().expect("id token").claims(&rs256_only, &nonce).is_err(),
        "a verifier that allows RS256 only refuses it"
    );

    let bad = app
        .client
        .post(app.url("/fn/set_id_token_alg"))
        .header("origin", app.base.clone())
        .form(&[("alg", "HS256")])
        .send()
        .await
        .expect("post");
    assert!(!bad.status().is_success(), "{}", bad.status());
    assert_eq!(app.practice_app().await["id_token_signed_response_alg"], "ES256", "unchanged");
}

#[tokio::test]
async fn prompt_none_without_consent_redirects_with_consent_required_and_never_shows_a_page() {
    let app = TestApp::spawn().await;
    let rp = relying_party(&app).await;
    let (url, _, _, state) = authorize(&rp, &["email"], "&prompt=none");
    let res = app.client.get(&url).send().await.expect("authorize");
    assert_eq!(res.status(), 302, "a redirect, not a page");
    let back = url::Url::parse(res.headers()["location"].to_str().expect("location")).expect("url");
    assert_eq!(query_param(&back, "error").as_deref(), Some("consent_required"));
    assert_eq!(query_param(&back, "state").as_deref(), Some(state.secret().as_str()));
    assert_eq!(query_param(&back, "iss").as_deref(), Some(app.base.as_str()));
    assert!(query_param(&back, "code").is_none());

    // Once consented, prompt=none logs in at once.
    login(&app, &rp, &["email"], "").await;
    let (url, verifier, nonce, _) = authorize(&rp, &["email"], "&prompt=none");
    let res = app.client.get(&url).send().await.expect("authorize");
    assert_eq!(res.status(), 302);
    let back = url::Url::parse(res.headers()["location"].to_str().expect("location")).expect("url");
    let code = query_param(&back, "code").expect("a code at once");
    let tokens = exchange(&rp, code, verifier).await;
    verified_claims(&rp, &tokens, &nonce, vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]);

    // A scope not consented to yet still needs the page.
    let (url, _, _, _) = authorize(&rp, &["profile"], "&prompt=none");
    let res = app.client.get(&url).send().await.expect("authorize");
    let back = url::Url::parse(res.headers()["location"].to_str().expect("location")).expect("url");
    assert_eq!(query_param(&back, "error").as_deref(), Some("consent_required"));
}

#[tokio::test]
async fn prompt_consent_shows_the_page_though_consent_was_given_and_unknown_prompts_are_refused() {
    let app = TestApp::spawn().await;
    let rp = relying_party(&app).await;
    login(&app, &rp, &[], "").await;
    let (url, _, _, _) = authorize(&rp, &[], "");
    assert_eq!(app.client.get(&url).send().await.expect("again").status(), 302, "consented: straight back");
    for prompt in ["consent", "login", "login%20consent"] {
        let (url, _, _, _) = authorize(&rp, &[], &format!("&prompt={prompt}"));
        let res = app.client.get(&url).send().await.expect("authorize");
        assert_eq!(res.status(), 200, "prompt={prompt}");
        assert!(res.text().await.expect("page").contains("data-testid=\"consent\""));
    }
    for (extra, says) in [
        ("&prompt=sometimes", "Unknown prompt value"),
        ("&prompt=none%20consent", "cannot be combined"),
        ("&max_age=-1", "max_age"),
    ] {
        let (url, _, _, _) = authorize(&rp, &[], extra);
        let res = app.client.get(&url).send().await.expect("authorize");
        assert_eq!(res.status(), 302, "{extra}");
        let back = url::Url::parse(res.headers()["location"].to_str().expect("location")).expect("url");
        assert_eq!(query_param(&back, "error").as_deref(), Some("invalid_request"), "{extra}");
        assert!(query_param(&back, "error_description").unwrap_or_default().contains(says), "{extra}");
    }
}

#[tokio::test]
async fn max_age_zero_forces_consent_again_and_the_id_token_says_when() {
    let app = TestApp::spawn().await;
    let rp = relying_party(&app).await;
    login(&app, &rp, &[], "").await;
    let (url, _, _, _) = authorize(&rp, &[], "&max_age=0");
    let res = app.client.get(&url).send().await.expect("authorize");
    assert_eq!(res.status(), 200, "the consent page again");
    // prompt=none with a login too old for max_age: login_required.
    let (url, _, _, _) = authorize(&rp, &[], "&max_age=0&prompt=none");
    let res = app.client.get(&url).send().await.expect("authorize");
    let back = url::Url::parse(res.headers()["location"].to_str().expect("location")).expect("url");
    assert_eq!(query_param(&back, "error").as_deref(), Some("login_required"));
    // A generous max_age lets the login through.
    let (url, _, _, _) = authorize(&rp, &[], "&max_age=3600");
    assert_eq!(app.client.get(&url).send().await.expect("authorize").status(), 302);

    let before = app::services::now_unix();
    let (tokens, nonce) = login(&app, &rp, &[], "&max_age=0").await;
    let verifier = rp.id_token_verifier();
    let claims = tokens.id_token().expect("id token").claims(&verifier, &nonce).expect("valid");
    let auth_time = claims.auth_time().expect("auth_time, required with max_age").timestamp();
    assert!(auth_time >= before, "the new login's time: {auth_time} < {before}");
}

#[tokio::test]
async fn a_rotation_publishes_both_generations_rsa_and_ec_keys_and_signs_with_the_new_ones() {
    let app = TestApp::spawn().await;
    let rp = relying_party(&app).await;
    let (before, _) = login(&app, &rp, &[], "").await;
    let old_kid = jsonwebtoken::decode_header(before.id_token().expect("id").to_string()).expect("h").kid;
    app.state.practice.keys.rotate(app::services::now_unix()).await.expect("rotate");
    let keys: Vec<Value> = app.get_json("/oauth2/jwks").await["keys"].as_array().expect("keys").clone();
    let kinds: Vec<(String, String)> = keys
        .iter()
        .map(|k| {
            (
                k["kty"].as_str().unwrap_or_default().to_owned(),
                k["alg"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == &("RSA".to_owned(), "RS256".to_owned())).count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|k| *k == &("EC".to_owned(), "ES256".to_owned())).count(), 2, "{kinds:?}");
    for key in &keys {
        assert_eq!(key["use"], "sig");
        assert!(key.get("d").is_none(), "no private part");
    }
    let (after, nonce) = login(&app, &rp, &[], "").await;
    let new_kid = jsonwebtoken::decode_header(after.id_token().expect("id").to_string()).expect("h").kid;
    assert_ne!(new_kid, old_kid, "ID tokens are signed with the new RSA key");
    // A relying party that read the JWKS before the rotation still verifies (it re-reads it).
    let rp_after = relying_party(&app).await;
    verified_claims(&rp_after, &after, &nonce, vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]);
}

/// The UserInfo answer to a GET with `auth` as the Authorization header.
async fn userinfo(app: &TestApp, auth: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(app.url("/oauth2/userinfo"));
    if let Some(auth) = auth {
        req = req.header("authorization", auth);
    }
    req.send().await.expect("userinfo")
}

fn challenge(res: &reqwest::Response) -> String {
    res.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn userinfo_refuses_missing_bad_revoked_and_non_openid_tokens_with_www_authenticate() {
    let app = TestApp::spawn().await;
    let res = userinfo(&app, None).await;
    assert_eq!(res.status(), 401);
    let www = challenge(&res);
    assert!(
        www.starts_with("Bearer realm=") && !www.contains("error="),
        "no error code without a token: {www}"
    );

    let res = userinfo(&app, Some("Bearer not-a-token")).await;
    assert_eq!(res.status(), 401);
    assert!(challenge(&res).contains("error=\"invalid_token\""), "{}", challenge(&res));
    assert_eq!(res.headers()["cache-control"], "no-store");

    let rp = relying_party(&app).await;
    let (tokens, _) = login(&app, &rp, &["email"], "").await;
    let access = tokens.access_token().secret().clone();
    // POSTed in a form body (RFC 6750 §2.2) works; in the query (§2.3) it does not.
    let posted = reqwest::Client::new()
        .post(app.url("/oauth2/userinfo"))
        .form(&[("access_token", access.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(posted.status(), 200);
    let in_query = reqwest::Client::new()
        .get(app.url(&format!("/oauth2/userinfo?access_token={access}")))
        .send()
        .await
        .expect("get");
    assert_eq!(in_query.status(), 400);
    let www = challenge(&in_query);
    let said = in_query.text().await.unwrap_or_default();
    assert!(www.contains("error=\"invalid_request\"") && said.contains("URL"), "{www} {said}");

    // Revoked: invalid_token.
    let practice = app.practice_app().await;
    let revoked = reqwest::Client::new()
        .post(app.url("/oauth2/revoke"))
        .basic_auth(practice["client_id"].as_str().expect("id"), practice["client_secret"].as_str())
        .form(&[("token", access.as_str())])
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), 200);
    let res = userinfo(&app, Some(&format!("Bearer {access}"))).await;
    assert_eq!(res.status(), 401);
    assert!(challenge(&res).contains("error=\"invalid_token\""), "{}", challenge(&res));

    // A token without openid (a plain OAuth login): insufficient_scope.
    let client = app.oauth_client(oauth2::AuthType::BasicAuth).await;
    let (challenge_s256, verifier) = oauth2::PkceCodeChallenge::new_random_sha256();
    let (url, _) = client
        .authorize_url(oauth2::CsrfToken::new_random)
        .set_pkce_challenge(challenge_s256)
        .add_scope(oauth2::Scope::new("email".into()))
        .url();
    let login = app.login(url.as_str()).await;
    use oauth2::TokenResponse as _;
    let plain = client
        .exchange_code(oauth2::AuthorizationCode::new(login.code))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("tokens");
    let res = userinfo(&app, Some(&format!("Bearer {}", plain.access_token().secret()))).await;
    assert_eq!(res.status(), 403);
    let www = challenge(&res);
    assert!(www.contains("error=\"insufficient_scope\"") && www.contains("scope=\"openid\""), "{www}");
}
