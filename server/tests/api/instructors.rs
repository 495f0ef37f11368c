use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use crate::helpers::{client, statuses, TestApp};

const PASSWORD: &str = "correct horse battery staple";

/// Add an instructor to `database` through the command line, as an operator would, while
/// the server runs.
pub(crate) fn add_instructor(database: &str, email: &str, password: &str) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oauthlab"))
        .args(["instructor", "add", email, "--database", database])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // The command may stop reading early (a password too long): what it says is the test.
    let _ = child.stdin.take().expect("stdin").write_all(format!("{password}\n").as_bytes());
    let out = child.wait_with_output().expect("wait");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A browser of an instructor, signed in.
async fn instructor(app: &TestApp, email: &str) -> reqwest::Client {
    let (code, stderr) = add_instructor(&app.database, email, PASSWORD);
    assert_eq!(code, 0, "{stderr}");
    let c = client();
    let res = c
        .post(app.url("/api/v1/instructor/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 204);
    c
}

async fn post_class(app: &TestApp, c: &reqwest::Client, name: &str) -> reqwest::Response {
    c.post(app.url("/api/v1/instructor/classes")).json(&json!({"name": name})).send().await.expect("post")
}

pub(crate) async fn create_class(app: &TestApp, c: &reqwest::Client, name: &str) -> Value {
    let res = post_class(app, c, name).await;
    assert_eq!(res.status(), 201);
    res.json().await.expect("json")
}

pub(crate) fn join_code(class: &Value) -> String {
    class["join_url"].as_str().expect("join_url").rsplit('/').next().expect("code").to_owned()
}

pub(crate) async fn join(app: &TestApp, code: &str, name: &str) {
    let res = app.post_json("/api/v1/classes/join", &json!({"code": code, "display_name": name})).await;
    assert_eq!(res.status(), 204);
}

async fn learners(app: &TestApp, c: &reqwest::Client, query: &str) -> reqwest::Response {
    c.get(app.url(&format!("/api/v1/instructor/learners{query}"))).send().await.expect("get")
}

#[tokio::test]
async fn instructor_add_reads_the_password_from_stdin_and_the_instructor_can_sign_in() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "Ada@Example.org").await;
    assert_eq!(c.get(app.url("/api/v1/instructor/classes")).send().await.expect("get").status(), 200);
    let (code, stderr) = add_instructor(&app.database, "ada@example.org", "short");
    assert_ne!(code, 0);
    assert!(stderr.starts_with("oauthlab: ") && stderr.trim_end().lines().count() == 1, "{stderr}");
}

#[tokio::test]
async fn instructor_add_refuses_a_blank_or_overlong_password_in_one_line() {
    let app = TestApp::spawn().await;
    let long = "x".repeat(1025);
    let huge = "x".repeat(1 << 20);
    for (password, why) in [
        ("              ", "only whitespace"),
        (long.as_str(), "longer than 1024 bytes"),
        (huge.as_str(), "longer than 1024 bytes"),
    ] {
        let (code, stderr) = add_instructor(&app.database, "ada@example.org", password);
        assert_ne!(code, 0);
        assert!(stderr.starts_with("oauthlab: ") && stderr.trim_end().lines().count() == 1, "{stderr}");
        assert!(stderr.contains(why), "{stderr}");
    }
    let longest = "y".repeat(1024);
    let (code, stderr) = add_instructor(&app.database, "ada@example.org", &longest);
    assert_eq!(code, 0, "{stderr}");
    let res = client()
        .post(app.url("/api/v1/instructor/login"))
        .json(&json!({"email": "ada@example.org", "password": longest}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 204);
}

#[tokio::test]
async fn adding_an_existing_instructor_sets_a_new_password_and_signs_them_out() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "ada@example.org").await;
    let (code, stderr) = add_instructor(&app.database, "ada@example.org", "a brand new passphrase");
    assert_eq!(code, 0, "{stderr}");
    let status = c.get(app.url("/api/v1/instructor/classes")).send().await.expect("get").status();
    assert_eq!(status, 401, "the old session ended");
    let login = |password: &'static str| {
        client()
            .post(app.url("/api/v1/instructor/login"))
            .json(&json!({"email": "ada@example.org", "password": password}))
            .send()
    };
    assert_eq!(login(PASSWORD).await.expect("login").status(), 401);
    assert_eq!(login("a brand new passphrase").await.expect("login").status(), 204);
}

#[tokio::test]
async fn the_password_is_stored_as_an_argon2id_hash() {
    let app = TestApp::spawn().await;
    instructor(&app, "ada@example.org").await;
    let db = app.database_text().await;
    assert!(!db.contains(PASSWORD));
    assert!(db.contains("$argon2id$"));
}

