use serde_json::{json, Value};

use crate::helpers::{headers, TestApp};

#[tokio::test]
async fn the_first_response_sets_an_httponly_lax_session_cookie_once() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/exercises").await;
    let cookie = res.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(cookie.starts_with("oauthlab_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "http public URL: no Secure");
    let again = app.get("/api/v1/exercises").await;
    assert!(again.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn the_practice_servers_client_endpoints_and_static_files_start_no_session() {
    let app = TestApp::spawn().await;
    let fresh = crate::helpers::client();
    for path in
        ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/oauth2/jwks"]
    {
        let res = fresh.get(app.url(path)).send().await.expect("get");
        assert_eq!(res.status(), 200, "{path}");
        assert!(res.headers().get("set-cookie").is_none(), "{path}");
    }
    let res = fresh
        .post(app.url("/oauth2/token"))
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 401);
    assert!(res.headers().get("set-cookie").is_none());
    // The authorization endpoint is the learner's, in a browser: it needs the session.
    let res = fresh.get(app.url("/oauth2/authorize")).send().await.expect("get");
    assert!(res.headers().get("set-cookie").is_some());
}

#[tokio::test]
async fn the_cookie_is_secure_when_the_public_url_is_https() {
    let app = TestApp::spawn_with(|s| s.public_url = "https://lab.example".into()).await;
    let res = app.get("/").await;
    let cookie = res.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn a_body_over_64_kib_gets_413() {
    let app = TestApp::spawn().await;
    let big = "x".repeat(64 * 1024 + 1);
    let res = app.check("verifier", &big).await;
    assert_eq!(res.status(), 413);
    assert_eq!(res.json::<Value>().await.expect("json")["error"], "payload_too_large");
    // Chunked, with no Content-Length, too.
    let stream = futures_stream(big.into_bytes());
    let res = app
        .client
        .post(app.url("/api/v1/exercises/refresh/steps/verifier/check"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 413);
    // A page's form post (a server function) too.
    let form = app.client.post(app.url("/fn/generate_verifier")).form(&[("input", "x".repeat(70 * 1024))]);
    assert_eq!(form.send().await.expect("post").status(), 413);
}

fn futures_stream(bytes: Vec<u8>) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    struct Once(Option<Vec<u8>>);
    impl futures_core::Stream for Once {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.take().map(Ok))
        }
    }
    Once(Some(bytes))
}

#[tokio::test]
async fn a_post_body_that_is_not_json_gets_415() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/api/v1/pkce/challenge"))
        .header("content-type", "text/plain")
        .body("verifier=abc")
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 415);
    assert_eq!(res.json::<Value>().await.expect("json")["error"], "unsupported_media_type");
    // No Content-Type at all is not JSON either.
    let res = app.client.post(app.url("/api/v1/pkce/challenge")).body("{}").send().await.expect("post");
    assert_eq!(res.status(), 415);
}

/// serde_json would say "expected value at line 1 column 1"; the body's invisible
/// first character is named instead.
#[tokio::test]
async fn a_json_body_with_a_byte_order_mark_or_invisible_character_is_told_so() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "\u{FEFF}{\"verifier\":\"x\",\"input\":\"x\"}",
            "The request body is not JSON: it starts with an invisible byte order mark (U+FEFF), \
             which JSON text must not have (RFC 8259 §8.1): remove it.",
        ),
        (
            "{\"verifier\":\"x\",\"input\":\"x\"}\u{A0}",
            "The request body is not JSON: remove the invisible no-break space (U+00A0) at the end \
             (often picked up when copying).",
        ),
    ];
    for (body, want) in cases {
        for path in ["/api/v1/pkce/challenge", "/api/v1/exercises/refresh/steps/verifier/check"] {
            let res = app
                .client
                .post(app.url(path))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("post");
            assert_eq!(res.status(), 400, "{path}");
            let answer: Value = res.json().await.expect("json");
            assert_eq!(answer["error"], "invalid_json", "{path}");
            assert_eq!(answer["message"], want, "{path}");
        }
    }
}

