//! The practice application's public and service clients: the client credentials grant
//! (with the `oauth2` crate), a public client's code flow with PKCE and no secret, CORS at
//! the token endpoint, and the practice API with its one-time receipts.

use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl,
    Scope, TokenResponse, TokenUrl,
};
use oauthlab::exercises::client_credentials::TokenVia;
use oauthlab::exercises::refresh::{token_sha256, IssuedGrant};
use serde_json::Value;

use crate::helpers::{oauth_http, TestApp};

/// The client of `kind` (`web`, `public`, `service`) as `GET /api/v1/practice/app` lists it.
pub(crate) async fn client_of(app: &TestApp, kind: &str) -> Value {
    let practice = app.practice_app().await;
    practice["clients"]
        .as_array()
        .and_then(|clients| clients.iter().find(|c| c["kind"] == kind))
        .cloned()
        .unwrap_or_else(|| panic!("no {kind} client in {practice:#}"))
}

pub(crate) fn id_of(client: &Value) -> String {
    client["client_id"].as_str().expect("client_id").to_owned()
}

pub(crate) fn api(app: &TestApp) -> String {
    app.url("/practice-api")
}

/// The service client, as the `oauth2` crate.
pub(crate) async fn service(
    app: &TestApp,
    auth: AuthType,
) -> (
    String,
    oauth2::basic::BasicClient<
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointSet,
    >,
) {
    let c = client_of(app, "service").await;
    let client = BasicClient::new(ClientId::new(id_of(&c)))
        .set_client_secret(ClientSecret::new(c["client_secret"].as_str().expect("secret").into()))
        .set_token_uri(TokenUrl::new(app.url("/oauth2/token")).expect("token url"))
        .set_auth_type(auth);
    (id_of(&c), client)
}

/// A token from the client credentials grant, by hand: status and body.
async fn client_credentials(app: &TestApp, form: &[(&str, &str)]) -> (u16, Value) {
    let c = client_of(app, "service").await;
    let res = reqwest::Client::new()
        .post(app.url("/oauth2/token"))
        .basic_auth(id_of(&c), c["client_secret"].as_str())
        .form(form)
        .send()
        .await
        .expect("token");
    (res.status().as_u16(), res.json().await.expect("json"))
}

fn claims(jwt: &str) -> Value {
    use base64::Engine;
    let part = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).expect("base64url");
    serde_json::from_slice(&bytes).expect("claims")
}

