//! Prometheus metrics (`serve --metrics-addr`), on the real binary: the recorder is
//! global to a process, so each test has a server process of its own.

use serde_json::json;

use crate::helpers::{client, RealServer};

/// The metrics address the server logged (`metrics on http://ADDR/metrics`).
fn metrics_url(server: &RealServer) -> String {
    let log = server.stdout();
    let start = log.find("metrics on http://").unwrap_or_else(|| panic!("no metrics address logged: {log}"));
    let rest = &log[start + "metrics on ".len()..];
    let end = rest.find("/metrics").expect("the /metrics path") + "/metrics".len();
    rest[..end].to_owned()
}

/// The TCP sockets the process listens on (its file descriptors that are sockets in
/// state LISTEN), as local ports.
fn listening_ports(pid: u32) -> Vec<u16> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("fds")
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            Some(target.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    let mut ports = Vec::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) = (cols.get(1), cols.get(3), cols.get(9)) else {
                continue;
            };
            if *state == "0A" && inodes.iter().any(|i| i == inode) {
                let port = local.rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok());
                ports.push(port.expect("a port"));
            }
        }
    }
    ports
}

/// The value of the sample whose line starts with `series` (name and labels as rendered).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

#[tokio::test]
async fn metrics_list_requests_by_route_template_checks_by_verdict_and_the_pool_on_their_own_port() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite:{}", dir.path().join("lab.db").display());
    let server = RealServer::start_with(dir, database, &["--metrics-addr", "127.0.0.1:0"]).await;
    let metrics = metrics_url(&server);
    let site = client();

    // A route with a parameter, twice, a path no route has, and checks through the API.
    for _ in 0..2 {
        let res = site.get(server.url("/api/v1/exercises/refresh")).send().await.expect("get");
        assert_eq!(res.status(), 200);
    }
    let res = site.get(server.url("/api/v1/no-such-thing-7f3a")).send().await.expect("get");
    assert_eq!(res.status(), 404);
    let check = |step: &str, input: &str| {
        site.post(server.url(&format!("/api/v1/exercises/refresh/steps/{step}/check")))
            .json(&json!({ "input": input }))
            .send()
    };
    assert_eq!(check("verifier", "too-short").await.expect("check").status(), 200);
    assert_eq!(check("authorization-url", "https://example.com").await.expect("check").status(), 409);

    let scrape = reqwest::get(&metrics).await.expect("scrape");
    assert_eq!(scrape.status(), 200);
    assert!(
        scrape
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain")),
        "{:?}",
        scrape.headers()
    );
    let text = scrape.text().await.expect("body");
    let route = r#"route="/api/v1/exercises/{slug}""#;
    assert_eq!(
        sample(&text, &format!(r#"oauthlab_http_requests_total{{{route},method="GET",status="200"}}"#)),
        Some(2.0),
        "{text}"
    );
    assert!(
        text.contains(&format!(r#"oauthlab_http_request_duration_seconds_bucket{{{route},method="GET",status="200",le="+Inf"}} 2"#)),
        "a latency histogram: {text}"
    );
    // The raw path is never a label: a path no route matched is "unmatched".
    assert!(!text.contains("no-such-thing"), "{text}");
    assert!(!text.contains(r#"route="/api/v1/exercises/refresh""#), "{text}");
    assert_eq!(
        sample(&text, r#"oauthlab_http_requests_total{route="unmatched",method="GET",status="404"}"#),
        Some(1.0),
        "{text}"
    );
    let checks = |step: &str, verdict: &str| {
        sample(
            &text,
            &format!(r#"oauthlab_checks_total{{exercise="refresh",step="{step}",verdict="{verdict}"}}"#),
        )
    };
    assert_eq!(checks("verifier", "failed"), Some(1.0), "{text}");
    assert_eq!(checks("authorization-url", "locked"), Some(1.0), "{text}");
    assert_eq!(checks("verifier", "passed"), None, "{text}");
    let size = sample(&text, "oauthlab_db_pool_connections").expect("pool size");
    let idle = sample(&text, "oauthlab_db_pool_idle_connections").expect("idle connections");
    assert!(size >= 1.0 && idle <= size, "size {size}, idle {idle}");

    // The metrics port serves nothing else, and the site's port has no /metrics.
    let other = metrics.trim_end_matches("/metrics").to_owned() + "/api/v1/exercises";
    assert_eq!(reqwest::get(&other).await.expect("get").status(), 404);
    let res = site.get(server.url("/metrics")).send().await.expect("get");
    assert_eq!(res.status(), 404);
    assert!(!res.text().await.expect("body").contains("oauthlab_http_requests_total"));
    // The scrapes themselves are not counted as the site's requests.
    let again = reqwest::get(&metrics).await.expect("scrape").text().await.expect("body");
    assert!(!again.contains(r#"route="/metrics""#), "{again}");
    assert_eq!(listening_ports(server.pid()).len(), 2);
}

#[tokio::test]
async fn without_the_flag_no_metrics_are_served_and_only_the_site_listens() {
    let server = RealServer::start().await;
    let site = client();
    assert_eq!(site.get(server.url("/api/v1/exercises")).send().await.expect("get").status(), 200);
    let res = site.get(server.url("/metrics")).send().await.expect("get");
    assert_eq!(res.status(), 404);
    assert!(!server.stdout().contains("metrics on"), "{}", server.stdout());
    let site_port: u16 = server.addr().rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
    assert_eq!(listening_ports(server.pid()), vec![site_port]);
}