#[tokio::test]
async fn bad_credentials_get_401_without_saying_whether_the_email_exists() {
    let app = TestApp::spawn().await;
    instructor(&app, "ada@example.org").await;
    let mut messages = Vec::new();
    for (email, password) in [("ada@example.org", "wrong password!"), ("nobody@example.org", PASSWORD)] {
        let res = client()
            .post(app.url("/api/v1/instructor/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 401);
        assert!(res
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|c| !c.contains("oauthlab_instructor=")));
        messages.push(res.json::<Value>().await.expect("json"));
    }
    assert_eq!(messages[0], messages[1]);
}

#[tokio::test]
async fn failed_logins_are_rate_limited() {
    let app = TestApp::spawn().await;
    instructor(&app, "ada@example.org").await;
    for _ in 0..5 {
        let res = client()
            .post(app.url("/api/v1/instructor/login"))
            .json(&json!({"email": "ada@example.org", "password": "nope nope nope"}))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 401);
    }
    let res = client()
        .post(app.url("/api/v1/instructor/login"))
        .json(&json!({"email": "ada@example.org", "password": PASSWORD}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 429, "even the right password waits");
    assert!(res.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn wrong_passwords_from_elsewhere_do_not_lock_the_instructor_out() {
    let app = TestApp::spawn().await;
    instructor(&app, "ada@example.org").await;
    // Another address on the loopback network: 127.0.0.2.
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .expect("client");
    let login = |c: &reqwest::Client, password: &str| {
        c.post(app.url("/api/v1/instructor/login"))
            .json(&json!({"email": "ada@example.org", "password": password}))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(login(&elsewhere, "nope nope nope").await.expect("post").status(), 401);
    }
    assert_eq!(login(&elsewhere, PASSWORD).await.expect("post").status(), 429, "the guesser waits");
    assert_eq!(login(&client(), PASSWORD).await.expect("post").status(), 204, "the instructor does not");
}

#[tokio::test]
async fn parallel_wrong_logins_get_no_more_tries_than_the_limit() {
    let app = TestApp::spawn().await;
    instructor(&app, "ada@example.org").await;
    let attempts = (0..60).map(|_| {
        client()
            .post(app.url("/api/v1/instructor/login"))
            .json(&json!({"email": "ada@example.org", "password": "nope nope nope"}))
            .send()
    });
    let mut statuses = Vec::new();
    for handle in attempts.map(tokio::spawn).collect::<Vec<_>>() {
        statuses.push(handle.await.expect("join").expect("post").status().as_u16());
    }
    // A 401 is a password that was checked; the rest were turned away before.
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= 5, "{checked} passwords checked: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
}

#[tokio::test]
async fn one_client_trying_many_emails_is_rate_limited_too() {
    let app = TestApp::spawn().await;
    instructor(&app, "ada@example.org").await;
    let login = |email: String, password: &'static str| {
        client()
            .post(app.url("/api/v1/instructor/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    for n in 0..20 {
        let res = login(format!("guess{n}@example.org"), "nope nope nope").await.expect("post");
        assert_eq!(res.status(), 401, "attempt {n}");
    }
    let res = login("ada@example.org".into(), PASSWORD).await.expect("post");
    assert_eq!(res.status(), 429, "this client waits, whatever the email");
}

#[tokio::test]
async fn a_login_renews_the_session_and_logout_ends_it() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "ada@example.org").await;
    let first = c
        .post(app.url("/api/v1/instructor/login"))
        .json(&json!({"email": "ada@example.org", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    let cookie =
        first.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let token = cookie.split(';').next().unwrap_or_default().to_owned();
    let res = c
        .post(app.url("/api/v1/instructor/login"))
        .json(&json!({"email": "ada@example.org", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 204);
    let old = client()
        .get(app.url("/api/v1/instructor/classes"))
        .header("cookie", token)
        .send()
        .await
        .expect("get");
    assert_eq!(old.status(), 401, "the earlier session ended at the new login");
    assert_eq!(c.post(app.url("/api/v1/instructor/logout")).send().await.expect("logout").status(), 204);
    assert_eq!(c.get(app.url("/api/v1/instructor/classes")).send().await.expect("get").status(), 401);
}

#[tokio::test]
async fn a_failed_login_does_not_end_the_session_the_browser_has() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "ada@example.org").await;
    let res = c
        .post(app.url("/api/v1/instructor/login"))
        .json(&json!({"email": "ada@example.org", "password": "a typo in it"}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 401);
    assert_eq!(c.get(app.url("/api/v1/instructor/classes")).send().await.expect("get").status(), 200);
}

#[tokio::test]
async fn a_learners_cookie_gets_401_on_every_instructor_endpoint() {
    let app = TestApp::spawn().await;
    app.get("/").await;
    let gets = [
        "/api/v1/instructor/classes",
        "/api/v1/instructor/learners",
        "/api/v1/instructor/classes/x/progress.csv",
    ];
    for path in gets {
        assert_eq!(app.get(path).await.status(), 401, "{path}");
    }
    let posts = [
        "/api/v1/instructor/classes",
        "/api/v1/instructor/learners/x/reset",
        "/api/v1/instructor/classes/x/reset",
    ];
    for path in posts {
        let res = app.post_json(path, &json!({"name": "x", "exercise": "refresh"})).await;
        assert_eq!(res.status(), 401, "{path}");
        assert_eq!(res.json::<Value>().await.expect("json")["error"], "unauthorized");
    }
}

#[tokio::test]
async fn a_class_gets_a_join_link_and_lists_its_learners_with_their_progress() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "ada@example.org").await;
    let class = create_class(&app, &c, "OAuth workshop").await;
    assert!(class["join_url"].as_str().expect("url").starts_with(&app.url("/join/")));
    join(&app, &join_code(&class), "Grace").await;
    app.pass_first_three_steps().await;
    let classes: Value =
        c.get(app.url("/api/v1/instructor/classes")).send().await.expect("get").json().await.expect("json");
    assert_eq!(classes[0]["learners"], 1);
    assert_eq!(classes[0]["name"], "OAuth workshop");
    let list: Value = learners(&app, &c, &format!("?class_id={}", class["class_id"].as_str().expect("id")))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list[0]["display_name"], "Grace");
    assert_eq!(list[0]["class_id"], class["class_id"]);
    assert_eq!(list[0]["exercises"]["refresh"]["steps_passed"], 3);
    assert_eq!(list[0]["exercises"]["refresh"]["completed"], false);
    assert!(list[0]["exercises"]["refresh"]["updated_at"].is_i64());
}

#[tokio::test]
async fn an_instructor_resets_a_learner_and_a_class() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "ada@example.org").await;
    let class = create_class(&app, &c, "Workshop").await;
    join(&app, &join_code(&class), "Grace").await;
    app.pass_first_three_steps().await;
    let list: Value = learners(&app, &c, "").await.json().await.expect("json");
    let learner_id = list[0]["learner_id"].as_str().expect("id").to_owned();
    let res = c
        .post(app.url(&format!("/api/v1/instructor/learners/{learner_id}/reset")))
        .json(&json!({"exercise": "refresh"}))
        .send()
        .await
        .expect("reset");
    assert_eq!(res.status(), 204);
    assert_eq!(statuses(&app.get_json("/api/v1/exercises/refresh").await)[0].1, "current");
    app.pass_first_three_steps().await;
    let res = c
        .post(
            app.url(&format!("/api/v1/instructor/classes/{}/reset", class["class_id"].as_str().expect("id"))),
        )
        .json(&json!({"exercise": "refresh"}))
        .send()
        .await
        .expect("reset");
    assert_eq!(res.status(), 204);
    assert_eq!(statuses(&app.get_json("/api/v1/exercises/refresh").await)[1].1, "locked");
    let bad = c
        .post(app.url(&format!("/api/v1/instructor/learners/{learner_id}/reset")))
        .json(&json!({"exercise": "implicit"}))
        .send()
        .await
        .expect("reset");
    assert_eq!(bad.status(), 400);
    // "all" resets every exercise, for a learner and for a class.
    for path in [
        format!("/api/v1/instructor/learners/{learner_id}/reset"),
        format!("/api/v1/instructor/classes/{}/reset", class["class_id"].as_str().expect("id")),
    ] {
        app.pass_first_three_steps().await;
        let res = c.post(app.url(&path)).json(&json!({"exercise": "all"})).send().await.expect("reset");
        assert_eq!(res.status(), 204, "{path}");
        assert_eq!(statuses(&app.get_json("/api/v1/exercises/refresh").await)[0].1, "current", "{path}");
    }
}

#[tokio::test]
async fn an_instructor_sees_and_resets_only_their_own_classes() {
    let app = TestApp::spawn().await;
    let ada = instructor(&app, "ada@example.org").await;
    let bob = instructor(&app, "bob@example.org").await;
    let class = create_class(&app, &ada, "Ada's class").await;
    join(&app, &join_code(&class), "Grace").await;
    app.pass_first_three_steps().await;
    let class_id = class["class_id"].as_str().expect("id");
    let theirs: Value =
        bob.get(app.url("/api/v1/instructor/classes")).send().await.expect("get").json().await.expect("json");
    assert_eq!(theirs, json!([]));
    assert_eq!(learners(&app, &bob, "").await.json::<Value>().await.expect("json"), json!([]));
    assert_eq!(learners(&app, &bob, &format!("?class_id={class_id}")).await.status(), 404);
    let list: Value = learners(&app, &ada, "").await.json().await.expect("json");
    let learner_id = list[0]["learner_id"].as_str().expect("id");
    for path in [
        format!("/api/v1/instructor/learners/{learner_id}/reset"),
        format!("/api/v1/instructor/classes/{class_id}/reset"),
    ] {
        let res = bob.post(app.url(&path)).json(&json!({"exercise": "refresh"})).send().await.expect("post");
        assert_eq!(res.status(), 404, "{path}");
    }
    assert_eq!(
        bob.get(app.url(&format!("/api/v1/instructor/classes/{class_id}/progress.csv")))
            .send()
            .await
            .expect("get")
            .status(),
        404
    );
    assert_eq!(
        statuses(&app.get_json("/api/v1/exercises/refresh").await)[2].1,
        "passed",
        "nothing was reset"
    );
}

#[tokio::test]
async fn the_class_progress_exports_as_csv() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "ada@example.org").await;
    let class = create_class(&app, &c, "Workshop").await;
    join(&app, &join_code(&class), "Lovelace, Ada").await;
    app.pass_first_three_steps().await;
    let res = c
        .get(app.url(&format!(
            "/api/v1/instructor/classes/{}/progress.csv",
            class["class_id"].as_str().expect("id")
        )))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    assert!(res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv")));
    let csv = res.text().await.expect("text");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "learner_id,display_name,exercise,steps_passed,completed,updated_at");
    let refresh = lines.iter().find(|l| l.contains(",refresh,")).expect("the refresh row");
    assert!(refresh.contains(",\"Lovelace, Ada\",refresh,3,false,20"), "{csv}");
    assert!(refresh.ends_with('Z'), "updated_at in ISO 8601 UTC: {csv}");
}