#[tokio::test]
async fn the_practice_app_lists_its_three_clients() {
    let app = TestApp::spawn().await;
    let practice = app.practice_app().await;
    assert_eq!(practice["clients"].as_array().map(Vec::len), Some(3), "{practice:#}");
    let web = client_of(&app, "web").await;
    assert_eq!(web["client_id"], practice["client_id"], "the web client is the one of before");
    assert_eq!(web["client_secret"], practice["client_secret"]);
    assert_eq!(web["token_endpoint_auth_method"], "client_secret_basic");
    let public = client_of(&app, "public").await;
    assert!(public.get("client_secret").is_none(), "a public client has no secret: {public}");
    assert_eq!(public["token_endpoint_auth_method"], "none");
    assert_eq!(public["redirect_uris"], serde_json::json!([app.url("/spa/callback")]));
    assert_eq!(public["grant_types"], serde_json::json!(["authorization_code"]));
    assert_eq!(public["allowed_origins"], serde_json::json!([app.base]));
    let service = client_of(&app, "service").await;
    assert!(service["client_secret"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(service["grant_types"], serde_json::json!(["client_credentials"]));
    assert_eq!(service["redirect_uris"], serde_json::json!([]));
    let ids = [id_of(&web), id_of(&public), id_of(&service)];
    assert!(ids.iter().all(|id| id.starts_with("lab_")), "{ids:?}");
    assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
    // Stable across reads.
    assert_eq!(app.practice_app().await, practice);
    app.stop().await;
}

#[tokio::test]
async fn the_oauth2_crate_gets_a_service_token_for_the_practice_api_with_resource() {
    let app = TestApp::spawn().await;
    for (auth, method) in
        [(AuthType::BasicAuth, "client_secret_basic"), (AuthType::RequestBody, "client_secret_post")]
    {
        let (id, client) = service(&app, auth).await;
        let token = client
            .exchange_client_credentials()
            .add_scope(Scope::new("reports:read".into()))
            .add_extra_param("resource", api(&app))
            .request_async(&oauth_http())
            .await
            .expect("token response");
        assert!(token.refresh_token().is_none(), "no refresh token from client credentials");
        let scopes: Vec<String> = token.scopes().into_iter().flatten().map(|s| s.to_string()).collect();
        assert_eq!(scopes, ["reports:read"]);
        let jwt = token.access_token().secret();
        let c = claims(jwt);
        assert_eq!((c["sub"].as_str(), c["client_id"].as_str()), (Some(id.as_str()), Some(id.as_str())));
        assert_eq!(c["aud"], api(&app).as_str());
        assert_eq!(c["iss"], app.base.as_str());
        assert_eq!(c["scope"], "reports:read");
        // The issuance record says how it came to be.
        let issued =
            app.state.services.issued.issued(&token_sha256(jwt)).await.expect("read").expect("issued");
        assert_eq!(issued.grant, IssuedGrant::ClientCredentials);
        assert_eq!(issued.client_id, id);
        assert_eq!(issued.resource.as_deref(), Some(api(&app).as_str()));
        assert_eq!(issued.audience.as_deref(), Some(api(&app).as_str()));
        assert_eq!(issued.granted_scope.as_deref(), Some("reports:read"));
        assert_eq!(issued.client_auth.as_deref(), Some(method));
        let (_, found, kind) =
            app.state.practice.apps.find_client(&issued.client_id).await.expect("find").expect("found");
        let grant = oauthlab::exercises::client_credentials::Grant::from_issued(&issued, kind);
        assert_eq!(grant.client_kind, oauthlab::exercises::client_credentials::ClientKind::Service);
        assert_eq!(found.service_client_id, id);
    }
    app.stop().await;
}

#[tokio::test]
async fn client_credentials_names_what_is_wrong_with_resource_scope_and_client() {
    let app = TestApp::spawn().await;
    let api = api(&app);
    // audience works as resource does; no resource: a token for the default, recorded as none.
    let (status, body) =
        client_credentials(&app, &[("grant_type", "client_credentials"), ("audience", &api)]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = client_credentials(&app, &[("grant_type", "client_credentials")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "reports:read reports:write", "no scope asked: what the client may have");
    let jwt = body["access_token"].as_str().expect("token");
    assert_eq!(claims(jwt)["aud"], api.as_str());
    let issued = app.state.services.issued.issued(&token_sha256(jwt)).await.expect("read").expect("issued");
    assert_eq!(issued.resource, None, "the request named no resource");
    let refused = [
        (vec![("resource", "https://other.example/api")], "invalid_target"),
        (vec![("resource", "practice-api")], "invalid_target"),
        (vec![("resource", api.as_str()), ("audience", "https://other.example")], "invalid_target"),
        (vec![("scope", "openid")], "invalid_scope"),
        (vec![("scope", "reports:read offline_access")], "invalid_scope"),
    ];
    for (extra, code) in refused {
        let mut form = vec![("grant_type", "client_credentials")];
        form.extend(extra.iter().copied());
        let (status, body) = client_credentials(&app, &form).await;
        assert_eq!((status, body["error"].as_str()), (400, Some(code)), "{extra:?}: {body}");
    }
    // The web client may not use the grant; the service client may use nothing else.
    let web = client_of(&app, "web").await;
    let res = reqwest::Client::new()
        .post(app.url("/oauth2/token"))
        .basic_auth(id_of(&web), web["client_secret"].as_str())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.expect("json")["error"], "unauthorized_client");
    for form in [
        vec![
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", "http://x"),
            ("code_verifier", "v"),
        ],
        vec![("grant_type", "refresh_token"), ("refresh_token", "x")],
    ] {
        let (status, body) = client_credentials(&app, &form).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("unauthorized_client")), "{body}");
    }
    // A wrong secret is a wrong secret.
    let service = client_of(&app, "service").await;
    let res = reqwest::Client::new()
        .post(app.url("/oauth2/token"))
        .basic_auth(id_of(&service), Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), 401);
    // The service client logs nobody in.
    let mut url = url::Url::parse(&app.url("/oauth2/authorize")).expect("url");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &id_of(&service))
        .append_pair("redirect_uri", &app.url("/redirect"));
    let res = app.client.get(url.as_str()).send().await.expect("authorize");
    assert_eq!(res.status(), 400);
    assert!(res.text().await.expect("page").contains("unauthorized_client"));
    app.stop().await;
}

