//! The course through the JSON API: every exercise of the catalog listed with its steps,
//! Getting Started graded against the practice server's own documents (fetched over
//! loopback, as from any issuer), and Web Applications played with the `oauth2` crate as
//! the learner's web app, graded against the practice server's record.

use oauth2::{AuthType, AuthorizationCode, CsrfToken, Scope, TokenResponse as _};
use serde_json::{json, Value};

use crate::helpers::{finding, oauth_http, query_param, statuses, TestApp, WebAppLogin};

fn failed(verdict: &Value, id: &str) -> bool {
    finding(verdict, id).is_some_and(|f| f["ok"] == false)
}

#[tokio::test]
async fn the_api_lists_every_exercise_of_the_course_on_offer_in_order_with_its_steps() {
    let app = TestApp::spawn().await;
    let list = app.get_json("/api/v1/exercises").await;
    let slugs: Vec<&str> = list.as_array().expect("list").iter().filter_map(|e| e["slug"].as_str()).collect();
    assert_eq!(slugs, ["getting-started", "web-app", "spa", "client-credentials", "refresh", "oidc"]);
    let ids = |i: usize| -> Vec<String> {
        list[i]["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .filter_map(|s| s["id"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(ids(0), ["issuer", "endpoints", "signing-key"]);
    assert_eq!(ids(1), ["verifier", "challenge", "authorization-url", "callback", "token-response"]);
    for slug in slugs {
        let state = app.get_json(&format!("/api/v1/exercises/{slug}")).await;
        assert_eq!(state["slug"], slug);
        assert_eq!(statuses(&state)[0].1, "current");
    }
    let res =
        app.post_json("/api/v1/exercises/web-app/steps/refresh-response/check", &json!({"input": "x"})).await;
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "unknown_step");
    assert!(body["message"]
        .as_str()
        .expect("message")
        .contains("verifier, challenge, authorization-url, callback, token-response"));
    assert_eq!(app.get("/api/v1/exercises/implicit").await.status(), 404, "no such exercise");
}

#[tokio::test]
async fn getting_started_reads_the_practice_servers_own_metadata_and_keys() {
    let app = TestApp::spawn().await;
    let issuer = app.url("");
    let issuer = issuer.trim_end_matches('/');

    let verdict = app.check_in("getting-started", "issuer", &format!("{issuer}/")).await;
    assert!(failed(&verdict, "issuer.trailing_slash"), "{verdict:#}");
    let verdict = app.check_in("getting-started", "issuer", issuer).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");

    let metadata = app.get_json("/.well-known/oauth-authorization-server").await;
    let (authorize, token) = (
        metadata["authorization_endpoint"].as_str().expect("a"),
        metadata["token_endpoint"].as_str().expect("t"),
    );
    let verdict = app.check_in("getting-started", "endpoints", &format!("{token}\n{authorize}")).await;
    assert!(failed(&verdict, "endpoints.swapped"), "{verdict:#}");
    // The metadata itself may be pasted.
    let verdict = app.check_in("getting-started", "endpoints", &metadata.to_string()).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");

    // The key that signs now, from the JWKS the metadata names.
    let jwks = app.get_json("/oauth2/jwks").await;
    let kid = jwks["keys"][0]["kid"].as_str().expect("kid").to_owned();
    let verdict = app.check_in("getting-started", "signing-key", "kid: nope, alg: ES256").await;
    assert!(failed(&verdict, "signing_key.kid"), "{verdict:#}");
    let verdict = app.check_in("getting-started", "signing-key", &format!("kid: {kid}, alg: ES256")).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    assert!(finding(&verdict, "signing_key.current").is_some_and(|f| f["ok"] == true), "{verdict:#}");
    assert_eq!(verdict["exercise"]["completed"], true);

    // Its progress is its own.
    let refresh = app.get_json("/api/v1/exercises/refresh").await;
    assert_eq!(statuses(&refresh)[0].1, "current");
    let course = app.get("/").await.text().await.expect("home");
    assert!(course.contains("1 of 6 exercises completed"), "the home page counts it");
}

#[tokio::test]
async fn web_app_is_played_with_a_real_oauth_client_and_graded_against_the_record() {
    let app = TestApp::spawn().await;
    let client = app.oauth_client(AuthType::BasicAuth).await;
    let WebAppLogin { verifier, url, state, .. } = app.web_app_steps_1_to_3(&client).await;

    let back = app.follow_login(url.as_str()).await;
    assert_eq!(query_param(&back, "state"), Some(state.secret().clone()));
    let mut forged = back.clone();
    forged.query_pairs_mut().clear().append_pair("code", "x").append_pair("state", "forged-state-value");
    let verdict = app.check_in("web-app", "callback", forged.as_str()).await;
    assert!(failed(&verdict, "callback.state"), "{verdict:#}");
    let verdict = app.check_in("web-app", "callback", back.as_str()).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");

    let code = query_param(&back, "code").expect("code");
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("token response");
    let response = json!({
        "access_token": tokens.access_token().secret(),
        "token_type": "Bearer",
        "expires_in": tokens.expires_in().map(|d| d.as_secs()),
        "scope": "openid",
    });
    let verdict = app.check_in("web-app", "token-response", &response.to_string()).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    for id in ["exchange.client", "exchange.client_auth", "exchange.verifier", "exchange.code"] {
        assert!(finding(&verdict, id).is_some_and(|f| f["ok"] == true), "{id}: {verdict:#}");
    }
    assert_eq!(verdict["exercise"]["completed"], true);

    // Reset of one exercise leaves the others; "all" is for instructors.
    assert_eq!(app.post_json("/api/v1/exercises/web-app/reset", &json!({})).await.status(), 204);
    assert_eq!(statuses(&app.get_json("/api/v1/exercises/web-app").await)[0].1, "current");
}

#[tokio::test]
async fn web_app_names_a_token_from_another_login_than_the_callback() {
    let app = TestApp::spawn().await;
    let client = app.oauth_client(AuthType::RequestBody).await;
    let WebAppLogin { challenge, verifier, url, .. } = app.web_app_steps_1_to_3(&client).await;
    let back = app.follow_login(url.as_str()).await;
    assert_eq!(app.check_in("web-app", "callback", back.as_str()).await["passed"], true);

    // Another login's code exchanged instead of the callback's.
    let (another, _) = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_scope(Scope::new("openid".into()))
        .url();
    let other = app.login(another.as_str()).await;
    let tokens = client
        .exchange_code(AuthorizationCode::new(other.code))
        .set_pkce_verifier(oauth2::PkceCodeVerifier::new(verifier.secret().clone()))
        .request_async(&oauth_http())
        .await
        .expect("token response");
    let response =
        json!({"access_token": tokens.access_token().secret(), "token_type": "Bearer", "expires_in": 300});
    let verdict = app.check_in("web-app", "token-response", &response.to_string()).await;
    assert_eq!(verdict["passed"], false, "{verdict:#}");
    assert!(failed(&verdict, "exchange.code"), "{verdict:#}");
}

/// Another OAuth Lab on loopback plays the learner's own authorization server.
async fn own_server_for(lab: &TestApp) -> TestApp {
    let idp = TestApp::spawn().await;
    let app = idp.practice_app().await;
    let body =
        json!({"issuer": idp.base, "client_id": app["client_id"], "redirect_uri": idp.url("/redirect")});
    let res =
        lab.client.put(lab.url("/api/v1/exercises/web-app/provider")).json(&body).send().await.expect("put");
    assert_eq!(res.status(), 200);
    let setup: Value = res.json().await.expect("json");
    assert_eq!(setup["passed"], true, "{setup:#}");
    idp
}

#[tokio::test]
async fn getting_started_works_against_another_issuer_and_says_what_it_could_not_verify() {
    let (lab, idp) = (TestApp::spawn().await, TestApp::spawn().await);
    let issuer = idp.base.trim_end_matches('/').to_owned();
    assert_eq!(lab.check_in("getting-started", "issuer", &issuer).await["passed"], true);
    let metadata = idp.get_json("/.well-known/oauth-authorization-server").await;
    assert_eq!(lab.check_in("getting-started", "endpoints", &metadata.to_string()).await["passed"], true);
    let kid = idp.get_json("/oauth2/jwks").await["keys"][0]["kid"].as_str().expect("kid").to_owned();
    let verdict = lab.check_in("getting-started", "signing-key", &format!("kid: {kid}, alg: ES256")).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    let current = finding(&verdict, "signing_key.current").expect("what could not be verified is said");
    assert_eq!(current["level"], "info", "{verdict:#}");
}

#[tokio::test]
async fn web_app_works_against_the_learners_own_server_and_says_what_it_could_not_verify() {
    let lab = TestApp::spawn().await;
    let idp = own_server_for(&lab).await;
    let client = idp.oauth_client(AuthType::BasicAuth).await;
    let WebAppLogin { verifier, url, .. } = lab.web_app_steps_1_to_3(&client).await;
    // The learner logs in at their own server (its session, not the lab's).
    let back = idp.follow_login(url.as_str()).await;
    let verdict = lab.check_in("web-app", "callback", back.as_str()).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    let code = query_param(&back, "code").expect("code");
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("token response");
    let response =
        json!({"access_token": tokens.access_token().secret(), "token_type": "Bearer", "expires_in": 300});
    let verdict = lab.check_in("web-app", "token-response", &response.to_string()).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    let unverified = finding(&verdict, "exchange.unverified").expect("what could not be verified is said");
    assert_eq!(unverified["level"], "info");
    assert!(
        finding(&verdict, "token.signature").is_some_and(|f| f["ok"] == true),
        "checked with its JWKS: {verdict:#}"
    );
}

/// The `id_token` of an OpenID Connect token response, which the `oauth2` crate's basic
/// response drops.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize)]
struct IdTokenField {
    id_token: String,
}
impl oauth2::ExtraTokenFields for IdTokenField {}

type OidcTokens = oauth2::StandardTokenResponse<IdTokenField, oauth2::basic::BasicTokenType>;
/// The client before its endpoints are set.
type OidcClientBuilder = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    OidcTokens,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
>;
type OidcClient = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    OidcTokens,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

/// The `oauth2` crate as the learner's relying party, with this learner's practice
/// application.
async fn oidc_client(app: &TestApp) -> OidcClient {
    let practice = app.practice_app().await;
    let field = |name: &str| practice[name].as_str().expect(name).to_owned();
    OidcClientBuilder::new(oauth2::ClientId::new(field("client_id")))
        .set_client_secret(oauth2::ClientSecret::new(field("client_secret")))
        .set_auth_uri(oauth2::AuthUrl::new(app.url("/oauth2/authorize")).expect("auth url"))
        .set_token_uri(oauth2::TokenUrl::new(app.url("/oauth2/token")).expect("token url"))
        .set_redirect_uri(oauth2::RedirectUrl::new(app.url("/redirect")).expect("redirect"))
        .set_auth_type(AuthType::BasicAuth)
}

/// The claims of a JWT: its middle part, decoded, as step 5 asks the learner to do.
fn payload(jwt: &str) -> Value {
    use base64::Engine as _;
    let part = jwt.split('.').nth(1).expect("a JWT has a payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

#[tokio::test]
async fn oidc_is_played_with_a_real_oauth_client_and_its_id_token_is_checked_end_to_end() {
    let app = TestApp::spawn().await;
    let client = oidc_client(&app).await;
    let (challenge, verifier) = oauth2::PkceCodeChallenge::new_random_sha256();
    assert_eq!(app.check_in("oidc", "verifier", verifier.secret()).await["passed"], true);
    assert_eq!(app.check_in("oidc", "challenge", challenge.as_str()).await["passed"], true);
    let login = |nonce: Option<&str>| {
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge.clone())
            .add_scopes(["openid", "profile", "email"].map(|s| Scope::new(s.into())));
        if let Some(nonce) = nonce {
            request = request.add_extra_param("nonce", nonce);
        }
        request.url()
    };

    // The typical mistake: an OpenID Connect login without a nonce.
    let (without, _) = login(None);
    let verdict = app.check_in("oidc", "authorization-url", without.as_str()).await;
    assert!(failed(&verdict, "url.nonce"), "{verdict:#}");
    let nonce = CsrfToken::new_random().secret().clone();
    let (url, state) = login(Some(&nonce));
    let verdict = app.check_in("oidc", "authorization-url", url.as_str()).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");

    // Back at the redirect page, which knows the login is OpenID Connect's.
    let back = app.follow_login(url.as_str()).await;
    assert_eq!(query_param(&back, "state"), Some(state.secret().clone()));
    let redirect_page = app.get(&format!("/redirect?{}", back.query().unwrap_or_default())).await;
    let redirect_page = redirect_page.text().await.expect("redirect page");
    assert!(redirect_page.contains("href=\"/exercises/oidc#step-token-response\""), "{redirect_page}");

    let code = query_param(&back, "code").expect("code");
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("token response");
    let id_token = tokens.extra_fields().id_token.clone();
    let response = serde_json::to_string(&tokens).expect("the token response as JSON");
    let verdict = app.check_in("oidc", "token-response", &response).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    for id in ["id_token.signature", "id_token.iss", "id_token.aud", "id_token.nonce", "exchange.nonce"] {
        assert!(finding(&verdict, id).is_some_and(|f| f["ok"] == true), "{id}: {verdict:#}");
    }

    // Step 5: the ID token's payload, decoded here as the learner does; a changed subject
    // is caught.
    let claims = payload(&id_token);
    assert_eq!(claims["nonce"], nonce.as_str());
    let sub = claims["sub"].as_str().expect("sub").to_owned();
    let mut changed = claims.clone();
    changed["sub"] = json!("someone-else");
    let verdict = app.check_in("oidc", "id-token-claims", &changed.to_string()).await;
    assert!(failed(&verdict, "claims.sub"), "{verdict:#}");
    let verdict = app.check_in("oidc", "id-token-claims", &claims.to_string()).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");

    // Step 6: a UserInfo answer about another user is refused; one about this user passes.
    let verdict =
        app.check_in("oidc", "userinfo-response", &json!({"sub": "someone-else"}).to_string()).await;
    assert!(failed(&verdict, "userinfo.sub"), "{verdict:#}");
    let userinfo = bearer_get(&app, "/oauth2/userinfo", tokens.access_token().secret()).await;
    let verdict = app.check_in("oidc", "userinfo-response", &userinfo).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    assert_eq!(serde_json::from_str::<Value>(&userinfo).expect("json")["sub"], sub.as_str());
    assert_eq!(verdict["exercise"]["completed"], true);
    let course = app.get("/").await.text().await.expect("home");
    assert!(course.contains("1 of 6 exercises completed"), "the home page counts it");
}

/// A response as a learner pastes it: the token response's JSON, with the fields the
/// server sent (none as `null`).
fn token_json(tokens: &oauth2::basic::BasicTokenResponse) -> String {
    let mut response = json!({
        "access_token": tokens.access_token().secret(),
        "token_type": "Bearer",
        "expires_in": tokens.expires_in().map(|d| d.as_secs()),
    });
    if let Some(refresh) = tokens.refresh_token() {
        response["refresh_token"] = json!(refresh.secret());
    }
    if let Some(scopes) = tokens.scopes() {
        response["scope"] = json!(scopes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" "));
    }
    response.to_string()
}

#[tokio::test]
async fn single_page_apps_is_played_as_the_public_client_and_graded_against_the_record() {
    let app = TestApp::spawn().await;
    let client = crate::clients::public_client(&app).await;
    let (challenge, verifier) = oauth2::PkceCodeChallenge::new_random_sha256();
    let (url, _) = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge.clone())
        .add_scope(Scope::new("openid".into()))
        .url();
    assert_eq!(app.check_in("spa", "verifier", verifier.secret()).await["passed"], true);
    assert_eq!(app.check_in("spa", "challenge", challenge.as_str()).await["passed"], true);
    // The web client's id in a browser app's URL is named.
    let web = app.oauth_client(AuthType::BasicAuth).await;
    let (web_url, _) = web
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge.clone())
        .add_scope(Scope::new("openid".into()))
        .url();
    let verdict = app.check_in("spa", "authorization-url", web_url.as_str()).await;
    assert!(failed(&verdict, "url.client_id"), "{verdict:#}");
    let verdict = app.check_in("spa", "authorization-url", url.as_str()).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");

    // The callback page offers the public client's exchange: no secret, this verifier.
    let login = app.login(url.as_str()).await;
    let page = app.get(&format!("/spa/callback?code={}", login.code)).await.text().await.expect("page");
    assert!(page.contains(&format!("code_verifier={}", verifier.secret())), "the verifier is filled in");
    assert!(!page.contains("client_secret"), "a public client sends no secret");

    let tokens = client
        .exchange_code(AuthorizationCode::new(login.code))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("token response");
    let verdict = app.check_in("spa", "token-response", &token_json(&tokens)).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    for id in ["exchange.client", "exchange.client_auth", "exchange.verifier"] {
        assert!(finding(&verdict, id).is_some_and(|f| f["ok"] == true), "{id}: {verdict:#}");
    }
    assert_eq!(verdict["exercise"]["completed"], true);

    // A token the web client got with its secret is not a browser app's.
    let web_login = app.web_app_steps_1_to_3(&web).await;
    let back = app.login(web_login.url.as_str()).await;
    let web_tokens = web
        .exchange_code(AuthorizationCode::new(back.code))
        .set_pkce_verifier(web_login.verifier)
        .request_async(&oauth_http())
        .await
        .expect("token response");
    let verdict = app.check_in("spa", "token-response", &token_json(&web_tokens)).await;
    assert!(failed(&verdict, "exchange.client"), "{verdict:#}");
    app.stop().await;
}

