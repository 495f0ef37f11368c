//! The exercise against the learner's own authorization server: found from its issuer
//! URL over real HTTP, its JWKS read to check signatures. A second OAuth Lab on
//! loopback plays the learner's Keycloak, with a learner of its own there.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::{field, finding, said, statuses, TestApp};

const PROVIDER: &str = "/api/v1/exercises/refresh/provider";

async fn put_provider(app: &TestApp, body: Value) -> Value {
    let res = app.client.put(app.url(PROVIDER)).json(&body).send().await.expect("put");
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

/// The learner's server, with refresh tokens on for their application there.
async fn learners_server() -> TestApp {
    let idp = TestApp::spawn().await;
    idp.enable_refresh_tokens(true).await;
    idp
}

async fn use_server(lab: &TestApp, idp: &TestApp) -> Value {
    let app = idp.practice_app().await;
    put_provider(
        lab,
        json!({"issuer": idp.base, "client_id": app["client_id"], "redirect_uri": idp.url("/redirect")}),
    )
    .await
}

fn ok(verdict: &Value, id: &str) -> Option<bool> {
    finding(verdict, id).and_then(|f| f["ok"].as_bool())
}

async fn pass_steps_one_and_two(lab: &TestApp) -> (String, String) {
    let pkce: Value = lab.post_json("/api/v1/pkce/generate", &json!({})).await.json().await.expect("pkce");
    let (verifier, challenge) = (field(&pkce.to_string(), "verifier"), field(&pkce.to_string(), "challenge"));
    assert_eq!(lab.check_json("verifier", &verifier).await["passed"], true);
    assert_eq!(lab.check_json("challenge", &challenge).await["passed"], true);
    (verifier, challenge)
}

#[tokio::test]
async fn a_learner_completes_the_exercise_against_their_own_server() {
    let (lab, idp) = (TestApp::spawn().await, learners_server().await);
    let setup = use_server(&lab, &idp).await;
    assert_eq!(setup["passed"], true, "{setup}");
    assert_eq!(setup["provider"]["builtin"], false);
    assert_eq!(setup["provider"]["authorization_endpoint"], idp.url("/oauth2/authorize"));
    assert_eq!(setup["provider"]["jwks_uri"], idp.url("/oauth2/jwks"));
    assert_eq!(
        setup["provider"]["discovered_at"],
        idp.url("/.well-known/oauth-authorization-server"),
        "RFC 8414 first"
    );
    assert_eq!(lab.get_json(PROVIDER).await["issuer"], idp.base);

    let (verifier, challenge) = pass_steps_one_and_two(&lab).await;
    // The built-in server's URL is now the wrong one.
    let builtin_url = lab.authorization_url(&challenge, "offline_access").await;
    let verdict = lab.check_json("authorization-url", &builtin_url).await;
    assert_eq!(ok(&verdict, "url.endpoint"), Some(false), "{verdict}");
    let url = idp.authorization_url(&challenge, "offline_access").await;
    let verdict = lab.check_json("authorization-url", &url).await;
    assert_eq!(verdict["passed"], true, "{verdict}");

    // The page's token command points at the learner's server and asks for their secret.
    let page = lab.get("/exercises/refresh").await.text().await.expect("page");
    assert!(page.contains(&idp.url("/oauth2/token")), "token endpoint on the page");
    assert!(page.contains("client_secret=YOUR_CLIENT_SECRET"), "secret placeholder on the page");

    let response = idp.exchange(&url, &verifier).await;
    // A token changed after it was issued fails against the server's published keys.
    let access = field(&response, "access_token");
    let mut parts: Vec<String> = access.split('.').map(str::to_owned).collect();
    parts[2] = parts[2].chars().rev().collect();
    let tampered = response.replace(&access, &parts.join("."));
    let verdict = lab.check_json("token-response", &tampered).await;
    assert_eq!(ok(&verdict, "token.signature"), Some(false), "{verdict}");
    // So does an unsigned one with the same claims.
    let none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt"}"#), parts[1]);
    let verdict = lab.check_json("token-response", &response.replace(&access, &none)).await;
    assert_eq!(ok(&verdict, "token.signature"), Some(false), "{verdict}");
    assert_eq!(verdict["passed"], false);

    let verdict = lab.check_json("token-response", &response).await;
    assert_eq!(verdict["passed"], true, "{verdict}");
    assert_eq!(ok(&verdict, "token.signature"), Some(true), "{verdict}");
    assert_eq!(ok(&verdict, "token.iss"), Some(true), "{verdict}");
    assert!(finding(&verdict, "token.issued").is_none(), "only the built-in server knows what it issued");

    let refreshed = idp.refresh(&field(&response, "refresh_token")).await;
    let verdict = lab.check_json("refresh-response", &refreshed).await;
    assert_eq!(verdict["passed"], true, "{verdict}");
    assert_eq!(ok(&verdict, "refresh.sub"), Some(true), "{verdict}");
    assert_eq!(verdict["exercise"]["completed"], true);
    // Nothing secret from the learner's server was kept.
    let db = lab.database_text().await;
    for secret in [access, field(&response, "refresh_token"), field(&refreshed, "access_token"), verifier] {
        assert!(!db.contains(&secret), "a secret is in the database");
    }
}

#[tokio::test]
async fn a_server_whose_keys_cannot_be_read_is_a_warning_that_says_why() {
    let (lab, idp) = (TestApp::spawn().await, learners_server().await);
    assert_eq!(use_server(&lab, &idp).await["passed"], true);
    let (verifier, challenge) = pass_steps_one_and_two(&lab).await;
    let url = idp.authorization_url(&challenge, "offline_access").await;
    assert_eq!(lab.check_json("authorization-url", &url).await["passed"], true);
    let response = idp.exchange(&url, &verifier).await;
    idp.stop().await;
    let verdict = lab.check_json("token-response", &response).await;
    assert_eq!(verdict["passed"], true, "{verdict}");
    let signature = finding(&verdict, "token.signature").expect("token.signature");
    assert_eq!((signature["ok"].as_bool(), signature["level"].as_str()), (Some(false), Some("warning")));
    assert!(said(signature).contains("could not connect"), "{signature}");
}

#[tokio::test]
async fn an_issuer_without_metadata_keeps_the_current_server_and_says_what_was_tried() {
    let lab = TestApp::spawn().await;
    let cases = [
        (lab.url("/nowhere"), "provider.metadata", "HTTP 404"),
        ("not a url".to_owned(), "provider.issuer", "not an absolute URL"),
        ("http://lab.example/realms/x".to_owned(), "provider.issuer", "must use TLS"),
    ];
    for (issuer, id, message) in cases {
        let verdict = put_provider(&lab, json!({"issuer": issuer})).await;
        assert_eq!(verdict["passed"], false, "{verdict}");
        let failed = finding(&verdict, id).expect(id);
        assert_eq!(failed["ok"], false);
        assert!(said(failed).contains(message), "{failed}");
        assert_eq!(verdict["provider"]["builtin"], true, "the built-in server stays");
    }
    // The failed attempt is kept, with what was typed, for the page to show.
    let provider = lab.get_json(PROVIDER).await;
    assert_eq!(provider["last_attempt"]["issuer"], "http://lab.example/realms/x");
    // A body that is not what the endpoint takes is a 400, not a change.
    let res = lab.client.put(lab.url(PROVIDER)).json(&json!({"issuer": 7})).send().await.expect("put");
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn switching_servers_starts_steps_three_to_five_over_and_keeps_the_verifier() {
    let (lab, idp) = (TestApp::spawn().await, learners_server().await);
    lab.pass_first_three_steps().await;
    let setup = use_server(&lab, &idp).await;
    assert_eq!(ok(&setup, "provider.progress"), Some(true), "{setup}");
    let expect = |third: &str| {
        vec![
            ("verifier".to_owned(), "passed".to_owned()),
            ("challenge".to_owned(), "passed".to_owned()),
            ("authorization-url".to_owned(), third.to_owned()),
            ("token-response".to_owned(), "locked".to_owned()),
            ("refresh-response".to_owned(), "locked".to_owned()),
        ]
    };
    assert_eq!(statuses(&setup["exercise"]), expect("current"));
    // Setting up the same server again changes nothing.
    let again = use_server(&lab, &idp).await;
    assert!(finding(&again, "provider.progress").is_none(), "{again}");

    let res = lab.client.delete(lab.url(PROVIDER)).send().await.expect("delete");
    assert_eq!(res.status(), 204);
    assert_eq!(lab.get_json(PROVIDER).await["builtin"], true);
    assert_eq!(statuses(&lab.get_json("/api/v1/exercises/refresh").await), expect("current"));
}

#[tokio::test]
async fn a_site_on_a_public_address_refuses_servers_on_loopback() {
    let lab = TestApp::spawn_with(|s| s.public_url = "https://lab.example".into()).await;
    let verdict = put_provider(&lab, json!({"issuer": "http://127.0.0.1:8080/realms/lab"})).await;
    let failed = finding(&verdict, "provider.issuer").expect("provider.issuer");
    assert_eq!(failed["ok"], false);
    assert!(failed["message"].as_str().is_some_and(|m| m.contains("same machine")), "{failed}");
}

#[tokio::test]
async fn a_site_on_a_public_address_refuses_every_non_public_range_without_asking_it() {
    let lab = TestApp::spawn_with(|s| s.public_url = "https://lab.example".into()).await;
    let cases = [
        ("https://100.64.0.1/", "100.64.0.0/10"),
        ("https://0.0.0.1/realms/lab", "0.0.0.0/8"),
        ("https://198.18.0.1/", "198.18.0.0/15"),
        ("https://240.0.0.1/", "240.0.0.0/4"),
        ("https://255.255.255.255/", "240.0.0.0/4"),
        ("https://224.0.0.1/", "224.0.0.0/4"),
        ("https://192.0.2.1/", "192.0.2.0/24"),
        ("https://[ff02::1]/", "ff00::/8"),
        ("https://[64:ff9b::7f00:1]/", "127.0.0.0/8"),
        ("https://[2002:7f00:1::1]/", "2002::/16"),
        ("https://[::ffff:127.0.0.1]:8443/realms/lab", "127.0.0.0/8"),
        ("https://[::7f00:1]/", "::/96"),
        ("https://[2001:db8::1]/", "2001:db8::/32"),
    ];
    for (issuer, range) in cases {
        let verdict = put_provider(&lab, json!({"issuer": issuer})).await;
        let failed = finding(&verdict, "provider.issuer").expect("provider.issuer");
        assert_eq!(failed["ok"], false, "{issuer}");
        let message = failed["message"].as_str().unwrap_or_default();
        assert!(message.contains("not a private or local") && message.contains(range), "{issuer}: {message}");
        assert!(finding(&verdict, "provider.metadata").is_none(), "{issuer}: nothing was fetched");
        assert_eq!(verdict["provider"]["builtin"], true);
    }
}

/// Plays the learner's server in front of `idp`: its own metadata, naming `idp`'s
/// endpoints, and a `jwks_uri` that answers 503 and counts how often it is asked.
async fn server_with_a_broken_jwks(idp: &TestApp) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let metadata = json!({
        "issuer": base,
        "authorization_endpoint": idp.url("/oauth2/authorize"),
        "token_endpoint": idp.url("/oauth2/token"),
        "jwks_uri": format!("{base}/jwks"),
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "scopes_supported": ["openid", "offline_access"],
    });
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let router = axum::Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            axum::routing::get(move || async move { axum::Json(metadata) }),
        )
        .route(
            "/jwks",
            axum::routing::get(move || async move {
                counter.fetch_add(1, Ordering::SeqCst);
                axum::http::StatusCode::SERVICE_UNAVAILABLE
            }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (base, asked)
}

#[tokio::test]
async fn a_jwks_that_could_not_be_read_is_not_asked_again_for_every_pasted_token() {
    let (lab, idp) = (TestApp::spawn().await, learners_server().await);
    let (issuer, asked) = server_with_a_broken_jwks(&idp).await;
    let app = idp.practice_app().await;
    let setup = put_provider(
        &lab,
        json!({"issuer": issuer, "client_id": app["client_id"], "redirect_uri": idp.url("/redirect")}),
    )
    .await;
    assert_eq!(setup["passed"], true, "{setup}");
    let (verifier, challenge) = pass_steps_one_and_two(&lab).await;
    let url = idp.authorization_url(&challenge, "offline_access").await;
    assert_eq!(lab.check_json("authorization-url", &url).await["passed"], true);
    let response = idp.exchange(&url, &verifier).await;
    for _ in 0..2 {
        let verdict = lab.check_json("token-response", &response).await;
        let signature = finding(&verdict, "token.signature").expect("token.signature");
        assert_eq!(signature["level"], "warning", "{signature}");
        assert!(said(signature).contains("HTTP 503"), "{signature}");
    }
    assert_eq!(asked.load(Ordering::SeqCst), 1, "two tokens checked, the JWKS asked once");
}

/// Kills the server it holds when dropped, so that a failed test leaves none behind.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_server_reaches_learners_servers_directly_whatever_the_proxy_variables_say() {
    let idp = learners_server().await;
    // A "proxy" that counts the connections it gets and answers none.
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let proxy_url = format!("http://{}", proxy.local_addr().expect("addr"));
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = proxy.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    // The real binary, in a process of its own: the variables are set for it only.
    let addr = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind").local_addr().expect("addr");
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite:{}", dir.path().join("lab.db").display());
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_oauthlab"));
    command.args(["serve", "--addr", &addr.to_string(), "--database", &database, "--public-url"]);
    command.arg(format!("http://{addr}"));
    for name in ["OAUTHLAB_ADDR", "OAUTHLAB_DATABASE", "OAUTHLAB_PUBLIC_URL", "NO_PROXY", "no_proxy"] {
        command.env_remove(name);
    }
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"] {
        command.env(name, &proxy_url);
    }
    let _server = Running(command.stdout(std::process::Stdio::null()).spawn().expect("oauthlab serve"));
    let client = crate::helpers::client();
    let base = format!("http://{addr}");
    let mut up = false;
    for _ in 0..400 {
        if client.get(format!("{base}/api/v1/exercises")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up, "the server started");
    let res =
        client.put(format!("{base}{PROVIDER}")).json(&json!({"issuer": idp.base})).send().await.expect("put");
    let verdict: Value = res.json().await.expect("json");
    assert_eq!(verdict["passed"], true, "{verdict}");
    assert_eq!(connections.load(Ordering::SeqCst), 0, "no connection through the proxy");
}

/// An issuer, client id or redirect URI past its length limit is refused before anything
/// is fetched or stored, through the API and a page's form alike.
#[tokio::test]
async fn an_overlong_issuer_client_id_or_redirect_uri_is_refused_and_not_kept() {
    let app = TestApp::spawn().await;
    let long = format!("https://idp.example/{}", "a".repeat(60_000));
    for (body, says) in [
        (json!({"issuer": long}), "issuer URL is longer than 2048 characters"),
        (
            json!({"issuer": "https://idp.example", "client_id": "c".repeat(257)}),
            "client ID is longer than 256",
        ),
        (json!({"issuer": "https://idp.example", "redirect_uri": long}), "redirect URI is longer than 2048"),
    ] {
        let res = app
            .client
            .put(app.url("/api/v1/exercises/refresh/provider"))
            .json(&body)
            .send()
            .await
            .expect("put");
        assert_eq!(res.status(), 400);
        let answer: Value = res.json().await.expect("json");
        assert_eq!(answer["error"], "invalid_request");
        assert!(answer["message"].as_str().unwrap_or_default().contains(says), "{answer}");
    }
    let res = app
        .client
        .post(app.url("/fn/set_own_server"))
        .header("accept", "application/json")
        .form(&[("issuer", long.as_str()), ("client_id", ""), ("redirect_uri", "")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 400);
    let provider = app.get_json("/api/v1/exercises/refresh/provider").await;
    assert!(provider["last_attempt"].is_null(), "nothing kept: {provider}");
    assert!(!app.database_text().await.contains(&"a".repeat(1000)));
}
