use serde_json::json;

use crate::helpers::{statuses, TestApp};

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
    assert_eq!(app.get_json("/oauth2/jwks").await, keys, "the signing key was kept, not made again");
    assert_eq!(keys["keys"].as_array().map(Vec::len), Some(1));
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