/// The public client as the `oauth2` crate, without a secret.
pub(crate) async fn public_client(
    app: &TestApp,
) -> oauth2::basic::BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
> {
    let c = client_of(app, "public").await;
    BasicClient::new(ClientId::new(id_of(&c)))
        .set_auth_uri(AuthUrl::new(app.url("/oauth2/authorize")).expect("auth url"))
        .set_token_uri(TokenUrl::new(app.url("/oauth2/token")).expect("token url"))
        .set_redirect_uri(RedirectUrl::new(app.url("/spa/callback")).expect("redirect"))
}

#[tokio::test]
async fn a_public_client_logs_in_with_pkce_and_no_secret() {
    let app = TestApp::spawn().await;
    let client = public_client(&app).await;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _) = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_scope(Scope::new("openid".into()))
        .url();
    let login = app.login(url.as_str()).await;
    let token = client
        .exchange_code(AuthorizationCode::new(login.code))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("token response");
    let jwt = token.access_token().secret();
    let issued = app.state.services.issued.issued(&token_sha256(jwt)).await.expect("read").expect("issued");
    assert_eq!(issued.client_auth.as_deref(), Some("none"));
    assert_eq!(issued.redirect_uri.as_deref(), Some(app.url("/spa/callback").as_str()));
    assert_eq!(issued.client_id, id_of(&client_of(&app, "public").await));

    // The web client's redirect URI is not the public client's, nor the other way round.
    let web = app.oauth_client(AuthType::BasicAuth).await;
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (url, _) = web
        .set_redirect_uri(RedirectUrl::new(app.url("/spa/callback")).expect("redirect"))
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .url();
    let res = app.client.get(url.as_str()).send().await.expect("authorize");
    assert_eq!(res.status(), 400, "the SPA callback is not the web client's");
    app.stop().await;
}

#[tokio::test]
async fn a_public_client_that_sends_a_secret_or_no_verifier_is_refused() {
    let app = TestApp::spawn().await;
    let id = id_of(&client_of(&app, "public").await);
    let client = public_client(&app).await;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _) = client.authorize_url(CsrfToken::new_random).set_pkce_challenge(challenge).url();
    let code = app.login(url.as_str()).await.code;
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", &app.url("/spa/callback")),
        ("code_verifier", verifier.secret()),
    ];
    // A secret, in the body or in HTTP Basic: invalid_client, saying a public client has none.
    let mut with_secret = base.to_vec();
    with_secret.extend([("client_id", id.as_str()), ("client_secret", "guessed")]);
    let basic =
        reqwest::Client::new().post(app.url("/oauth2/token")).basic_auth(&id, Some("guessed")).form(&base);
    let post = reqwest::Client::new().post(app.url("/oauth2/token")).form(&with_secret);
    for req in [post, basic] {
        let res = req.send().await.expect("token");
        assert_eq!(res.status(), 401);
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"], "invalid_client");
        assert!(
            body["error_description"].as_str().is_some_and(|d| d.contains("a public client has none")),
            "{body}"
        );
    }
    // No verifier: PKCE is required.
    let mut no_verifier: Vec<(&str, &str)> =
        base.iter().copied().filter(|(k, _)| *k != "code_verifier").collect();
    no_verifier.push(("client_id", &id));
    let res =
        reqwest::Client::new().post(app.url("/oauth2/token")).form(&no_verifier).send().await.expect("token");
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "invalid_request");
    assert!(body["error_description"].as_str().is_some_and(|d| d.contains("PKCE")), "{body}");
    // The code is still good: the refusals did not spend it.
    let mut ok = base.to_vec();
    ok.push(("client_id", &id));
    let res = reqwest::Client::new().post(app.url("/oauth2/token")).form(&ok).send().await.expect("token");
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    app.stop().await;
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    res.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn the_token_endpoint_answers_cors_for_the_public_clients_allowed_origins_only() {
    let app = TestApp::spawn().await;
    let preflight = |origin: &'static str| {
        reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, app.url("/oauth2/token"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let spa = "http://localhost:5173";
    let res = preflight("https://evil.example").await.expect("preflight");
    assert!(res.status().is_success());
    assert_eq!(header(&res, "access-control-allow-origin"), None, "another origin: no CORS");
    let res = preflight(spa).await.expect("preflight");
    assert_eq!(header(&res, "access-control-allow-origin"), None, "not allowed yet");

    // The learner allows the SPA's origin (the page's form).
    let res = app
        .client
        .post(app.url("/fn/set_allowed_origins"))
        .header("origin", app.base.clone())
        .form(&[("origins", format!("{spa}\nhttps://spa.example/"))])
        .send()
        .await
        .expect("save origins");
    assert!(res.status().is_success(), "{}", res.status());
    let public = client_of(&app, "public").await;
    assert_eq!(public["allowed_origins"], serde_json::json!([spa, "https://spa.example"]));
    let res = preflight(spa).await.expect("preflight");
    assert_eq!(header(&res, "access-control-allow-origin"), Some(spa), "the exact origin, never *");
    assert!(header(&res, "vary").is_some_and(|v| v.contains("Origin")));
    assert!(header(&res, "access-control-allow-methods").is_some_and(|m| m.contains("POST")));

    // The POST: CORS for that client's origins, from that origin only; even its errors.
    let id = id_of(&public);
    let post = |origin: &'static str, client_id: String| {
        reqwest::Client::new()
            .post(app.url("/oauth2/token"))
            .header("origin", origin)
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", client_id.as_str()),
                ("code", "nope"),
                ("redirect_uri", "x"),
                ("code_verifier", "v".repeat(43).as_str()),
            ])
            .send()
    };
    let res = post(spa, id.clone()).await.expect("post");
    assert_eq!(res.status(), 400, "an unknown code, but not refused as cross-site");
    assert_eq!(header(&res, "access-control-allow-origin"), Some(spa));
    assert!(header(&res, "vary").is_some_and(|v| v.contains("Origin")));
    let res = post("https://evil.example", id.clone()).await.expect("post");
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    // Another client (the web one) gets no CORS, whatever the origin.
    let web = id_of(&client_of(&app, "web").await);
    let res = post(spa, web).await.expect("post");
    assert_eq!(header(&res, "access-control-allow-origin"), None);

    // A bad origin is refused with the fix, and the list stays.
    let res = app
        .client
        .post(app.url("/fn/set_allowed_origins"))
        .header("origin", app.base.clone())
        .form(&[("origins", "http://localhost:5173/app")])
        .send()
        .await
        .expect("save origins");
    assert_eq!(res.status(), 400);
    assert!(res.text().await.expect("body").contains("remove the path"));
    assert_eq!(client_of(&app, "public").await["allowed_origins"], public["allowed_origins"]);
    app.stop().await;
}

