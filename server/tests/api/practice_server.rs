//! The practice authorization server, driven by a real OAuth client library (`oauth2`).

use oauth2::basic::BasicTokenResponse;
use oauth2::{
    AuthType, AuthorizationCode, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RefreshToken, Scope,
    TokenResponse,
};
use serde_json::Value;

use crate::helpers::{oauth_http, OAuthClient, TestApp};

/// The start of a flow: a client, the PKCE verifier and the authorization URL.
async fn start(
    app: &TestApp,
    scopes: &[&str],
    auth: AuthType,
) -> (OAuthClient, PkceCodeVerifier, String, CsrfToken) {
    let client = app.oauth_client(auth).await;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = client.authorize_url(CsrfToken::new_random).set_pkce_challenge(challenge);
    for s in scopes {
        req = req.add_scope(Scope::new((*s).to_owned()));
    }
    let (url, state) = req.url();
    (client, verifier, url.to_string(), state)
}

/// A whole code flow; returns the token response.
async fn tokens(app: &TestApp, scopes: &[&str]) -> BasicTokenResponse {
    let (client, verifier, url, _) = start(app, scopes, AuthType::BasicAuth).await;
    let login = app.login(&url).await;
    client
        .exchange_code(AuthorizationCode::new(login.code))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("token response")
}

/// POST a form to the token endpoint by hand (for what the library will not send).
async fn post_form(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> reqwest::Response {
    let mut req = reqwest::Client::new().post(app.url(path)).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    req.send().await.expect("post")
}

async fn creds(app: &TestApp) -> (String, String) {
    let a = app.practice_app().await;
    (a["client_id"].as_str().expect("id").to_owned(), a["client_secret"].as_str().expect("secret").to_owned())
}

fn error_of(
    err: oauth2::RequestTokenError<
        oauth2::HttpClientError<reqwest::Error>,
        oauth2::basic::BasicErrorResponse,
    >,
) -> String {
    match err {
        oauth2::RequestTokenError::ServerResponse(r) => r.error().as_ref().to_owned(),
        other => format!("{other:?}"),
    }
}

/// The error code and its description.
fn error_and_description(
    err: oauth2::RequestTokenError<
        oauth2::HttpClientError<reqwest::Error>,
        oauth2::basic::BasicErrorResponse,
    >,
) -> (String, String) {
    match err {
        oauth2::RequestTokenError::ServerResponse(r) => {
            (r.error().as_ref().to_owned(), r.error_description().cloned().unwrap_or_default())
        }
        other => (format!("{other:?}"), String::new()),
    }
}

async fn introspect(app: &TestApp, token: &str) -> Value {
    let (id, secret) = creds(app).await;
    post_form(app, "/oauth2/introspect", &[("token", token)], Some((&id, &secret)))
        .await
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn metadata_names_the_issuer_and_only_s256() {
    let app = TestApp::spawn().await;
    for path in ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"] {
        let meta = app.get_json(path).await;
        assert_eq!(meta["issuer"], app.base);
        assert_eq!(meta["code_challenge_methods_supported"], serde_json::json!(["S256"]));
        assert_eq!(meta["token_endpoint"], app.url("/oauth2/token"));
        assert_eq!(meta["jwks_uri"], app.url("/oauth2/jwks"));
    }
}

#[tokio::test]
async fn authorize_asks_for_consent_once_then_redirects_at_once() {
    let app = TestApp::spawn().await;
    let (_, _, url, state) = start(&app, &["openid", "offline_access"], AuthType::BasicAuth).await;
    let first = app.client.get(&url).send().await.expect("get");
    assert_eq!(first.status(), 200, "a consent page the first time");
    let login = app.login(&url).await;
    assert_eq!(login.state.as_deref(), Some(state.secret().as_str()));
    assert_eq!(login.iss.as_deref(), Some(app.base.as_str()));
    let again = app.client.get(&url).send().await.expect("get");
    assert_eq!(again.status(), 302, "consent given: straight back");
}

#[tokio::test]
async fn the_consent_page_says_whether_a_refresh_token_will_come() {
    let app = TestApp::spawn().await;
    let (_, _, url, _) = start(&app, &["openid", "offline_access"], AuthType::BasicAuth).await;
    let page = app.client.get(&url).send().await.expect("get").text().await.expect("page");
    assert!(page.contains("data-testid=\"consent-receives\""), "{page}");
    assert!(page.contains("no refresh token: refresh tokens are off for this application"), "{page}");
    assert!(!page.contains("a refresh token, to get new access tokens"), "{page}");
    app.enable_refresh_tokens(true).await;
    let page = app.client.get(&url).send().await.expect("get").text().await.expect("page");
    assert!(page.contains("a refresh token, to get new access tokens"), "{page}");
    assert!(!page.contains("no refresh token"), "{page}");
    // It names who is logging in: the learner's practice user.
    let user = app.get_json("/api/v1/practice/app").await["user"].clone();
    let name = user["name"].as_str().expect("name");
    let email = user["email"].as_str().expect("email");
    assert!(page.contains(&format!("your practice user, {name} ({email})")), "{page}");
}

#[tokio::test]
async fn authorize_shows_a_page_and_never_redirects_for_an_unknown_client() {
    let app = TestApp::spawn().await;
    let (_, _, url, _) = start(&app, &["openid"], AuthType::BasicAuth).await;
    let (id, _) = creds(&app).await;
    let res = app.client.get(url.replace(&id, "lab_nobody")).send().await.expect("get");
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
    assert!(res.text().await.expect("text").contains("no application with this client_id"));
}

#[tokio::test]
async fn authorize_shows_a_page_for_a_redirect_uri_not_registered_byte_for_byte() {
    let app = TestApp::spawn().await;
    let (_, _, url, _) = start(&app, &["openid"], AuthType::BasicAuth).await;
    for bad in ["%2Fredirect%2F", "%2FREDIRECT", "%2Fredirect%3Fx%3D1"] {
        let res = app.client.get(url.replace("%2Fredirect", bad)).send().await.expect("get");
        assert_eq!(res.status(), 400, "{bad}");
        assert!(res.headers().get("location").is_none(), "{bad}");
    }
}

/// The authorization URL changed by `spoil` is redirected back to the client with `error`,
/// an `error_description` and the request's `state`, and no code.
async fn assert_redirected_with(spoil: impl FnOnce(&str, &str) -> String, error: &str) {
    let app = TestApp::spawn().await;
    let (_, _, url, state) = start(&app, &["openid"], AuthType::BasicAuth).await;
    let challenge = url::Url::parse(&url)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "code_challenge")
        .map(|(_, v)| v.into_owned())
        .expect("challenge");
    let bad = spoil(&url, &challenge);
    assert_ne!(bad, url, "the URL was changed");
    let res = app.client.get(&bad).send().await.expect("get");
    assert_eq!(res.status(), 302, "{bad}");
    let back = url::Url::parse(res.headers().get("location").and_then(|v| v.to_str().ok()).expect("loc"))
        .expect("url");
    assert!(back.as_str().starts_with(&app.url("/redirect?")), "{back}");
    let get = |k: &str| back.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
    assert_eq!(get("error").as_deref(), Some(error), "{bad}");
    assert!(get("error_description").is_some_and(|d| !d.is_empty()));
    assert_eq!(get("state").as_deref(), Some(state.secret().as_str()));
    assert!(get("code").is_none());
}