/// A client credentials token of `client` for `scopes`, asking for `resource` when given.
async fn service_token(
    client: &oauth2::basic::BasicClient<
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointSet,
    >,
    scopes: &[&str],
    resource: Option<String>,
) -> oauth2::basic::BasicTokenResponse {
    let mut request =
        client.exchange_client_credentials().add_scopes(scopes.iter().map(|s| Scope::new((*s).into())));
    if let Some(resource) = resource {
        request = request.add_extra_param("resource", resource);
    }
    request.request_async(&oauth_http()).await.expect("token response")
}

/// The answer of `GET <site>/path` with `token` as a bearer token: a practice API or
/// UserInfo call, as the page's command makes it.
async fn bearer_get(site: &TestApp, path: &str, token: &str) -> String {
    let res = reqwest::Client::new().get(site.url(path)).bearer_auth(token).send().await.expect("call");
    res.text().await.expect("body")
}

#[tokio::test]
async fn machine_to_machine_is_played_with_the_service_client_and_the_practice_api() {
    let app = TestApp::spawn().await;
    let (_, client) = crate::clients::service(&app, AuthType::BasicAuth).await;
    // Without a resource the token is not for the practice API: named from the record.
    let tokens = service_token(&client, &["reports:read"], None).await;
    let verdict = app.check_in("client-credentials", "token-response", &token_json(&tokens)).await;
    assert!(failed(&verdict, "grant.resource"), "{verdict:#}");
    // More scope than the call needs is named too.
    let tokens =
        service_token(&client, &["reports:read", "reports:write"], Some(crate::clients::api(&app))).await;
    let verdict = app.check_in("client-credentials", "token-response", &token_json(&tokens)).await;
    assert!(failed(&verdict, "grant.scope"), "{verdict:#}");

    let tokens = service_token(&client, &["reports:read"], Some(crate::clients::api(&app))).await;
    let verdict = app.check_in("client-credentials", "token-response", &token_json(&tokens)).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");

    // Step 2: the call as the page's command makes it, with the token in the header.
    let answer = bearer_get(&app, "/practice-api/reports", tokens.access_token().secret()).await;
    let verdict = app.check_in("client-credentials", "api-response", &answer).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    assert_eq!(verdict["exercise"]["completed"], true);
    // A receipt passes once; a made-up one never.
    let verdict = app.check_in("client-credentials", "api-response", &answer).await;
    assert!(failed(&verdict, "api.used"), "{verdict:#}");
    // Two checks of a new receipt at the same moment: one passes, the other finds it used.
    let again = bearer_get(&app, "/practice-api/reports", tokens.access_token().secret()).await;
    let (first, second) = tokio::join!(
        app.check_in("client-credentials", "api-response", &again),
        app.check_in("client-credentials", "api-response", &again)
    );
    let passed = [&first, &second].iter().filter(|v| v["passed"] == true).count();
    assert_eq!(passed, 1, "{first:#} {second:#}");
    assert!(failed(&first, "api.used") || failed(&second, "api.used"));
    let mut made_up: Value = serde_json::from_str(&answer).expect("json");
    made_up["receipt"] = json!("made-up-receipt");
    let verdict = app.check_in("client-credentials", "api-response", &made_up.to_string()).await;
    assert!(failed(&verdict, "api.issued"), "{verdict:#}");
    app.stop().await;
}

