//! The grader against the practice server: only real tokens, got the right way, pass.

use serde_json::Value;

use crate::helpers::{field, finding, said, TestApp};

#[tokio::test]
async fn the_whole_exercise_passes_with_real_tokens_from_the_practice_server() {
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let (verifier, _, url) = app.pass_first_three_steps().await;
    let response = app.exchange(&url, &verifier).await;
    let verdict = app.check_json("token-response", &response).await;
    assert_eq!(verdict["passed"], true, "{verdict}");
    assert_eq!(finding(&verdict, "token.issued").map(|f| f["ok"].clone()), Some(Value::Bool(true)));
    let refreshed = app.refresh(&field(&response, "refresh_token")).await;
    let verdict = app.check_json("refresh-response", &refreshed).await;
    assert_eq!(verdict["passed"], true, "{verdict}");
    assert_eq!(verdict["exercise"]["completed"], true);
    assert!(verdict.to_string().contains("You've completed the exercise!"));
    // Neither the practice server nor the grader kept a token in clear.
    let db = app.database_text().await;
    for secret in [
        field(&response, "access_token"),
        field(&response, "refresh_token"),
        field(&refreshed, "access_token"),
        field(&refreshed, "refresh_token"),
        verifier,
    ] {
        assert!(!db.contains(&secret), "a secret is in the database");
    }
    // The decoded claims are pasted content too: the page shows them (from memory), the
    // database does not hold them.
    let jti = verdict["jwt"]["claims"]["jti"].as_str().expect("jti").to_owned();
    assert!(!db.contains("\"claims\""), "decoded claims are in the database");
    let page = app.get("/exercises/refresh").await.text().await.expect("page");
    assert!(page.contains(&jti), "the page shows the decoded token");
}

#[tokio::test]
async fn a_made_up_token_response_does_not_pass_step_four() {
    let app = TestApp::spawn().await;
    app.pass_first_three_steps().await;
    let fake = r#"{"token_type":"Bearer","access_token":"made-up","refresh_token":"also-made-up","expires_in":900,"scope":"offline_access"}"#;
    let verdict = app.check_json("token-response", fake).await;
    assert_eq!(verdict["passed"], false);
    assert!(finding(&verdict, "token.issued")
        .is_some_and(|f| f["message"].as_str().unwrap_or_default().contains("never issued")));
}

/// `response` with its refresh_token member replaced (or added).
fn with_refresh_token(response: &str, refresh_token: &str) -> String {
    let mut value: Value = serde_json::from_str(response).expect("json");
    value["refresh_token"] = Value::String(refresh_token.to_owned());
    value.to_string()
}

#[tokio::test]
async fn a_refresh_token_added_to_a_response_that_had_none_does_not_pass_step_four() {
    let app = TestApp::spawn().await;
    let (verifier, _, url) = app.pass_first_three_steps().await;
    let response = app.exchange(&url, &verifier).await;
    assert!(!response.contains("refresh_token"), "refresh tokens are off: {response}");
    let verdict =
        app.check_json("token-response", &with_refresh_token(&response, "made-up-refresh-token")).await;
    assert_eq!(verdict["passed"], false, "{verdict}");
    let f = finding(&verdict, "token.refresh_token").expect("finding");
    let message = f["message"].as_str().unwrap_or_default();
    assert!(message.contains("not its own") && message.contains("refresh tokens are off"), "{f}");
}

#[tokio::test]
async fn a_refresh_token_from_another_login_does_not_pass_step_four_nor_lead_to_step_five() {
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let (verifier, _, url) = app.pass_first_three_steps().await;
    let mine = app.exchange(&url, &verifier).await;
    let other_verifier = "another-verifier-another-verifier-0123456789";
    let other_url =
        app.authorization_url(&oauthlab::pkce::challenge_s256(other_verifier), "openid offline_access").await;
    let other = app.exchange(&other_url, other_verifier).await;
    let mixed = with_refresh_token(&mine, &field(&other, "refresh_token"));
    let verdict = app.check_json("token-response", &mixed).await;
    assert_eq!(verdict["passed"], false, "{verdict}");
    let f = finding(&verdict, "token.refresh_token").expect("finding");
    assert!(said(f).contains("different responses"), "{f}");
    assert_eq!(verdict["exercise"]["steps"][3]["status"], "current");
}

#[tokio::test]
async fn a_token_revoked_because_its_code_was_used_twice_does_not_pass_step_four() {
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let (verifier, _, url) = app.pass_first_three_steps().await;
    let (response, replay) = app.exchange_twice(&url, &verifier).await;
    assert!(replay.contains("invalid_grant"), "{replay}");
    let verdict = app.check_json("token-response", &response).await;
    assert_eq!(verdict["passed"], false, "{verdict}");
    let f = finding(&verdict, "token.issued").expect("finding");
    assert!(said(f).contains("used twice"), "{f}");
}

#[tokio::test]
async fn a_token_from_a_login_with_another_challenge_does_not_pass_step_four() {
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    app.pass_first_three_steps().await;
    let other_verifier = "another-verifier-another-verifier-0123456789";
    let other_url =
        app.authorization_url(&oauthlab::pkce::challenge_s256(other_verifier), "openid offline_access").await;
    let response = app.exchange(&other_url, other_verifier).await;
    let verdict = app.check_json("token-response", &response).await;
    assert_eq!(verdict["passed"], false);
    let f = finding(&verdict, "token.issued").expect("finding");
    assert!(f["message"].as_str().unwrap_or_default().contains("code_challenge"), "{f}");
}