#[tokio::test]
async fn authorize_without_a_code_challenge_method_redirects_with_invalid_request() {
    assert_redirected_with(|url, _| url.replace("&code_challenge_method=S256", ""), "invalid_request").await;
}

#[tokio::test]
async fn authorize_with_the_plain_method_redirects_with_invalid_request() {
    assert_redirected_with(
        |url, _| url.replace("code_challenge_method=S256", "code_challenge_method=plain"),
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn authorize_with_a_malformed_code_challenge_redirects_with_invalid_request() {
    assert_redirected_with(
        |url, challenge| url.replace(&format!("code_challenge={challenge}"), "code_challenge=abc"),
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn authorize_without_a_code_challenge_redirects_with_invalid_request() {
    assert_redirected_with(
        |url, challenge| url.replace(&format!("&code_challenge={challenge}"), ""),
        "invalid_request",
    )
    .await;
}

#[tokio::test]
async fn authorize_with_a_repeated_parameter_redirects_with_invalid_request() {
    assert_redirected_with(|url, _| format!("{url}&scope=openid"), "invalid_request").await;
}

#[tokio::test]
async fn authorize_with_another_response_type_redirects_with_unsupported_response_type() {
    assert_redirected_with(
        |url, _| url.replace("response_type=code", "response_type=token"),
        "unsupported_response_type",
    )
    .await;
}

#[tokio::test]
async fn a_denied_consent_redirects_with_access_denied() {
    let app = TestApp::spawn().await;
    let (_, _, url, _) = start(&app, &["openid"], AuthType::BasicAuth).await;
    let query: Vec<(String, String)> =
        url::Url::parse(&url).expect("url").query_pairs().into_owned().collect();
    let mut form = query.clone();
    form.push(("decision".into(), "deny".into()));
    let res = app.client.post(app.url("/oauth2/authorize")).form(&form).send().await.expect("post");
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(location.contains("error=access_denied"), "{location}");
}

#[tokio::test]
async fn the_code_exchange_with_pkce_gives_a_signed_rfc_9068_access_token() {
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let tokens = tokens(&app, &["openid", "offline_access"]).await;
    assert!(tokens.refresh_token().is_some());
    assert_eq!(tokens.expires_in().map(|d| d.as_secs()), Some(900));
    let jwt = tokens.access_token().secret();
    let header = jsonwebtoken::decode_header(jwt).expect("header");
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
    let jwks = app.get_json("/oauth2/jwks").await;
    let jwk = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == header.kid.clone().unwrap_or_default())
        .expect("kid published");
    assert!(jwk.get("d").is_none(), "no private key in the JWKS");
    let key = jsonwebtoken::DecodingKey::from_ec_components(
        jwk["x"].as_str().expect("x"),
        jwk["y"].as_str().expect("y"),
    )
    .expect("key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_issuer(&[app.base.as_str()]);
    validation.set_audience(&[app.url("/practice-api")]);
    let claims = jsonwebtoken::decode::<Value>(jwt, &key, &validation).expect("valid signature").claims;
    let (id, _) = creds(&app).await;
    assert_eq!(claims["client_id"], id);
    assert_eq!(claims["scope"], "openid offline_access");
    for claim in ["sub", "exp", "iat", "jti"] {
        assert!(claims.get(claim).is_some(), "{claim}");
    }
    // The subject is the learner's practice user, as the practice dashboard shows it: not
    // the learner's id, and the same in every token.
    let user = app.get_json("/api/v1/practice/app").await["user"].clone();
    assert_eq!(claims["sub"], user["sub"], "{user}");
    let sub = claims["sub"].as_str().expect("sub");
    assert!(sub.starts_with("user_") && sub.len() == 21, "{sub}");
    assert!(user["email"].as_str().expect("email").ends_with("@practice.oauthlab.test"));
    assert!(!user["name"].as_str().expect("name").is_empty());
    let again = self::tokens(&app, &["openid"]).await;
    let again = jsonwebtoken::decode::<Value>(again.access_token().secret(), &key, &validation)
        .expect("valid")
        .claims;
    assert_eq!(again["sub"], claims["sub"], "stable");
}

#[tokio::test]
async fn client_secret_post_works_as_well_as_basic() {
    let app = TestApp::spawn().await;
    let (client, verifier, url, _) = start(&app, &["openid"], AuthType::RequestBody).await;
    let login = app.login(&url).await;
    let code = login.code.clone();
    let tokens = client
        .exchange_code(AuthorizationCode::new(login.code))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("tokens");
    assert!(!tokens.access_token().secret().is_empty());
    // The record of how the token came to be says how the client authenticated, and the
    // code it was exchanged for (its digest).
    let services = &app.state.services;
    let digest = oauthlab::exercises::refresh::token_sha256(tokens.access_token().secret());
    let issued = services.issued.issued(&digest).await.expect("lookup").expect("issued here");
    assert_eq!(issued.client_auth.as_deref(), Some("client_secret_post"));
    assert_eq!(issued.code_sha256, Some(oauthlab::exercises::refresh::token_sha256(&code)));
    let basic = self::tokens(&app, &["openid"]).await;
    let issued = services
        .issued
        .issued(&oauthlab::exercises::refresh::token_sha256(basic.access_token().secret()))
        .await
        .expect("lookup")
        .expect("issued here");
    assert_eq!(issued.client_auth.as_deref(), Some("client_secret_basic"));
}

#[tokio::test]
async fn a_wrong_code_verifier_is_invalid_grant_and_says_the_code_is_spent() {
    let app = TestApp::spawn().await;
    let (client, verifier, url, _) = start(&app, &["openid"], AuthType::BasicAuth).await;
    let login = app.login(&url).await;
    let err = client
        .exchange_code(AuthorizationCode::new(login.code.clone()))
        .set_pkce_verifier(PkceCodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()))
        .request_async(&oauth_http())
        .await
        .expect_err("refused");
    let (error, description) = error_and_description(err);
    assert_eq!(error, "invalid_grant");
    assert!(description.contains("code_verifier") && description.contains("log in again"), "{description}");
    // As it said: the right verifier is too late for this code.
    let err = client
        .exchange_code(AuthorizationCode::new(login.code))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect_err("spent");
    assert_eq!(error_of(err), "invalid_grant");
}

#[tokio::test]
async fn a_code_exchange_without_a_verifier_is_refused() {
    let app = TestApp::spawn().await;
    let (client, _, url, _) = start(&app, &["openid"], AuthType::BasicAuth).await;
    let login = app.login(&url).await;
    let err = client
        .exchange_code(AuthorizationCode::new(login.code))
        .request_async(&oauth_http())
        .await
        .expect_err("refused");
    assert_eq!(error_of(err), "invalid_request");
}

#[tokio::test]
async fn a_reused_code_is_refused_and_its_tokens_are_revoked() {
    let app = TestApp::spawn().await;
    let (client, verifier, url, _) = start(&app, &["openid"], AuthType::BasicAuth).await;
    let login = app.login(&url).await;
    let secret = verifier.secret().clone();
    let first = client
        .exchange_code(AuthorizationCode::new(login.code.clone()))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("first");
    assert_eq!(introspect(&app, first.access_token().secret()).await["active"], true);
    let err = client
        .exchange_code(AuthorizationCode::new(login.code))
        .set_pkce_verifier(PkceCodeVerifier::new(secret))
        .request_async(&oauth_http())
        .await
        .expect_err("reused");
    assert_eq!(error_of(err), "invalid_grant");
    assert_eq!(introspect(&app, first.access_token().secret()).await["active"], false);
}

/// The record of how a token came to be (digests only) says where its code was sent, the
/// digest of its nonce, the scope asked for and granted, the PKCE method and when; a
/// refresh keeps the login's record. When the code comes again, every token of the login
/// says its code was redeemed twice: told apart from a revocation.
#[tokio::test]
async fn a_code_redeemed_twice_is_recorded_as_such_on_every_token_of_its_login() {
    use oauthlab::exercises::refresh::{token_sha256, IssuedGrant};
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let client = app.oauth_client(AuthType::BasicAuth).await;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _) = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("offline_access".into()))
        .add_extra_param("nonce", "n-0S6_WzA2Mj")
        .url();
    let login = app.login(url.as_str()).await;
    let secret = verifier.secret().clone();
    let first = client
        .exchange_code(AuthorizationCode::new(login.code.clone()))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("first");
    let refreshed = client
        .exchange_refresh_token(first.refresh_token().expect("a refresh token"))
        .request_async(&oauth_http())
        .await
        .expect("refresh");
    let issued = |token: String| {
        let services = &app.state.services;
        async move { services.issued.issued(&token_sha256(&token)).await.expect("lookup").expect("issued here") }
    };
    let now = app::services::now_unix();
    let record = issued(first.access_token().secret().clone()).await;
    assert_eq!(record.grant, IssuedGrant::AuthorizationCode);
    assert_eq!(record.redirect_uri.as_deref(), Some(app.url("/redirect").as_str()));
    assert_eq!(record.nonce_sha256, Some(token_sha256("n-0S6_WzA2Mj")), "the nonce's digest, not the nonce");
    assert_eq!(record.requested_scope, "openid offline_access");
    assert_eq!(record.granted_scope.as_deref(), Some("openid offline_access"));
    assert_eq!(record.pkce_method.as_deref(), Some("S256"));
    assert!(record.issued_at.is_some_and(|at| (now - 60..=now).contains(&at)), "{:?}", record.issued_at);
    assert!(!record.revoked && !record.code_redeemed_twice);
    let after_refresh = issued(refreshed.access_token().secret().clone()).await;
    assert_eq!(after_refresh.grant, IssuedGrant::RefreshToken);
    assert_eq!(
        (&after_refresh.redirect_uri, &after_refresh.nonce_sha256, &after_refresh.pkce_method),
        (&record.redirect_uri, &record.nonce_sha256, &record.pkce_method),
        "a refresh keeps the record of the login"
    );

    let err = client
        .exchange_code(AuthorizationCode::new(login.code))
        .set_pkce_verifier(PkceCodeVerifier::new(secret))
        .request_async(&oauth_http())
        .await
        .expect_err("reused");
    assert_eq!(error_of(err), "invalid_grant");
    for token in [first.access_token().secret(), refreshed.access_token().secret()] {
        let record = issued(token.clone()).await;
        assert!(record.revoked && record.code_redeemed_twice, "{record:?}");
        assert_eq!(introspect(&app, token).await["active"], false);
    }

    // A login revoked by its client (its refresh token at the revocation endpoint) is
    // revoked, not for a code redeemed twice.
    let other = tokens(&app, &["offline_access"]).await;
    let (id, client_secret) = creds(&app).await;
    let rt = other.refresh_token().expect("rt").secret();
    let res = post_form(&app, "/oauth2/revoke", &[("token", rt.as_str())], Some((&id, &client_secret))).await;
    assert_eq!(res.status(), 200);
    let record = issued(other.access_token().secret().clone()).await;
    assert!(record.revoked && !record.code_redeemed_twice, "{record:?}");
    // Digests only: neither token is in the database.
    let text = app.database_text().await;
    for token in [first.access_token().secret(), refreshed.access_token().secret(), rt] {
        assert!(!text.contains(token.as_str()));
    }
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let app = TestApp::spawn_with(|s| s.lifetimes.code = 0).await;
    let (client, verifier, url, _) = start(&app, &["openid"], AuthType::BasicAuth).await;
    let login = app.login(&url).await;
    let err = client
        .exchange_code(AuthorizationCode::new(login.code))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect_err("expired");
    assert_eq!(error_of(err), "invalid_grant");
}

#[tokio::test]
async fn a_code_is_bound_to_its_redirect_uri() {
    let app = TestApp::spawn().await;
    let (client, verifier, url, _) = start(&app, &["openid"], AuthType::BasicAuth).await;
    let login = app.login(&url).await;
    let err = client
        .exchange_code(AuthorizationCode::new(login.code))
        .set_pkce_verifier(verifier)
        .set_redirect_uri(std::borrow::Cow::Owned(
            oauth2::RedirectUrl::new(app.url("/elsewhere")).expect("url"),
        ))
        .request_async(&oauth_http())
        .await
        .expect_err("mismatch");
    assert_eq!(error_of(err), "invalid_grant");
}

#[tokio::test]
async fn a_code_is_bound_to_its_client() {
    let app = TestApp::spawn().await;
    let (_, verifier, url, _) = start(&app, &["openid"], AuthType::BasicAuth).await;
    let login = app.login(&url).await;
    // Another learner's application tries to redeem it.
    let (id, secret) = another_client(&app).await;
    let res = post_form(
        &app,
        "/oauth2/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &login.code),
            ("redirect_uri", &app.url("/redirect")),
            ("code_verifier", verifier.secret()),
        ],
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.expect("json")["error"], "invalid_grant");
}