/// A learner's browser whose learner id starts with `-`, as one in 64 do (its cookie
/// signed with `app`'s key).
fn learner_with_a_dash(app: &TestApp) -> (reqwest::Client, String) {
    let (token, id) = std::iter::repeat_with(server::session::new_token)
        .map(|t| {
            let id = server::session::learner_of(&t).0;
            (t, id)
        })
        .find(|(_, id)| id.starts_with('-'))
        .expect("one in 64 tokens");
    let session = &app.state.session;
    let cookie = format!("{}={}", session.cookie_name(), session.sign(&token));
    let c = reqwest::Client::builder()
        .default_headers(crate::helpers::headers(&[("cookie", &cookie)]))
        .build()
        .expect("client");
    (c, id)
}

#[tokio::test]
async fn the_csv_keeps_a_learner_id_that_starts_with_a_dash_usable() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "ada@example.org").await;
    let class = create_class(&app, &c, "Workshop").await;
    let class_id = class["class_id"].as_str().expect("id");
    let (learner, id) = learner_with_a_dash(&app);
    let res = learner
        .post(app.url("/api/v1/classes/join"))
        .json(&json!({"code": join_code(&class), "display_name": "-2+3"}))
        .send()
        .await
        .expect("join");
    assert_eq!(res.status(), 204);
    let csv = c
        .get(app.url(&format!("/api/v1/instructor/classes/{class_id}/progress.csv")))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    let row = csv.lines().find(|l| l.contains(",refresh,")).expect("a refresh row");
    assert!(row.starts_with(&format!("{id},'-2+3,refresh,")), "the id as it is, the name defused: {csv}");
    let listed = row.split(',').next().expect("id");
    let res = c
        .post(app.url(&format!("/api/v1/instructor/learners/{listed}/reset")))
        .json(&json!({"exercise": "refresh"}))
        .send()
        .await
        .expect("reset");
    assert_eq!(res.status(), 204, "the id from the CSV finds the learner");
}

