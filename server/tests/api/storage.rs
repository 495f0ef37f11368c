use serde_json::json;

use crate::helpers::{field, statuses, TestApp};

#[tokio::test]
async fn progress_survives_a_restart() {
    let app = TestApp::spawn().await;
    app.pass_first_three_steps().await;
    let before = app.practice_app().await;
    let keys = app.get_json("/oauth2/jwks").await;
    let app = app.restart().await;
    let state = app.get_json("/api/v1/exercises/refresh").await;
    assert_eq!(statuses(&state)[2].1, "passed");
    assert_eq!(statuses(&state)[3].1, "current");
    let practice = app.practice_app().await;
    assert_eq!(practice["client_id"], before["client_id"]);
    assert_eq!(practice["client_secret"], before["client_secret"], "the secret is derived from the kept key");
    assert_eq!(app.get_json("/oauth2/jwks").await, keys, "the signing keys were kept, not made again");
    assert_eq!(keys["keys"].as_array().map(Vec::len), Some(2), "one generation: its ES256 and RS256 keys");
}

#[tokio::test]
async fn no_pasted_secret_reaches_the_database() {
    let app = TestApp::spawn().await;
    let (verifier, challenge, _) = app.pass_first_three_steps().await;
    let access = "at-SECRET-0123456789abcdef";
    let refresh = "rt-SECRET-0123456789abcdef";
    let response = json!({"token_type": "Bearer", "access_token": access, "refresh_token": refresh,
        "expires_in": 3600, "scope": "offline_access"});
    app.check_json("token-response", &response.to_string()).await;
    // Also a failing paste: it must not be kept either.
    let failing = json!({"token_type": "Bearer", "access_token": "at-FAILED-SECRET-xyz"});
    app.check_json("token-response", &failing.to_string()).await;
    let secret = app.practice_app().await["client_secret"].as_str().expect("secret").to_owned();
    let text = app.database_text().await;
    for secret in [access, refresh, "at-FAILED-SECRET-xyz", verifier.as_str(), secret.as_str()] {
        assert!(!text.contains(secret), "{secret} is in the database");
    }
    assert!(text.contains(&challenge), "the challenge is what grading keeps");
}

#[tokio::test]
async fn a_database_that_cannot_be_opened_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"not a folder").expect("write");
    let settings = server::config::Settings {
        addr: "127.0.0.1:0".parse().expect("addr"),
        database: format!("sqlite:{}/lab.db", blocker.display()),
        server_key_file: None,
        public_url: "http://127.0.0.1:0".into(),
        site_root: "target/site".into(),
        rate_limit: 10,
        trusted_proxies: Default::default(),
        forget_learners_after: 180,
        lifetimes: Default::default(),
    };
    let err = server::startup::AppState::open(&settings).await.err().expect("an error");
    assert!(format!("{err:#}").contains("cannot open database"), "{err:#}");
}

