use std::process::Command;

fn oauthlab(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_oauthlab"))
        .args(args)
        .env_remove("OAUTHLAB_ADDR")
        .env_remove("OAUTHLAB_DATABASE")
        .env_remove("OAUTHLAB_PUBLIC_URL")
        .env_remove("OAUTHLAB_TRUSTED_PROXY")
        .output()
        .expect("run oauthlab");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn one_line_reason(stderr: &str) -> bool {
    stderr.trim_end().lines().count() == 1 && stderr.starts_with("oauthlab: ")
}

#[test]
fn a_bad_flag_exits_non_zero_with_the_reason() {
    let (code, stderr) = oauthlab(&["serve", "--adr", "x"]);
    assert_ne!(code, 0);
    assert!(one_line_reason(&stderr) && stderr.contains("--adr"), "{stderr}");
    let (code, stderr) = oauthlab(&["serve", "--addr", "not-an-address"]);
    assert_ne!(code, 0);
    assert!(one_line_reason(&stderr) && stderr.contains("not-an-address"), "{stderr}");
}

#[test]
fn no_command_exits_non_zero_saying_which_commands_there_are() {
    let cases: &[(&[&str], &str)] = &[
        (&[], "oauthlab: a command is required: serve, instructor add, keys rotate, openapi, housekeeping or migrate-data (see oauthlab --help)"),
        (&["instructor"], "oauthlab: instructor needs a command: add (see oauthlab instructor --help)"),
    ];
    for (args, want) in cases {
        let (code, stderr) = oauthlab(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(one_line_reason(&stderr), "{stderr}");
        assert_eq!(stderr.trim_end(), *want);
    }
}

/// `oauthlab openapi` prints the document the site serves, which `make openapi` writes to
/// docs/openapi.json.
#[test]
fn openapi_prints_the_document() {
    let out = Command::new(env!("CARGO_BIN_EXE_oauthlab")).arg("openapi").output().expect("run oauthlab");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(printed == server::http::openapi::document_json(), "stdout is the document");
    assert!(printed.ends_with("}\n"));
}

#[test]
fn a_bad_public_url_exits_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite:{}/x.db", dir.path().display());
    let (code, stderr) =
        oauthlab(&["serve", "--addr", "127.0.0.1:0", "--database", &db, "--public-url", "nope"]);
    assert_ne!(code, 0);
    assert!(one_line_reason(&stderr), "{stderr}");
}

#[test]
fn a_bad_trusted_proxy_exits_with_one_line_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite:{}/x.db", dir.path().display());
    let args = ["serve", "--addr", "127.0.0.1:0", "--database", &db, "--trusted-proxy", "127.0.0.1/32"];
    let (code, stderr) = oauthlab(&[&args[..], &["--trusted-proxy", "10.0.0.0/99"]].concat());
    assert_ne!(code, 0);
    assert!(one_line_reason(&stderr) && stderr.contains("\"10.0.0.0/99\""), "{stderr}");
    assert!(!dir.path().join("x.db").exists(), "refused before the database is opened");
}

#[test]
fn a_port_in_use_exits_with_one_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite:{}/x.db", dir.path().display());
    let (code, stderr) = oauthlab(&["serve", "--addr", &addr, "--database", &db]);
    assert_ne!(code, 0);
    assert!(one_line_reason(&stderr), "{stderr}");
    assert!(stderr.contains(&addr), "{stderr}");
}

#[test]
fn a_database_that_cannot_be_opened_exits_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").expect("write");
    let db = format!("sqlite:{}/x.db", blocker.display());
    let (code, stderr) = oauthlab(&["serve", "--addr", "127.0.0.1:0", "--database", &db]);
    assert_ne!(code, 0);
    assert!(one_line_reason(&stderr), "{stderr}");
    assert!(stderr.contains("cannot open database"), "{stderr}");
}

#[test]
fn a_database_address_of_another_kind_or_postgres_without_a_key_file_is_refused_and_makes_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (args, reason) in [
        (&["serve", "--addr", "127.0.0.1:0", "--database", "postgres://db.example/lab"][..], "--server-key-file"),
        (&["keys", "rotate", "--database", "postgresql://db.example/lab"][..], "--server-key-file"),
        (&["keys", "rotate", "--database", "mysql://db.example/lab"][..], "give sqlite:PATH"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_oauthlab"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("OAUTHLAB_DATABASE")
            .output()
            .expect("run oauthlab");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        assert!(one_line_reason(&stderr), "{stderr}");
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(left.is_empty(), "nothing was created: {left:?}");
}
