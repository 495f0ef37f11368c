//! The learner and instructor cookies: only a cookie the server issued is a session; names
//! with the `__Host-` prefix on an https site; and the files the server keeps, private.

use serde_json::json;

use crate::helpers::{headers, statuses, TestApp};
use crate::instructors::add_instructor;

const PASSWORD: &str = "correct horse battery staple";

/// The cookies a response sets: name, value and the whole header, in order.
fn set_cookies(res: &reqwest::Response) -> Vec<(String, String, String)> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|header| {
            let pair = header.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=')?;
            Some((name.to_owned(), value.to_owned(), header.to_owned()))
        })
        .collect()
}

/// The one cookie a response sets, if any.
fn set_cookie(res: &reqwest::Response) -> Option<(String, String, String)> {
    let mut all = set_cookies(res);
    assert!(all.len() <= 1, "{all:?}");
    all.pop()
}

/// The cookie `name` a response sets.
fn set_cookie_named(res: &reqwest::Response, name: &str) -> Option<(String, String)> {
    set_cookies(res).into_iter().find(|(n, _, _)| n == name).map(|(_, value, header)| (value, header))
}

/// A client that sends `cookie` (`name=value`) and keeps no cookie of its own.
fn with_cookie(cookie: &str) -> reqwest::Client {
    reqwest::Client::builder().default_headers(headers(&[("cookie", cookie)])).build().expect("client")
}

/// A learner who passed step 1; the value of their cookie.
async fn learner_with_progress(app: &TestApp) -> String {
    let res = app.get("/api/v1/exercises/refresh").await;
    let (name, value, _) = set_cookie(&res).expect("the first answer sets the cookie");
    assert_eq!(name, "oauthlab_session");
    let pkce: serde_json::Value =
        app.post_json("/api/v1/pkce/generate", &json!({})).await.json().await.expect("pkce");
    let verifier = pkce["verifier"].as_str().expect("verifier");
    assert_eq!(app.check_json("verifier", verifier).await["passed"], true);
    value
}

/// What `cookie` gets from the exercise: the status of step 1, and the cookie the answer
/// sets, if any.
async fn step_one_with(app: &TestApp, cookie: &str) -> (String, Option<(String, String, String)>) {
    let res = with_cookie(cookie).get(app.url("/api/v1/exercises/refresh")).send().await.expect("get");
    assert_eq!(res.status(), 200);
    let fresh = set_cookie(&res);
    let state = res.json().await.expect("json");
    (statuses(&state)[0].1.clone(), fresh)
}

#[tokio::test]
async fn a_made_up_cookie_of_the_right_shape_is_a_new_session() {
    let app = TestApp::spawn().await;
    let real = learner_with_progress(&app).await;
    let (real_token, _) = real.split_once('.').expect("token.signature");
    let made_up = [
        // A token alone, as the cookies were before they were signed.
        real_token.to_owned(),
        format!("{}.{}", server::session::new_token(), server::session::new_token()),
        // The real token with another one's signature.
        format!("{real_token}.{}", server::session::new_token()),
    ];
    for value in made_up {
        let (step_one, fresh) = step_one_with(&app, &format!("oauthlab_session={value}")).await;
        assert_eq!(step_one, "current", "{value} is not the learner who passed step 1");
        let (name, new_value, _) = fresh.unwrap_or_else(|| panic!("{value} gets a new cookie"));
        assert_eq!(name, "oauthlab_session");
        assert_ne!(new_value, value);
        assert_ne!(new_value, real);
        // And the new cookie is a session of its own, kept.
        let (_, again) = step_one_with(&app, &format!("oauthlab_session={new_value}")).await;
        assert!(again.is_none(), "the server's own cookie is a session");
    }
}

#[tokio::test]
async fn a_tampered_signature_is_a_new_session() {
    let app = TestApp::spawn().await;
    let real = learner_with_progress(&app).await;
    let mut tampered = real.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    let (step_one, fresh) = step_one_with(&app, &format!("oauthlab_session={tampered}")).await;
    assert_eq!(step_one, "current");
    let (_, new_value, _) = fresh.expect("a new cookie");
    assert_ne!(new_value, tampered);
}

