//! The practice server's record of how a token came to be, read by the grader: Web
//! Applications' step 5 through the JSON API, with the `oauth2` crate as the learner's web
//! app, tells a code redeemed twice from a revocation.

use oauth2::{AuthType, AuthorizationCode, PkceCodeVerifier, TokenResponse as _};
use serde_json::{json, Value};

use crate::helpers::{finding, oauth_http, query_param, TestApp, WebAppLogin};

async fn check(app: &TestApp, step: &str, input: &str) -> Value {
    app.check_in("web-app", step, input).await
}

fn ok(verdict: &Value, id: &str) -> Option<bool> {
    finding(verdict, id).and_then(|f| f["ok"].as_bool())
}

/// Steps 1 to 4 of Web Applications passed with one login; the client, the verifier and
/// the code of the callback.
async fn through_step_4(app: &TestApp) -> (crate::helpers::OAuthClient, PkceCodeVerifier, String) {
    let client = app.oauth_client(AuthType::BasicAuth).await;
    let WebAppLogin { verifier, url, .. } = app.web_app_steps_1_to_3(&client).await;
    let back = app.follow_login(url.as_str()).await;
    let verdict = check(app, "callback", back.as_str()).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    let code = query_param(&back, "code").expect("code");
    (client, verifier, code)
}

/// The token response as the learner pastes it.
fn response_of(tokens: &oauth2::basic::BasicTokenResponse) -> String {
    json!({
        "access_token": tokens.access_token().secret(),
        "token_type": "Bearer",
        "expires_in": tokens.expires_in().map(|d| d.as_secs()),
        "scope": "openid",
    })
    .to_string()
}

#[tokio::test]
async fn web_app_step_5_names_a_code_redeemed_twice_not_a_revocation() {
    let app = TestApp::spawn().await;
    let (client, verifier, code) = through_step_4(&app).await;
    let secret = verifier.secret().clone();
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("token response");
    // The learner's app sends the code once more: refused, and the login's tokens revoked.
    client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(secret))
        .request_async(&oauth_http())
        .await
        .expect_err("a code works once");

    let verdict = check(&app, "token-response", &response_of(&tokens)).await;
    assert_eq!(verdict["passed"], false, "{verdict:#}");
    assert_eq!(ok(&verdict, "exchange.reused"), Some(false), "{verdict:#}");
    let said = finding(&verdict, "exchange.reused").and_then(|f| f["message"].as_str()).unwrap_or_default();
    assert!(said.contains("exchanged twice"), "{said}");
    assert_eq!(
        ok(&verdict, "exchange.revoked"),
        None,
        "the cause is named, not a bare revocation: {verdict:#}"
    );
    assert_ne!(verdict["exercise"]["completed"], true);
}

#[tokio::test]
async fn web_app_step_5_names_a_revoked_token_whose_code_was_used_once_as_revoked() {
    let app = TestApp::spawn().await;
    let (client, verifier, code) = through_step_4(&app).await;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&oauth_http())
        .await
        .expect("token response");
    let practice = app.practice_app().await;
    let res = reqwest::Client::new()
        .post(app.url("/oauth2/revoke"))
        .basic_auth(
            practice["client_id"].as_str().expect("id"),
            Some(practice["client_secret"].as_str().expect("secret")),
        )
        .form(&[("token", tokens.access_token().secret().as_str())])
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status(), 200);

    let verdict = check(&app, "token-response", &response_of(&tokens)).await;
    assert_eq!(verdict["passed"], false, "{verdict:#}");
    assert_eq!(ok(&verdict, "exchange.revoked"), Some(false), "{verdict:#}");
    assert_ne!(ok(&verdict, "exchange.reused"), Some(false), "{verdict:#}");
}
