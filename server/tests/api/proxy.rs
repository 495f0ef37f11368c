//! Behind a reverse proxy (`--trusted-proxy`): the client address the proxy forwards is
//! what the rate limit and the login throttle count by; from anyone else, the forwarding
//! headers are ignored. The tests connect from 127.0.0.1 and play the proxy.

use serde_json::json;

use crate::helpers::TestApp;
use crate::instructors::add_instructor;

const PASSWORD: &str = "correct horse battery staple";

fn trusting_loopback(rate_limit: u32) -> impl FnOnce(&mut server::config::Settings) {
    move |s| {
        s.rate_limit = rate_limit;
        s.trusted_proxies = server::shared::client::TrustedProxies::parse(&["127.0.0.1/32"]).expect("range");
    }
}

/// The status of an API call forwarded for `header: value`.
async fn status_for(app: &TestApp, header: &str, value: &str) -> u16 {
    let res = app.client.get(app.url("/api/v1/exercises")).header(header, value).send().await.expect("get");
    res.status().as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_rate_limit_window() {
    let app = TestApp::spawn_with(trusting_loopback(2)).await;
    let xff = "x-forwarded-for";
    assert_eq!(status_for(&app, xff, "203.0.113.1").await, 200);
    assert_eq!(status_for(&app, xff, "203.0.113.1").await, 200);
    assert_eq!(status_for(&app, xff, "203.0.113.1").await, 429, "the first client used its window");
    assert_eq!(status_for(&app, xff, "203.0.113.2").await, 200, "another client has its own");
    // A client that writes its own X-Forwarded-For gains nothing: the proxy appends the
    // address it saw, and only that one is read.
    assert_eq!(status_for(&app, xff, "198.51.100.7, 203.0.113.1").await, 429);
    assert_eq!(status_for(&app, xff, "203.0.113.1, 127.0.0.1").await, 429, "trusted hops are skipped");
    // Forwarded (RFC 7239) wins over X-Forwarded-For.
    let res = app
        .client
        .get(app.url("/api/v1/exercises"))
        .header("forwarded", "for=\"[2001:db8:1:2::1]:4711\";proto=https")
        .header(xff, "203.0.113.1")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    // IPv6 clients count per /64.
    let forwarded = "forwarded";
    assert_eq!(status_for(&app, forwarded, "for=\"[2001:db8:1:2::99]\"").await, 200);
    assert_eq!(status_for(&app, forwarded, "for=\"[2001:db8:1:2:ffff::1]\"").await, 429, "the same /64");
    assert_eq!(status_for(&app, forwarded, "for=\"[2001:db8:1:3::1]\"").await, 200, "another /64");
}

#[tokio::test]
async fn without_a_trusted_proxy_the_forwarding_headers_are_ignored() {
    // No --trusted-proxy, and one that does not cover the peer (127.0.0.1).
    let elsewhere = |s: &mut server::config::Settings| {
        s.rate_limit = 2;
        s.trusted_proxies = server::shared::client::TrustedProxies::parse(&["10.0.0.0/8"]).expect("range");
    };
    for app in [TestApp::spawn_with(|s| s.rate_limit = 2).await, TestApp::spawn_with(elsewhere).await] {
        assert_eq!(status_for(&app, "x-forwarded-for", "203.0.113.1").await, 200);
        assert_eq!(status_for(&app, "x-forwarded-for", "203.0.113.2").await, 200);
        assert_eq!(status_for(&app, "x-forwarded-for", "203.0.113.3").await, 429, "one shared window");
        assert_eq!(status_for(&app, "forwarded", "for=203.0.113.4").await, 429);
    }
}

/// Five wrong passwords from one forwarded client, then the right one: the guesser waits,
/// a client forwarded from another address does not.
async fn guesser_and_instructor(app: &TestApp) -> (u16, u16) {
    let (code, stderr) = add_instructor(&app.database, "ada@example.org", PASSWORD);
    assert_eq!(code, 0, "{stderr}");
    let login = |from: &'static str, password: &'static str| {
        crate::helpers::client()
            .post(app.url("/api/v1/instructor/login"))
            .header("x-forwarded-for", from)
            .json(&json!({"email": "ada@example.org", "password": password}))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(login("203.0.113.66", "nope nope nope").await.expect("post").status(), 401);
    }
    let guesser = login("203.0.113.66", PASSWORD).await.expect("post").status().as_u16();
    let instructor = login("198.51.100.20", PASSWORD).await.expect("post").status().as_u16();
    (guesser, instructor)
}

#[tokio::test]
async fn the_login_throttle_counts_per_forwarded_client() {
    let app = TestApp::spawn_with(trusting_loopback(10_000)).await;
    assert_eq!(guesser_and_instructor(&app).await, (429, 204));
    // Untrusted, both are 127.0.0.1: the instructor waits too.
    let app = TestApp::spawn().await;
    assert_eq!(guesser_and_instructor(&app).await, (429, 429));
}

#[tokio::test]
async fn the_login_forms_throttle_counts_per_forwarded_client_too() {
    let app = TestApp::spawn_with(trusting_loopback(10_000)).await;
    let (code, stderr) = add_instructor(&app.database, "ada@example.org", PASSWORD);
    assert_eq!(code, 0, "{stderr}");
    let login = |from: &'static str, password: &'static str| {
        crate::helpers::client()
            .post(app.url("/fn/instructor_login"))
            .header("x-forwarded-for", from)
            .header("accept", "text/html")
            .form(&[("email", "ada@example.org"), ("password", password)])
            .send()
    };
    for _ in 0..5 {
        login("203.0.113.66", "nope nope nope").await.expect("post");
    }
    let guesser = login("203.0.113.66", PASSWORD).await.expect("post");
    let instructor = login("198.51.100.20", PASSWORD).await.expect("post");
    let signed_in = |res: &reqwest::Response| {
        res.headers().get_all("set-cookie").iter().any(|v| {
            v.to_str().is_ok_and(|v| v.starts_with("oauthlab_instructor=") && !v.contains("Max-Age=0"))
        })
    };
    assert!(!signed_in(&guesser), "the guesser waits");
    assert!(signed_in(&instructor), "the instructor does not");
}
