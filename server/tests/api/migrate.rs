//! `oauthlab migrate-data`: a site on SQLite moved to PostgreSQL with the real binary, its
//! learners, practice apps and instructors carrying on there. Skipped (each test returns)
//! without OAUTHLAB_TEST_POSTGRES.

use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::{client, field, statuses, TestApp};
use crate::instructors::{add_instructor, create_class, join, join_code};

const PASSWORD: &str = "correct horse battery staple";

/// Run `oauthlab migrate-data ARGS`, as an operator would: exit code, stdout, stderr.
fn migrate_data(args: &[&str]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oauthlab"));
    command.arg("migrate-data").args(args);
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("OAUTHLAB_")) {
        command.env_remove(name);
    }
    let out = command.output().expect("run oauthlab migrate-data");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An instructor's browser, signed in.
async fn sign_in(app: &TestApp, email: &str) -> reqwest::Client {
    let c = client();
    let res = c
        .post(app.url("/api/v1/instructor/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 204, "{email} signs in");
    c
}

/// Stop `app`, keeping its folder (its database and key file).
async fn stop_keeping_files(mut app: TestApp) -> tempfile::TempDir {
    let dir = std::mem::replace(&mut app.dir, tempfile::tempdir().expect("tempdir"));
    app.stop().await;
    dir
}

/// The steps' statuses, as pairs of text.
fn sts(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

#[tokio::test]
async fn a_site_moved_to_postgres_keeps_its_learners_progress_client_secrets_and_classes() {
    let Some(postgres) = server::testing::postgres_database("migrate_site").await else { return };
    let sqlite = TestApp::spawn().await;
    let (code, stderr) = add_instructor(&sqlite.database, "ada@example.org", PASSWORD);
    assert_eq!(code, 0, "{stderr}");
    let teacher = sign_in(&sqlite, "ada@example.org").await;
    let class = create_class(&sqlite, &teacher, "OAuth workshop").await;
    join(&sqlite, &join_code(&class), "Grace").await;
    sqlite.enable_refresh_tokens(true).await;
    let (verifier, challenge, _) = sqlite.pass_first_three_steps().await;
    let app_before = sqlite.practice_app().await;
    let learner = sqlite.client.clone();
    let from = sqlite.database.clone();
    let dir = stop_keeping_files(sqlite).await;
    let source_key = std::fs::read(dir.path().join("lab.db.key")).expect("the SQLite site's key");

    let key_file = dir.path().join("shared").join("oauthlab.key");
    std::fs::create_dir(dir.path().join("shared")).expect("mkdir");
    let key_arg = key_file.display().to_string();
    let (code, stdout, stderr) =
        migrate_data(&["--from", &from, "--to", &postgres, "--server-key-file", &key_arg]);
    assert_eq!(code, 0, "{stderr}");
    for line in ["instructors  1 row", "classes  1 row", "class_members  1 row", "practice_apps  1 row"] {
        assert!(stdout.lines().any(|l| l.split_whitespace().eq(line.split_whitespace())), "{line}: {stdout}");
    }
    assert!(stdout.contains(&format!("--database {postgres} --server-key-file {key_arg}")), "{stdout}");
    assert_eq!(std::fs::read(&key_file).expect("key copied"), source_key);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).expect("key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The site on PostgreSQL, on another port, with the copied key file.
    let mut site = TestApp::spawn_on(tempfile::tempdir().expect("tempdir"), postgres.clone(), |s| {
        s.server_key_file = Some(key_file.clone())
    })
    .await;
    site.client = learner;
    let state = site.get_json("/api/v1/exercises/refresh").await;
    assert_eq!(
        statuses(&state),
        sts(&[
            ("verifier", "passed"),
            ("challenge", "passed"),
            ("authorization-url", "passed"),
            ("token-response", "current"),
            ("refresh-response", "locked"),
        ]),
        "the same learner cookie sees its progress"
    );
    let app_after = site.practice_app().await;
    assert_eq!(app_after["client_id"], app_before["client_id"]);
    assert_eq!(app_after["client_secret"], app_before["client_secret"], "the secret follows the key");

    // The learner finishes the exercise there: code exchange and refresh with that secret.
    let url = site.authorization_url(&challenge, "offline_access").await;
    let response = site.exchange(&url, &verifier).await;
    let verdict = site.check_json("token-response", &response).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    let refreshed = site.refresh(&field(&response, "refresh_token")).await;
    let verdict = site.check_json("refresh-response", &refreshed).await;
    assert_eq!(verdict["passed"], true, "{verdict:#}");
    assert_eq!(verdict["exercise"]["completed"], true);

    // The instructor signs in there and sees the learner in the class.
    let teacher = sign_in(&site, "ada@example.org").await;
    let classes: Value = teacher
        .get(site.url("/api/v1/instructor/classes"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(classes[0]["name"], "OAuth workshop");
    assert_eq!(classes[0]["learners"], 1);
    let path = format!("/api/v1/instructor/learners?class_id={}", class["class_id"].as_str().expect("id"));
    let list: Value = teacher.get(site.url(&path)).send().await.expect("get").json().await.expect("json");
    assert_eq!(list[0]["display_name"], "Grace");
    assert_eq!(list[0]["exercises"]["refresh"]["steps_passed"], 5);
    assert_eq!(list[0]["exercises"]["refresh"]["completed"], true);
    // A new instructor gets a fresh id after the copied ones.
    let (code, stderr) = add_instructor(&site.database, "bob@example.org", PASSWORD);
    assert_eq!(code, 0, "{stderr}");
    sign_in(&site, "bob@example.org").await;
    site.stop().await;
}

#[tokio::test]
async fn migrate_data_refuses_a_target_with_rows_or_another_key_and_never_prints_the_password() {
    let Some(postgres) = server::testing::postgres_database("migrate_refuse").await else { return };
    let mut with_password = url::Url::parse(&postgres).expect("url");
    with_password.set_password(Some("Zq81-not-shown")).expect("password");
    let to = with_password.to_string();
    let sqlite = TestApp::spawn().await;
    sqlite.pass_first_three_steps().await;
    let from = sqlite.database.clone();
    let dir = stop_keeping_files(sqlite).await;
    let one_line = |stderr: &str| stderr.trim_end().lines().count() == 1 && stderr.starts_with("oauthlab: ");

    // A key file holding another key: refused, left as it was, nothing copied.
    let other = dir.path().join("other.key");
    std::fs::write(&other, [7u8; 32]).expect("write");
    let other_arg = other.display().to_string();
    let (code, stdout, stderr) =
        migrate_data(&["--from", &from, "--to", &to, "--server-key-file", &other_arg]);
    assert_eq!(code, 1, "{stdout}");
    assert!(one_line(&stderr) && stderr.contains("holds another server key"), "{stderr}");
    assert_eq!(std::fs::read(&other).expect("read"), [7u8; 32]);

    // Not SQLite to PostgreSQL, or no database at --from: refused, and no file made.
    let key_file = dir.path().join("pg.key");
    let key_arg = key_file.display().to_string();
    let missing = format!("sqlite:{}", dir.path().join("nothing.db").display());
    for (from, to, says) in [
        (from.as_str(), from.as_str(), "is not a PostgreSQL database"),
        (to.as_str(), to.as_str(), "is not a SQLite database"),
        ("mysql://lab@db/lab", to.as_str(), "is not a SQLite database"),
        (missing.as_str(), to.as_str(), "there is no database file"),
    ] {
        let (code, stdout, stderr) =
            migrate_data(&["--from", from, "--to", to, "--server-key-file", &key_arg]);
        assert_eq!(code, 1, "{stdout}");
        assert!(one_line(&stderr) && stderr.contains(says), "{says}: {stderr}");
        assert!(!stderr.contains("Zq81-not-shown"), "{stderr}");
    }
    assert!(!dir.path().join("nothing.db").exists() && !key_file.exists());
    // The source's key is where --from-key-file says, or nothing is done.
    let no_key = dir.path().join("no.key").display().to_string();
    let (code, _, stderr) = migrate_data(&[
        "--from",
        &from,
        "--to",
        &to,
        "--from-key-file",
        &no_key,
        "--server-key-file",
        &key_arg,
    ]);
    assert_eq!(code, 1);
    assert!(
        one_line(&stderr) && stderr.contains("server key is not at") && stderr.contains("no.key"),
        "{stderr}"
    );
    assert!(!key_file.exists());

    let (code, stdout, stderr) = migrate_data(&["--from", &from, "--to", &to, "--server-key-file", &key_arg]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("postgres://postgres:***@"), "{stdout}");
    assert!(!format!("{stdout}{stderr}").contains("Zq81-not-shown"), "{stdout}{stderr}");

    // Once more into the same database: two installs are never merged.
    let (code, stdout, stderr) = migrate_data(&["--from", &from, "--to", &to, "--server-key-file", &key_arg]);
    assert_eq!(code, 1, "{stdout}");
    assert!(one_line(&stderr) && stderr.contains("already holds rows (in table "), "{stderr}");
    assert!(!stderr.contains("Zq81-not-shown"), "{stderr}");
}
