use serde_json::{json, Value};

use crate::helpers::{finding, statuses, TestApp};

fn sts(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

#[tokio::test]
async fn exercises_lists_the_refresh_exercise_with_its_five_steps() {
    let app = TestApp::spawn().await;
    let list = app.get_json("/api/v1/exercises").await;
    let refresh = list.as_array().expect("list").iter().find(|e| e["slug"] == "refresh").expect("refresh");
    assert_eq!(refresh["title"], "Refresh Tokens");
    let ids: Vec<&str> =
        refresh["steps"].as_array().expect("steps").iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(ids, ["verifier", "challenge", "authorization-url", "token-response", "refresh-response"]);
    assert!(refresh["steps"][0]["title"].is_string());
}

#[tokio::test]
async fn a_new_learner_starts_at_step_one() {
    let app = TestApp::spawn().await;
    let state = app.get_json("/api/v1/exercises/refresh").await;
    assert_eq!(state["slug"], "refresh");
    assert_eq!(state["completed"], false);
    assert_eq!(
        statuses(&state),
        sts(&[
            ("verifier", "current"),
            ("challenge", "locked"),
            ("authorization-url", "locked"),
            ("token-response", "locked"),
            ("refresh-response", "locked"),
        ])
    );
}

#[tokio::test]
async fn step_check_refuses_a_step_whose_predecessor_has_not_passed() {
    let app = TestApp::spawn().await;
    let res = app.check("authorization-url", "https://example.com").await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "step_locked");
    assert_eq!(body["message"], "Complete step 1 first.");
}

#[tokio::test]
async fn steps_one_to_three_pass_in_order_and_the_state_follows() {
    let app = TestApp::spawn().await;
    let (_, _, _) = app.pass_first_three_steps().await;
    let state = app.get_json("/api/v1/exercises/refresh").await;
    assert_eq!(
        statuses(&state),
        sts(&[
            ("verifier", "passed"),
            ("challenge", "passed"),
            ("authorization-url", "passed"),
            ("token-response", "current"),
            ("refresh-response", "locked"),
        ])
    );
}

#[tokio::test]
async fn a_verdict_has_the_contract_shape() {
    let app = TestApp::spawn().await;
    let verdict = app.check_json("verifier", "short").await;
    assert_eq!(verdict["passed"], false);
    assert_eq!(verdict["exercise"]["slug"], "refresh");
    let first = &verdict["findings"][0];
    assert!(first["id"].is_string() && first["message"].is_string());
    assert_eq!(first["ok"], false);
    assert_eq!(first["level"], "error");
    assert!(first["message"].as_str().unwrap_or_default().contains("43"), "{first}");
    // The explanation is in details, an optional member: present here, absent where there
    // is nothing more to say.
    assert!(first["details"].as_str().is_some_and(|d| d.contains("RFC 7636")), "{first}");
    let passed = app.check_json("verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").await;
    let format = finding(&passed, "verifier.format").expect("verifier.format");
    assert!(format.get("details").is_none(), "{format}");
}

#[tokio::test]
async fn a_wrong_challenge_fails_with_its_message() {
    let app = TestApp::spawn().await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    app.check_json("verifier", verifier).await;
    let padded = app.check_json("challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM=").await;
    assert_eq!(padded["passed"], false);
    let plain = app.check_json("challenge", verifier).await;
    assert_eq!(plain["passed"], false);
    assert!(plain.to_string().contains("plain"), "{plain}");
    let right = app.check_json("challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM").await;
    assert_eq!(right["passed"], true);
}

#[tokio::test]
async fn a_url_without_offline_access_fails_and_says_so() {
    let app = TestApp::spawn().await;
    let (_, challenge, _) = app.pass_first_three_steps().await;
    let url = app.authorization_url(&challenge, "openid profile").await;
    let verdict = app.check_json("authorization-url", &url).await;
    assert_eq!(verdict["passed"], false);
    let f = finding(&verdict, "url.offline_access").expect("offline_access finding");
    assert_eq!(f["ok"], false);
    assert!(f["message"].as_str().unwrap_or_default().contains("offline_access"));
    // A failing re-check keeps what passed before.
    let state = app.get_json("/api/v1/exercises/refresh").await;
    assert_eq!(statuses(&state)[3].1, "current");
}

