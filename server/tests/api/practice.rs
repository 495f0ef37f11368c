use serde_json::{json, Value};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_learner_gets_a_practice_app_with_refresh_tokens_off() {
    let app = TestApp::spawn().await;
    let practice = app.practice_app().await;
    assert!(practice["client_id"].as_str().is_some_and(|s| s.len() > 10));
    assert!(practice["client_secret"].as_str().is_some_and(|s| s.len() >= 43));
    assert_eq!(practice["redirect_uris"], json!([app.url("/redirect")]));
    assert_eq!(practice["grant_types"], json!(["authorization_code"]));
    assert_eq!(practice["refresh_tokens_enabled"], false);
    assert_eq!(app.practice_app().await, practice, "the same app every time");
}

#[tokio::test]
async fn the_refresh_token_toggle_is_kept() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .put(app.url("/api/v1/practice/app"))
        .json(&json!({"refresh_tokens_enabled": true}))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["refresh_tokens_enabled"], true);
    assert_eq!(body["grant_types"], json!(["authorization_code", "refresh_token"]));
    assert_eq!(app.practice_app().await["refresh_tokens_enabled"], true);
}

#[tokio::test]
async fn a_bad_toggle_body_is_a_400_that_changes_nothing() {
    let app = TestApp::spawn().await;
    for body in [json!({"refresh_tokens_enabled": "yes"}), json!({}), json!([])] {
        let res = app.client.put(app.url("/api/v1/practice/app")).json(&body).send().await.expect("put");
        assert_eq!(res.status(), 400, "{body}");
    }
    assert_eq!(app.practice_app().await["refresh_tokens_enabled"], false);
}

#[tokio::test]
async fn learners_get_different_apps_and_secrets() {
    let app = TestApp::spawn().await;
    let mine = app.practice_app().await;
    let other: Value = crate::helpers::client()
        .get(app.url("/api/v1/practice/app"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_ne!(mine["client_id"], other["client_id"]);
    assert_ne!(mine["client_secret"], other["client_secret"]);
}
