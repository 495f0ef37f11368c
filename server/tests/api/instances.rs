//! Several `oauthlab serve` instances on one PostgreSQL database serve as one site (issue
//! 16): they start together on an empty database, and a learner's and an instructor's
//! requests may reach either. Each test skips without a test PostgreSQL
//! (`OAUTHLAB_TEST_POSTGRES`, which `make test` sets).

use serde_json::{json, Value};

use crate::helpers::{client, field, free_addr, statuses, RealServer, Site};
use crate::instructors::add_instructor;

/// Two instances on one fresh PostgreSQL database sharing one key file (made by whichever
/// starts first), started at the same moment. `public` names the site's address for
/// both: as behind one proxy, each says the same issuer.
async fn two_instances(hint: &str, public: Option<&str>) -> Option<(RealServer, RealServer, tempfile::TempDir)> {
    let database = server::testing::postgres_database(hint).await?;
    let keys = tempfile::tempdir().expect("tempdir");
    let key = keys.path().join("server.key").display().to_string();
    let mut more = vec!["--server-key-file", key.as_str()];
    if let Some(public) = public {
        more.extend(["--public-url", public]);
    }
    let dir = || tempfile::tempdir().expect("tempdir");
    let (a, b) = tokio::join!(
        RealServer::start_with(dir(), database.clone(), &more),
        RealServer::start_with(dir(), database, &more)
    );
    Some((a, b, keys))
}

/// The page at `path`, as HTML.
async fn page(site: &Site, path: &str) -> String {
    let (status, html) = site.html(path).await;
    assert_eq!(status, 200, "{path}");
    html
}

/// The text of each `<textarea>` of a page.
fn textareas(html: &str) -> Vec<String> {
    html.split("</textarea>")
        .filter_map(|before| before.rsplit_once("<textarea").map(|(_, tag)| tag))
        .filter_map(|tag| tag.split_once('>').map(|(_, text)| text.replace("&#x2B;", "+").replace("&amp;", "&")))
        .collect()
}

async fn count(database: &str, sql: &str) -> i64 {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(database).await.expect("connect");
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await.expect("count");
    conn.close().await.expect("close");
    n
}

#[tokio::test]
async fn on_postgres_two_instances_starting_together_on_an_empty_database_migrate_once_with_one_signing_key() {
    let Some((a, b, keys)) = two_instances("start", None).await else { return };
    for server in [&a, &b] {
        let res = reqwest::get(server.url("/healthz")).await.expect("healthz");
        assert_eq!(res.status(), 200, "{}", server.stderr());
    }
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .expect("migrations")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql")))
        .count();
    let applied = count(&a.database, "SELECT COUNT(*) FROM _sqlx_migrations").await;
    assert_eq!(applied, i64::try_from(migrations).expect("count"), "each migration once");
    assert_eq!(count(&a.database, "SELECT COUNT(*) FROM signing_keys").await, 1, "one first signing key");
    let jwks = |s: &RealServer| {
        let url = s.url("/oauth2/jwks");
        async move { reqwest::get(url).await.expect("jwks").json::<Value>().await.expect("json") }
    };
    let (ja, jb) = tokio::join!(jwks(&a), jwks(&b));
    assert_eq!(ja, jb, "both publish the same keys");
    assert_eq!(ja["keys"].as_array().map(Vec::len), Some(2), "one generation: ES256 and RS256");
    assert_eq!(std::fs::read(keys.path().join("server.key")).expect("key").len(), 32);
}