#[tokio::test]
async fn a_real_cookie_keeps_its_session_across_requests_and_a_restart() {
    let app = TestApp::spawn().await;
    let real = learner_with_progress(&app).await;
    let cookie = format!("oauthlab_session={real}");
    for _ in 0..2 {
        assert_eq!(step_one_with(&app, &cookie).await, ("passed".to_owned(), None));
    }
    let app = app.restart().await;
    assert_eq!(step_one_with(&app, &cookie).await, ("passed".to_owned(), None), "the key file was kept");
}

#[tokio::test]
async fn an_https_site_names_its_cookies_with_the_host_prefix_and_secure() {
    let app = TestApp::spawn_with(|s| s.public_url = "https://lab.example".into()).await;
    let fresh = reqwest::Client::new();
    let res = fresh.get(app.url("/api/v1/exercises/refresh")).send().await.expect("get");
    let (name, value, header) = set_cookie(&res).expect("a cookie");
    assert_eq!(name, "__Host-oauthlab_session", "{header}");
    assert!(header.contains("; Path=/;") && header.ends_with("; Secure"), "{header}");
    assert!(!header.to_ascii_lowercase().contains("domain"), "{header}");
    // Read under the name it was set with, and only that one.
    assert!(step_one_with(&app, &format!("__Host-oauthlab_session={value}")).await.1.is_none());
    assert!(step_one_with(&app, &format!("oauthlab_session={value}")).await.1.is_some());

    let (code, stderr) = add_instructor(&app.database, "ada@example.org", PASSWORD);
    assert_eq!(code, 0, "{stderr}");
    let res = fresh
        .post(app.url("/api/v1/instructor/login"))
        .json(&json!({"email": "ada@example.org", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 204);
    let names: Vec<String> = set_cookies(&res).into_iter().map(|(name, _, _)| name).collect();
    assert!(
        !names.iter().any(|n| n.contains("oauthlab_instructor") && !n.starts_with("__Host-")),
        "{names:?}"
    );
    let (token, header) = set_cookie_named(&res, "__Host-oauthlab_instructor").expect("a cookie");
    assert!(header.contains("; Path=/;") && header.ends_with("; Secure"), "{header}");
    assert!(!header.to_ascii_lowercase().contains("domain"), "{header}");
    let classes = |cookie: String| {
        let url = app.url("/api/v1/instructor/classes");
        async move { with_cookie(&cookie).get(url).send().await.expect("get").status() }
    };
    assert_eq!(classes(format!("__Host-oauthlab_instructor={token}")).await, 200);
    assert_eq!(classes(format!("oauthlab_instructor={token}")).await, 401);
    let res = with_cookie(&format!("__Host-oauthlab_instructor={token}"))
        .post(app.url("/api/v1/instructor/logout"))
        .json(&json!({}))
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), 204);
    let (_, header) = set_cookie_named(&res, "__Host-oauthlab_instructor").expect("the cookie is cleared");
    assert!(header.contains("Max-Age=0") && header.ends_with("; Secure"), "{header}");
    assert_eq!(classes(format!("__Host-oauthlab_instructor={token}")).await, 401, "logged out");
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_its_log_and_the_key_are_the_owners_only_and_so_are_folders_the_server_makes() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode()
            & 0o777
    };
    let dir = tempfile::tempdir().expect("tempdir");
    // A folder the operator made keeps its mode.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let made = dir.path().join("data");
    let db = made.join("lab").join("lab.db");
    let app = TestApp::spawn_on(dir, format!("sqlite:{}", db.display()), |_| {}).await;
    learner_with_progress(&app).await;
    assert_eq!(mode(app.dir.path()), 0o755, "the operator's folder is left as it was");
    assert_eq!(mode(&made), 0o700);
    assert_eq!(mode(&made.join("lab")), 0o700);
    for file in ["lab.db", "lab.db-wal", "lab.db-shm", "lab.db.key"] {
        assert_eq!(mode(&made.join("lab").join(file)), 0o600, "{file}");
    }
    assert!(std::fs::metadata(made.join("lab").join("lab.db-wal")).expect("wal").len() > 0, "written");
}
