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
        lifetimes: Default::default(),
    };
    let err = server::startup::AppState::open(&settings).await.err().expect("an error");
    assert!(format!("{err:#}").contains("cannot open database"), "{err:#}");
}
