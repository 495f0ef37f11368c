use crate::helpers::TestApp;

#[tokio::test]
async fn the_home_page_is_the_course_with_the_learners_progress() {
    let app = TestApp::spawn().await;
    let (status, body) = app.html("/").await;
    assert_eq!(status, 200);
    assert!(body.contains("href=\"/exercises/refresh\""), "{body}");
    // The six exercises in order; the ones still to come are named, without a link.
    let course = &body[body.find("exercises-title").expect("the course")..];
    let at = |text: &str| course.find(text).unwrap_or_else(|| panic!("missing {text}"));
    let order = [
        "Getting Started",
        "Web Applications",
        "Single-Page Apps",
        "Machine-to-Machine",
        "Refresh Tokens",
        "OpenID Connect",
    ];
    assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "in course order");
    for slug in ["getting-started", "web-app", "spa", "client-credentials", "refresh", "oidc"] {
        assert!(body.contains(&format!("href=\"/exercises/{slug}\"")), "{slug} is playable");
    }
    assert!(
        body.contains("href=\"/exercises/getting-started\"") && body.contains("href=\"/exercises/web-app\"")
    );
    assert!(body.contains("href=\"/exercises/oidc\""));
    assert!(!body.contains("Coming soon"), "all six are playable");
    assert!(body.contains("0 of 5 steps") && body.contains("0 of 3 steps"));
    assert!(body.contains("0 of 6 exercises completed"), "{body}");
    assert!(!body.contains("Loading the course"), "rendered without JavaScript");

    // After a step, the home page says so.
    let check = app
        .client
        .post(app.url("/api/v1/exercises/refresh/steps/verifier/check"))
        .json(&serde_json::json!({ "input": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" }))
        .send()
        .await
        .expect("check");
    assert_eq!(check.status().as_u16(), 200);
    let (_, body) = app.html("/").await;
    assert!(body.contains("1 of 5 steps"), "{body}");
}

#[tokio::test]
async fn the_exercise_page_is_rendered_complete_on_the_server() {
    let app = TestApp::spawn().await;
    let (status, body) = app.html("/exercises/refresh").await;
    assert_eq!(status, 200);
    for text in
        ["Generate Random String", "Calculate Hash", "Check Your URL", "data-status=\"current\"", "Reset"]
    {
        assert!(body.contains(text), "missing {text}");
    }
    assert!(!body.contains("Loading the exercise"), "rendered without JavaScript");
    assert!(body.contains("OAuth Lab keeps no copy of the tokens, codes or secrets you paste."));
}

#[tokio::test]
async fn a_plain_form_post_redirects_to_the_page_that_shows_the_result() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/fn/check_step"))
        .header("accept", "text/html")
        .header("referer", app.url("/exercises/refresh"))
        .form(&[("step", "verifier"), ("input", "abc+def")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 302);
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(location, "/exercises/refresh#step-verifier");
    let (_, body) = app.html("/exercises/refresh").await;
    assert!(body.contains("data-testid=\"verdict-verifier\""), "the verdict is shown");
    assert!(body.contains("not allowed"), "the message names the bad character");
}

#[tokio::test]
async fn every_exercise_page_is_rendered_on_the_server_and_its_forms_name_their_exercise() {
    let app = TestApp::spawn().await;
    for (slug, texts) in [
        ("getting-started", &["Check Your Issuer", "Check Your Endpoints", "Check Your Key"][..]),
        (
            "web-app",
            &["Generate Random String", "Check Your URL", "Check Your Callback", "Check Your Response"][..],
        ),
        ("spa", &["Generate Random String", "Check Your URL", "Check Your Response", "RFC 9700 §4.14"][..]),
        (
            "client-credentials",
            &["grant_type=client_credentials", "reports:read", "Authorization: Bearer"][..],
        ),
        (
            "oidc",
            &[
                "Generate Random String",
                "scope=openid%20profile%20email",
                "nonce={ANOTHER_RANDOM_STRING}",
                "Check Your Response",
                "Check Your Claims",
                "/oauth2/userinfo",
                "Authorization: Bearer ACCESS_TOKEN",
            ][..],
        ),
    ] {
        let (status, body) = app.html(&format!("/exercises/{slug}")).await;
        assert_eq!(status, 200, "{slug}");
        for text in texts.iter().chain(&["data-status=\"current\"", "Reset"]) {
            assert!(body.contains(text), "{slug}: missing {text}");
        }
        assert!(body.contains(&format!("name=\"exercise\" value=\"{slug}\"")), "{slug}");
        assert!(!body.contains("Loading the exercise"), "rendered without JavaScript");
    }
    // A plain form post of Web Applications lands on its page, which shows the verdict;
    // Refresh Tokens' page is untouched.
    let res = app
        .client
        .post(app.url("/fn/check_step"))
        .header("accept", "text/html")
        .header("referer", app.url("/exercises/web-app"))
        .form(&[("exercise", "web-app"), ("step", "verifier"), ("input", "abc+def")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 302);
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(location, "/exercises/web-app#step-verifier");
    let (_, body) = app.html("/exercises/web-app").await;
    assert!(body.contains("data-testid=\"verdict-verifier\""), "the verdict is shown");
    assert!(body.contains("abc+def"), "what was typed is back in its box");
    let (_, body) = app.html("/exercises/refresh").await;
    assert!(!body.contains("data-testid=\"verdict-verifier\""), "another exercise's verdict");
    // An exercise the site does not offer is refused, and said so on the page.
    let body = failed_form_post_shows_on(
        &app,
        "/fn/check_step",
        &[("exercise", "implicit"), ("step", "verifier"), ("input", "x")],
        "/exercises/web-app",
    )
    .await;
    assert!(body.contains(r#"There is no exercise called "implicit"."#), "{body}");
}

/// A plain form post that fails comes back to its page, which says why.
async fn failed_form_post_shows_on(app: &TestApp, action: &str, form: &[(&str, &str)], page: &str) -> String {
    let res = app
        .client
        .post(app.url(action))
        .header("accept", "text/html")
        .header("referer", app.url(page))
        .form(form)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 302, "{action}");
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(location.starts_with(&app.url(page)) && location.contains("__err="), "{location}");
    let (status, body) = app.html(location.trim_start_matches(&app.base)).await;
    assert_eq!(status, 200);
    body
}

#[tokio::test]
async fn a_failed_plain_form_post_is_explained_on_the_page_it_returns_to() {
    let app = TestApp::spawn().await;
    let body = failed_form_post_shows_on(
        &app,
        "/fn/check_step",
        &[("step", "bogus"), ("input", "x")],
        "/exercises/refresh",
    )
    .await;
    assert!(body.contains(r#"There is no step called "bogus"."#), "{body}");
    assert!(!body.contains("error running server function"), "without the framework's prefix");
    let body =
        failed_form_post_shows_on(&app, "/fn/set_refresh_tokens", &[("enabled", "maybe")], "/practice/app")
            .await;
    assert!(body.contains("class=\"error-box\""), "{body}");
}

#[tokio::test]
async fn pasted_text_is_shown_back_escaped() {
    let app = TestApp::spawn().await;
    app.pass_first_three_steps().await;
    app.check_json("token-response", "<img src=x onerror=alert(1)>").await;
    let (_, body) = app.html("/exercises/refresh").await;
    assert!(!body.contains("<img src=x"), "pasted markup must not become HTML");
}

#[tokio::test]
async fn the_practice_app_page_shows_the_client_and_the_toggle() {
    let app = TestApp::spawn().await;
    let practice = app.practice_app().await;
    let (status, body) = app.html("/practice/app").await;
    assert_eq!(status, 200);
    assert!(body.contains(practice["client_id"].as_str().expect("id")));
    assert!(body.contains("Allow refresh tokens"));
    let res = app
        .client
        .post(app.url("/fn/set_refresh_tokens"))
        .header("accept", "text/html")
        .form(&[("enabled", "true")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 302);
    assert_eq!(app.practice_app().await["refresh_tokens_enabled"], true);
}

#[tokio::test]
async fn an_unknown_page_is_404() {
    let app = TestApp::spawn().await;
    let (status, _) = app.html("/no/such/page").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_redirect_page_shows_code_and_state_and_the_reminder() {
    let app = TestApp::spawn().await;
    let (status, body) = app.html("/redirect?code=abc123&state=%3Cb%3Ex").await;
    assert_eq!(status, 200);
    assert!(body.contains("abc123"));
    assert!(body.contains("&lt;b&gt;x"), "state is shown escaped");
    assert!(body.contains("Check that state is the value you put in the authorization URL"));
    // The exchange command, with the code in it and the lifetime the server really gives.
    assert!(body.contains("data-testid=\"token-command\""), "{body}");
    assert!(body.contains("-d code=abc123"), "{body}");
    assert!(body.contains("The code works once, for 5 minutes."), "{body}");
    let (_, body) =
        app.html("/redirect?error=invalid_request&error_description=PKCE+required&state=s").await;
    assert!(body.contains("error=invalid_request") && body.contains("PKCE required"));
    let (_, body) = app.html("/redirect?error=access_denied&state=s").await;
    assert!(body.contains("clicked Deny on the consent page"), "{body}");
    let (_, body) = app.html(&format!("/redirect?code={}", "c".repeat(3000))).await;
    assert!(body.contains("The authorization code is longer than 2048 characters"), "{body}");
}

#[tokio::test]
async fn the_browser_apps_callback_page_offers_the_public_clients_exchange() {
    let app = TestApp::spawn().await;
    let (status, body) = app.html("/spa/callback?code=abc123&state=%3Cb%3Ex").await;
    assert_eq!(status, 200);
    // The curl command: the public client's id, the code, the SPA redirect URI, no secret.
    assert!(body.contains("data-testid=\"token-command\""), "{body}");
    assert!(body.contains("-d code=abc123"), "{body}");
    assert!(body.contains(&format!("redirect_uri={}", app.url("/spa/callback"))), "{body}");
    assert!(!body.contains("client_secret"), "a public client sends no secret: {body}");
    // No step 3 URL passed with this state: a browser app would stop.
    assert!(body.contains("This state is not the one of your step 3 URL"), "{body}");
    assert!(!body.contains("<b>x"), "state is never shown unescaped");
    let (_, body) = app.html("/spa/callback?error=access_denied&state=s").await;
    assert!(body.contains("error=access_denied"), "{body}");
    let (_, body) = app.html(&format!("/spa/callback?code={}", "c".repeat(3000))).await;
    assert!(body.contains("The authorization code is longer than 2048 characters"), "{body}");
}

#[tokio::test]
async fn the_instructor_page_asks_for_a_sign_in_first() {
    let app = TestApp::spawn().await;
    let (status, body) = app.html("/instructor").await;
    assert_eq!(status, 401, "a learner's cookie is not an instructor's");
    assert!(body.contains("Instructor sign-in") && body.contains("name=\"password\""));
    assert!(!body.contains("Your classes"));
}

/// An instructor and a class, made directly; the class's join path.
async fn class(app: &TestApp) -> (app::services::instructor::InstructorId, String) {
    let who = app
        .state
        .instructors
        .store
        .upsert_instructor("ada@example.org", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .expect("instructor");
    let class = app.state.instructors.create_class(who, "Workshop").await.expect("class");
    (who, class.join_url.trim_start_matches(&app.base).to_owned())
}

async fn members(app: &TestApp, who: app::services::instructor::InstructorId) -> usize {
    app.state.instructors.learners(who, None).await.expect("learners").len()
}

#[tokio::test]
async fn opening_a_join_link_joins_the_class() {
    let app = TestApp::spawn().await;
    let (who, path) = class(&app).await;
    app.get("/").await; // the learner's cookie
    let (status, body) = app.html(&path).await;
    assert_eq!(status, 200);
    assert!(body.contains("You joined Workshop"), "{body}");
    assert_eq!(members(&app, who).await, 1);
    let (status, body) = app.html("/join/not-a-code").await;
    assert_eq!(status, 404);
    assert!(body.contains("This join link is not valid"), "{body}");
}

#[tokio::test]
async fn a_join_link_opened_without_the_cookie_sets_it_and_joins_only_when_the_client_comes_back() {
    let app = TestApp::spawn().await;
    let (who, path) = class(&app).await;
    // A link preview: no cookies kept.
    let preview =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let res = preview.get(app.url(&format!("{path}?utm=chat"))).send().await.expect("get");
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some(format!("{path}?utm=chat&cookie_check=1").as_str())
    );
    assert!(res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("oauthlab_session=")));
    assert_eq!(members(&app, who).await, 0, "nobody joined");
    // Following the redirect without the cookie ends there (cookies are off): no loop.
    let res = preview.get(app.url(&format!("{path}?utm=chat&cookie_check=1"))).send().await.expect("get");
    assert_eq!(res.status(), 400);
    assert!(res.text().await.expect("page").contains("allow cookies for this site"));
    assert_eq!(members(&app, who).await, 0, "nobody joined");
    // A browser keeps the cookie and comes back.
    assert_eq!(app.get(&path).await.status(), 302);
    assert_eq!(members(&app, who).await, 0);
    let (status, body) = app.html(&path).await;
    assert_eq!(status, 200);
    assert!(body.contains("You joined Workshop"), "{body}");
    assert_eq!(members(&app, who).await, 1);
}

#[tokio::test]
async fn a_head_request_never_joins() {
    let app = TestApp::spawn().await;
    let (who, path) = class(&app).await;
    let head = |c: &reqwest::Client, path: &str| c.head(app.url(path)).send();
    let cookieless =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    assert_eq!(head(&cookieless, &path).await.expect("head").status(), 302);
    app.get("/").await;
    assert_eq!(head(&app.client, &path).await.expect("head").status(), 200);
    assert_eq!(head(&app.client, "/join/not-a-code").await.expect("head").status(), 404);
    assert_eq!(members(&app, who).await, 0, "nobody joined");
}

/// A plain form post (JavaScript off) to a server function; where it sends the browser.
async fn form_post(app: &TestApp, function: &str, form: &[(&str, &str)]) -> String {
    let res = app
        .client
        .post(app.url(&format!("/fn/{function}")))
        .header("accept", "text/html")
        .form(form)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 302, "{function}");
    res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_failed_form_post_on_the_dashboard_is_explained_there_without_javascript() {
    let app = TestApp::spawn().await;
    let store = &app.state.instructors.store;
    let hash = app::services::instructor::hash_password("correct horse battery").expect("hash");
    store.upsert_instructor("ada@example.org", &hash).await.expect("instructor");
    let res = app
        .post_json(
            "/api/v1/instructor/login",
            &serde_json::json!({"email": "ada@example.org", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(res.status(), 204);
    let long = "x".repeat(101);
    let cases = [
        ("create_class", vec![("name", "   ")], "A class needs a name of 1 to 100 characters."),
        ("create_class", vec![("name", long.as_str())], "A class needs a name of 1 to 100 characters."),
        ("create_class", vec![("name", "Class\u{200B}A")], "invisible formatting characters"),
        (
            "reset_learner",
            vec![("learner_id", "nobody"), ("exercise", "refresh")],
            "There is no such class or learner",
        ),
        (
            "reset_class",
            vec![("class_id", "cls_nope"), ("exercise", "refresh")],
            "There is no such class or learner",
        ),
    ];
    for (function, form, says) in cases {
        let body = failed_form_post_shows_on(&app, &format!("/fn/{function}"), &form, "/instructor").await;
        assert!(body.contains("role=\"alert\"") && body.contains(says), "{function} {form:?}: {body}");
        let (_, plain) = app.html("/instructor").await;
        assert!(!plain.contains(says), "only the page the post went back to says it");
    }
}

#[tokio::test]
async fn a_failed_join_form_post_shows_its_error_on_the_join_page_without_javascript() {
    let app = TestApp::spawn().await;
    let (who, path) = class(&app).await;
    app.get("/").await; // the learner's cookie
    let code = path.trim_start_matches("/join/").to_owned();
    for (name, says) in [
        ("x".repeat(61), "A display name has at most 60 characters."),
        ("Ada\u{202E}ecalevoL".to_owned(), "control characters"),
    ] {
        let form = [("code", code.as_str()), ("display_name", name.as_str())];
        let body = failed_form_post_shows_on(&app, "/fn/join_class", &form, &path).await;
        assert!(body.contains("role=\"alert\"") && body.contains(says), "{body}");
    }
    assert_eq!(members(&app, who).await, 1, "joined by opening the page, without a name");
    // A code no class has (a form changed by hand): back to the page, which says so.
    let form = [("code", "no such/code"), ("display_name", "Ada")];
    let body = failed_form_post_shows_on(&app, "/fn/join_class", &form, &path).await;
    assert!(body.contains("This join link is not valid"), "{body}");
    // And a name that is fine goes on to the exercise.
    assert_eq!(
        form_post(&app, "join_class", &[("code", &code), ("display_name", "Grace")]).await,
        "/exercises/refresh"
    );
}

#[tokio::test]
async fn the_server_page_sets_up_the_learners_own_server_with_plain_form_posts() {
    let (app, idp) = (TestApp::spawn().await, TestApp::spawn().await);
    let (status, body) = app.html("/exercises/refresh/provider").await;
    assert_eq!(status, 200);
    assert!(body.contains("In use: the built-in practice server") && body.contains("name=\"issuer\""));
    let post = |issuer: String| {
        app.client
            .post(app.url("/fn/set_own_server"))
            .header("accept", "text/html")
            .form(&[("issuer", issuer.as_str()), ("client_id", "my-app"), ("redirect_uri", "")])
            .send()
    };
    // A wrong issuer: the page shows why, and keeps what was typed.
    let res = post(idp.url("/typo")).await.expect("post");
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/exercises/refresh/provider")
    );
    let (_, body) = app.html("/exercises/refresh/provider").await;
    assert!(body.contains("data-testid=\"verdict-provider\"") && body.contains("HTTP 404"), "{body}");
    assert!(body.contains(&format!("value=\"{}\"", idp.url("/typo"))), "the issuer typed is kept");
    assert!(body.contains("In use: the built-in practice server"));
    // The right one: the exercise page now names it.
    assert_eq!(post(idp.base.clone()).await.expect("post").status(), 302);
    let (_, body) = app.html("/exercises/refresh/provider").await;
    assert!(body.contains("In use: your own server") && body.contains("use-builtin"), "{body}");
    let (_, body) = app.html("/exercises/refresh").await;
    assert!(body.contains(&idp.url("/oauth2/authorize")), "step 3 shows the learner's endpoint");
    assert!(body.contains("You are using your own authorization server"));
    // And back.
    let res = app
        .client
        .post(app.url("/fn/use_builtin_server"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 302);
    let (_, body) = app.html("/exercises/refresh").await;
    assert!(body.contains("You are using OAuth Lab's built-in practice server"));
}

#[tokio::test]
async fn server_functions_answer_bad_input_and_strangers_with_a_4xx_never_a_5xx() {
    let app = TestApp::spawn().await;
    // (server function, form body, status), as a hydrated page's fetch sends it.
    type Form<'a> = &'a [(&'a str, &'a str)];
    let cases: [(&str, Form, u16); 11] = [
        ("check_step", &[("step", "bogus"), ("input", "x")], 404),
        ("check_step", &[], 400),
        ("check_step", &[("step", "token-response")], 400),
        ("set_refresh_tokens", &[("enabled", "maybe")], 400),
        ("set_own_server", &[("client_id", "x")], 400),
        // A learner's cookie is not an instructor's.
        ("instructor_dashboard", &[], 401),
        ("create_class", &[("name", "Mine now")], 401),
        ("reset_learner", &[("learner_id", "someone"), ("exercise", "refresh")], 401),
        ("reset_class", &[("class_id", "1"), ("exercise", "all")], 401),
        ("instructor_login", &[("email", "ada@example.org"), ("password", "wrong password")], 401),
        ("no_such_function", &[], 404),
    ];
    for (function, form, status) in cases {
        let res = app.client.post(app.url(&format!("/fn/{function}"))).form(form).send().await.expect("post");
        assert_eq!(res.status().as_u16(), status, "{function} {form:?}");
    }
    let res = app
        .client
        .post(app.url("/fn/check_step"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("%%%&&&=")
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 400, "a body that does not decode");
}

/// Two classes of one instructor, made directly: (instructor, [(class id, join path)]).
async fn two_classes(app: &TestApp) -> (app::services::instructor::InstructorId, [(String, String); 2]) {
    let (who, _) = class(app).await;
    let mut made = Vec::new();
    for name in ["Class A", "Class B"] {
        let class = app.state.instructors.create_class(who, name).await.expect("class");
        made.push((class.class_id, class.join_url.trim_start_matches(&app.base).to_owned()));
    }
    let [a, b]: [(String, String); 2] = made.try_into().expect("two");
    (who, [a, b])
}

/// How many learners class `class_id` has.
async fn in_class(app: &TestApp, who: app::services::instructor::InstructorId, class_id: &str) -> usize {
    app.state.instructors.learners(who, Some(class_id)).await.expect("learners").len()
}

/// A plain form post (JavaScript off) of the join page's button.
async fn press_join(app: &TestApp, path: &str, site: &str) -> reqwest::Response {
    let code = path.trim_start_matches("/join/");
    app.client
        .post(app.url("/fn/confirm_join"))
        .header("accept", "text/html")
        .header("sec-fetch-site", site)
        .header("origin", &app.base)
        .form(&[("code", code)])
        .send()
        .await
        .expect("post")
}

#[tokio::test]
async fn a_join_link_opened_from_another_site_asks_first_and_the_button_joins() {
    let app = TestApp::spawn().await;
    let (who, [(a, path), _]) = two_classes(&app).await;
    app.get("/").await; // the learner's cookie
    let res = app
        .client
        .get(app.url(&path))
        .header("accept", "text/html")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    let body = res.text().await.expect("page");
    assert!(body.contains("Join Class A?") && body.contains("/fn/confirm_join"), "{body}");
    assert!(!body.contains("You joined"), "{body}");
    assert_eq!(members(&app, who).await, 0, "a GET from another site joins nobody");
    // Another site cannot press the button either.
    let res = press_join(&app, &path, "cross-site").await;
    assert_eq!(res.status(), 403);
    assert_eq!(members(&app, who).await, 0);
    // The learner presses it.
    let res = press_join(&app, &path, "same-origin").await;
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(res.headers().get("location").and_then(|v| v.to_str().ok()), Some(path.as_str()));
    assert_eq!(in_class(&app, who, &a).await, 1);
    let (status, body) = app.html(&path).await;
    assert_eq!(status, 200);
    assert!(body.contains("You joined Class A"), "{body}");
}

#[tokio::test]
async fn a_learner_in_one_class_opening_anothers_link_stays_until_they_press_join() {
    let app = TestApp::spawn().await;
    let (who, [(a, path_a), (b, path_b)]) = two_classes(&app).await;
    app.get("/").await;
    let (_, body) = app.html(&path_a).await;
    assert!(body.contains("You joined Class A"), "in no class, a same-site GET joins at once: {body}");
    assert_eq!(in_class(&app, who, &a).await, 1);

    let (status, body) = app.html(&path_b).await;
    assert_eq!(status, 200);
    assert!(body.contains("Join Class B?") && body.contains("/fn/confirm_join"), "{body}");
    assert_eq!((in_class(&app, who, &a).await, in_class(&app, who, &b).await), (1, 0), "still in A");
    // Opening A's link again changes nothing either.
    let (_, body) = app.html(&path_a).await;
    assert!(body.contains("You joined Class A"), "{body}");

    let res = press_join(&app, &path_b, "same-origin").await;
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!((in_class(&app, who, &a).await, in_class(&app, who, &b).await), (0, 1), "moved to B");
    let (_, body) = app.html(&path_b).await;
    assert!(body.contains("You joined Class B"), "{body}");
    // A code no class has: the button says so, and nobody moves.
    let res = press_join(&app, "/join/not-a-code", "same-origin").await;
    assert!(res.status().is_redirection() || res.status() == 404, "{}", res.status());
    assert_eq!(in_class(&app, who, &b).await, 1);
}