#[tokio::test]
async fn a_url_with_another_learners_client_id_fails() {
    let app = TestApp::spawn().await;
    let other = TestApp::spawn().await;
    let (_, challenge, _) = app.pass_first_three_steps().await;
    let theirs = other.practice_app().await;
    let mine = app.practice_app().await;
    let url = app
        .authorization_url(&challenge, "offline_access")
        .await
        .replace(mine["client_id"].as_str().expect("id"), theirs["client_id"].as_str().expect("id"));
    let verdict = app.check_json("authorization-url", &url).await;
    assert_eq!(finding(&verdict, "url.client_id").map(|f| f["ok"].clone()), Some(json!(false)), "{verdict}");
}

/// Each bad paste gets a 200 verdict that fails the named finding with a message saying
/// what is wrong, and the step stays current.
#[tokio::test]
async fn bad_pasted_input_gets_a_failing_verdict_that_says_what_is_wrong() {
    let app = TestApp::spawn().await;
    app.pass_first_three_steps().await;
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let cases = [
        ("not json at all", "token.json", "That is not valid JSON"),
        ("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "token.json", "not just the access token"),
        (
            "\u{feff}{\"token_type\":\"Bearer\",\"access_token\":\"a\",\"refresh_token\":\"r\"}",
            "token.json",
            "byte order mark (U+FEFF)",
        ),
        (
            "{\"access_token\":\"a\",\"access_token\":\"b\",\"token_type\":\"Bearer\",\"refresh_token\":\"r\"}",
            "token.json",
            "The member \"access_token\" appears twice",
        ),
        (
            "\u{a0}{\"token_type\":\"Bearer\",\"access_token\":\"a\",\"refresh_token\":\"r\"}",
            "token.json",
            "remove the invisible no-break space (U+00A0) at the start (often picked up when copying)",
        ),
        (deep.as_str(), "token.json", "nested more than 128 levels deep"),
        ("{\"error\":\"invalid_grant\",\"error_description\":\"bad code\"}", "token.error", "invalid_grant"),
        ("", "token.json", "Nothing was pasted"),
        ("null", "token.object", "That JSON is null"),
        ("<script>alert(1)</script>", "token.json", "That is not valid JSON"),
    ];
    for (input, id, says) in cases {
        let res = app.check("token-response", input).await;
        assert_eq!(res.status(), 200, "{input:.40}");
        let verdict: Value = res.json().await.expect("json");
        assert_eq!(verdict["passed"], false, "{input:.40}: {verdict}");
        let f = finding(&verdict, id).unwrap_or_else(|| panic!("{input:.40}: no {id} in {verdict}"));
        assert_eq!(f["ok"], false, "{input:.40}");
        let message = f["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{input:.40}: {message}");
        assert!(!message.contains("<script>"), "pasted text is never echoed raw");
        assert_eq!(statuses(&verdict["exercise"])[3].1, "current", "nothing lost");
    }
    let urls = [
        ("not a url", "contains a space (character 4)"),
        ("not-a-url", "not an absolute URL"),
        ("/relative/path", "not an absolute URL"),
        ("https://", "not a valid URL"),
        ("javascript:alert(1)", "starts with \"javascript:\" instead of https://"),
    ];
    for (input, says) in urls {
        let verdict = app.check_json("authorization-url", input).await;
        assert_eq!(verdict["passed"], false, "{input}");
        let message = finding(&verdict, "url.parse").and_then(|f| f["message"].as_str()).unwrap_or_default();
        assert!(message.contains(says), "{input}: {message}");
    }
}

#[tokio::test]
async fn a_token_response_without_a_refresh_token_names_the_fix() {
    let app = TestApp::spawn().await;
    app.pass_first_three_steps().await;
    let missing = json!({"token_type": "Bearer", "access_token": "at-one", "expires_in": 3600});
    let verdict = app.check_json("token-response", &missing.to_string()).await;
    assert_eq!(verdict["passed"], false);
    let f = finding(&verdict, "token.refresh_token").expect("refresh_token finding");
    assert!(f["message"].as_str().unwrap_or_default().contains("offline_access"), "{f}");
}

#[tokio::test]
async fn reset_clears_the_learners_progress() {
    let app = TestApp::spawn().await;
    app.pass_first_three_steps().await;
    let res = app.post_json("/api/v1/exercises/refresh/reset", &json!({})).await;
    assert_eq!(res.status(), 204);
    let state = app.get_json("/api/v1/exercises/refresh").await;
    assert_eq!(statuses(&state)[0], ("verifier".to_owned(), "current".to_owned()));
    assert_eq!(statuses(&state)[1].1, "locked");
}

#[tokio::test]
async fn two_learners_do_not_see_each_others_progress() {
    let app = TestApp::spawn().await;
    app.pass_first_three_steps().await;
    let stranger = crate::helpers::client();
    let state: Value = stranger
        .get(app.url("/api/v1/exercises/refresh"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(statuses(&state)[0].1, "current");
    assert_eq!(statuses(&state)[2].1, "locked");
}

#[tokio::test]
async fn unknown_exercises_and_steps_are_404_with_a_json_error() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/exercises/implicit").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<Value>().await.expect("json")["error"], "unknown_exercise");
    let res = app.check("step-six", "x").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<Value>().await.expect("json")["error"], "unknown_step");
}

#[tokio::test]
async fn pkce_challenge_computes_rfc_7636_appendix_b() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json(
            "/api/v1/pkce/challenge",
            &json!({"verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.expect("json")["challenge"],
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[tokio::test]
async fn pkce_challenge_gives_the_rfc_reason_for_a_bad_verifier() {
    let app = TestApp::spawn().await;
    let res = app.post_json("/api/v1/pkce/challenge", &json!({"verifier": "too-short"})).await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "invalid_verifier");
    assert!(body["message"].as_str().unwrap_or_default().contains("7636"), "{body}");
}

#[tokio::test]
async fn pkce_generate_gives_a_fresh_valid_pair_each_time() {
    let app = TestApp::spawn().await;
    let a: Value = app.post_json("/api/v1/pkce/generate", &json!({})).await.json().await.expect("json");
    let b: Value = app.post_json("/api/v1/pkce/generate", &json!({})).await.json().await.expect("json");
    assert_ne!(a["verifier"], b["verifier"]);
    let verifier = a["verifier"].as_str().expect("verifier");
    assert_eq!(verifier.len(), 43);
    let check: Value = app
        .post_json("/api/v1/pkce/challenge", &json!({"verifier": verifier}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(check["challenge"], a["challenge"]);
}

/// The helper and step 1 trim by one rule: outer ASCII whitespace only.
#[tokio::test]
async fn pkce_challenge_trims_the_verifier_as_step_1_does() {
    let app = TestApp::spawn().await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let cases = [
        (format!(" {verifier} "), true),
        (format!("\n\t{verifier}\r\n"), true),
        (format!("\u{A0}{verifier}"), false),
        (format!("{verifier} x"), false),
    ];
    for (input, passes) in cases {
        let res = app.post_json("/api/v1/pkce/challenge", &json!({"verifier": input})).await;
        let status = res.status();
        let body: Value = res.json().await.expect("json");
        let step = app.check_json("verifier", &input).await;
        assert_eq!(step["passed"], passes, "step 1, {input:?}: {step}");
        if passes {
            assert_eq!(status, 200, "{input:?}: {body}");
            assert_eq!(body["challenge"], "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        } else {
            assert_eq!(status, 400, "{input:?}: {body}");
            assert_eq!(body["error"], "invalid_verifier");
            let step_message = finding(&step, "verifier.format").expect("verifier.format")["message"].clone();
            assert_eq!(body["message"], step_message, "{input:?}");
        }
    }
}

/// A URL copied out of HTML gets one finding that names the mistake, not six "missing".
#[tokio::test]
async fn a_url_copied_from_html_is_told_to_replace_amp_entities() {
    let app = TestApp::spawn().await;
    let (_, challenge, _) = app.pass_first_three_steps().await;
    let url = app.authorization_url(&challenge, "offline_access").await.replace('&', "&amp;");
    let verdict = app.check_json("authorization-url", &format!("'{url}'")).await;
    assert_eq!(verdict["passed"], false);
    let f = finding(&verdict, "url.parse").expect("url.parse");
    assert_eq!(
        f["message"],
        "The URL is wrapped in quotes: remove the surrounding quotes, then check again."
    );
    let verdict = app.check_json("authorization-url", &url).await;
    assert_eq!(verdict["findings"].as_array().map(Vec::len), Some(1), "{verdict}");
    let message =
        finding(&verdict, "url.parse").expect("url.parse")["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("replace each &amp; with &"), "{message}");
}