#[tokio::test]
async fn a_cross_site_post_gets_403_on_the_api_and_the_forms() {
    let app = TestApp::spawn().await;
    for (path, body) in [("/api/v1/exercises/refresh/reset", "{}"), ("/fn/generate_verifier", "")] {
        for h in [
            headers(&[("origin", "https://evil.example")]),
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("origin", "null")]),
        ] {
            let res = app
                .client
                .post(app.url(path))
                .headers(h.clone())
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("post");
            assert_eq!(res.status(), 403, "{path} {h:?}");
        }
    }
    // The site's own origin is fine.
    let res = app
        .client
        .post(app.url("/api/v1/exercises/refresh/reset"))
        .header("origin", app.base.clone())
        .header("sec-fetch-site", "same-origin")
        .json(&json!({}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 204);
}

#[tokio::test]
async fn invalid_json_bodies_get_400_with_the_error_shape() {
    let app = TestApp::spawn().await;
    let deep = "[".repeat(10_000);
    for body in ["{", "\u{feff}{}", "[1,2]", deep.as_str(), "{\"input\": 5}"] {
        let res = app
            .client
            .post(app.url("/api/v1/exercises/refresh/steps/verifier/check"))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 400, "{body:.20}");
        let err: Value = res.json().await.expect("json");
        assert!(err["error"].is_string() && err["message"].is_string(), "{err}");
    }
}

#[tokio::test]
async fn too_many_requests_get_429_with_retry_after() {
    let app = TestApp::spawn_with(|s| s.rate_limit = 3).await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/exercises").await.status(), 200);
    }
    let res = app.get("/api/v1/exercises").await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&wait));
    // Pages are not API calls and stay available.
    assert_eq!(app.get("/").await.status(), 200);
}

#[tokio::test]
async fn api_answers_are_not_cached() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/practice/app").await;
    assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
}

#[tokio::test]
async fn errors_axum_makes_itself_have_the_json_shape_too() {
    let app = TestApp::spawn().await;
    let wrong_method = app.get("/api/v1/pkce/generate").await;
    assert_eq!(wrong_method.status(), 405);
    let body: Value = wrong_method.json().await.expect("json");
    assert_eq!(body["error"], "method_not_allowed");
    let bad_path = app.get("/api/v1/exercises/%FF").await;
    assert_eq!(bad_path.status(), 400);
    let body: Value = bad_path.json().await.expect("json");
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn a_turned_away_first_request_still_gets_the_session_cookie() {
    let app = TestApp::spawn().await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/exercises/refresh/reset"))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 403);
    let cookie = res.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(cookie.starts_with("oauthlab_session="), "{cookie}");
}

#[tokio::test]
async fn the_practice_servers_endpoints_turn_requests_away_in_the_oauth_error_shape() {
    let app = TestApp::spawn_with(|s| s.rate_limit = 2).await;
    let client = reqwest::Client::new();
    let post = || client.post(app.url("/oauth2/token"));
    let too_large = post().form(&[("grant_type", "x".repeat(70 * 1024))]).send().await.expect("post");
    // The token endpoint answers other sites (CORS, for public clients); the others do not.
    let cross_site = client
        .post(app.url("/oauth2/revoke"))
        .header("origin", "https://evil.example")
        .form(&[("token", "x")])
        .send()
        .await
        .expect("post");
    let limited = post().form(&[("grant_type", "x")]).send().await.expect("post");
    for (res, status, error) in [
        (too_large, 413, "invalid_request"),
        (cross_site, 403, "invalid_request"),
        (limited, 429, "temporarily_unavailable"),
    ] {
        assert_eq!(res.status(), status);
        let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(header("cache-control").as_deref(), Some("no-store"), "{status}");
        assert_eq!(header("pragma").as_deref(), Some("no-cache"), "{status}");
        if status == 429 {
            assert!(header("retry-after").is_some());
        }
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["error"], error, "{status}");
        assert!(body["error_description"].is_string(), "{status}: {body}");
    }
}