#[tokio::test]
async fn joining_needs_a_real_code_and_a_short_name() {
    let app = TestApp::spawn().await;
    let res = app.post_json("/api/v1/classes/join", &json!({"code": "nope"})).await;
    assert_eq!(res.status(), 404);
    let c = instructor(&app, "ada@example.org").await;
    let class = create_class(&app, &c, "Workshop").await;
    let res = app
        .post_json(
            "/api/v1/classes/join",
            &json!({"code": join_code(&class), "display_name": "x".repeat(61)}),
        )
        .await;
    assert_eq!(res.status(), 400);
    for name in ["Ada\nLovelace", "Ada\u{202E}ecalevoL", "tab\there", "nul\u{0}"] {
        let res = app
            .post_json("/api/v1/classes/join", &json!({"code": join_code(&class), "display_name": name}))
            .await;
        assert_eq!(res.status(), 400, "{name:?}");
        let body: Value = res.json().await.expect("json");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("control characters")), "{body}");
    }
    for name in ["  ", "Class\u{2066}A", "\u{200B}", "Class\u{200B}A", "\u{FEFF}Class"] {
        assert_eq!(post_class(&app, &c, name).await.status(), 400, "{name:?}");
    }
}

#[tokio::test]
async fn names_with_invisible_characters_are_refused_and_a_blank_one_is_no_name() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "ada@example.org").await;
    let class = create_class(&app, &c, "Workshop").await;
    for name in ["Ada\u{200B}", "A\u{200C}da", "A\u{200D}da", "Ada\u{2060}", "\u{FEFF}Ada", "Ada\u{061C}"] {
        let res = app
            .post_json("/api/v1/classes/join", &json!({"code": join_code(&class), "display_name": name}))
            .await;
        assert_eq!(res.status(), 400, "{name:?}");
    }
    join(&app, &join_code(&class), " \u{200B}\u{3164} ").await;
    let list: Value = learners(&app, &c, "").await.json().await.expect("json");
    assert_eq!(list[0]["display_name"], Value::Null, "an invisible name is no name");
}

