//! Durability: a check the server answered 200 is on disk, whatever happens to the
//! process next. Checks run under load, the server is killed with SIGKILL in the middle,
//! and a new process on the same database finds every acknowledged check.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{statuses, RealServer};

/// Concurrent clients, and how many learners each takes through steps 1-3 at most.
const TASKS: usize = 8;
const LEARNERS_PER_TASK: usize = 13;
/// The kill comes once this many checks were acknowledged (of at most 8 × 13 × 3 = 312).
const KILL_AFTER: usize = 120;
/// The steps a learner passes here, in order.
const STEPS: [&str; 3] = ["verifier", "challenge", "authorization-url"];

/// A check the server answered 200 (and passed): the learner's cookie and the step's index.
type Acknowledged = Arc<Mutex<Vec<(String, usize)>>>;

/// One learner of the load: a session of its own (`cookie`), taken through steps 1-3.
/// Ends at the first request that gets no answer (the server was killed).
async fn one_learner(
    base: &str,
    http: &reqwest::Client,
    acked: &Acknowledged,
    count: &AtomicUsize,
) -> Option<()> {
    let first = http.get(format!("{base}/api/v1/exercises/refresh")).send().await.ok()?;
    let cookie = first
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)?;
    let post = |path: String, body: Value| {
        http.post(format!("{base}{path}")).header("cookie", cookie.as_str()).json(&body).send()
    };
    let pkce: Value = post("/api/v1/pkce/generate".into(), json!({})).await.ok()?.json().await.ok()?;
    let app: Value = http
        .get(format!("{base}/api/v1/practice/app"))
        .header("cookie", cookie.as_str())
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let mut url = url::Url::parse(&format!("{base}/oauth2/authorize")).ok()?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", app["client_id"].as_str()?)
        .append_pair("state", "Xq3v9LwP2sTa")
        .append_pair("scope", "offline_access")
        .append_pair("redirect_uri", &format!("{base}/redirect"))
        .append_pair("code_challenge", pkce["challenge"].as_str()?)
        .append_pair("code_challenge_method", "S256");
    let inputs =
        [pkce["verifier"].as_str()?.to_owned(), pkce["challenge"].as_str()?.to_owned(), url.to_string()];
    for (index, (step, input)) in STEPS.iter().zip(inputs).enumerate() {
        let path = format!("/api/v1/exercises/refresh/steps/{step}/check");
        let res = post(path, json!({"input": input})).await.ok()?;
        let status = res.status();
        let verdict: Value = res.json().await.ok()?;
        // Anything but a passing verdict is a failure of the test, not of the load.
        assert_eq!(status, 200, "{verdict}");
        assert_eq!(verdict["passed"], true, "{verdict}");
        acked.lock().ok()?.push((cookie.clone(), index));
        count.fetch_add(1, Ordering::SeqCst);
    }
    Some(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_answered_200_survives_a_sigkill_under_load() {
    let mut server = RealServer::start().await;
    let acked: Acknowledged = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..TASKS {
        let (base, acked, count) = (server.base.clone(), acked.clone(), count.clone());
        tasks.spawn(async move {
            let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
            for _ in 0..LEARNERS_PER_TASK {
                if one_learner(&base, &http, &acked, &count).await.is_none() {
                    break;
                }
            }
        });
    }
    // Wait (at most a minute) for the load to be well under way, then kill.
    for _ in 0..6_000 {
        if count.load(Ordering::SeqCst) >= KILL_AFTER || tasks.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(count.load(Ordering::SeqCst) >= KILL_AFTER, "the load did not get going");
    server.kill();
    while let Some(done) =
        tokio::time::timeout(Duration::from_secs(60), tasks.join_next()).await.ok().flatten()
    {
        done.expect("a client task");
    }
    let acked = acked.lock().map(|a| a.clone()).unwrap_or_default();
    assert!(acked.len() < TASKS * LEARNERS_PER_TASK * STEPS.len(), "the kill came after the load ended");

    let server = server.kill_and_restart().await;
    let http = reqwest::Client::new();
    let integrity: (String,) = {
        let pool = sqlx::SqlitePool::connect(&server.database).await.expect("db");
        let row = sqlx::query_as("PRAGMA integrity_check").fetch_one(&pool).await.expect("integrity_check");
        pool.close().await;
        row
    };
    assert_eq!(integrity.0, "ok");
    let mut learners: Vec<&str> = acked.iter().map(|(cookie, _)| cookie.as_str()).collect();
    learners.sort_unstable();
    learners.dedup();
    for cookie in learners {
        let res = http
            .get(server.url("/api/v1/exercises/refresh"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("get");
        assert!(res.headers().get("set-cookie").is_none(), "the session was kept");
        let state: Value = res.json().await.expect("json");
        let steps = statuses(&state);
        for (_, index) in acked.iter().filter(|(c, _)| c == cookie) {
            assert_eq!(
                steps[*index].1, "passed",
                "an acknowledged {} check was lost: {steps:?}",
                STEPS[*index]
            );
        }
    }
    eprintln!("{} acknowledged checks, all recorded after SIGKILL", acked.len());
}