/// Storage that fails answers 503 with `Retry-After`, the same through the JSON API and
/// through a page's server function, with nothing of the database error in it.
#[tokio::test]
async fn a_storage_failure_is_503_with_retry_after_through_the_api_and_a_page_action() {
    let app = TestApp::spawn().await;
    app.get_json("/api/v1/exercises/refresh").await;
    let pool = sqlx::SqlitePool::connect(&app.database).await.expect("db");
    sqlx::query("DROP TABLE progress").execute(&pool).await.expect("drop");
    pool.close().await;

    let api = app.get("/api/v1/exercises/refresh").await;
    assert_eq!(api.status(), 503);
    assert_eq!(api.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
    let body: serde_json::Value = api.json().await.expect("json");
    assert_eq!(body["error"], "server_error");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("Try again") && !message.contains("progress"), "{message}");

    let page_action = app
        .client
        .post(app.url("/fn/check_step"))
        .header("accept", "application/json")
        .form(&[("step", "verifier"), ("input", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(page_action.status(), 503);
    assert_eq!(page_action.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
    let text = page_action.text().await.expect("text");
    assert_eq!(text, format!("ServerError|{message}"));
}

/// A failed check keeps its verdict and nothing of what was pasted: on every step, and on
/// a step still locked, no marker planted in the input is anywhere in the database file
/// or its write-ahead log (read as they are, and after a checkpoint).
#[tokio::test]
async fn a_failed_check_stores_nothing_of_its_input_on_any_step() {
    use base64::Engine;
    let b64 = |v: &serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let jwt = |marker: &str| {
        let header = b64(&json!({"alg": "ES256", "typ": "at+jwt", "kid": marker}));
        let claims = b64(
            &json!({"iss": "https://idp.example", "sub": marker, "jti": marker, "exp": 4_000_000_000u64}),
        );
        format!("{header}.{claims}.{marker}")
    };
    let token_response = |marker: &str| {
        json!({"token_type": "Bearer", "access_token": jwt(&format!("{marker}at")),
            "refresh_token": format!("{marker}rt"), "id_token": jwt(&format!("{marker}id")),
            "expires_in": 900, "scope": format!("offline_access {marker}sc")})
        .to_string()
    };
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let mut markers = Vec::new();
    let mut fail = |step: &'static str, input: String, marker: &str| {
        markers.push(marker.to_owned());
        (step, input)
    };

    // A step still locked: 409, and the verdict kept to explain it.
    let (step, input) = fail("token-response", token_response("Mk0locked"), "Mk0locked");
    assert_eq!(app.check(step, &input).await.status(), 409);

    let (step, input) = fail("verifier", format!("Mk1verifier{}!", "a".repeat(40)), "Mk1verifier");
    assert_eq!(app.check_json(step, &input).await["passed"], false);
    let pkce: serde_json::Value =
        app.post_json("/api/v1/pkce/generate", &json!({})).await.json().await.expect("pkce");
    let verifier = pkce["verifier"].as_str().expect("verifier").to_owned();
    let challenge = pkce["challenge"].as_str().expect("challenge").to_owned();
    assert_eq!(app.check_json("verifier", &verifier).await["passed"], true);

    let (step, input) = fail("challenge", format!("Mk2challenge{}", "b".repeat(31)), "Mk2challenge");
    assert_eq!(app.check_json(step, &input).await["passed"], false);
    assert_eq!(app.check_json("challenge", &challenge).await["passed"], true);

    let good = app.authorization_url(&challenge, "offline_access").await;
    for (input, marker) in [
        (good.replace("offline_access", "Mk3scope"), "Mk3scope"),
        // A good state, in a URL that fails for its scope.
        (good.replace("Xq3v9LwP2sTa", "Mk3state0123").replace("offline_access", "openid"), "Mk3state"),
        (format!("{}&Mk3extra=Mk3value", good.replace("offline_access", "openid")), "Mk3extra"),
        (good.replace(&challenge, &format!("Mk3challenge{}", "c".repeat(31))), "Mk3challenge"),
        (format!("{good}#Mk3fragment"), "Mk3fragment"),
        (format!("https://Mk3host.example/authorize?{}", good.split_once('?').expect("query").1), "Mk3host"),
    ] {
        let (step, input) = fail("authorization-url", input, marker);
        let verdict = app.check_json(step, &input).await;
        assert_eq!(verdict["passed"], false, "{marker}: {verdict}");
    }
    // A verdict may quote a value it names, cut short (here to 40 characters): that
    // quotation is the verdict's, and the value itself is not kept.
    let long_type = format!("Mk3type{}", "T".repeat(200));
    let verdict =
        app.check_json("authorization-url", &good.replace("=code&", &format!("={long_type}&"))).await;
    assert!(verdict.to_string().contains("Mk3type"), "the verdict quotes the value: {verdict}");
    assert_eq!(app.check_json("authorization-url", &good).await["passed"], true);

    let (step, input) = fail("token-response", token_response("Mk4"), "Mk4");
    assert_eq!(app.check_json(step, &input).await["passed"], false);
    let response = app.exchange(&good, &verifier).await;
    assert_eq!(app.check_json("token-response", &response).await["passed"], true);

    let (step, input) = fail("refresh-response", token_response("Mk5"), "Mk5");
    assert_eq!(app.check_json(step, &input).await["passed"], false);
    // A real response, tampered with: its refresh token is not the one issued with it.
    let refreshed = app.refresh(&field(&response, "refresh_token")).await;
    let mut tampered: serde_json::Value = serde_json::from_str(&refreshed).expect("json");
    tampered["refresh_token"] = json!("Mk6tampered");
    let (step, input) = fail("refresh-response", tampered.to_string(), "Mk6tampered");
    assert_eq!(app.check_json(step, &input).await["passed"], false);

    let db = app.database_text().await;
    let found: Vec<&String> = markers.iter().filter(|m| db.contains(m.as_str())).collect();
    assert!(found.is_empty(), "in the database: {found:?}");
    assert!(!db.contains(&long_type[..60]), "more of a value than the verdict quotes is in the database");
    // What passed is kept as a digest or not at all: the tokens and the verifier too.
    for secret in [verifier, field(&response, "access_token"), field(&response, "refresh_token")] {
        assert!(!db.contains(&secret), "a secret is in the database");
    }
    // And the verdicts are what was kept: the page still explains the last failure.
    let page = app.get("/exercises/refresh").await.text().await.expect("page");
    assert!(page.contains("refresh_token"), "the failed step 5's verdict is shown");
}