#[tokio::test]
async fn the_learners_list_names_a_learners_own_server() {
    let (app, idp) = (TestApp::spawn().await, TestApp::spawn().await);
    let c = instructor(&app, "ada@example.org").await;
    let class = create_class(&app, &c, "Workshop").await;
    join(&app, &join_code(&class), "Grace").await;
    let list: Value = learners(&app, &c, "").await.json().await.expect("json");
    assert_eq!(list[0]["server"], Value::Null, "the built-in server");
    let res = app
        .client
        .put(app.url("/api/v1/exercises/refresh/provider"))
        .json(&json!({"issuer": idp.base}))
        .send()
        .await
        .expect("put");
    assert_eq!(res.json::<Value>().await.expect("json")["passed"], true);
    let list: Value = learners(&app, &c, "").await.json().await.expect("json");
    assert_eq!(list[0]["server"], idp.base);
}

/// `oauthlab housekeeping` removes learners inactive for `--forget-learners-after` days,
/// with every row of theirs, and keeps learners in a class and those active since.
#[tokio::test]
async fn housekeeping_forgets_inactive_learners_but_not_those_in_a_class_or_active() {
    let app = TestApp::spawn().await;
    let teacher = instructor(&app, "ada@example.com").await;
    let class = create_class(&app, &teacher, "Workshop").await;
    // The learner in a class (app.client) and one in none both make progress.
    join(&app, &join_code(&class), "Grace").await;
    app.check("verifier", &"a".repeat(43)).await;
    let loner = client();
    let loner_app = |path: &str| loner.get(app.url(path)).send();
    let before: Value = loner_app("/api/v1/practice/app").await.expect("get").json().await.expect("json");
    let res = loner
        .post(app.url("/api/v1/exercises/refresh/steps/verifier/check"))
        .json(&json!({"input": "b".repeat(43)}))
        .send()
        .await
        .expect("check");
    assert_eq!(res.status(), 200);
    // Both go quiet for 200 days (their rows are made older); then a third learner comes.
    let pool = sqlx::SqlitePool::connect(&app.database).await.expect("db");
    let old = app::services::now_unix() - 200 * 24 * 3600;
    for (table, column) in
        [("progress", "updated_at"), ("practice_apps", "updated_at"), ("consents", "created_at")]
    {
        sqlx::query(&format!("UPDATE {table} SET {column} = ?")).bind(old).execute(&pool).await.expect("age");
    }
    pool.close().await;
    let newcomer = client();
    assert_eq!(newcomer.get(app.url("/api/v1/practice/app")).send().await.expect("get").status(), 200);

    let out = Command::new(env!("CARGO_BIN_EXE_oauthlab"))
        .args(["housekeeping", "--database", &app.database, "--forget-learners-after", "180"])
        .env_remove("OAUTHLAB_FORGET_LEARNERS_AFTER")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("1 inactive learner"), "{said}");

    // The quiet learner in no class starts over: a new practice application, no progress.
    let after: Value = loner_app("/api/v1/practice/app").await.expect("get").json().await.expect("json");
    assert_ne!(after["client_id"], before["client_id"]);
    let state: Value = loner_app("/api/v1/exercises/refresh").await.expect("get").json().await.expect("json");
    assert_eq!(statuses(&state)[0].1, "current");
    // The learner in the class keeps everything.
    assert_eq!(statuses(&app.get_json("/api/v1/exercises/refresh").await)[0].1, "passed");
    // With a longer allowance nobody is removed.
    let out = Command::new(env!("CARGO_BIN_EXE_oauthlab"))
        .args(["housekeeping", "--database", &app.database, "--forget-learners-after", "365"])
        .env_remove("OAUTHLAB_FORGET_LEARNERS_AFTER")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 inactive learners"));
}

#[tokio::test]
async fn a_large_class_shows_a_page_of_learners_at_a_time_and_finds_them_by_name() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "pages@example.org").await;
    let class = create_class(&app, &c, "Big workshop").await;
    let class_id = class["class_id"].as_str().expect("class id").to_owned();
    for i in 0..120 {
        let learner = app::services::LearnerId(format!("learner{i:03}"));
        let name = format!("Learner {i:03}");
        app.state.instructors.store.join_class(&learner, &class_id, Some(&name)).await.expect("join");
    }
    let page = |path: String| {
        let c = c.clone();
        let url = app.url(&path);
        async move {
            let res = c.get(url).header("accept", "text/html").send().await.expect("get");
            assert_eq!(res.status(), 200);
            res.text().await.expect("page")
        }
    };
    let rows = |body: &str| body.matches("data-testid=\"learner\"").count();

    let first = page("/instructor".to_owned()).await;
    assert_eq!(rows(&first), 50, "a page at a time");
    assert!(first.contains("120 learners"), "the class's size");
    assert!(first.contains("Showing 1–50 of 120 learners."), "{first}");
    assert!(first.contains(&format!("/instructor?class={class_id}&amp;page=2")), "a link to the next page");
    assert!(first.contains("Learner 000") && !first.contains("Learner 050"));

    let last = page(format!("/instructor?class={class_id}&page=3")).await;
    assert_eq!(rows(&last), 20);
    assert!(last.contains("Showing 101–120 of 120 learners.") && last.contains("Learner 119"));
    assert!(!last.contains("rel=\"next\""), "no page after the last");
    // A page past the last shows the last.
    assert_eq!(rows(&page(format!("/instructor?class={class_id}&page=99")).await), 20);

    let found = page("/instructor?search=+007+".to_owned()).await;
    assert_eq!(rows(&found), 1, "Learner 007 only: {found}");
    assert!(found.contains("Showing 1–1 of 1 learner found by the search."));
    let none = page("/instructor?search=nobody".to_owned()).await;
    assert_eq!(rows(&none), 0);
    assert!(
        none.contains("No learner&#x27;s name matches the search.")
            || none.contains("No learner's name matches the search.")
    );

    // An action on page 3 comes back to page 3 (after a plain form post).
    let res = c
        .post(app.url("/fn/reset_learner"))
        .header("accept", "text/html")
        .header("origin", &app.base)
        .header("referer", app.url(&format!("/instructor?class={class_id}&page=3")))
        .form(&[("learner_id", "learner110"), ("exercise", "all")])
        .send()
        .await
        .expect("reset");
    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(location, format!("/instructor?class={class_id}&page=3"));
}