#[tokio::test]
async fn a_bad_client_secret_is_401_with_www_authenticate_through_basic_or_the_body() {
    let app = TestApp::spawn().await;
    let (id, _) = creds(&app).await;
    let res = post_form(
        &app,
        "/oauth2/token",
        &[("grant_type", "refresh_token"), ("refresh_token", "x")],
        Some((&id, "wrong")),
    )
    .await;
    assert_eq!(res.status(), 401);
    assert!(res
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Basic")));
    assert_eq!(res.json::<Value>().await.expect("json")["error"], "invalid_client");
    let res = post_form(
        &app,
        "/oauth2/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "x"),
            ("client_id", &id),
            ("client_secret", "wrong"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), 401);
    assert!(res.headers().contains_key("www-authenticate"), "every 401 names its scheme (RFC 7235 §3.1)");
    assert_eq!(res.json::<Value>().await.expect("json")["error"], "invalid_client");
}

#[tokio::test]
async fn every_token_endpoint_answer_is_no_store() {
    let app = TestApp::spawn().await;
    let bad = post_form(&app, "/oauth2/token", &[("grant_type", "password")], None).await;
    assert_eq!(bad.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    let (id, secret) = creds(&app).await;
    let unsupported =
        post_form(&app, "/oauth2/token", &[("grant_type", "password")], Some((&id, &secret))).await;
    assert_eq!(unsupported.json::<Value>().await.expect("json")["error"], "unsupported_grant_type");
    let (_, verifier, url, _) = start(&app, &["openid"], AuthType::BasicAuth).await;
    let login = app.login(&url).await;
    let ok = post_form(
        &app,
        "/oauth2/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &login.code),
            ("redirect_uri", &app.url("/redirect")),
            ("code_verifier", verifier.secret()),
        ],
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(ok.status(), 200);
    for res in [&bad, &ok] {
        assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
        assert_eq!(res.headers().get("pragma").and_then(|v| v.to_str().ok()), Some("no-cache"));
    }
}

#[tokio::test]
async fn a_client_that_authenticates_two_ways_at_once_is_refused() {
    let app = TestApp::spawn().await;
    let (id, secret) = creds(&app).await;
    // Both HTTP Basic and client_secret in the body: refused (RFC 6749 §2.3).
    let both = post_form(
        &app,
        "/oauth2/introspect",
        &[("token", "x"), ("client_id", &id), ("client_secret", &secret)],
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(both.status(), 400);
    assert_eq!(both.json::<Value>().await.expect("json")["error"], "invalid_request");
}

#[tokio::test]
async fn a_repeated_parameter_at_the_token_endpoint_is_invalid_request() {
    let app = TestApp::spawn().await;
    let (id, secret) = creds(&app).await;
    let res = post_form(
        &app,
        "/oauth2/token",
        &[("grant_type", "authorization_code"), ("code", "a"), ("code", "b")],
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(res.json::<Value>().await.expect("json")["error"], "invalid_request");
}

#[tokio::test]
async fn no_refresh_token_without_offline_access() {
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    assert!(tokens(&app, &["openid"]).await.refresh_token().is_none());
}

#[tokio::test]
async fn no_refresh_token_while_the_applications_toggle_is_off() {
    let app = TestApp::spawn().await;
    assert!(tokens(&app, &["openid", "offline_access"]).await.refresh_token().is_none());
}

#[tokio::test]
async fn offline_access_is_not_granted_while_the_applications_toggle_is_off() {
    let app = TestApp::spawn().await;
    let response = tokens(&app, &["openid", "offline_access"]).await;
    let granted: Vec<&str> =
        response.scopes().expect("the granted scope differs").iter().map(|s| s.as_str()).collect();
    assert_eq!(granted, ["openid"]);
    let active = introspect(&app, response.access_token().secret()).await;
    assert_eq!(active["scope"], "openid");
}

#[tokio::test]
async fn a_refresh_rotates_the_refresh_token_and_a_reused_one_revokes_the_family() {
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let first = tokens(&app, &["openid", "offline_access"]).await;
    let client = app.oauth_client(AuthType::BasicAuth).await;
    let rt1 = first.refresh_token().expect("rt1").clone();
    let second = client.exchange_refresh_token(&rt1).request_async(&oauth_http()).await.expect("refresh");
    let rt2 = second.refresh_token().expect("rotated").clone();
    assert_ne!(rt1.secret(), rt2.secret());
    assert_ne!(first.access_token().secret(), second.access_token().secret());
    let err = client.exchange_refresh_token(&rt1).request_async(&oauth_http()).await.expect_err("reuse");
    assert_eq!(error_of(err), "invalid_grant");
    // The whole family is gone: the rotated token too.
    let err =
        client.exchange_refresh_token(&rt2).request_async(&oauth_http()).await.expect_err("family revoked");
    assert_eq!(error_of(err), "invalid_grant");
    assert_eq!(introspect(&app, second.access_token().secret()).await["active"], false);
}

#[tokio::test]
async fn an_idle_refresh_token_expires() {
    let app = TestApp::spawn_with(|s| s.lifetimes.refresh_idle = 0).await;
    app.enable_refresh_tokens(true).await;
    let first = tokens(&app, &["offline_access"]).await;
    let client = app.oauth_client(AuthType::BasicAuth).await;
    let err = client
        .exchange_refresh_token(first.refresh_token().expect("rt"))
        .request_async(&oauth_http())
        .await
        .expect_err("idle");
    assert_eq!(error_of(err), "invalid_grant");
}

#[tokio::test]
async fn a_refresh_token_past_its_absolute_lifetime_expires() {
    let app = TestApp::spawn_with(|s| s.lifetimes.refresh_absolute = 0).await;
    app.enable_refresh_tokens(true).await;
    let first = tokens(&app, &["offline_access"]).await;
    let client = app.oauth_client(AuthType::BasicAuth).await;
    let err = client
        .exchange_refresh_token(first.refresh_token().expect("rt"))
        .request_async(&oauth_http())
        .await
        .expect_err("absolute");
    assert_eq!(error_of(err), "invalid_grant");
}

#[tokio::test]
async fn a_rotated_refresh_token_keeps_the_absolute_deadline_of_the_first_login() {
    let app = TestApp::spawn_with(|s| {
        s.lifetimes.refresh_idle = 3600;
        s.lifetimes.refresh_absolute = 1000;
    })
    .await;
    app.enable_refresh_tokens(true).await;
    let first = tokens(&app, &["offline_access"]).await;
    let rt1 = first.refresh_token().expect("rt1").clone();
    let deadline = introspect(&app, rt1.secret()).await["exp"].as_i64().expect("exp");
    // A later second, so that a deadline counted from the refresh would differ.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let client = app.oauth_client(AuthType::BasicAuth).await;
    let second = client.exchange_refresh_token(&rt1).request_async(&oauth_http()).await.expect("refresh");
    let rt2 = second.refresh_token().expect("rotated");
    let answer = introspect(&app, rt2.secret()).await;
    assert_eq!(answer["active"], true);
    assert_eq!(answer["exp"].as_i64(), Some(deadline), "rotation does not extend the absolute lifetime");
    assert!(answer["iat"].as_i64().expect("iat") > deadline - 1000, "issued after the first");
}

/// Another learner's practice application, with refresh tokens on: its client ID and secret.
async fn another_client(app: &TestApp) -> (String, String) {
    let other = crate::helpers::client();
    let res = other
        .put(app.url("/api/v1/practice/app"))
        .json(&serde_json::json!({"refresh_tokens_enabled": true}))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    let theirs: Value =
        other.get(app.url("/api/v1/practice/app")).send().await.expect("get").json().await.expect("json");
    assert_eq!(theirs["refresh_tokens_enabled"], true);
    (
        theirs["client_id"].as_str().expect("id").to_owned(),
        theirs["client_secret"].as_str().expect("secret").to_owned(),
    )
}

#[tokio::test]
async fn a_refresh_token_is_bound_to_its_client_and_another_clients_attempt_does_not_spend_it() {
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let first = tokens(&app, &["offline_access"]).await;
    let rt = first.refresh_token().expect("rt").clone();
    let (id, secret) = another_client(&app).await;
    let res = post_form(
        &app,
        "/oauth2/token",
        &[("grant_type", "refresh_token"), ("refresh_token", rt.secret())],
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.expect("json")["error"], "invalid_grant");
    let client = app.oauth_client(AuthType::BasicAuth).await;
    let refreshed = client.exchange_refresh_token(&rt).request_async(&oauth_http()).await;
    assert!(refreshed.is_ok(), "the owner can still use it, and its family was not revoked: {refreshed:?}");
}

#[tokio::test]
async fn another_client_can_neither_introspect_nor_revoke_a_token() {
    let app = TestApp::spawn().await;
    let tokens = tokens(&app, &["openid"]).await;
    let access = tokens.access_token().secret();
    let (id, secret) = another_client(&app).await;
    let seen: Value = post_form(&app, "/oauth2/introspect", &[("token", access)], Some((&id, &secret)))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(seen, serde_json::json!({"active": false}), "nothing about another client's token");
    let revoked = post_form(&app, "/oauth2/revoke", &[("token", access)], Some((&id, &secret))).await;
    assert_eq!(revoked.status(), 400, "RFC 7009 §2.1: the request is refused");
    assert_eq!(revoked.json::<Value>().await.expect("json")["error"], "unauthorized_client");
    assert_eq!(introspect(&app, access).await["active"], true, "and the token still works");
}

#[tokio::test]
async fn a_refresh_may_narrow_the_scope_but_not_widen_it() {
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let first = tokens(&app, &["openid", "offline_access"]).await;
    let rt = first.refresh_token().expect("rt").clone();
    let client = app.oauth_client(AuthType::BasicAuth).await;
    let err = client
        .exchange_refresh_token(&rt)
        .add_scope(Scope::new("offline_access".into()))
        .add_scope(Scope::new("email".into()))
        .request_async(&oauth_http())
        .await
        .expect_err("wider");
    assert_eq!(error_of(err), "invalid_scope");
    let narrower = client
        .exchange_refresh_token(&rt)
        .add_scope(Scope::new("offline_access".into()))
        .request_async(&oauth_http())
        .await
        .expect("a refused scope does not spend the token; narrower is fine");
    assert_eq!(introspect(&app, narrower.access_token().secret()).await["scope"], "offline_access");
    // A spent token asking for a wider scope is still a reuse: the family goes.
    let err = client
        .exchange_refresh_token(&rt)
        .add_scope(Scope::new("email".into()))
        .request_async(&oauth_http())
        .await
        .expect_err("reused");
    assert_eq!(error_of(err), "invalid_grant");
    assert_eq!(introspect(&app, narrower.access_token().secret()).await["active"], false);
}

#[tokio::test]
async fn refresh_tokens_are_opaque_random_and_kept_only_as_digests() {
    use base64::Engine;
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let a = tokens(&app, &["offline_access"]).await;
    let b = tokens(&app, &["offline_access"]).await;
    let (a, b) =
        (a.refresh_token().expect("a").secret().clone(), b.refresh_token().expect("b").secret().clone());
    assert_ne!(a, b);
    for token in [&a, &b] {
        assert!(jsonwebtoken::decode_header(token).is_err(), "not a JWT: {token}");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).expect("base64url");
        assert!(bytes.len() * 8 >= 128, "{} bits", bytes.len() * 8);
    }
    let db = app.database_text().await;
    assert!(!db.contains(&a) && !db.contains(&b), "refresh tokens are stored as digests");
}

/// Send the same token request twice at once, one to each of `apps` (the same server
/// twice, or two instances sharing a database): exactly one must succeed, and since the
/// other is a replay, the tokens the winner got must be revoked whichever finished first
/// (RFC 9700 §4.14). Returns the winner's response.
async fn race(apps: (&TestApp, &TestApp), form: &[(&str, &str)], client: (&str, &str)) -> Value {
    let (a, b) = tokio::join!(
        post_form(apps.0, "/oauth2/token", form, Some(client)),
        post_form(apps.1, "/oauth2/token", form, Some(client))
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400]);
    let winner = if a.status() == 200 { a } else { b };
    let body: Value = winner.json().await.expect("token response");
    for name in ["access_token", "refresh_token"] {
        if let Some(token) = body[name].as_str() {
            for app in [apps.0, apps.1] {
                assert_eq!(introspect(app, token).await["active"], false, "the winner's {name} is revoked");
            }
        }
    }
    body
}

/// Races are decided by timing: each is run this many times.
const RACES: usize = 8;

/// Two redemptions of one code at once, one to each of `apps`.
async fn code_races(apps: (&TestApp, &TestApp)) {
    let app = apps.0;
    app.enable_refresh_tokens(true).await;
    let (id, secret) = creds(app).await;
    let redirect = app.url("/redirect");
    for _ in 0..RACES {
        let (_, verifier, url, _) = start(app, &["openid", "offline_access"], AuthType::BasicAuth).await;
        let login = app.login(&url).await;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", login.code.as_str()),
            ("redirect_uri", redirect.as_str()),
            ("code_verifier", verifier.secret().as_str()),
        ];
        let body = race(apps, &form, (&id, &secret)).await;
        // Whichever way the race went, the winner's token says why it is revoked.
        let access = body["access_token"].as_str().expect("access token");
        let digest = oauthlab::exercises::refresh::token_sha256(access);
        for app in [apps.0, apps.1] {
            let issued = app.state.services.issued.issued(&digest).await.expect("lookup").expect("issued here");
            assert!(issued.revoked && issued.code_redeemed_twice, "{issued:?}");
        }
    }
}

/// Two redemptions of one refresh token at once, one to each of `apps`.
async fn refresh_races(apps: (&TestApp, &TestApp)) {
    let app = apps.0;
    app.enable_refresh_tokens(true).await;
    let (id, secret) = creds(app).await;
    for _ in 0..RACES {
        let first = tokens(app, &["offline_access"]).await;
        let rt = first.refresh_token().expect("rt").secret().clone();
        let form = [("grant_type", "refresh_token"), ("refresh_token", rt.as_str())];
        let won = race(apps, &form, (&id, &secret)).await;
        assert!(won["refresh_token"].is_string(), "the winner got a rotated refresh token: {won}");
    }
}

#[tokio::test]
async fn two_concurrent_redemptions_of_one_code_succeed_once_and_revoke_what_the_winner_got() {
    let app = TestApp::spawn().await;
    code_races((&app, &app)).await;
}

#[tokio::test]
async fn two_concurrent_redemptions_of_one_refresh_token_succeed_once_and_revoke_what_the_winner_got() {
    let app = TestApp::spawn().await;
    refresh_races((&app, &app)).await;
}

#[tokio::test]
async fn on_postgres_two_instances_redeeming_one_code_at_once_succeed_once_and_revoke_the_winner() {
    let Some((a, b)) = TestApp::spawn_pair_on_postgres("code_race").await else { return };
    code_races((&a, &b)).await;
}

#[tokio::test]
async fn on_postgres_two_instances_redeeming_one_refresh_token_at_once_succeed_once_and_revoke_the_winner() {
    let Some((a, b)) = TestApp::spawn_pair_on_postgres("refresh_race").await else { return };
    refresh_races((&a, &b)).await;
}

#[tokio::test]
async fn a_refresh_while_the_toggle_is_off_is_unauthorized_client() {
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let first = tokens(&app, &["offline_access"]).await;
    app.enable_refresh_tokens(false).await;
    let client = app.oauth_client(AuthType::BasicAuth).await;
    let err = client
        .exchange_refresh_token(first.refresh_token().expect("rt"))
        .request_async(&oauth_http())
        .await
        .expect_err("off");
    assert_eq!(error_of(err), "unauthorized_client");
}

#[tokio::test]
async fn introspection_needs_client_authentication_and_says_inactive_for_unknown_tokens() {
    let app = TestApp::spawn().await;
    let res = post_form(&app, "/oauth2/introspect", &[("token", "anything")], None).await;
    assert_eq!(res.status(), 401);
    assert_eq!(introspect(&app, "never-issued").await, serde_json::json!({"active": false}));
    let tokens = tokens(&app, &["openid"]).await;
    let active = introspect(&app, tokens.access_token().secret()).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["scope"], "openid");
}