#[tokio::test]
async fn a_missing_refresh_token_says_the_application_has_refresh_tokens_off() {
    let app = TestApp::spawn().await;
    let (verifier, _, url) = app.pass_first_three_steps().await;
    let response = app.exchange(&url, &verifier).await;
    let verdict = app.check_json("token-response", &response).await;
    let f = finding(&verdict, "token.refresh_token").expect("finding");
    let message = f["message"].as_str().unwrap_or_default();
    assert!(message.contains("refresh tokens are off"), "{f}");
    assert!(!message.contains("did not ask"), "the URL did ask for offline_access: {f}");
    // The server did not grant offline_access either, for the same reason: no second finding.
    assert!(finding(&verdict, "token.scope").is_none(), "{verdict}");
    let failed: Vec<_> = verdict["findings"]
        .as_array()
        .map(|all| all.iter().filter(|f| f["ok"] == false && f["level"] == "error").collect())
        .unwrap_or_default();
    assert_eq!(failed.len(), 1, "one clear finding: {verdict}");
}

#[tokio::test]
async fn a_missing_refresh_token_says_offline_access_was_not_requested() {
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let (verifier, challenge, _) = app.pass_first_three_steps().await;
    let url = app.authorization_url(&challenge, "openid").await;
    let response = app.exchange(&url, &verifier).await;
    let verdict = app.check_json("token-response", &response).await;
    let f = finding(&verdict, "token.refresh_token").expect("finding");
    assert!(
        f["message"].as_str().unwrap_or_default().contains("did not ask for the offline_access scope"),
        "{f}"
    );
}

#[tokio::test]
async fn a_second_code_exchange_does_not_count_as_a_refresh() {
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let (verifier, _, url) = app.pass_first_three_steps().await;
    let first = app.exchange(&url, &verifier).await;
    assert_eq!(app.check_json("token-response", &first).await["passed"], true);
    let second = app.exchange(&url, &verifier).await;
    let verdict = app.check_json("refresh-response", &second).await;
    assert_eq!(verdict["passed"], false);
    let f = finding(&verdict, "refresh.grant").expect("finding");
    assert!(f["message"].as_str().unwrap_or_default().contains("not from the refresh token"), "{f}");
}

#[tokio::test]
async fn a_tampered_jwt_fails_its_signature_check() {
    let app = TestApp::spawn().await;
    app.enable_refresh_tokens(true).await;
    let (verifier, _, url) = app.pass_first_three_steps().await;
    let response = app.exchange(&url, &verifier).await;
    let verdict = app.check_json("token-response", &response).await;
    let f = finding(&verdict, "token.signature").expect("signature finding");
    assert_eq!(f["ok"], true, "{f}");
    assert_eq!(finding(&verdict, "token.iss").map(|f| f["ok"].clone()), Some(Value::Bool(true)));
    // Flip a character of the signature: the digest no longer matches either.
    let mut value: Value = serde_json::from_str(&response).expect("json");
    let token = value["access_token"].as_str().expect("token").to_owned();
    let last = token.chars().last().expect("char");
    let tampered = format!("{}{}", &token[..token.len() - 1], if last == 'A' { 'B' } else { 'A' });
    value["access_token"] = Value::String(tampered);
    let verdict = app.check_json("token-response", &value.to_string()).await;
    assert_eq!(verdict["passed"], false);
    assert_eq!(
        finding(&verdict, "token.signature").map(|f| f["ok"].clone()),
        Some(Value::Bool(false)),
        "{verdict}"
    );
}

/// The practice application's client secret pasted into the URL fails step 3, is shown
/// back by no finding, and is stored nowhere (a failed step 3 records no URL).
#[tokio::test]
async fn a_url_holding_the_practice_client_secret_fails_and_is_not_stored() {
    let app = TestApp::spawn().await;
    let pkce: Value =
        app.post_json("/api/v1/pkce/generate", &serde_json::json!({})).await.json().await.expect("pkce");
    let (verifier, challenge) =
        (pkce["verifier"].as_str().expect("v"), pkce["challenge"].as_str().expect("c"));
    assert_eq!(app.check_json("verifier", verifier).await["passed"], true);
    assert_eq!(app.check_json("challenge", challenge).await["passed"], true);
    let secret = app.practice_app().await["client_secret"].as_str().expect("secret").to_owned();
    let good = app.authorization_url(challenge, "offline_access").await;
    for url in [
        good.replace("state=Xq3v9LwP2sTa", &format!("state={secret}")),
        good.replace("response_type=code", &format!("response_type={secret}")),
        format!("{good}&client_secret={secret}"),
    ] {
        let verdict = app.check_json("authorization-url", &url).await;
        assert_eq!(verdict["passed"], false, "{verdict}");
        let f = finding(&verdict, "url.secrets").expect("url.secrets");
        let message = said(f);
        assert!(message.contains("client secret"), "{message}");
        assert!(message.contains("cannot be rotated, so removing it is enough"), "{message}");
        assert!(!verdict.to_string().contains(&secret[..8]), "the secret is shown back: {verdict}");
        assert_eq!(verdict["exercise"]["steps"][2]["status"], "current");
    }
    let db = app.database_text().await;
    assert!(!db.contains(&secret[..8]), "the secret is in the database");
    assert!(!db.contains("authorization_url\":\"http"), "a failed step 3 stored its URL");
}