/// A learner does the Refresh Tokens exercise with each request going to the other
/// instance than the one before; an instructor signs in on one, makes a class on the
/// other, sees the learner's progress and resets it; the learner sees the reset on both.
#[tokio::test]
async fn on_postgres_a_learner_and_an_instructor_alternate_between_two_instances_as_one_site() {
    // The site's public address is A's own, so that B, given it, names the same issuer.
    let a_addr = free_addr();
    let public = format!("http://{a_addr}");
    let Some(database) = server::testing::postgres_database("journey").await else { return };
    let keys = tempfile::tempdir().expect("tempdir");
    let key = keys.path().join("server.key").display().to_string();
    let a = RealServer::start_with(
        tempfile::tempdir().expect("tempdir"),
        database.clone(),
        &["--server-key-file", &key, "--addr", &a_addr],
    )
    .await;
    assert_eq!(a.base, public, "A serves at the address asked for");
    let b = RealServer::start_with(
        tempfile::tempdir().expect("tempdir"),
        database.clone(),
        &["--server-key-file", &key, "--public-url", &public],
    )
    .await;
    let browser = client();
    let on_a = Site::instance(&a.base, &public, &browser);
    let on_b = Site::instance(&b.base, &public, &browser);

    // Pages after a plain form post (no JavaScript): a verifier generated on A is in the
    // page B renders, and a failed check posted to B is shown by A.
    let generated = browser
        .post(on_a.url("/fn/generate_verifier"))
        .header("accept", "text/html")
        .header("referer", on_a.public_url("/exercises/refresh"))
        .form(&[("exercise", "refresh")])
        .send()
        .await
        .expect("post");
    assert_eq!(generated.status(), 302);
    let shown = textareas(&page(&on_b, "/exercises/refresh").await);
    let verifier_shown = shown.iter().find(|t| t.len() == 43).cloned().unwrap_or_else(|| panic!("{shown:?}"));
    assert!(textareas(&page(&on_a, "/exercises/refresh").await).contains(&verifier_shown), "on A too");
    let failed = browser
        .post(on_b.url("/fn/check_step"))
        .header("accept", "text/html")
        .header("referer", on_b.public_url("/exercises/refresh"))
        .form(&[("step", "verifier"), ("input", "abc+def")])
        .send()
        .await
        .expect("post");
    assert_eq!(failed.status(), 302);
    let body = page(&on_a, "/exercises/refresh").await;
    assert!(body.contains("data-testid=\"verdict-verifier\"") && body.contains("not allowed"), "{body}");
    assert!(textareas(&body).iter().any(|t| t == "abc+def"), "what was typed is back in the box");

    // Steps 1-3, alternating.
    let pkce: Value = on_a.post_json("/api/v1/pkce/generate", &json!({})).await.json().await.expect("pkce");
    let verifier = pkce["verifier"].as_str().expect("verifier").to_owned();
    let challenge = pkce["challenge"].as_str().expect("challenge").to_owned();
    assert_eq!(on_b.check_json("verifier", &verifier).await["passed"], true);
    assert_eq!(on_a.check_json("challenge", &challenge).await["passed"], true);
    let url = on_b.authorization_url(&challenge, "offline_access").await;
    assert_eq!(on_a.practice_app().await, on_b.practice_app().await, "one practice application");
    assert_eq!(on_b.check_json("authorization-url", &url).await["passed"], true);
    let progress = statuses(&on_a.get_json("/api/v1/exercises/refresh").await);
    assert_eq!(progress[3].1, "current", "A sees what B graded: {progress:?}");

    // The practice server: refresh tokens on (A), log in (B), the code exchanged (A)
    // and checked (B), refreshed (B) and checked (A).
    on_a.enable_refresh_tokens(true).await;
    let login = on_b.login(&url).await;
    let (status, exchanged) = on_a.redeem(&login.code, &verifier).await;
    assert_eq!(status, 200, "{exchanged}");
    let (again, replayed) = on_b.redeem(&login.code, &verifier).await;
    assert_eq!(again, 400, "the code was used on the other instance: {replayed}");
    // The replay revoked the family, on both: start the login over for a clean pair.
    let login = on_b.login(&url).await;
    let (status, exchanged) = on_b.redeem(&login.code, &verifier).await;
    assert_eq!(status, 200, "{exchanged}");
    assert_eq!(on_a.check_json("token-response", &exchanged).await["passed"], true);
    let refreshed = on_b.refresh(&field(&exchanged, "refresh_token")).await;
    let verdict = on_a.check_json("refresh-response", &refreshed).await;
    assert_eq!(verdict["passed"], true, "{verdict}");
    let exercise = on_b.get_json("/api/v1/exercises/refresh").await;
    assert!(statuses(&exercise).iter().all(|(_, s)| s == "passed"), "{exercise}");

    // The instructor: signs in on A, makes a class on B; the learner joins on A.
    let (code, stderr) = add_instructor(&database, "ada@example.org", "correct horse battery staple");
    assert_eq!(code, 0, "{stderr}");
    let teacher = client();
    let res = teacher
        .post(a.url("/api/v1/instructor/login"))
        .json(&json!({"email": "ada@example.org", "password": "correct horse battery staple"}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 204);
    let res = teacher.post(b.url("/api/v1/instructor/classes")).json(&json!({"name": "Workshop"})).send().await;
    let class: Value = res.expect("class").json().await.expect("json");
    let join_code = class["join_url"].as_str().expect("join_url").rsplit('/').next().expect("code").to_owned();
    let joined = on_a.post_json("/api/v1/classes/join", &json!({"code": join_code, "display_name": "Grace"})).await;
    assert_eq!(joined.status(), 204);
    let learners: Value =
        teacher.get(b.url("/api/v1/instructor/learners")).send().await.expect("get").json().await.expect("json");
    let list = learners.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 1, "{learners}");
    assert_eq!(list[0]["exercises"]["refresh"]["completed"], true, "{learners}");
    let learner_id = list[0]["learner_id"].as_str().expect("id").to_owned();

    // Reset on A; seen on B by the learner, and on B by the instructor.
    let res = teacher
        .post(a.url(&format!("/api/v1/instructor/learners/{learner_id}/reset")))
        .json(&json!({"exercise": "refresh"}))
        .send()
        .await
        .expect("reset");
    assert_eq!(res.status(), 204);
    assert_eq!(statuses(&on_b.get_json("/api/v1/exercises/refresh").await)[0].1, "current");
    assert_eq!(statuses(&on_a.get_json("/api/v1/exercises/refresh").await)[1].1, "locked");
    let learners: Value =
        teacher.get(b.url("/api/v1/instructor/learners")).send().await.expect("get").json().await.expect("json");
    let list = learners.as_array().cloned().unwrap_or_default();
    assert_ne!(list[0]["exercises"]["refresh"]["completed"], true, "{learners}");

    for server in [&a, &b] {
        assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
    }
}