#[tokio::test]
async fn oidc_and_machine_to_machine_work_against_the_learners_own_server() {
    let lab = TestApp::spawn().await;
    let idp = own_server_for(&lab).await;
    let client = oidc_client(&idp).await;
    let (challenge, verifier) = oauth2::PkceCodeChallenge::new_random_sha256();
    assert_eq!(lab.check_in("oidc", "verifier", verifier.secret()).await["passed"], true);
    assert_eq!(lab.check_in("oidc", "challenge", challenge.as_str()).await["passed"], true);
    let nonce = CsrfToken::new_random().secret().clone();
    let (url, _) = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_scopes(["openid", "profile", "email"].map(|s| Scope::new(s.into())))
        .add_extra_param("nonce", &nonce)
        .url();
    let verdict = lab.check_in("oidc", "authorization-url", url.as_str()).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    // The learner logs in at their own server and exchanges the code there.
    let back = idp.follow_login(url.as_str()).await;
    let tokens = client
        .exchange_code(AuthorizationCode::new(query_param(&back, "code").expect("code")))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("token response");
    let response = serde_json::to_string(&tokens).expect("json");
    let verdict = lab.check_in("oidc", "token-response", &response).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    // The ID token verified with that server's JWKS (RS256); its record is not ours to read.
    for id in ["id_token.signature", "id_token.iss", "id_token.nonce"] {
        assert!(finding(&verdict, id).is_some_and(|f| f["ok"] == true), "{id}: {verdict:#}");
    }
    assert_eq!(finding(&verdict, "exchange.unverified").expect("said")["level"], "info", "{verdict:#}");
    let claims = payload(&tokens.extra_fields().id_token);
    assert_eq!(lab.check_in("oidc", "id-token-claims", &claims.to_string()).await["passed"], true);
    let userinfo = bearer_get(&idp, "/oauth2/userinfo", tokens.access_token().secret()).await;
    let verdict = lab.check_in("oidc", "userinfo-response", &userinfo).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");

    // Machine-to-Machine on that server: graded from the JSON and JWT, and said so.
    let (_, service) = crate::clients::service(&idp, AuthType::BasicAuth).await;
    let tokens = service_token(&service, &["reports:read"], Some(crate::clients::api(&idp))).await;
    let verdict = lab.check_in("client-credentials", "token-response", &token_json(&tokens)).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    assert_eq!(finding(&verdict, "grant.unverified").expect("said")["level"], "info", "{verdict:#}");
    let answer = bearer_get(&idp, "/practice-api/reports", tokens.access_token().secret()).await;
    let verdict = lab.check_in("client-credentials", "api-response", &answer).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    assert_eq!(finding(&verdict, "api.unverified").expect("said")["level"], "info", "{verdict:#}");
}