/// A progress row written straight into the database, as the exercise `exercise` saves
/// one, for any slug (one the site offers or not yet).
async fn put_progress(app: &TestApp, learner: &str, exercise: &str, steps_passed: i64, completed: bool) {
    let pool = sqlx::SqlitePool::connect(&app.database).await.expect("db");
    sqlx::query(
        "INSERT OR REPLACE INTO progress (learner_id, exercise, state, steps_passed, completed, updated_at)
         VALUES (?, ?, '{}', ?, ?, ?)",
    )
    .bind(learner)
    .bind(exercise)
    .bind(steps_passed)
    .bind(completed)
    .bind(app::services::now_unix())
    .execute(&pool)
    .await
    .expect("progress row");
}

/// How many steps the tests below give a learner in `slug`: a different number in each
/// exercise, all of them for `refresh` (which completes it).
fn steps_in(slug: &str) -> i64 {
    match slug {
        "refresh" => 5,
        "getting-started" => 2,
        "web-app" => 1,
        _ => 3,
    }
}

/// A class with two learners: `amy`, with progress in every exercise the site offers, in
/// `getting-started` (offered or not yet) and in `implicit` (one the site does not offer), and `bo`, with none.
async fn class_with_progress(app: &TestApp, c: &reqwest::Client) -> String {
    let class = create_class(app, c, "Course").await;
    let class_id = class["class_id"].as_str().expect("class id").to_owned();
    let store = &app.state.instructors.store;
    for (id, name) in [("amy", "Amy"), ("bo", "Bo")] {
        store.join_class(&app::services::LearnerId(id.into()), &class_id, Some(name)).await.expect("join");
    }
    let mut slugs: Vec<&str> = oauthlab::exercises::catalog().iter().map(|e| e.slug).collect();
    slugs.extend(["getting-started", "implicit"]);
    for slug in slugs {
        put_progress(app, "amy", slug, steps_in(slug), slug == "refresh").await;
    }
    class_id
}

#[tokio::test]
async fn the_learners_list_shows_every_offered_exercise_each_in_its_place() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "ada@example.org").await;
    let class_id = class_with_progress(&app, &c).await;
    let list: Value = learners(&app, &c, &format!("?class_id={class_id}")).await.json().await.expect("json");
    let catalog = oauthlab::exercises::catalog();
    let amy = &list[0]["exercises"];
    let bo = &list[1]["exercises"];
    assert_eq!(
        amy.as_object().map(|o| o.len()),
        Some(catalog.len()),
        "one entry per offered exercise: {amy}"
    );
    assert_eq!(bo.as_object().map(|o| o.len()), Some(catalog.len()), "{bo}");
    for e in &catalog {
        let got = &amy[e.slug];
        assert_eq!(got["steps_passed"], steps_in(e.slug), "{}: {amy}", e.slug);
        assert_eq!(got["completed"], e.slug == "refresh", "{}: {amy}", e.slug);
        assert!(got["updated_at"].is_i64(), "{}: {amy}", e.slug);
        assert_eq!(
            bo[e.slug],
            json!({"steps_passed": 0, "completed": false, "updated_at": null}),
            "{}",
            e.slug
        );
    }
    assert_eq!(amy["refresh"]["steps_passed"], 5, "the refresh exercise as http-api.md has it");
    assert!(amy.get("implicit").is_none(), "an exercise the site does not offer is not listed: {amy}");
    let offers_getting_started = catalog.iter().any(|e| e.slug == "getting-started");
    assert_eq!(amy.get("getting-started").is_some(), offers_getting_started, "{amy}");
}