#[tokio::test]
async fn a_revoked_refresh_token_is_inactive_and_cannot_refresh() {
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let first = tokens(&app, &["offline_access"]).await;
    let rt = first.refresh_token().expect("rt").secret().clone();
    let active = introspect(&app, &rt).await;
    assert_eq!(active["active"], true);
    assert!(active.get("token_type").is_none(), "a refresh token is no access token type: {active}");
    assert_eq!(introspect(&app, first.access_token().secret()).await["token_type"], "Bearer");
    let (id, secret) = creds(&app).await;
    let res = post_form(
        &app,
        "/oauth2/revoke",
        &[("token", &rt), ("token_type_hint", "refresh_token")],
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(introspect(&app, &rt).await["active"], false);
    assert_eq!(
        introspect(&app, first.access_token().secret()).await["active"],
        false,
        "revoked with its grant"
    );
    let client = app.oauth_client(AuthType::BasicAuth).await;
    let err = client
        .exchange_refresh_token(&RefreshToken::new(rt))
        .request_async(&oauth_http())
        .await
        .expect_err("revoked");
    assert_eq!(error_of(err), "invalid_grant");
    let unknown = post_form(&app, "/oauth2/revoke", &[("token", "never-issued")], Some((&id, &secret))).await;
    assert_eq!(unknown.status(), 200, "RFC 7009: unknown tokens are not an error");
}

#[tokio::test]
async fn a_rotated_signing_key_stays_published_while_its_tokens_live() {
    let app = TestApp::spawn().await;
    let before = tokens(&app, &["openid"]).await;
    let old_kid =
        jsonwebtoken::decode_header(before.access_token().secret()).expect("header").kid.expect("kid");
    let now = app::services::now_unix();
    let new = app.state.practice.keys.rotate(now).await.expect("rotate");
    assert_ne!(new.kid, old_kid);
    let kids: Vec<String> = app.get_json("/oauth2/jwks").await["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|k| k["kid"].as_str().map(str::to_owned))
        .collect();
    assert!(kids.contains(&old_kid) && kids.contains(&new.kid), "{kids:?}");
    let after = tokens(&app, &["openid"]).await;
    assert_eq!(
        jsonwebtoken::decode_header(after.access_token().secret()).expect("h").kid,
        Some(new.kid.clone())
    );
    // Once the old key's tokens have all expired, it is no longer published.
    let later = app.state.practice.keys.published(now + 901).await.expect("published");
    assert!(later.iter().all(|k| k.kid != old_kid));
}

#[tokio::test]
async fn the_signing_key_is_made_at_first_start_and_rotated_from_the_command_line_while_serving() {
    let app = TestApp::spawn().await;
    // Made at start: the JWKS has a key before any token was issued.
    let first: Vec<Value> = app.get_json("/oauth2/jwks").await["keys"].as_array().expect("keys").clone();
    assert_eq!(first.len(), 2, "one generation: its ES256 and RS256 keys");
    assert_eq!(first[0]["alg"], "ES256", "the access token key first");
    let old_kid = first[0]["kid"].as_str().expect("kid").to_owned();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_oauthlab"))
        .args(["keys", "rotate", "--database", &app.database])
        .env_remove("OAUTHLAB_DATABASE")
        .output()
        .expect("run oauthlab");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let token = tokens(&app, &["openid"]).await;
    let new_kid =
        jsonwebtoken::decode_header(token.access_token().secret()).expect("header").kid.expect("kid");
    assert_ne!(new_kid, old_kid, "the running server signs with the new key");
    assert!(stdout.contains(&new_kid), "{stdout}");
    let kids = app.get_json("/oauth2/jwks").await.to_string();
    assert!(kids.contains(&old_kid) && kids.contains(&new_kid), "{kids}");
}

#[tokio::test]
async fn the_consent_page_names_the_application_and_each_scope() {
    let app = TestApp::spawn().await;
    let (id, _) = creds(&app).await;
    let (_, _, url, _) = start(&app, &["openid", "offline_access"], AuthType::BasicAuth).await;
    let page = app.client.get(&url).send().await.expect("get").text().await.expect("page");
    assert!(page.contains("My Web App wants to access your account"), "{page}");
    assert!(page.contains(&format!("Application <code>{id}</code>")), "{page}");
    assert!(page.contains("<code>openid</code>: know who you are"), "{page}");
    assert!(page.contains("<code>offline_access</code>: keep access while you are away"), "{page}");
}

#[tokio::test]
async fn an_expired_access_token_is_inactive() {
    let app = TestApp::spawn_with(|s| s.lifetimes.access_token = 0).await;
    let tokens = tokens(&app, &["openid"]).await;
    assert_eq!(introspect(&app, tokens.access_token().secret()).await, serde_json::json!({"active": false}));
}

#[tokio::test]
async fn a_revoked_access_token_is_inactive() {
    let app = TestApp::spawn().await;
    let tokens = tokens(&app, &["openid"]).await;
    let access = tokens.access_token().secret();
    assert_eq!(introspect(&app, access).await["active"], true);
    let (id, secret) = creds(&app).await;
    let res = post_form(&app, "/oauth2/revoke", &[("token", access)], Some((&id, &secret))).await;
    assert_eq!(res.status(), 200);
    assert_eq!(introspect(&app, access).await, serde_json::json!({"active": false}));
}

#[tokio::test]
async fn a_bad_client_secret_at_revoke_and_introspect_is_401_with_www_authenticate() {
    let app = TestApp::spawn().await;
    let tokens = tokens(&app, &["openid"]).await;
    let (id, _) = creds(&app).await;
    for path in ["/oauth2/revoke", "/oauth2/introspect"] {
        let res =
            post_form(&app, path, &[("token", tokens.access_token().secret())], Some((&id, "wrong"))).await;
        assert_eq!(res.status(), 401, "{path}");
        let challenge = res.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(challenge.starts_with("Basic"), "{path}: {challenge}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"], "invalid_client", "{path}");
    }
    // Nothing was revoked by the failed attempt.
    assert_eq!(introspect(&app, tokens.access_token().secret()).await["active"], true);
}

/// The published key a JWT names by `kid`.
async fn published_key(app: &TestApp, jwt: &str) -> jsonwebtoken::DecodingKey {
    let kid = jsonwebtoken::decode_header(jwt).expect("header").kid.expect("kid");
    let jwks = app.get_json("/oauth2/jwks").await;
    let jwk = jwks["keys"].as_array().expect("keys").iter().find(|k| k["kid"] == kid).expect("kid published");
    jsonwebtoken::DecodingKey::from_jwk(&serde_json::from_value(jwk.clone()).expect("jwk")).expect("key")
}

/// A code flow with the token request posted by hand: the whole JSON answer, extra
/// members included.
async fn raw_tokens(app: &TestApp, scopes: &[&str], extra: &str) -> Value {
    let (_, verifier, url, _) = start(app, scopes, AuthType::BasicAuth).await;
    let login = app.login(&format!("{url}{extra}")).await;
    let (id, secret) = creds(app).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", login.code.as_str()),
        ("redirect_uri", &app.url("/redirect")),
        ("code_verifier", verifier.secret()),
    ];
    let res = post_form(app, "/oauth2/token", &form, Some((&id, &secret))).await;
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

#[tokio::test]
async fn an_openid_login_gets_an_id_token_for_the_client_with_its_nonce() {
    let app = TestApp::spawn().await;
    let body = raw_tokens(&app, &["openid"], "&nonce=n-0S6_WzA2Mj").await;
    let id_token = body["id_token"].as_str().expect("an id_token for openid");
    let (id, _) = creds(&app).await;
    let key = published_key(&app, id_token).await;
    // RS256 by default for ID tokens; access tokens stay ES256.
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[app.base.as_str()]);
    validation.set_audience(&[id.as_str()]);
    let claims = jsonwebtoken::decode::<Value>(id_token, &key, &validation).expect("a valid ID token").claims;
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    validation.set_audience(&[app.url("/practice-api")]);
    validation.algorithms = vec![jsonwebtoken::Algorithm::ES256];
    let access = body["access_token"].as_str().expect("access token");
    let key = published_key(&app, access).await;
    let access = jsonwebtoken::decode::<Value>(access, &key, &validation).expect("access token").claims;
    assert_eq!(claims["sub"], access["sub"], "the same user as the access token");

    let plain = raw_tokens(&app, &["offline_access"], "").await;
    assert!(plain.get("id_token").is_none(), "OAuth only, without openid: no ID token");
}

