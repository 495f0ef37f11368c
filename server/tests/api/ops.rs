//! What an operator relies on: `/healthz`, a graceful stop on SIGTERM, and the server key
//! in a file of the operator's choosing (`--server-key-file`).

use std::io::{Read, Write};
use std::time::Duration;

use app::services::store::ClientSecrets;

use crate::helpers::{RealServer, TestApp};

#[tokio::test]
async fn healthz_says_ok_with_no_cookie_no_cache_and_no_rate_limit() {
    let app = TestApp::spawn_with(|s| s.rate_limit = 2).await;
    let probe = reqwest::Client::new();
    for _ in 0..5 {
        let res = probe.get(app.url("/healthz")).send().await.expect("get");
        assert_eq!(res.status(), 200);
        assert!(res.headers().get("set-cookie").is_none(), "no session for a probe");
        assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
        assert_eq!(res.text().await.expect("body"), "ok\n");
    }
    let head = probe.head(app.url("/healthz")).send().await.expect("head");
    assert_eq!(head.status(), 200);
    assert!(head.headers().get("set-cookie").is_none());
    assert!(head.bytes().await.expect("body").is_empty());
    // The same client is limited elsewhere: the probes above were not counted.
    assert_eq!(probe.get(app.url("/api/v1/exercises")).send().await.expect("get").status(), 200);
    assert_eq!(probe.get(app.url("/api/v1/exercises")).send().await.expect("get").status(), 200);
    assert_eq!(probe.get(app.url("/api/v1/exercises")).send().await.expect("get").status(), 429);
    assert_eq!(probe.get(app.url("/healthz")).send().await.expect("get").status(), 200);
}

#[tokio::test]
async fn healthz_is_503_when_the_database_does_not_answer() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.state.db.pool.close().await;
    let res = reqwest::Client::new().get(app.url("/healthz")).send().await.expect("get");
    assert_eq!(res.status(), 503);
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    assert_eq!(res.text().await.expect("body"), "database unavailable\n");
}

/// SIGTERM while a request is in flight (its headers sent, its body not yet): no new
/// connection is taken, the request is answered, and the process exits 0.
#[tokio::test]
async fn sigterm_finishes_the_request_in_flight_closes_the_port_and_exits_0() {
    let mut server = RealServer::start().await;
    let addr = server.addr().to_owned();
    let mut conn = std::net::TcpStream::connect(&addr).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(15))).expect("timeout");
    let head = format!(
        "POST /api/v1/pkce/generate HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: 2\r\n\r\n"
    );
    conn.write_all(head.as_bytes()).expect("send the headers");
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.terminate();
    // The port closes at once, while the request is still open.
    let mut closed = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(&addr).is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(closed, "the port still takes connections after SIGTERM");
    assert!(server.running(), "the process waits for the request in flight");
    conn.write_all(b"{}").expect("send the body");
    let mut answer = String::new();
    let _ = conn.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"verifier\""), "{answer}");
    let status = server.exited(Duration::from_secs(15)).await.expect("exited within 15 s");
    assert_eq!(status.code(), Some(0), "{}", server.stderr());
}

#[tokio::test]
async fn sigterm_on_an_idle_server_exits_0_at_once() {
    let mut server = RealServer::start().await;
    server.terminate();
    let status = server.exited(Duration::from_secs(5)).await.expect("exited within 5 s");
    assert_eq!(status.code(), Some(0), "{}", server.stderr());
    assert!(std::net::TcpStream::connect(server.addr()).is_err());
}

#[cfg(unix)]
#[tokio::test]
async fn a_server_key_file_is_made_0600_and_kept_across_restarts_and_databases() {
    use std::os::unix::fs::PermissionsExt;
    let keys = tempfile::tempdir().expect("tempdir");
    let path = keys.path().join("server.key");
    let with_file = |s: &mut server::config::Settings| s.server_key_file = Some(path.clone());
    let first = TestApp::spawn_with(with_file).await;
    let meta = std::fs::metadata(&path).expect("the key file was made");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let bytes = std::fs::read(&path).expect("read");
    assert_eq!(bytes.len(), 32);
    assert!(!first.dir.path().join("lab.db.key").exists(), "no key beside the database");
    let secret = first.state.services.secrets.secret_for("lab_fixed");
    let from_file = server::storage::ServerKey::load_or_create(&path).expect("load");
    assert_eq!(from_file.secret_for("lab_fixed"), secret);
    first.stop().await;

    // Another start, on another database: the same key.
    let again = TestApp::spawn_with(|s| s.server_key_file = Some(path.clone())).await;
    assert_eq!(again.state.services.secrets.secret_for("lab_fixed"), secret);
    assert_eq!(std::fs::read(&path).expect("read"), bytes, "the file is read, not rewritten");
    // Without the flag, the key beside the database, as before.
    let beside = TestApp::spawn().await;
    assert_ne!(beside.state.services.secrets.secret_for("lab_fixed"), secret);
    assert!(beside.dir.path().join("lab.db.key").exists());
}

/// A key file that is not a key stops every command that reads it, naming the file; the
/// file is left as it was (a new key would change every client secret).
#[test]
fn a_malformed_server_key_file_refuses_to_start_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("server.key");
    std::fs::write(&key, b"not a key\n").expect("write");
    let db = format!("sqlite:{}/lab.db", dir.path().display());
    let key_arg = key.display().to_string();
    let by_flag = ["serve", "--addr", "127.0.0.1:0", "--database", &db, "--server-key-file", &key_arg];
    let by_env = ["keys", "rotate", "--database", &db];
    for (args, env) in [
        (&by_flag[..], None),
        (&by_env[..], Some(&key_arg)),
        (&["housekeeping", "--database", &db][..], Some(&key_arg)),
    ] {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_oauthlab"));
        command.args(args).stdin(std::process::Stdio::null());
        for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("OAUTHLAB_")) {
            command.env_remove(name);
        }
        if let Some(file) = env {
            command.env("OAUTHLAB_SERVER_KEY_FILE", file);
        }
        let out = command.output().expect("run oauthlab");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("oauthlab: "), "{stderr}");
        assert!(stderr.contains(&key_arg) && stderr.contains("not a server key"), "{args:?}: {stderr}");
    }
    assert_eq!(std::fs::read(&key).expect("read"), b"not a key\n");
    assert!(!dir.path().join("lab.db.key").exists());
}