#[tokio::test]
async fn the_csv_has_a_row_per_learner_and_offered_exercise_in_catalog_order() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "ada@example.org").await;
    let class_id = class_with_progress(&app, &c).await;
    let csv = c
        .get(app.url(&format!("/api/v1/instructor/classes/{class_id}/progress.csv")))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    let catalog = oauthlab::exercises::catalog();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "learner_id,display_name,exercise,steps_passed,completed,updated_at");
    assert_eq!(lines.len(), 1 + 2 * catalog.len(), "{csv}");
    for (i, e) in catalog.iter().enumerate() {
        let amy = lines[1 + i];
        let prefix = format!("amy,Amy,{},{},{},", e.slug, steps_in(e.slug), e.slug == "refresh");
        assert!(amy.starts_with(&prefix) && amy.ends_with('Z'), "{prefix}…: {csv}");
        assert_eq!(lines[1 + catalog.len() + i], format!("bo,Bo,{},0,false,", e.slug), "{csv}");
    }
    assert!(!csv.contains(",implicit,"), "an exercise the site does not offer: {csv}");
}

#[tokio::test]
async fn the_wide_csv_has_a_row_per_learner_and_columns_per_offered_exercise() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "ada@example.org").await;
    let class_id = class_with_progress(&app, &c).await;
    let get = |layout: &str| {
        let url = app.url(&format!("/api/v1/instructor/classes/{class_id}/progress.csv?layout={layout}"));
        let c = c.clone();
        async move { c.get(url).send().await.expect("get") }
    };
    let res = get("wide").await;
    assert_eq!(res.status(), 200);
    let csv = res.text().await.expect("text");
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    let catalog = oauthlab::exercises::catalog();
    let columns: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(columns.len(), 2 + 3 * catalog.len(), "{csv}");
    assert_eq!(lines.len(), 3, "one row per learner: {csv}");
    for (i, e) in catalog.iter().enumerate() {
        assert_eq!(columns[2 + 3 * i], format!("{} steps_passed", e.slug));
        assert_eq!(columns[3 + 3 * i], format!("{} completed", e.slug));
        assert_eq!(columns[4 + 3 * i], format!("{} updated_at", e.slug));
        let amy: Vec<&str> = lines[1].split(',').collect();
        assert_eq!(amy[2 + 3 * i], steps_in(e.slug).to_string(), "{csv}");
        assert_eq!(amy[3 + 3 * i], (e.slug == "refresh").to_string(), "{csv}");
        assert!(amy[4 + 3 * i].ends_with('Z'), "{csv}");
    }
    assert!(lines[1].starts_with("amy,Amy,") && lines[2].starts_with("bo,Bo,"), "{csv}");
    assert!(!csv.contains("implicit"), "{csv}");
    assert_eq!(get("rows").await.text().await.expect("text").lines().count(), 1 + 2 * catalog.len());
    assert_eq!(get("tall").await.status(), 400, "a layout it does not know");
}

#[tokio::test]
async fn the_dashboard_shows_a_column_for_each_offered_exercise() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "ada@example.org").await;
    class_with_progress(&app, &c).await;
    let res = c.get(app.url("/instructor")).header("accept", "text/html").send().await.expect("get");
    assert_eq!(res.status(), 200);
    let page = res.text().await.expect("page");
    let catalog = oauthlab::exercises::catalog();
    for e in &catalog {
        let header = format!("data-exercise=\"{}\" class=\"exercise-col\">{}</th>", e.slug, e.title);
        assert!(page.contains(&header), "a column headed {}: {page}", e.title);
        let steps = e.steps.len();
        let amy = match steps_in(e.slug) {
            5 => format!("{}: completed, 5 of {steps} steps", e.title),
            n => format!("{}: {n} of {steps} steps", e.title),
        };
        assert!(page.contains(&amy), "{amy}: {page}");
        let bo = format!("{}: not started, 0 of {steps} steps", e.title);
        assert!(page.contains(&bo), "{bo}: {page}");
        // Each learner's detail lists the exercise's steps: all of amy's passed in refresh.
        let detail = format!("data-testid=\"learner-steps\" data-exercise=\"{}\"", e.slug);
        assert_eq!(page.matches(&detail).count(), 2, "{detail}");
        let first = e.steps.first().map(|s| s.title).unwrap_or_default();
        assert!(page.contains(&format!(">{first}: current</li>")), "bo's first step of {}", e.slug);
        let choice = format!("<option value=\"{}\">{}</option>", e.slug, e.title);
        assert_eq!(page.matches(&choice).count(), 3, "each reset form offers {}", e.slug);
    }
    assert_eq!(page.matches("<option value=\"all\">All exercises</option>").count(), 3);
    assert!(page.contains("data-exercise=\"refresh\" data-steps-passed=\"5\""), "{page}");
    assert!(page.contains(">Refresh token response: passed</li>"), "amy's last refresh step");
    assert!(page.contains("<span aria-hidden=\"true\">✓</span>"), "a mark for a completed exercise");
    assert!(page.contains("<span aria-hidden=\"true\">–</span>"), "a dash for one not started");
    assert!(!page.contains("data-exercise=\"implicit\""), "no column for an exercise not offered");
    assert!(page.contains("/progress.csv?layout=wide"), "the export with a row per learner");
    let headers = page.matches("class=\"exercise-col\"").count();
    assert_eq!(headers, catalog.len(), "one column per offered exercise");
    assert_eq!(page.matches("data-testid=\"learner-progress\"").count(), 2 * catalog.len());
    for e in catalog.iter().filter(|e| e.slug != "refresh") {
        let partial = format!("<span aria-hidden=\"true\">{}/{}</span>", steps_in(e.slug), e.steps.len());
        assert!(page.contains(&partial), "{partial}: {page}");
    }
}