#[tokio::test]
async fn codes_and_tokens_are_forgotten_only_long_after_they_die() {
    use server::practice::REMEMBER_DEAD;
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let issued = tokens(&app, &["offline_access"]).await;
    let now = app::services::now_unix();
    let practice = &app.state.practice;
    let lives = practice.lifetimes;
    let forget = |at: i64| async move { practice.forget_dead(at).await.expect("forget") };
    assert_eq!(forget(now + REMEMBER_DEAD).await, 0, "nothing has been dead for long");
    // The access token first, a month after it expired; the refresh token still lives.
    assert_eq!(forget(now + lives.access_token + REMEMBER_DEAD + 5).await, 1);
    let rt = issued.refresh_token().expect("rt").secret();
    assert_eq!(introspect(&app, rt).await["active"], true);
    // The refresh token a month after its idle lifetime ran out.
    assert_eq!(forget(now + lives.refresh_idle + REMEMBER_DEAD + 5).await, 1);
    // The code only once no token of its family could still live: until then, replaying
    // it must still revoke the family.
    let family_over = now + lives.code + lives.refresh_absolute;
    assert_eq!(forget(family_over + REMEMBER_DEAD - 5).await, 0);
    assert_eq!(forget(family_over + lives.code + REMEMBER_DEAD + 5).await, 1);
    let pool = sqlx::SqlitePool::connect(&app.database).await.expect("db");
    for table in ["auth_codes", "tokens"] {
        let left: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(left, 0, "{table}");
    }
}