/// A call of the practice API: status, `WWW-Authenticate`, body.
async fn call(app: &TestApp, path: &str, bearer: Option<&str>) -> (u16, Option<String>, Value) {
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("call");
    let challenge = header(&res, "www-authenticate").map(str::to_owned);
    (res.status().as_u16(), challenge, res.json().await.expect("json"))
}

#[tokio::test]
async fn the_practice_api_answers_a_bearer_token_with_reports_and_a_one_time_receipt() {
    let app = TestApp::spawn().await;
    let api = api(&app);
    let (_, body) = client_credentials(
        &app,
        &[("grant_type", "client_credentials"), ("resource", &api), ("scope", "reports:read")],
    )
    .await;
    let token = body["access_token"].as_str().expect("token").to_owned();
    let (status, _, body) = call(&app, "/practice-api/reports", Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    let service = id_of(&client_of(&app, "service").await);
    assert_eq!(
        (body["sub"].as_str(), body["client_id"].as_str()),
        (Some(service.as_str()), Some(service.as_str()))
    );
    assert_eq!(body["scope"], "reports:read");
    assert!(body["reports"].as_array().is_some_and(|r| !r.is_empty()));
    let receipt = body["receipt"].as_str().expect("receipt").to_owned();
    // The grader reads the receipt from the pasted body, and the store knows it.
    assert_eq!(
        oauthlab::exercises::client_credentials::pasted_receipt(&body.to_string()).as_deref(),
        Some(receipt.as_str())
    );
    let receipts = &app.state.practice.receipts;
    let now = app::services::now_unix();
    let stored = receipts.receipt(&token_sha256(&receipt), now).await.expect("read").expect("stored");
    assert_eq!(
        (stored.token_sha256, stored.via, stored.used),
        (token_sha256(&token), TokenVia::Header, false)
    );
    assert!(receipts.mark_used(&token_sha256(&receipt), now).await.expect("use"));
    assert!(!receipts.mark_used(&token_sha256(&receipt), now).await.expect("use again"), "one-time");
    assert!(receipts.receipt(&token_sha256(&receipt), now).await.expect("read").expect("kept").used);
    assert!(!app.database_text().await.contains(&receipt), "the receipt is stored as a digest only");
    // Each call has its own receipt.
    let (_, _, again) = call(&app, "/practice-api/reports", Some(&token)).await;
    assert_ne!(again["receipt"], body["receipt"]);
    // A web client's token for the practice user works too: its sub is the user.
    app.stop().await;
}

#[tokio::test]
async fn the_practice_api_refuses_what_rfc_6750_says_to_refuse() {
    let app = TestApp::spawn().await;
    let api = api(&app);
    let realm = "Bearer realm=\"OAuth Lab practice API\"";
    // No token: a plain challenge.
    let (status, challenge, _) = call(&app, "/practice-api/reports", None).await;
    assert_eq!((status, challenge.as_deref()), (401, Some(realm)));
    // Not a token, or a tampered one: invalid_token.
    let (_, body) = client_credentials(
        &app,
        &[("grant_type", "client_credentials"), ("resource", &api), ("scope", "reports:write")],
    )
    .await;
    let write_only = body["access_token"].as_str().expect("token").to_owned();
    let mut tampered = write_only.clone();
    tampered.pop();
    tampered.push(if write_only.ends_with('A') { 'B' } else { 'A' });
    for bad in ["not-a-token", tampered.as_str()] {
        let (status, challenge, body) = call(&app, "/practice-api/reports", Some(bad)).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_token")), "{body}");
        let challenge = challenge.expect("WWW-Authenticate");
        assert!(challenge.starts_with(realm) && challenge.contains("error=\"invalid_token\""), "{challenge}");
        assert!(challenge.contains("error_description=\""), "{challenge}");
    }
    // An ID token is not an access token.
    // A token without reports:read: insufficient_scope, 403, naming the scope.
    let (status, challenge, body) = call(&app, "/practice-api/reports", Some(&write_only)).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("insufficient_scope")));
    let challenge = challenge.expect("WWW-Authenticate");
    assert!(
        challenge.contains("error=\"insufficient_scope\"") && challenge.contains("scope=\"reports:read\""),
        "{challenge}"
    );
    // The token in the query: refused, 400 invalid_request; the grader says why.
    let (_, body) = client_credentials(
        &app,
        &[("grant_type", "client_credentials"), ("resource", &api), ("scope", "reports:read")],
    )
    .await;
    let token = body["access_token"].as_str().expect("token").to_owned();
    let (status, challenge, body) =
        call(&app, &format!("/practice-api/reports?access_token={token}"), None).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
    assert!(challenge.is_some_and(|c| c.contains("error=\"invalid_request\"")));
    assert!(body.get("receipt").is_none());
    let (status, _, _) =
        call(&app, &format!("/practice-api/reports?access_token={token}"), Some(&token)).await;
    assert_eq!(status, 400, "sent twice");
    // A revoked token is refused.
    let service = client_of(&app, "service").await;
    let res = reqwest::Client::new()
        .post(app.url("/oauth2/revoke"))
        .basic_auth(id_of(&service), service["client_secret"].as_str())
        .form(&[("token", token.as_str())])
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status(), 200);
    let (status, _, body) = call(&app, "/practice-api/reports", Some(&token)).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_token")), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn the_json_api_sets_the_allowed_origins_by_the_same_rules() {
    let app = TestApp::spawn().await;
    let put =
        |body: Value| app.client.put(app.url("/api/v1/practice/app/allowed-origins")).json(&body).send();
    let res = put(serde_json::json!({"allowed_origins": ["http://localhost:5173/", "https://spa.example"]}))
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    let practice: Value = res.json().await.expect("json");
    let public =
        practice["clients"].as_array().and_then(|c| c.iter().find(|c| c["kind"] == "public")).cloned();
    let want = serde_json::json!(["http://localhost:5173", "https://spa.example"]);
    assert_eq!(public.map(|p| p["allowed_origins"].clone()), Some(want.clone()));
    for bad in [
        serde_json::json!({"allowed_origins": ["http://localhost:5173/app"]}),
        serde_json::json!({"allowed_origins": ["http://a.example http://b.example"]}),
        serde_json::json!({"allowed_origins": ["*"]}),
        serde_json::json!({"allowed_origins": (0..11).map(|i| format!("http://localhost:{}", 4000 + i)).collect::<Vec<_>>()}),
    ] {
        let res = put(bad.clone()).await.expect("put");
        assert_eq!(res.status(), 400, "{bad}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"], "invalid_origin", "{bad}: {body}");
    }
    assert_eq!(client_of(&app, "public").await["allowed_origins"], want, "unchanged by a refusal");
    let res = put(serde_json::json!({"allowed_origins": []})).await.expect("put");
    assert_eq!(res.status(), 200);
    assert_eq!(client_of(&app, "public").await["allowed_origins"], serde_json::json!([]));
    app.stop().await;
}