#[tokio::test]
async fn no_page_can_be_framed_by_another_site_or_leak_its_url_as_a_referer() {
    let app = TestApp::spawn().await;
    for path in [
        "/",
        "/exercises/refresh",
        "/oauth2/authorize?client_id=x",
        "/redirect?code=abc",
        "/api/v1/exercises",
    ] {
        let res = app.get(path).await;
        let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{path}");
        assert!(
            header("content-security-policy").is_some_and(|v| v.contains("frame-ancestors 'none'")),
            "{path}"
        );
        assert_eq!(header("referrer-policy").as_deref(), Some("same-origin"), "{path}");
    }
}

#[tokio::test]
async fn a_turned_away_page_action_answers_in_the_pages_own_terms() {
    let app = TestApp::spawn().await;
    let big = [("input", "<x>".repeat(25 * 1024))];
    // A hydrated page's call reads the server function error encoding.
    let res = app
        .client
        .post(app.url("/fn/check_step"))
        .header("accept", "application/json")
        .form(&big)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 413);
    assert_eq!(res.text().await.expect("text"), "ServerError|The request body is larger than 64 KiB.");
    // A browser's own form post (JavaScript off) gets a page that says what happened.
    let res = app
        .client
        .post(app.url("/fn/check_step"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .header("origin", "https://evil.example")
        .form(&[("step", "verifier"), ("input", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 403);
    assert!(res.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/html"));
    let page = res.text().await.expect("page");
    assert!(page.contains("must come from OAuth Lab&#39;s own pages"), "{page}");
    assert!(page.contains("Nothing was changed"), "{page}");
}

#[tokio::test]
async fn a_page_path_with_a_trailing_slash_is_sent_to_the_path_without_it() {
    let app = TestApp::spawn().await;
    for (path, to) in [
        ("/exercises/refresh/", "/exercises/refresh"),
        ("/practice/app//", "/practice/app"),
        ("/instructor/?tab=1", "/instructor?tab=1"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 308, "{path}");
        assert_eq!(res.headers()["location"], to, "{path}");
    }
    // Never to another host: `//evil.example` is one, to a browser.
    let res = app.get("//evil.example/").await;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert!(res.headers().get("location").is_none());
    // A write is not redirected (a browser would not repeat its body).
    let res = app
        .client
        .post(app.url("/api/v1/exercises/refresh/reset/"))
        .json(&json!({}))
        .send()
        .await
        .expect("post");
    assert_ne!(res.status(), 308);
}

#[tokio::test]
async fn a_wrong_method_on_the_api_names_the_methods_there_are() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/pkce/generate").await;
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers().get("allow").and_then(|v| v.to_str().ok()), Some("POST"));
    let res = app.client.delete(app.url("/api/v1/practice/app")).send().await.expect("delete");
    assert_eq!(res.status(), 405);
    let allow = res.headers().get("allow").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(allow.contains("GET") && allow.contains("PUT"), "{allow}");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "method_not_allowed");
}

#[tokio::test]
async fn a_write_must_come_from_the_public_origin_exactly_not_the_host_it_names() {
    let app = TestApp::spawn().await;
    let port = app.base.rsplit(':').next().unwrap_or_default().to_owned();
    let localhost = format!("http://localhost:{port}");
    // The site reached by another name is another origin, whatever Host says.
    for host in [None, Some(format!("localhost:{port}"))] {
        let mut req = app
            .client
            .post(app.url("/api/v1/exercises/refresh/reset"))
            .header("origin", localhost.clone())
            .json(&json!({}));
        if let Some(host) = &host {
            req = req.header("host", host.clone());
        }
        let res = req.send().await.expect("post");
        assert_eq!(res.status(), 403, "Origin {localhost}, Host {host:?}");
        let answer: Value = res.json().await.expect("json");
        assert_eq!(answer["error"], "cross_site");
    }
    let res = app
        .client
        .post(app.url("/api/v1/exercises/refresh/reset"))
        .header("origin", app.base.clone())
        .json(&json!({}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 204);
}