#[tokio::test]
async fn single_page_apps_works_against_the_learners_own_server_and_says_what_it_could_not_verify() {
    let lab = TestApp::spawn().await;
    let idp = own_server_for(&lab).await;
    // The learner's own server's public client (there, the practice server's).
    let client = crate::clients::public_client(&idp).await;
    let (challenge, verifier) = oauth2::PkceCodeChallenge::new_random_sha256();
    assert_eq!(lab.check_in("spa", "verifier", verifier.secret()).await["passed"], true);
    assert_eq!(lab.check_in("spa", "challenge", challenge.as_str()).await["passed"], true);
    let (url, _) = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_scope(Scope::new("openid".into()))
        .url();
    let verdict = lab.check_in("spa", "authorization-url", url.as_str()).await;
    assert_eq!(
        verdict["passed"], true,
        "the web app's client id given for that server is not held against it: {verdict:#}"
    );
    let back = idp.follow_login(url.as_str()).await;
    let tokens = client
        .exchange_code(AuthorizationCode::new(query_param(&back, "code").expect("code")))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("token response");
    let verdict = lab.check_in("spa", "token-response", &token_json(&tokens)).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    assert_eq!(finding(&verdict, "exchange.unverified").expect("said")["level"], "info", "{verdict:#}");
    assert!(finding(&verdict, "token.signature").is_some_and(|f| f["ok"] == true), "{verdict:#}");
}