/// A flood of parameters is refused before any of it is judged, and the answer names the
/// limit: at the token endpoint (12 000 distinct parameters in a 64 KiB body) and at the
/// authorization endpoint.
#[tokio::test]
async fn more_than_fifty_parameters_are_refused_and_the_limit_is_named() {
    let app = TestApp::spawn().await;
    let (id, secret) = creds(&app).await;
    let digits: Vec<char> = ('a'..='z').chain('A'..='Z').chain('0'..='9').collect();
    let name = |i: usize| -> String { [i / 3844, i / 62 % 62, i % 62].iter().map(|d| digits[*d]).collect() };
    let body = (0..12_000).map(|i| format!("{}=", name(i))).collect::<Vec<_>>().join("&");
    assert!(body.len() < 64 * 1024);
    let res = oauth_http()
        .post(app.url("/oauth2/token"))
        .basic_auth(&id, Some(&secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 400);
    let answer: Value = res.json().await.expect("json");
    assert_eq!(answer["error"], "invalid_request");
    assert!(
        answer["error_description"].as_str().unwrap_or_default().contains("more than 50 parameters"),
        "{answer}"
    );

    let query = (0..60).map(|i| format!("p{i}=x")).collect::<Vec<_>>().join("&");
    let res = app.get(&format!("/oauth2/authorize?{query}")).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.expect("page").contains("more than 50 parameters"));
}