#[tokio::test]
async fn an_instructor_resets_each_offered_exercise_alone_or_all_of_them() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "ada@example.org").await;
    let class_id = class_with_progress(&app, &c).await;
    let catalog = oauthlab::exercises::catalog();
    let steps = |list: &Value, slug: &str| list[0]["exercises"][slug]["steps_passed"].as_i64();
    for (i, e) in catalog.iter().enumerate() {
        let res = c
            .post(app.url("/api/v1/instructor/learners/amy/reset"))
            .json(&json!({"exercise": e.slug}))
            .send()
            .await
            .expect("reset");
        assert_eq!(res.status(), 204, "{}", e.slug);
        let list: Value = learners(&app, &c, "").await.json().await.expect("json");
        for (j, other) in catalog.iter().enumerate() {
            let want = if j <= i { 0 } else { steps_in(other.slug) };
            assert_eq!(steps(&list, other.slug), Some(want), "after resetting {}: {}", e.slug, other.slug);
        }
    }
    // Every exercise of the whole class, at once.
    let mut slugs: Vec<&str> = catalog.iter().map(|e| e.slug).collect();
    slugs.push("getting-started");
    for slug in &slugs {
        put_progress(&app, "amy", slug, steps_in(slug), false).await;
    }
    let res = c
        .post(app.url(&format!("/api/v1/instructor/classes/{class_id}/reset")))
        .json(&json!({"exercise": "all"}))
        .send()
        .await
        .expect("reset");
    assert_eq!(res.status(), 204);
    let list: Value = learners(&app, &c, "").await.json().await.expect("json");
    for e in &catalog {
        assert_eq!(steps(&list, e.slug), Some(0), "{}", e.slug);
    }
}

/// Each learner row's `data-key` and `data-version`, in order.
fn row_versions(page: &str) -> Vec<(String, String)> {
    page.split("<tr")
        .skip(1)
        .filter_map(|row| {
            let attr =
                |name: &str| row.split(&format!("{name}=\"")).nth(1)?.split('"').next().map(str::to_owned);
            let head = row.split('>').next()?;
            let key = attr("data-key").filter(|_| head.contains("data-key"))?;
            Some((key, attr("data-version")?))
        })
        .collect()
}

#[tokio::test]
async fn a_live_update_carries_only_the_rows_that_changed() {
    let app = TestApp::spawn().await;
    let c = instructor(&app, "ada@example.org").await;
    class_with_progress(&app, &c).await;
    let dashboard = |shown: Option<String>| {
        let mut req = c.get(app.url("/instructor")).header("accept", "text/html");
        if let Some(shown) = shown {
            req = req.header("x-oauthlab-rows", shown);
        }
        async move { req.send().await.expect("get").text().await.expect("page") }
    };
    let full = dashboard(None).await;
    let rows = row_versions(&full);
    assert_eq!(rows.len(), 2, "{full}");
    let shown = rows.iter().map(|(k, v)| format!("{k}:{v}")).collect::<Vec<_>>().join(",");

    // Nothing changed: both rows come as stubs, and the page is lighter for it.
    let live = dashboard(Some(shown.clone())).await;
    assert_eq!(live.matches("data-same").count(), 2, "{live}");
    assert!(!live.contains(">Amy<") && !live.contains("Yes, reset Amy"), "no full row");
    assert!(live.len() < full.len(), "{} < {}", live.len(), full.len());

    // Bo passes a step: only Bo's row comes in full, with a new version.
    put_progress(&app, "bo", "refresh", 1, false).await;
    let live = dashboard(Some(shown.clone())).await;
    assert_eq!(live.matches("data-same").count(), 1, "{live}");
    assert!(live.contains("Yes, reset Bo") && !live.contains("Yes, reset Amy"), "{live}");
    let after = row_versions(&live);
    let bo = rows.iter().find(|(k, _)| k.ends_with("bo")).expect("bo");
    assert!(after.iter().any(|(k, v)| k == &bo.0 && v != &bo.1), "Bo's version changed: {after:?}");

    // A made-up or stale version gets the full row; a flood of names is cut short.
    let live = dashboard(Some("learner-amy:nope".to_owned())).await;
    assert_eq!(live.matches("data-same").count(), 0);
    let flood = (0..10_000).map(|i| format!("learner-x{i}:v")).collect::<Vec<_>>().join(",");
    let res = c
        .get(app.url("/instructor"))
        .header("accept", "text/html")
        .header("x-oauthlab-rows", flood)
        .send()
        .await
        .expect("get");
    assert!(res.status().as_u16() < 500, "{}", res.status());
}
